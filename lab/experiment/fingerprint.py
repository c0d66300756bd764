"""Facts about the host and its Docker engine that decide what the experiment should observe."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import Any

from lab.experiment.namespaces import read_namespaces
from lab.report.model import DockerFacts, Fingerprint, HostReference, NamespaceRef

DAEMON_JSON = "/etc/docker/daemon.json"


def host_namespaces(proc_root: str = "/proc") -> tuple[HostReference, dict[str, NamespaceRef]]:
    """The host's namespaces: PID 1's, or this process's when PID 1's links are not readable.

    Some sandboxes (and hardened kernels) deny even root a look at PID 1's ns links; the process
    running the experiment sits in the host namespaces too, since it talks to dockerd as root.
    """
    try:
        return HostReference(pid=1, source="pid1"), read_namespaces(1, proc_root)
    except PermissionError:
        pid = os.getpid()
        return HostReference(pid=pid, source="self"), read_namespaces(pid, proc_root)


def os_release(path: str = "/etc/os-release") -> dict[str, str]:
    wanted = ("ID", "VERSION_ID", "VERSION_CODENAME", "PRETTY_NAME")
    values: dict[str, str] = {}
    for line in Path(path).read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and key in wanted:
            values[key] = value.strip().strip('"')
    return values


def docker_facts(
    version: dict[str, Any], info: dict[str, Any], proc_root: str = "/proc"
) -> DockerFacts:
    """From the engine's /version and /info answers plus the dockerd process, when it is visible."""
    options = list(info.get("SecurityOptions") or [])
    names = {_option_name(o) for o in options}
    features, source = engine_features(proc_root)
    return DockerFacts(
        server_version=str(version.get("Version") or info.get("ServerVersion") or "unknown"),
        api_version=str(version.get("ApiVersion", "")),
        min_api_version=version.get("MinAPIVersion"),
        # Engines before 20.10 do not report it; then the host's cgroup mount tells.
        cgroup_version=str(info.get("CgroupVersion") or _host_cgroup_version()),
        cgroup_driver=info.get("CgroupDriver"),
        security_options=options,
        userns_remap="userns" in names,
        rootless="rootless" in names,
        features=features,
        features_source=source,
    )


def _option_name(option: str) -> str:
    # "name=seccomp,profile=default" -> "seccomp"
    for part in option.split(","):
        key, _, value = part.partition("=")
        if key == "name":
            return value
    return option


def _host_cgroup_version() -> str:
    return "2" if Path("/sys/fs/cgroup/cgroup.controllers").exists() else "1"


def engine_features(proc_root: str = "/proc") -> tuple[dict[str, bool], str | None]:
    """Feature flags from dockerd's command line and its daemon.json; (({}, None) if dockerd is not
    visible from here, e.g. rootless or a remote engine). The engine API does not report them."""
    cmdline = _dockerd_cmdline(proc_root)
    if cmdline is None:
        return {}, None
    config_path = DAEMON_JSON
    from_flags: dict[str, bool] = {}
    for flag, value in _flag_values(cmdline, ("--feature", "--config-file")):
        if flag == "--config-file":
            config_path = value
        else:
            name, _, enabled = value.partition("=")
            from_flags[name] = enabled.lower() not in ("false", "0")
    from_file = _daemon_json_features(config_path)
    sources = [
        s for s, found in ((config_path, from_file), ("dockerd --feature", from_flags)) if found
    ]
    return from_file | from_flags, " + ".join(sources) or "none set"


def _dockerd_cmdline(proc_root: str) -> list[str] | None:
    for entry in os.scandir(proc_root):
        if not entry.name.isdigit():
            continue
        try:
            if Path(entry.path, "comm").read_text().strip() == "dockerd":
                return Path(entry.path, "cmdline").read_bytes().decode().split("\0")[1:]
        except OSError:
            continue  # the process ended while we looked
    return None


def _daemon_json_features(path: str) -> dict[str, bool]:
    features = _daemon_json(path).get("features")
    return {str(k): bool(v) for k, v in features.items()} if isinstance(features, dict) else {}


def collect(
    version: dict[str, Any],
    info: dict[str, Any],
    reference: HostReference,
    host_types: list[str],
    proc_root: str = "/proc",
) -> Fingerprint:
    return Fingerprint(
        hostname=socket.gethostname(),
        kernel=os.uname().release,
        os_release=os_release(),
        boot_id=Path(proc_root, "sys/kernel/random/boot_id").read_text().strip(),
        host_namespace_types=host_types,
        host_reference=reference,
        docker=docker_facts(version, info, proc_root),
    )


def configured_cgroupns(proc_root: str = "/proc") -> str | None:
    """The engine's own default cgroupns mode when an administrator set one (`dockerd
    --default-cgroupns-mode` or daemon.json's "default-cgroupns-mode"), else None.

    Containers started before (the experiment's) report their resolved mode in `docker inspect`;
    what a container *would* get, and whether a student's container's mode came from a flag or from
    the engine, needs the engine's setting itself. None when dockerd is not visible from here.
    """
    cmdline = _dockerd_cmdline(proc_root)
    if cmdline is None:
        return None
    config_path, mode = DAEMON_JSON, None
    for flag, value in _flag_values(cmdline, ("--config-file", "--default-cgroupns-mode")):
        if flag == "--config-file":
            config_path = value
        else:
            mode = value
    if mode is None:
        config = _daemon_json(config_path)
        mode = config.get("default-cgroupns-mode")
    return mode if mode in ("host", "private") else None


def _flag_values(cmdline: list[str], flags: tuple[str, ...]) -> list[tuple[str, str]]:
    """(flag, value) for each of `flags` on dockerd's command line, as `--flag=v` or `--flag v`."""
    found = []
    args = iter(cmdline)
    for arg in args:
        flag, eq, value = arg.partition("=")
        if flag in flags:
            found.append((flag, value if eq else next(args, "")))
    return found


def _daemon_json(path: str) -> dict:
    try:
        config = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return {}
    return config if isinstance(config, dict) else {}
