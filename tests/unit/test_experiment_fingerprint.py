"""Engine facts: security options, cgroup version, feature flags from dockerd and daemon.json."""

from __future__ import annotations

import json
from pathlib import Path

from lab.experiment.fingerprint import docker_facts, engine_features, os_release


def _dockerd(proc: Path, pid: int, *args: str) -> None:
    entry = proc / str(pid)
    entry.mkdir(parents=True)
    (entry / "comm").write_text("dockerd\n")
    (entry / "cmdline").write_bytes("\0".join(["dockerd", *args]).encode() + b"\0")


def test_feature_flag_from_the_command_line(tmp_path: Path) -> None:
    _dockerd(tmp_path, 812, "--feature", "time-namespaces=false", "--config-file=/nonexistent")
    assert engine_features(str(tmp_path)) == ({"time-namespaces": False}, "dockerd --feature")


def test_feature_flag_from_daemon_json(tmp_path: Path) -> None:
    config = tmp_path / "daemon.json"
    config.write_text(
        json.dumps({"features": {"time-namespaces": False, "containerd-snapshotter": True}})
    )
    _dockerd(tmp_path / "proc", 900, f"--config-file={config}")
    features, source = engine_features(str(tmp_path / "proc"))
    assert features == {"time-namespaces": False, "containerd-snapshotter": True}
    assert source == str(config)


def test_no_dockerd_visible_means_unknown(tmp_path: Path) -> None:
    (tmp_path / "1").mkdir()
    assert engine_features(str(tmp_path)) == ({}, None)


def test_docker_facts_read_userns_and_rootless_from_security_options(tmp_path: Path) -> None:
    info = {
        "SecurityOptions": ["name=seccomp,profile=builtin", "name=userns", "name=rootless"],
        "CgroupVersion": "2",
        "CgroupDriver": "systemd",
    }
    facts = docker_facts({"Version": "29.5.0", "ApiVersion": "1.52"}, info, str(tmp_path))
    assert facts.userns_remap and facts.rootless
    assert (facts.server_version, facts.cgroup_version, facts.api_version) == (
        "29.5.0",
        "2",
        "1.52",
    )


def test_os_release(tmp_path: Path) -> None:
    path = tmp_path / "os-release"
    path.write_text('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_ID="12"\nID=debian\n')
    assert os_release(str(path)) == {
        "PRETTY_NAME": "Debian GNU/Linux 12 (bookworm)",
        "VERSION_ID": "12",
        "ID": "debian",
    }
