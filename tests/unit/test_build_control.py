"""The stand-in's control-file rewriting, on the real fields of Debian 12's and 13's engine
packages."""

from __future__ import annotations

from lab.debian.control import (
    containerd_io_control,
    containerd_io_version,
    docker_ce_cli_control,
    docker_ce_control,
    docker_ce_version,
    empty_package_control,
    field,
    parse_control,
    render_control,
    upstream_version,
)

# Abridged from `dpkg-deb -f` of the bookworm packages the stand-in repacks.
DOCKER_IO = """\
Package: docker.io
Source: docker.io (20.10.24+dfsg1-1+deb12u1)
Version: 20.10.24+dfsg1-1+deb12u1+b6
Architecture: amd64
Installed-Size: 147576
Pre-Depends: init-system-helpers (>= 1.54~)
Depends: libc6 (>= 2.34), adduser, containerd (>= 1.4~), iptables, runc (>= 1.0.0~rc8~), tini
Conflicts: docker-ce, docker-ce-cli, docker-ce-rootless-extras
Built-Using: containerd (= 1.6.20~ds1-1+deb12u3), golang-1.19 (= 1.19.8-2)
Section: admin
Description: Linux container runtime
 Docker complements kernel namespacing with a high-level API.
 .
 This package contains the daemon and client.
"""
CONTAINERD = """\
Package: containerd
Version: 1.6.20~ds1-1+deb12u3
Architecture: amd64
Maintainer: Debian Go Packaging Team <team+pkg-go@tracker.debian.org>
Installed-Size: 98393
Depends: runc (>= 0.1.0~), libc6 (>= 2.34)
Breaks: docker.io (<< 1.12)
Built-Using: golang-1.19 (= 1.19.8-2)
Section: admin
Priority: optional
Homepage: https://containerd.io/
Description: open and reliable container runtime
 Containerd is an industry-standard container runtime.
"""
RUNC = """\
Package: runc
Version: 1.1.5+ds1-1+deb12u1
Architecture: amd64
Installed-Size: 8633
Depends: libc6 (>= 2.34), libseccomp2 (>= 2.5.0)
Description: Open Container Project - runtime
 "runc" is a command line client.
"""

# Abridged from `apt-cache show` of trixie's packages: the CLI is its own package there.
TRIXIE_DOCKER_IO = """\
Package: docker.io
Version: 26.1.5+dfsg1-9+deb13u1+b1
Architecture: amd64
Depends: libc6 (>= 2.34), adduser, containerd (>= 1.4~), iptables, runc (>= 1.0.0~rc8~), tini
Recommends: apparmor, ca-certificates, dbus-user-session, docker-cli, git, xz-utils
Conflicts: docker-ce, docker-ce-rootless-extras
Built-Using: containerd (= 1.7.24~ds1-6+deb13u1), runc (= 1.1.15+ds1-2)
Description: Linux container runtime
"""
TRIXIE_DOCKER_CLI = """\
Package: docker-cli
Version: 26.1.5+dfsg1-9+deb13u1+b1
Architecture: amd64
Replaces: docker.io (<< 26.1.4+dfsg1-7~)
Depends: libc6 (>= 2.34)
Recommends: docker-buildx
Conflicts: docker-ce-cli, podman-docker
Breaks: docker.io (<< 26.1.4+dfsg1-7~)
Built-Using: golang-1.24 (= 1.24.4-1)
Description: Linux container runtime -- client
"""


def test_parse_then_render_is_lossless() -> None:
    assert render_control(parse_control(DOCKER_IO)) == DOCKER_IO


def test_parse_keeps_continuation_lines_in_the_value() -> None:
    description = field(parse_control(DOCKER_IO), "Description")
    assert description is not None
    assert description.splitlines() == [
        "Linux container runtime",
        " Docker complements kernel namespacing with a high-level API.",
        " .",
        " This package contains the daemon and client.",
    ]


def test_parse_reads_only_the_first_stanza() -> None:
    assert parse_control("Package: a\nVersion: 1\n\nPackage: b\n") == [
        ("Package", "a"),
        ("Version", "1"),
    ]


def test_upstream_version_drops_epoch_revision_and_repack_suffix() -> None:
    assert upstream_version("20.10.24+dfsg1-1+deb12u1+b6") == "20.10.24"
    assert upstream_version("1.6.20~ds1-1+deb12u3") == "1.6.20"
    assert upstream_version("1:0.7.0+dfsg-1") == "0.7.0"
    assert upstream_version("2.1") == "2.1"


