"""The README's main job end to end: one fresh Debian 12 or 13 VM, `nslab provision` over real SSH
as the non-root admin with become, Docker from the local stand-in (that release's own engine:
20.10 on Debian 12, 26.1 on Debian 13), the lab image from an offline archive.

On the VM (cgroup v2, like the course note's machine) the report must reproduce the course note's
table — cgroup, ipc, mnt, net, pid and uts isolated between the containers, time and user shared
(both engines predate private time namespaces, Engine 29.5) — and explain why; a second run reports
0 changed. Then, on Debian 12, the same VM with userns-remap turned on as an instructor types it:
the host still matches, each container in a user namespace of its own, and lsns agrees with every
identity (about 5 minutes more; the user-namespace logic does not depend on the release, and CI's
budget is counted). Under TCG each release takes about a quarter of an hour.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from vm_access import exited, qemu_pid, ssh

from lab.debian.releases import RELEASES, DebianRelease

pytestmark = pytest.mark.e2e

PROJECT = Path(__file__).resolve().parents[2]
ISOLATED = {"cgroup", "ipc", "mnt", "net", "pid", "uts"}
SHARED = {"time", "user"}
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
# The engine each release's stand-in suite repacks (Debian's docker.io).
ENGINES = {"bookworm": "20.10.", "trixie": "26.1."}


@dataclass(frozen=True)
class LocalClass:
    project: Path
    state_dir: Path
    release: DebianRelease

    @property
    def inventory(self) -> Path:
        return self.project / "inventory" / "local.yml"

    def nslab(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "lab", *arguments],
            capture_output=True,
            text=True,
            check=False,
            timeout=3600,
        )
        print(f"nslab {' '.join(arguments)}: {time.monotonic() - started:.1f} s")
        return result

    def provision(self, *extra: str) -> subprocess.CompletedProcess[str]:
        return self.nslab(
            "provision",
            "--project",
            str(self.project),
            "--docker-repo",
            "standin",
            "--release",
            self.release.codename,
            *extra,
        )

    def ssh(self, command: str) -> subprocess.CompletedProcess[str]:
        return ssh(self.inventory, command)


@pytest.fixture(params=RELEASES, ids=lambda release: release.codename)
def local_class(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[LocalClass]:
    """A project directory of its own (reports/, runs/, inventory/local.yml) and VM state of its
    own, so nothing a developer has running is reused or touched."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("ansible.cfg", "playbooks", "roles", "lab"):
        (project / name).symlink_to(PROJECT / name)
    (project / "inventory").mkdir()
    (project / "inventory" / "group_vars").symlink_to(PROJECT / "inventory" / "group_vars")
    lab = LocalClass(project, tmp_path / "vm-state", request.param)
    yield lab
    lab.nslab("vm", "down", "--state-dir", str(lab.state_dir))


def _play_output(run_output: str) -> str:
    run_dir = Path(re.search(r"^Run:\s+(\S+)$", run_output, re.MULTILINE)[1])
    # ansible-runner keeps Ansible's colours in the artifact; it is read without them.
    return ANSI_ESCAPE.sub("", next(run_dir.glob("artifacts/*/stdout")).read_text())


def _changed_in_recap(run_output: str) -> dict[str, int]:
    return {
        host: int(changed)
        for host, changed in re.findall(
            r"^(\S+)\s+:\s+ok=\d+\s+changed=(\d+)", _play_output(run_output), re.M
        )
    }


def _task_changed(run_output: str, task: str, host: str = "vm1") -> bool:
    """The play ran `task` on `host` and it reported a change."""
    for block in _play_output(run_output).split("\nTASK [")[1:]:
        if block.split("]", 1)[0].endswith(f" : {task}"):
            return f"changed: [{host}]" in block
    return False


