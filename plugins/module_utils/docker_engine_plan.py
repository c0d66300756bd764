"""What the docker_engine role decides for a host: `make_plan` turns what docker_engine_host read
and the role's settings into the documented steps this host still needs, or stops before any
change with a message that says why and what to do. Plain functions over dataclasses, so every
decision is unit-tested without a host.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field

# Shared code: as the collection nslab.lab when a role runs from the built collection,
# else as ansible.module_utils (see ansible.cfg). Ansible packs whichever import it finds.
try:
    from ansible_collections.nslab.lab.plugins.module_utils import docker_engine_host as reading
except ImportError:
    from ansible.module_utils import docker_engine_host as reading

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


def engine_packages(settings: reading.Settings, codename: str) -> list[str]:
    if settings.install_source == "official":
        return settings.packages
    return settings.debian_packages or DEBIAN_ENGINE.get(codename, DEBIAN_ENGINE_SPLIT_CLI)


def repository_file(settings: reading.Settings, host: reading.Host) -> dict[str, str]:
    """Docker's repository as the chosen documented step writes it on this host, byte for byte."""
    if settings.apt_source_format == "list":
        # The course note's echo line; its backslash-newline puts three spaces before the codename,
        # which apt reads like one: the file is written with single spaces, as Docker's echo does.
        content = (
            f"deb [arch={host.architecture} signed-by={reading.KEYRING}] {settings.repo_url} "
            f"{host.codename} {settings.channel}\n"
        )
    else:
        content = (
            f"Types: deb\nURIs: {settings.repo_url}\nSuites: {host.codename}\n"
            f"Components: {settings.channel}\nSigned-By: {reading.KEYRING}\n"
        )
    return {
        "path": reading.SOURCE_PATHS[settings.apt_source_format],
        "content": content,
        "mode": "0644",
    }


def check_host(settings: reading.Settings, host: reading.Host, engine: list[str]) -> None:
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


def installed(host: reading.Host, names: list[str]) -> list[str]:
    """`names` that dpkg has on the host in any state but gone, in the given order."""
    return [
        name
        for name in names
        if name in host.packages and host.packages[name].status not in reading.ABSENT_STATES
    ]


def held_packages(host: reading.Host, names: list[str]) -> list[str]:
    return [
        f"{name} {host.packages[name].version}"
        for name in names
        if name in host.packages and host.packages[name].want == "hold"
    ]


def packages_to_install(
    settings: reading.Settings, host: reading.Host, engine: list[str]
) -> list[str]:
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


def make_plan(settings: reading.Settings, host: reading.Host, check_mode: bool) -> Plan:
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
        package.status in reading.INTERRUPTED_STATES for package in host.packages.values()
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


def _ready(host: reading.Host, name: str) -> bool:
    return name in host.packages and host.packages[name].status == "installed"
