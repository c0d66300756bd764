#!/usr/bin/python
"""One read-only look at a Debian host, and the role's plan for it.

`read_host` gathers everything the docker_engine role decides on in one round trip (files under
/etc and /var/lib, /proc/locks, one `systemctl show`); `make_plan` turns that and the role's settings
into the list of documented steps this host still needs. Both are plain functions over
dataclasses, so the decisions are unit-tested without a host. Only Debian's python3 stdlib is
used: a fresh Debian has nothing else.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import stat
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ansible.module_utils.basic import AnsibleModule

# The shared code in plugins/module_utils: as the collection nslab.lab when a role runs from the
# built collection, else as ansible.module_utils (the checkout's ansible.cfg `module_utils`, or
# the playbooks/module_utils beside the playbooks). Ansible packs whichever import it finds.
try:
    from ansible_collections.nslab.lab.plugins.module_utils.docker_engine_file_entry import FILE_ENTRY_OPTIONS, entry_differs
    from ansible_collections.nslab.lab.plugins.module_utils.docker_engine_locks import lock_holders
    from ansible_collections.nslab.lab.plugins.module_utils.docker_engine_systemd import unit_state
except ImportError:
    from ansible.module_utils.docker_engine_file_entry import FILE_ENTRY_OPTIONS, entry_differs
    from ansible.module_utils.docker_engine_locks import lock_holders
    from ansible.module_utils.docker_engine_systemd import unit_state

DOCUMENTATION = r"""
---
module: docker_engine_probe
short_description: Read what the docker_engine role decides on, and plan its steps
description:
  - Reads the host once (os-release, dpkg architecture and package states, dpkg/apt lock holders,
    an interrupted dpkg run, AppArmor, apt sources that define Docker's repository, the signing
    key's checksum and mode, the docker service, the files the role manages, apt's lists, the
    docker group) and returns it as C(host).
  - Returns C(plan), the documented steps this host still needs, and fails with a message that
    names the problem and the fix when the role must stop before any change.
  - Read-only; runs the same in check mode.
options:
  install_source: {type: str, required: true, choices: [official, debian]}
  apt_source_format: {type: str, required: true, choices: [list, sources]}
  repo_url: {type: str, required: true}
  channel: {type: str, required: true}
  key_checksum: {type: str, default: ""}
  key_fingerprint: {type: str, default: ""}
  packages: {type: list, elements: str, required: true}
  debian_packages: {type: list, elements: str, default: []}
  package_state: {type: str, default: present, choices: [present, latest]}
  version: {type: str, default: ""}
  remove_conflicting: {type: bool, default: false}
  supported_releases: {type: list, elements: str, required: true}
  supported_architectures: {type: list, elements: str, required: true}
  apt_cache_valid_time: {type: int, default: 3600}
  apt_proxy: {type: str, default: ""}
  users: {type: list, elements: str, default: []}
  managed_files:
    description: Files the role writes from its variables (content "" with state absent).
    type: list
    elements: dict
    default: []
author: nslab
"""

RETURN = r"""
host:
  description: What was read on the host.
  returned: always
  type: dict