def test_readme_main_job_on_a_fresh_vm(local_class: LocalClass) -> None:
    up = local_class.nslab(
        "vm",
        "up",
        "--state-dir",
        str(local_class.state_dir),
        "--inventory",
        str(local_class.inventory),
        "--release",
        local_class.release.codename,
    )
    assert up.returncode == 0, up.stdout + up.stderr
    fresh = local_class.ssh(
        "command -v docker; stat -fc %T /sys/fs/cgroup; id -un; . /etc/os-release; echo $VERSION_ID"
    )
    assert fresh.stdout.split() == ["cgroup2fs", "labadmin", local_class.release.version], (
        "not a fresh cgroup v2 VM of that release: " + fresh.stdout + fresh.stderr
    )

    first = local_class.provision()
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Docker Engine from the local stand-in for download.docker.com" in first.stdout
    assert "provisioning the running VMs" in first.stdout  # the VM above, not a new one

    report = json.loads((local_class.project / "reports/vm1/report.json").read_text())
    assert report["summary"] == {"matched": True, "mismatches": []}
    assert report["fingerprint"]["docker"]["cgroup_version"] == "2"
    engine = report["fingerprint"]["docker"]["server_version"]
    assert engine.startswith(ENGINES[local_class.release.codename]), engine
    baseline = next(s for s in report["scenarios"] if s["name"] == "baseline")
    namespaces = {ns["name"]: ns for ns in baseline["namespaces"]}
    for name in ISOLATED:
        assert namespaces[name]["observed"]["isolated"], name
        assert not namespaces[name]["observed"]["container1_shares_host"], name
    for name in SHARED:
        assert not namespaces[name]["observed"]["isolated"], name
        assert namespaces[name]["observed"]["container1_shares_host"], name
    for name in ISOLATED | SHARED:
        assert namespaces[name]["match"], name
        assert namespaces[name]["expected"]["reasons"][0]["text"], name
    summary = json.loads((local_class.project / "reports/summary.json").read_text())
    assert [row["host"] for row in summary["hosts"]] == ["vm1"]

    # Installed by Docker's steps from the stand-in: its docker-ce, its docker.list line.
    installed = local_class.ssh(
        "dpkg-query -W -f='${Version}\\n' docker-ce; cat /etc/apt/sources.list.d/docker.list"
    )
    version, sources = installed.stdout.splitlines()
    assert version.startswith("5:") and "~lab" in version, installed.stdout
    assert sources == (
        "deb [arch=amd64 signed-by=/etc/apt/keyrings/docker.asc] "
        f"http://10.0.2.2:18080/linux/debian {local_class.release.codename} stable"
    )

    second = local_class.provision()
    assert second.returncode == 0, second.stdout + second.stderr
    changed = _changed_in_recap(second.stdout)
    assert "vm1" in changed and set(changed.values()) == {0}, changed

    # README's next step: the VMs' inventory on its own takes Docker and the lab image from
    # where the default class took them (the stand-in is not served now: nothing to fetch).
    by_inventory = local_class.nslab(
        "provision", "--project", str(local_class.project), "-i", str(local_class.inventory)
    )
    assert by_inventory.returncode == 0, by_inventory.stdout + by_inventory.stderr
    changed = _changed_in_recap(by_inventory.stdout)
    assert "vm1" in changed and set(changed.values()) == {0}, changed
    runs = local_class.nslab("runs", "--project", str(local_class.project)).stdout.splitlines()
    # Every run, the default class's and the inventory's, recorded with the same Docker source
    # (a mirror is named by its URL, as on the class page: lab.summary.outcome.docker_source).
    assert len(runs) == 4 and all(" http://10.0.2.2:18080 " in line for line in runs[1:]), runs

    if local_class.release.codename == "bookworm":
        started = time.monotonic()
        _remap_the_same_vm(local_class)
        print(f"userns-remap on the same VM: {time.monotonic() - started:.1f} s")

    pid = qemu_pid(
        local_class.nslab("vm", "status", "--state-dir", str(local_class.state_dir)).stdout
    )
    down = local_class.nslab("vm", "down", "--state-dir", str(local_class.state_dir))
    assert down.returncode == 0, down.stdout + down.stderr
    assert exited(pid)
    assert not local_class.inventory.exists()


# Every scenario the remapped engine runs differently: its own user namespaces, --userns=host
# next to the host's pid or network, the first container's user namespace with its network or IPC.
REMAP_SCENARIOS = ["baseline", "pid-host", "net-host", "uts-host", "net-container", "ipc-container"]


