"""What the docker_engine role reads on a Debian host, in one read-only round trip.

`read_host` gathers everything the role decides on (files under /etc and /var/lib, /proc/locks,
one `systemctl show`) into a `Host`; docker_engine_plan decides from it. Only Debian's python3
stdlib is used: a fresh Debian has nothing else.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

# Shared code: as the collection nslab.lab when a role runs from the built collection,
# else as ansible.module_utils (see ansible.cfg). Ansible packs whichever import it finds.
try:
    from ansible_collections.nslab.lab.plugins.module_utils.docker_engine_file_entry import (
        entry_differs,
    )
    from ansible_collections.nslab.lab.plugins.module_utils.docker_engine_locks import lock_holders
    from ansible_collections.nslab.lab.plugins.module_utils.docker_engine_systemd import unit_state
except ImportError:
    from ansible.module_utils.docker_engine_file_entry import entry_differs
    from ansible.module_utils.docker_engine_locks import lock_holders
    from ansible.module_utils.docker_engine_systemd import unit_state

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
