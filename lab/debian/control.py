"""Debian control stanzas rewritten into the packages download.docker.com serves (pure functions).

The stand-in repacks Debian's own engine packages under Docker's package names; everything about
*what* the new control files say lives here, so it can be tested without dpkg.
"""

from __future__ import annotations

Stanza = list[tuple[str, str]]

DOCKER_EPOCH = "5"
LAB_REVISION = "lab-1"
# Debian's name for the Docker CLI once it left docker.io (trixie on).
DEBIAN_CLI = "docker-cli"


def parse_control(text: str) -> Stanza:
    """The first stanza of a control file as ordered (field, value) pairs.

    Continuation lines stay in the value, joined by newlines, exactly as written.
    """
    stanza: Stanza = []
    for line in text.splitlines():
        if not line.strip():
            if stanza:
                break
            continue
        if line[0] in " \t":
            if not stanza:
                raise ValueError(f"continuation line before any field: {line!r}")
            name, value = stanza[-1]
            stanza[-1] = (name, f"{value}\n{line}")
        else:
            name, sep, value = line.partition(":")
            if not sep:
                raise ValueError(f"not a control field: {line!r}")
            stanza.append((name.strip(), value.strip()))
    return stanza


def render_control(stanza: Stanza) -> str:
    return "".join(f"{name}: {value}\n" for name, value in stanza)


def field(stanza: Stanza, name: str) -> str | None:
    return next((value for key, value in stanza if key.lower() == name.lower()), None)


def upstream_version(version: str) -> str:
    """`1:20.10.24+dfsg1-1+deb12u1+b6` -> `20.10.24`: no epoch, Debian revision or repack suffix."""
    without_epoch = version.split(":", 1)[-1]
    without_revision = without_epoch.rsplit("-", 1)[0] if "-" in without_epoch else without_epoch
    for marker in "+~":
        without_revision = without_revision.split(marker, 1)[0]
    return without_revision


def docker_ce_version(docker_io_version: str) -> str:
    """Docker's version style (epoch 5), with `~lab` so it sorts below a real build of the same."""
    return f"{DOCKER_EPOCH}:{upstream_version(docker_io_version)}~{LAB_REVISION}"


def containerd_io_version(containerd_version: str) -> str:
    return f"{upstream_version(containerd_version)}~{LAB_REVISION}"


def docker_ce_control(docker_io: Stanza) -> Stanza:
    """docker.io's control as docker-ce: Docker's name and version, depending on Docker's packages.

    docker.io conflicts with docker-ce/docker-ce-cli, so its Conflicts must go; Built-Using names
    Debian sources that have nothing to do with this repository. From trixie on Debian ships the
    CLI as docker-cli, which docker.io recommends and which conflicts with docker-ce-cli: the
    stand-in's docker-ce-cli is that package, so docker-ce must not ask for it by Debian's name.
    """
    version = docker_ce_version(_required(docker_io, "Version"))
    rewritten: Stanza = []
    for name, value in docker_io:
        if name in ("Conflicts", "Built-Using"):
            continue
        if name == "Package":
            value = "docker-ce"
        elif name == "Version":
            value = version
        elif name == "Depends":
            value = ", ".join(["docker-ce-cli", "containerd.io", *_without(value, DEBIAN_CLI)])
        elif name == "Recommends":
            value = ", ".join(_without(value, DEBIAN_CLI))
            if not value:
                continue
        rewritten.append((name, value))
    return rewritten


def docker_ce_cli_control(docker_cli: Stanza) -> Stanza:
    """Debian's docker-cli (trixie on) as docker-ce-cli, at the version docker-ce gets from it.

    Its Recommends (Debian's docker-buildx) goes: Docker's install step names Docker's own
    docker-buildx-plugin instead.
    """
    version = docker_ce_version(_required(docker_cli, "Version"))
    rewritten: Stanza = []
    for name, value in docker_cli:
        if name in ("Conflicts", "Built-Using", "Recommends"):
            continue
        if name == "Package":
            value = "docker-ce-cli"
        elif name == "Version":
            value = version
        rewritten.append((name, value))
    return rewritten


def containerd_io_control(containerd: Stanza, runc: Stanza) -> Stanza:
    """containerd and runc as one containerd.io, which is how Docker ships them.

    It provides, conflicts with and replaces Debian's containerd and runc, so Docker's "uninstall
    old versions" step and this package settle into one stable state instead of fighting.
    """
    containerd_version = _required(containerd, "Version")
    runc_version = _required(runc, "Version")
    depends = _merge_relations(
        _without(field(containerd, "Depends"), "runc"),
        _relations(field(runc, "Depends")),
    )
    installed_size = int(_required(containerd, "Installed-Size")) + int(
        _required(runc, "Installed-Size")
    )
    stanza: Stanza = [
        ("Package", "containerd.io"),
        ("Version", containerd_io_version(containerd_version)),
        ("Architecture", _required(containerd, "Architecture")),
        ("Maintainer", _required(containerd, "Maintainer")),
        ("Installed-Size", str(installed_size)),
        ("Depends", ", ".join(depends)),
        ("Provides", f"containerd (= {containerd_version}), runc (= {runc_version})"),
        ("Conflicts", "containerd, runc"),
        ("Replaces", "containerd, runc"),
    ]
    for name in ("Breaks", "Section", "Priority", "Homepage"):
        value = field(containerd, name)
        if value is not None:
            stanza.append((name, value))
    stanza.append(
        (
            "Description",
            "An open and reliable container runtime (nslab stand-in)\n"
            f" Debian's containerd {containerd_version} and runc {runc_version} in one package,\n"
            " as download.docker.com ships them.",
        )
    )
    return stanza


def empty_package_control(package: str, version: str, architecture: str) -> Stanza:
    """A package with no files: the course note installs it by name; it only has to resolve it."""
    return [
        ("Package", package),
        ("Version", version),
        ("Architecture", architecture),
        ("Maintainer", "nslab <nslab@localhost>"),
        ("Installed-Size", "0"),
        ("Section", "admin"),
        ("Priority", "optional"),
        (
            "Description",
            f"{package} placeholder (nslab stand-in)\n"
            " Empty package standing in for Docker's package of the same name in tests.",
        ),
    ]


def _required(stanza: Stanza, name: str) -> str:
    value = field(stanza, name)
    if value is None:
        package = field(stanza, "Package") or "?"
        raise ValueError(f"control of {package} has no {name} field")
    return value


def _relations(value: str | None) -> list[str]:
    return [" ".join(rel.split()) for rel in (value or "").split(",") if rel.strip()]


def _without(value: str | None, package: str) -> list[str]:
    return [rel for rel in _relations(value) if _name(rel) != package]


def _name(relation: str) -> str:
    return relation.split("(", 1)[0].split(":", 1)[0].strip()


def _merge_relations(*groups: list[str]) -> list[str]:
    merged: list[str] = []
    for relation in (rel for group in groups for rel in group):
        if relation not in merged:
            merged.append(relation)
    return merged