plan:
  description: The steps this host needs (see the role's tasks/steps.yml).
  returned: success
  type: dict
"""

KEYRING = "/etc/apt/keyrings/docker.asc"
SOURCES_DIR = Path("/etc/apt/sources.list.d")
# The course note's docker.list, or the deb822 file Docker's docs write since 2025.
SOURCE_PATHS = {
    "list": str(SOURCES_DIR / "docker.list"),
    "sources": str(SOURCES_DIR / "docker.sources"),
}
LISTS_DIR = Path("/var/lib/apt/lists")
UPDATE_STAMP = Path("/var/lib/apt/periodic/update-success-stamp")
DPKG_STATUS = Path("/var/lib/dpkg/status")
DPKG_UPDATES = Path("/var/lib/dpkg/updates")
# dpkg states that `dpkg --audit` reports: a package run stopped half way.
INTERRUPTED_STATES = {"half-installed", "unpacked", "half-configured", "triggers-awaited"}
ABSENT_STATES = {"not-installed", "config-files"}

PREREQUISITES = ["ca-certificates", "curl"]
# Docker's "uninstall old versions" list (docs.docker.com/engine/install/debian, 2025) for the
# official source; for Debian's engine the reverse (docker.io declares Conflicts: docker-ce,
# docker-ce-cli; containerd.io conflicts with Debian's containerd and runc; docker-cli with
# docker-ce-cli on trixie).
CONFLICTING = {
    "official": [
        "docker.io",
        "docker-compose",
        "docker-doc",
        "podman-docker",
        "containerd",
        "runc",
    ],
    "debian": ["docker-ce", "docker-ce-cli", "containerd.io"],
}
# Which packages a version pin applies to (Docker's "install a specific version" step).
PINNED = {"official": ["docker-ce", "docker-ce-cli"], "debian": ["docker.io"]}
# Debian's engine with a working CLI: trixie split the CLI out of docker.io into docker-cli.
DEBIAN_ENGINE = {"bookworm": ["docker.io"]}
DEBIAN_ENGINE_SPLIT_CLI = ["docker.io", "docker-cli"]
APT_PROXY = re.compile(r'^http://[^/\s"]+/?$')
def redacted(url: str) -> str:
    """`url` with the password of its user:password@ replaced: a message never repeats it."""
    scheme, separator, rest = url.partition("://")
    authority, slash, path = rest.partition("/")
    userinfo, at, host = authority.rpartition("@")
    if not (separator and at and ":" in userinfo):
        return url
    return f"{scheme}://{userinfo.partition(':')[0]}:<redacted>@{host}{slash}{path}"


class Stop(Exception):
    """The role must stop before any change; the message says why and what to do."""


@dataclass(frozen=True)
class Package:
    status: str  # dpkg's db:Status-Status: installed, unpacked, config-files, ...
    version: str
    want: str  # install, hold, deinstall, purge
    architecture: str = ""


@dataclass(frozen=True)
class SourceFile:
    path: str
    content: str
    mode: str
    defines_docker_repo: bool
    signed_by: list[str]


@dataclass(frozen=True)
class ManagedFile:
    path: str
    differs: bool


@dataclass
class Host:
    distribution: str
    version: str
    codename: str
    architecture: str
    apparmor: bool
    packages: dict[str, Package]
    lock_holders: list[str]
    dpkg_interrupted: bool
    key_sha256: str  # "" when absent
    key_mode: str
    key_owner_root: bool
    sources: list[SourceFile]
    service_enabled: str  # systemd's UnitFileState: enabled, disabled, "" when not installed
    service_active: str
    lists_present: bool
    lists_age_s: float
    docker_lists_present: bool
    docker_group: list[str] | None  # members; None when the group does not exist
    managed_files: list[ManagedFile] = field(default_factory=list)


@dataclass(frozen=True)
class Settings:
    install_source: str
    apt_source_format: str
    repo_url: str
    channel: str
    key_checksum: str
    key_fingerprint: str
    packages: list[str]
    debian_packages: list[str]
    package_state: str
    version: str
    remove_conflicting: bool
    supported_releases: list[str]
    supported_architectures: list[str]
    apt_cache_valid_time: int
    apt_proxy: str
    users: list[str]
    managed_files: list[dict]


@dataclass
class AptStep:
    install: list[str] = field(default_factory=list)
    refresh_lists: bool = False


@dataclass
class Plan:
    held: list[str]
    lock_holders: list[str]
    repair_dpkg: bool
    remove_conflicting: list[str]
    # Entries for docker_engine_files: {path, content, mode} to write, {path, state: absent}.
    remove_sources_before_update: list[dict[str, str]]
    apt_proxy: bool
    prerequisites: AptStep
    signing_key: bool
    repository_files: list[dict[str, str]]
    engine_config: bool
    packages: AptStep
    service: bool
    users: list[str]
    create_docker_group: bool

    @property
    def any_step(self) -> bool:
        """False on a converged host: the role then runs none of its steps (tasks/steps.yml).
        The held packages and the lock's holders are things to say, not steps."""
        return bool(
            self.repair_dpkg
            or self.remove_conflicting
            or self.remove_sources_before_update
            or self.apt_proxy
            or self.prerequisites.install
            or self.signing_key
            or self.repository_files
            or self.engine_config
            or self.packages.install
            or self.service
            or self.users
        )


# ----------------------------------------------------------------------------- reading the host


def read_host(settings: Settings, root: Path = Path("/")) -> Host:
    """Everything the plan needs, read once. Files are read under `root` (tests point it at a
    fake tree); /proc/locks and systemctl answer for the running system."""

    def at(path: str | Path) -> Path:
        return root / str(path).lstrip("/")

    os_release = parse_os_release(_read(at("/etc/os-release")) or _read(at("/usr/lib/os-release")))
    packages = parse_dpkg_status(_read(at(DPKG_STATUS)))
    # dpkg itself is always of the native architecture: what `dpkg --print-architecture` says.
    architecture = packages["dpkg"].architecture if "dpkg" in packages else ""
    codename = os_release.get("VERSION_CODENAME", "")
    service = unit_state("docker.service")
    key = _stat(at(KEYRING))
    docker_lists = (
        f"{apt_list_prefix(settings.repo_url)}_dists_{codename}_{settings.channel}"
        f"_binary-{architecture}_Packages*"
    )
    return Host(
        distribution=os_release.get("ID", "unknown"),
        version=os_release.get("VERSION_ID", ""),
        codename=codename,
        architecture=architecture,
        apparmor=_read(at("/sys/module/apparmor/parameters/enabled")).strip() == "Y",
        packages=packages,
        lock_holders=lock_holders(),
        dpkg_interrupted=_dpkg_journal_pending(at(DPKG_UPDATES)),
        key_sha256=hashlib.sha256(_read_bytes(at(KEYRING))).hexdigest() if key else "",
        key_mode=f"{stat.S_IMODE(key.st_mode):04o}" if key else "",
        key_owner_root=key is not None and key.st_uid == 0,
        sources=read_sources(at(SOURCES_DIR), settings.repo_url, root),
        service_enabled=service.get("UnitFileState", ""),
        service_active=service.get("ActiveState", ""),
        lists_present=any(at(LISTS_DIR).glob("*_Packages*")),
        lists_age_s=time.time() - _newest_mtime([at(LISTS_DIR), at(UPDATE_STAMP)]),
        docker_lists_present=any(at(LISTS_DIR).glob(docker_lists)),
        docker_group=group_members(_read(at("/etc/group")), "docker"),
        managed_files=[
            ManagedFile(entry["path"], entry_differs(root, entry))
            for entry in settings.managed_files
        ],
    )


def parse_os_release(text: str) -> dict[str, str]:
    values = {}
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep and not name.startswith("#"):
            values[name.strip()] = value.strip().strip("\"'")
    return values


def parse_dpkg_status(text: str) -> dict[str, Package]:
    """Package name -> its state; an installed architecture wins over a removed one."""
    packages: dict[str, Package] = {}
    for paragraph in text.split("\n\n"):
        fields = dict(
            line.split(":", 1)
            for line in paragraph.splitlines()
            if ":" in line and not line.startswith(" ")
        )
        name = fields.get("Package", "").strip()
        if not name:
            continue
        want, _flag, status = [*fields.get("Status", "unknown ok not-installed").split(), "", ""][
            :3
        ]
        package = Package(
            status=status,
            version=fields.get("Version", "").strip(),
            want=want,
            architecture=fields.get("Architecture", "").strip(),
        )
        if name not in packages or packages[name].status in ABSENT_STATES:
            packages[name] = package
    return packages


def apt_list_prefix(url: str) -> str:
    """The name apt gives a repository's files in /var/lib/apt/lists (apt's URItoFileName)."""
    without_scheme = re.sub(r"^[a-z+]+://", "", url.rstrip("/"))
    host, _, path = without_scheme.partition("/")
    host = host.rpartition("@")[2]  # credentials never reach the file name
    location = f"{host}/{path}" if path else host
    quoted = "".join(
        f"%{ord(char):02x}" if char in '\\|{}[]<>"^~_=!@#$%^&*' or not char.isprintable() else char
        for char in location
    )
    return quoted.replace("/", "_")


def parse_sources(text: str, deb822: bool) -> list[dict[str, list[str]]]:
    """Each entry's URIs and Signed-By values (one-line .list or deb822 .sources)."""
    entries = []
    if deb822:
        for paragraph in re.split(r"\n\s*\n", text):
            fields: dict[str, str] = {}
            current = ""
            for line in paragraph.splitlines():
                if line.startswith("#"):
                    continue
                if line[:1] in (" ", "\t") and current:
                    fields[current] += " " + line.strip()
                elif ":" in line:
                    current, _, value = line.partition(":")
                    current = current.strip().lower()
                    fields[current] = value.strip()
            if "uris" in fields:
                entries.append(
                    {
                        "uris": fields["uris"].split(),
                        "signed_by": fields.get("signed-by", "").split(),
                    }
                )
        return entries
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        match = re.match(r"^deb(-src)?\s+(\[(?P<options>[^\]]*)\]\s+)?(?P<uri>\S+)", line)
        if match:
            options = dict(
                option.split("=", 1)
                for option in (match.group("options") or "").split()
                if "=" in option
            )
            signed_by = options.get("signed-by", "")
            entries.append(
                {"uris": [match.group("uri")], "signed_by": [signed_by] if signed_by else []}
            )
    return entries


def read_sources(directory: Path, repo_url: str, root: Path) -> list[SourceFile]:
    """Source files at Docker's two documented paths, and any other that names the repository."""
    found = []
    documented = {str(root / path.lstrip("/")) for path in SOURCE_PATHS.values()}
    wanted = repo_url.rstrip("/")
    for path in sorted([*directory.glob("*.list"), *directory.glob("*.sources")]):
        text = _read(path)
        entries = parse_sources(text, deb822=path.suffix == ".sources")
        names_repo = any(uri.rstrip("/") == wanted for entry in entries for uri in entry["uris"])
        if names_repo or str(path) in documented:
            found.append(
                SourceFile(
                    path="/" + str(path.relative_to(root)),
                    content=text,
                    mode=f"{stat.S_IMODE(path.stat().st_mode):04o}",
                    defines_docker_repo=names_repo,
                    signed_by=sorted({value for entry in entries for value in entry["signed_by"]}),
                )
            )
    return found


def group_members(group_file: str, name: str) -> list[str] | None:
    for line in group_file.splitlines():
        fields = line.split(":")
        if len(fields) == 4 and fields[0] == name:
            return [member for member in fields[3].split(",") if member]
    return None


def _dpkg_journal_pending(updates: Path) -> bool:
    # dpkg's journal of a run that did not finish: "dpkg was interrupted" until --configure -a.
    try:
        return any(name.name.isdigit() for name in updates.iterdir())
    except FileNotFoundError:
        return False


def _read(path: Path) -> str:
    return _read_bytes(path).decode("utf-8", errors="replace")


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return b""


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except FileNotFoundError:
        return None


def _newest_mtime(paths: list[Path]) -> float:
    return max((info.st_mtime for info in map(_stat, paths) if info), default=0.0)


# ----------------------------------------------------------------------------- deciding


def engine_packages(settings: Settings, codename: str) -> list[str]:
    if settings.install_source == "official":
        return settings.packages
    return settings.debian_packages or DEBIAN_ENGINE.get(codename, DEBIAN_ENGINE_SPLIT_CLI)


def repository_file(settings: Settings, host: Host) -> dict[str, str]:
    """Docker's repository as the chosen documented step writes it on this host, byte for byte."""
    if settings.apt_source_format == "list":
        # The course note's echo line; its backslash-newline puts three spaces before the codename,
        # which apt reads like one: the file is written with single spaces, as Docker's echo does.
        content = (
            f"deb [arch={host.architecture} signed-by={KEYRING}] {settings.repo_url} "
            f"{host.codename} {settings.channel}\n"
        )
    else:
        content = (
            f"Types: deb\nURIs: {settings.repo_url}\nSuites: {host.codename}\n"
            f"Components: {settings.channel}\nSigned-By: {KEYRING}\n"
        )
    return {"path": SOURCE_PATHS[settings.apt_source_format], "content": content, "mode": "0644"}


def check_host(settings: Settings, host: Host, engine: list[str]) -> None:
    """Raise Stop unless the role can work on this host as configured. Nothing is changed yet."""
    name = {"debian": "Debian", "ubuntu": "Ubuntu"}.get(host.distribution, host.distribution)
    if host.distribution != "debian" or host.codename not in settings.supported_releases:
        described = " ".join(part for part in (name, host.version) if part)
        raise Stop(
            f"docker_engine supports Debian {', '.join(settings.supported_releases)}; this host is "
            f"{described} ({host.codename or 'no codename'}). Nothing was changed. To try another "
            "Debian release, add its codename to docker_engine_supported_releases."
        )
    official = settings.install_source == "official"
    if official and host.architecture not in settings.supported_architectures:
        raise Stop(
            f"Docker's Debian repository has packages for {', '.join(settings.supported_architectures)}; "
            f"this host is {host.architecture}. Nothing was changed. Debian's own engine exists for "
            "every Debian architecture: set docker_engine_install_source: debian."
        )
    if official and not (settings.key_fingerprint or settings.key_checksum):
        raise Stop(
            "docker_engine_key_fingerprint and docker_engine_key_checksum are both empty: the role "
            "does not trust a key it cannot verify. Set at least one. Nothing was changed."
        )
    if settings.apt_proxy and not APT_PROXY.match(settings.apt_proxy):
        raise Stop(
            "docker_engine_apt_proxy must be the caching proxy's http URL, e.g. http://10.0.0.5:3142 "
            f'(apt-cacher-ng\'s port), or "" for none; got "{redacted(settings.apt_proxy)}". '
            "Nothing was changed."
        )
    # apt's sources are readable by every user (and printed by apt-get update): a mirror's
    # credentials in its URL would reach every student. apt reads them from
    # /etc/apt/auth.conf.d instead, which the admin sets up (0600); the role refuses.
    if official and "@" in settings.repo_url.partition("://")[2].partition("/")[0]:
        raise Stop(
            f"docker_engine_mirror carries credentials ({redacted(settings.repo_url)}): the role "
            "writes the repository URL into apt's sources, which every user can read. Give the "
            "mirror's URL without user:password@ and put the credentials in "
            "/etc/apt/auth.conf.d/ (mode 0600; see apt_auth.conf(5)). Nothing was changed."
        )
    conflicting = installed(host, CONFLICTING[settings.install_source])
    if conflicting and not settings.remove_conflicting:
        raise Stop(
            f"These installed packages conflict with the {settings.install_source} engine packages: "
            f"{', '.join(conflicting)}. Docker's install steps remove them first (\"uninstall old "
            'versions"). Set docker_engine_remove_conflicting: true to let the role apt-remove them '
            "(not purge: images, containers and volumes in /var/lib/docker are kept), or remove them "
            "yourself. Nothing was changed."
        )
    held = held_packages(host, engine)
    if held and (settings.package_state != "present" or settings.version):
        pinned = f" / docker_engine_version: {settings.version}" if settings.version else ""
        raise Stop(
            f"Held with apt-mark hold: {', '.join(held)}. The role does not unhold packages, so it "
            f"cannot apply docker_engine_package_state: {settings.package_state}{pinned}. Run "
            "apt-mark unhold on them, or keep docker_engine_package_state: present and no "
            "docker_engine_version. Nothing was changed."
        )


def installed(host: Host, names: list[str]) -> list[str]:
    """`names` that dpkg has on the host in any state but gone, in the given order."""
    return [
        name
        for name in names
        if name in host.packages and host.packages[name].status not in ABSENT_STATES
    ]


def held_packages(host: Host, names: list[str]) -> list[str]:
    return [
        f"{name} {host.packages[name].version}"
        for name in names
        if name in host.packages and host.packages[name].want == "hold"
    ]


def packages_to_install(settings: Settings, host: Host, engine: list[str]) -> list[str]:
    """The engine packages apt must install: missing or half-installed ones, all of them with
    `latest`, pinned ones at another version; apparmor where the kernel enforces it (without
    apparmor_parser every `docker run` fails, and cloud images often skip recommends)."""
    wanted = [*engine, *(["apparmor"] if host.apparmor else [])]
    pinned = PINNED[settings.install_source] if settings.version else []
    result = []
    for name in wanted:
        package = host.packages.get(name)
        ready = package is not None and package.status == "installed"
        if name in pinned:
            if not (ready and fnmatch.fnmatchcase(package.version, settings.version)):
                result.append(f"{name}={settings.version}")
        elif settings.package_state == "latest" or not ready:
            result.append(name)
    return result


def make_plan(settings: Settings, host: Host, check_mode: bool) -> Plan:
    engine = engine_packages(settings, host.codename)
    check_host(settings, host, engine)
    official = settings.install_source == "official"
    lists_stale = not host.lists_present or host.lists_age_s > settings.apt_cache_valid_time

    prerequisites = AptStep(install=[name for name in PREREQUISITES if not _ready(host, name)])
    prerequisites.refresh_lists = bool(prerequisites.install) and lists_stale

    wanted_file = repository_file(settings, host) if official else {}
    docker_sources = host.sources if official else []
    current = next(
        (source for source in docker_sources if source.path == wanted_file.get("path")), None
    )
    repository_write = official and (
        current is None or current.content != wanted_file["content"] or current.mode != "0644"
    )
    repository_remove = [
        source.path for source in docker_sources if source.path != wanted_file.get("path")
    ]
    # Two definitions of one repository with different Signed-By values (or one naming a key that
    # is gone) make every apt update fail: before step 1 updates, what is not exactly Docker's
    # file goes; step 3 writes it again once the key is verified.
    remove_before_update = (
        [*repository_remove, *([current.path] if current and repository_write else [])]
        if prerequisites.refresh_lists
        else []
    )
    repository_files = (
        [wanted_file, *map(_absent, repository_remove)]
        if repository_write or repository_remove
        else []
    )
    signing_key = official and not (
        settings.key_checksum.removeprefix("sha256:").lower() == host.key_sha256 != ""
        and host.key_mode == "0644"
        and host.key_owner_root
    )

    packages = AptStep(install=packages_to_install(settings, host, engine))
    repository_changes = signing_key or repository_write or bool(repository_remove)
    packages.refresh_lists = bool(packages.install) and (
        (official and (repository_changes or not host.docker_lists_present))
        or (lists_stale and not prerequisites.refresh_lists)
    )

    differs = {entry.path for entry in host.managed_files if entry.differs}
    apt_proxy = any(path.startswith("/etc/apt/") for path in differs)
    engine_config = any(not path.startswith("/etc/apt/") for path in differs)
    engine_known = host.service_enabled != ""
    # The package scripts enable and start the engine, a configuration change restarts it: then
    # the service step only checks and waits. When step 4 runs, it does that in its own round
    # trip (a check run installs nothing to wait for, so there the service step reports). A check
    # run cannot ask about a unit that the run only pretended to install.
    engine_down = host.service_enabled != "enabled" or host.service_active != "active"
    step_4_waits = bool(packages.install) and not check_mode
    service = (
        (engine_config or engine_down) and not step_4_waits and (engine_known or not check_mode)
    )
    users = [user for user in settings.users if user not in (host.docker_group or [])]
    repair_dpkg = host.dpkg_interrupted or any(
        package.status in INTERRUPTED_STATES for package in host.packages.values()
    )
    conflicting = installed(host, CONFLICTING[settings.install_source])
    apt_work = bool(conflicting or prerequisites.install or packages.install)
    return Plan(
        held=held_packages(host, engine),
        lock_holders=host.lock_holders if apt_work else [],
        repair_dpkg=repair_dpkg and apt_work,
        remove_conflicting=conflicting,
        remove_sources_before_update=list(map(_absent, remove_before_update)),
        apt_proxy=apt_proxy,
        prerequisites=prerequisites,
        signing_key=signing_key,
        repository_files=repository_files,
        engine_config=engine_config,
        packages=packages,
        service=service,
        users=users,
        create_docker_group=bool(users) and host.docker_group is None,
    )


def _absent(path: str) -> dict[str, str]:
    return {"path": path, "state": "absent"}


def _ready(host: Host, name: str) -> bool:
    return name in host.packages and host.packages[name].status == "installed"


# ----------------------------------------------------------------------------- the module


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "install_source": {"type": "str", "required": True, "choices": ["official", "debian"]},
            "apt_source_format": {"type": "str", "required": True, "choices": ["list", "sources"]},
            "repo_url": {"type": "str", "required": True},
            "channel": {"type": "str", "required": True},
            "key_checksum": {"type": "str", "default": "", "no_log": False},
            "key_fingerprint": {"type": "str", "default": "", "no_log": False},
            "packages": {"type": "list", "elements": "str", "required": True},
            "debian_packages": {"type": "list", "elements": "str", "default": []},
            "package_state": {
                "type": "str",
                "default": "present",
                "choices": ["present", "latest"],
            },
            "version": {"type": "str", "default": ""},
            "remove_conflicting": {"type": "bool", "default": False},
            "supported_releases": {"type": "list", "elements": "str", "required": True},
            "supported_architectures": {"type": "list", "elements": "str", "required": True},
            "apt_cache_valid_time": {"type": "int", "default": 3600},
            "apt_proxy": {"type": "str", "default": "", "no_log": False},
            "users": {"type": "list", "elements": "str", "default": []},
            "managed_files": {
                "type": "list",
                "elements": "dict",
                "default": [],
                "options": FILE_ENTRY_OPTIONS,
            },
        },
        supports_check_mode=True,
    )
    settings = Settings(**module.params)
    host = read_host(settings)
    host_view = asdict(host)
    for source in host_view["sources"]:
        source.pop("content")
    try:
        plan = make_plan(settings, host, module.check_mode)
    except Stop as stop:
        module.fail_json(msg=str(stop), host=host_view)
    module.exit_json(
        changed=False, host=host_view, plan={**asdict(plan), "any_step": plan.any_step}
    )


if __name__ == "__main__":
    main()
