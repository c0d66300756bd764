"""Images are built from the Debian mirror the controller's own apt uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.debian.rootfs import DEFAULT_MIRROR, apt_debian_mirror, debian_mirror


def _apt_dir(tmp_path: Path, files: dict[str, str]) -> Path:
    apt = tmp_path / "apt"
    (apt / "sources.list.d").mkdir(parents=True)
    for name, text in files.items():
        (apt / name).write_text(text)
    return apt


def test_deb822_archive_entry_wins_over_security(tmp_path: Path) -> None:
    apt = _apt_dir(
        tmp_path,
        {
            "sources.list.d/debian.sources": (
                "Types: deb\n"
                "URIs: http://security.school.example/debian-security\n"
                "Suites: bookworm-security\n"
                "Components: main\n"
                "\n"
                "Types: deb deb-src\n"
                "# the school's mirror\n"
                "URIs: http://mirror.school.example/debian/\n"
                "Suites: bookworm bookworm-updates\n"
                "Components: main\n"
            ),
        },
    )
    assert apt_debian_mirror(apt) == "http://mirror.school.example/debian/"


def test_one_line_sources_with_options(tmp_path: Path) -> None:
    apt = _apt_dir(
        tmp_path,
        {
            "sources.list": (
                "# deb http://commented.example/debian bookworm main\n"
                "deb [arch=amd64 signed-by=/usr/share/keyrings/x.gpg] "
                "http://ftp.jp.debian.org/debian trixie main contrib\n"
            ),
        },
    )
    assert apt_debian_mirror(apt) == "http://ftp.jp.debian.org/debian"


def test_other_repositories_and_disabled_entries_do_not_count(tmp_path: Path) -> None:
    apt = _apt_dir(
        tmp_path,
        {
            "sources.list.d/docker.list": (
                "deb [signed-by=/etc/apt/keyrings/docker.asc] "
                "https://download.docker.com/linux/debian bookworm stable\n"
            ),
            "sources.list.d/off.sources": (
                "Types: deb\nURIs: http://off.example/debian\nSuites: bookworm\n"
                "Components: main\nEnabled: no\n"
            ),
        },
    )
    assert apt_debian_mirror(apt) is None


def test_nslab_debian_mirror_overrides_and_default_falls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = _apt_dir(tmp_path, {})
    monkeypatch.delenv("NSLAB_DEBIAN_MIRROR", raising=False)
    assert debian_mirror(empty) == DEFAULT_MIRROR
    monkeypatch.setenv("NSLAB_DEBIAN_MIRROR", "http://override.example/debian/")
    assert debian_mirror(empty) == "http://override.example/debian"
