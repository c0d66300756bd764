"""Which test bed a checkout uses, and what it tells Molecule and the tests about each release."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from lab.cli import main
from lab.debian.releases import TRIXIE
from lab.debian.suite_apt import DEBIAN_KEYRING, suite_apt
from lab.errors import LabError
from lab.testing.bed import ReleaseImages, Testbed, bed_names, up


def a_testbed() -> Testbed:
    return Testbed(
        network="net",
        standin_base_url="http://server:8080",
        fingerprint="F" * 40,
        key_sha256="a" * 64,
        standin_root=Path("/srv"),
        started_server=False,
        releases={
            "bookworm": ReleaseImages("host12:k", "debian:12", Path("/c/debian-12.tar")),
            "trixie": ReleaseImages("host13:k", "debian:13", Path("/c/debian-13.tar")),
        },
    )


def test_default_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NSLAB_TESTBED_NAME", raising=False)
    assert (bed_names().network, bed_names().server) == ("nslab-testbed", "nslab-standin")


def test_a_checkout_names_its_own_test_bed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NSLAB_TESTBED_NAME", "nslab-mine")
    assert (bed_names().network, bed_names().server) == ("nslab-mine", "nslab-mine-standin")


def test_env_keeps_the_default_release_unsuffixed_and_names_each_release() -> None:
    env = a_testbed().env()
    assert env["NSLAB_HOST_IMAGE"] == env["NSLAB_HOST_IMAGE_BOOKWORM"] == "host12:k"
    assert env["NSLAB_HOST_IMAGE_TRIXIE"] == "host13:k"
    assert env["NSLAB_LAB_IMAGE_TRIXIE"] == "debian:13"
    assert env["NSLAB_LAB_IMAGE_ARCHIVE_TRIXIE"] == "/c/debian-13.tar"


def test_role_variables_give_a_release_its_own_lab_image() -> None:
    bed = a_testbed()
    assert bed.role_variables()["namespace_lab_image"] == "debian:12"
    trixie = bed.role_variables(TRIXIE)
    assert trixie["namespace_lab_image_archive"] == "/c/debian-13.tar"
    assert trixie["docker_engine_mirror"] == "http://server:8080"


def test_settings_give_each_release_its_host_image_and_role_variables() -> None:
    # What Molecule's create playbook reads: it must survive JSON as it is.
    settings = json.loads(json.dumps(a_testbed().settings()))
    assert settings["network"] == "net"
    assert settings["started_server"] is False
    assert set(settings["releases"]) == {"bookworm", "trixie"}
    trixie = settings["releases"]["trixie"]
    assert trixie["host_image"] == "host13:k"
    assert trixie["role_variables"] == a_testbed().role_variables(TRIXIE)
    assert trixie["role_variables"]["docker_engine_key_checksum"] == "sha256:" + "a" * 64


def test_up_as_another_user_says_to_run_as_root_before_touching_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(LabError, match="needs root"):
        up(cache=tmp_path)
    assert list(tmp_path.iterdir()) == []  # not even the cache's lock file
    # `nslab testbed up --json`: one line on stderr, nothing on stdout for a tool to misread.
    assert main(["testbed", "up", "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("nslab: the test bed needs root"), err


def test_suite_apt_reads_only_its_own_configuration(tmp_path: Path) -> None:
    apt = suite_apt(tmp_path, "trixie", "http://deb.debian.org/debian/")
    assert apt.sources_line == (
        f"deb [signed-by={DEBIAN_KEYRING}] http://deb.debian.org/debian trixie main\n"
    )
    options = dict(pair.split("=", 1) for pair in apt.options()[1::2])
    # Every machine-wide place apt reads sources, pins, lists or dpkg state from is replaced.
    for name in (
        "Dir::Etc::SourceList",
        "Dir::Etc::SourceParts",
        "Dir::Etc::Preferences",
        "Dir::Etc::PreferencesParts",
        "Dir::State::Lists",
        "Dir::State::status",
        "Dir::Cache",
    ):
        assert options[name].startswith(str(tmp_path / "apt" / "trixie"))