def _remap_the_same_vm(local_class: LocalClass) -> None:
    """An instructor turns on userns-remap; the report must still match the machine."""
    remap = local_class.provision(
        "-e", json.dumps({"docker_engine_daemon_options": {"userns-remap": "default"}})
    )
    assert remap.returncode == 0, remap.stdout + remap.stderr
    # The remapped engine keeps its images apart (/var/lib/docker/<uid>.<gid>): the image loaded
    # before is invisible to it, so the role must load it again.
    assert _task_changed(remap.stdout, "Load the image archive"), _play_output(remap.stdout)

    report = json.loads((local_class.project / "reports/vm1/report.json").read_text())
    assert report["summary"] == {"matched": True, "mismatches": []}
    assert report["fingerprint"]["docker"]["userns_remap"]
    baseline = next(s for s in report["scenarios"] if s["name"] == "baseline")
    user = next(ns for ns in baseline["namespaces"] if ns["name"] == "user")
    assert user["match"] and user["expected"]["reasons"][0]["code"] == "user.remap"
    assert user["observed"] == {
        "isolated": True,
        "container1_shares_host": False,
        "container2_shares_host": False,
    }
    uid_map = {e["check"]: e for e in baseline["evidence"] if e["namespace"] == "user"}
    assert uid_map["user.uid_map.between"]["expected"] == "same", uid_map
    assert all(e["passed"] for e in baseline["evidence"]), baseline["evidence"]

    # The host-sharing scenarios, kept running so util-linux lsns can be asked on the VM.
    argv = [
        "sudo", "-n", "env", "PYTHONDONTWRITEBYTECODE=1", "/usr/bin/python3", "-m", "lab",
        "experiment", "--image", report["image"], "--keep", "--output-dir", "/tmp/nslab-remap",
        "--format", "json", "--lang", "en", *(f"--scenario={name}" for name in REMAP_SCENARIOS),
    ]  # fmt: skip
    kept = local_class.ssh(f"cd /opt/nslab && {' '.join(argv)} >/dev/null")
    assert kept.returncode == 0, kept.stdout + kept.stderr
    report = json.loads(local_class.ssh("sudo -n cat /tmp/nslab-remap/report.json").stdout)
    assert report["summary"] == {"matched": True, "mismatches": []}
    scenarios = {s["name"]: s for s in report["scenarios"]}
    for name in ("pid-host", "net-host"):
        assert "--userns=host" in scenarios[name]["docker_args"]["container2"], name
        assert "--userns=host" not in scenarios[name]["docker_args"]["container1"], name
    assert not any(
        "--userns=host" in args for args in scenarios["uts-host"]["docker_args"].values()
    )
    pids = [c["host_pid"] for s in report["scenarios"] for c in s["containers"]]
    # Debian 12's lsns gives up when a process exits mid-scan: one more try then.
    listed = local_class.ssh(
        "; ".join(
            f"(sudo -n lsns -J --list -p {p} || sudo -n lsns -J --list -p {p}); echo @@"
            for p in pids
        )
    )
    oracle = dict(
        zip(
            pids,
            (json.loads(out)["namespaces"] for out in listed.stdout.split("@@")[:-1]),
            strict=True,
        )
    )
    compared = 0
    for scenario in report["scenarios"]:
        rows = {row["name"]: row for row in scenario["namespaces"]}
        for container in scenario["containers"]:
            for ns in oracle[container["host_pid"]]:
                assert rows[ns["type"]]["refs"][container["role"]]["inode"] == ns["ns"], (
                    scenario["name"],
                    container["role"],
                    ns,
                )
                compared += 1
    assert compared >= len(REMAP_SCENARIOS) * 2 * 8  # both containers, every type lsns knows

    # A student's check of two containers (the kept baseline pair) on the remapped engine: user
    # isolated with the identities lsns gives, and the course note's remark answered with why.
    pair = scenarios["baseline"]["containers"]
    checked = local_class.ssh(f"sudo -n nslab-experiment check {pair[0]['name']} {pair[1]['name']}")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    table = [line.split() for line in checked.stdout.splitlines()]
    (user,) = [row for row in table if row[:1] == ["user"] and row[1].startswith("user:[")]
    assert user[4:] == ["yes", "no/no", "OK"], checked.stdout
    for container, link in zip(pair, user[2:4], strict=True):
        (listed,) = [ns["ns"] for ns in oracle[container["host_pid"]] if ns["type"] == "user"]
        assert link == f"user:[{listed}]", checked.stdout
    assert "  user: userns-remap is on" in checked.stdout, checked.stdout