def test_docker_style_versions() -> None:
    assert docker_ce_version("20.10.24+dfsg1-1+deb12u1+b6") == "5:20.10.24~lab-1"
    assert containerd_io_version("1.6.20~ds1-1+deb12u3") == "1.6.20~lab-1"


def test_docker_ce_is_docker_io_under_dockers_name() -> None:
    stanza = docker_ce_control(parse_control(DOCKER_IO))
    assert field(stanza, "Package") == "docker-ce"
    assert field(stanza, "Version") == "5:20.10.24~lab-1"
    # docker.io conflicts with the very packages the course note installs next to it.
    assert field(stanza, "Conflicts") is None
    assert field(stanza, "Built-Using") is None
    assert field(stanza, "Depends") == (
        "docker-ce-cli, containerd.io, libc6 (>= 2.34), adduser, containerd (>= 1.4~), "
        "iptables, runc (>= 1.0.0~rc8~), tini"
    )
    # Everything else, in order, untouched.
    kept = [name for name, _ in stanza]
    assert kept == [
        "Package",
        "Source",
        "Version",
        "Architecture",
        "Installed-Size",
        "Pre-Depends",
        "Depends",
        "Section",
        "Description",
    ]
    assert field(stanza, "Pre-Depends") == "init-system-helpers (>= 1.54~)"


def test_containerd_io_carries_containerd_and_runc() -> None:
    stanza = containerd_io_control(parse_control(CONTAINERD), parse_control(RUNC))
    assert field(stanza, "Package") == "containerd.io"
    assert field(stanza, "Version") == "1.6.20~lab-1"
    assert field(stanza, "Provides") == (
        "containerd (= 1.6.20~ds1-1+deb12u3), runc (= 1.1.5+ds1-1+deb12u1)"
    )
    assert field(stanza, "Conflicts") == "containerd, runc"
    assert field(stanza, "Replaces") == "containerd, runc"
    # runc is inside now, so containerd's dependency on it goes; runc's own dependencies stay.
    assert field(stanza, "Depends") == "libc6 (>= 2.34), libseccomp2 (>= 2.5.0)"
    assert field(stanza, "Installed-Size") == str(98393 + 8633)
    assert field(stanza, "Breaks") == "docker.io (<< 1.12)"
    assert field(stanza, "Built-Using") is None


def test_containerd_io_satisfies_docker_ces_versioned_dependencies() -> None:
    provides = field(
        containerd_io_control(parse_control(CONTAINERD), parse_control(RUNC)), "Provides"
    )
    assert provides is not None
    # docker-ce (from docker.io) needs containerd (>= 1.4~) and runc (>= 1.0.0~rc8~): apt only
    # accepts a Provides for a versioned dependency if the Provides carries a version.
    assert "containerd (= " in provides
    assert "runc (= " in provides


def test_empty_package_is_a_valid_minimal_control() -> None:
    stanza = empty_package_control("docker-buildx-plugin", "0.0.0~lab-1", "amd64")
    rendered = render_control(stanza)
    assert parse_control(rendered) == stanza
    for required in ("Package", "Version", "Architecture", "Maintainer", "Description"):
        assert field(stanza, required)


def test_trixie_docker_ce_never_pulls_debians_cli_next_to_dockers() -> None:
    stanza = docker_ce_control(parse_control(TRIXIE_DOCKER_IO))
    assert field(stanza, "Version") == "5:26.1.5~lab-1"
    # docker-cli conflicts with docker-ce-cli: recommending it would make apt choose between them.
    recommends = "apparmor, ca-certificates, dbus-user-session, git, xz-utils"
    assert field(stanza, "Recommends") == recommends
    depends = field(stanza, "Depends") or ""
    assert depends.startswith("docker-ce-cli, containerd.io, libc6")
    assert "docker-cli" not in depends.replace("docker-ce-cli", "")


def test_trixie_docker_ce_cli_is_debians_docker_cli_under_dockers_name() -> None:
    stanza = docker_ce_cli_control(parse_control(TRIXIE_DOCKER_CLI))
    assert field(stanza, "Package") == "docker-ce-cli"
    assert field(stanza, "Version") == "5:26.1.5~lab-1"  # the same as docker-ce's
    for dropped in ("Conflicts", "Built-Using", "Recommends"):
        assert field(stanza, dropped) is None
    assert field(stanza, "Breaks") == "docker.io (<< 26.1.4+dfsg1-7~)"
