"""docker_engine_apt_source_format: Docker's repository as Docker's docs write it today
(docker.sources, deb822) or as the course note does (docker.list), and a switch both ways.

One host, in file order: a fresh converge with `sources`, a switch to `list`, a switch back, then a
host set up by hand with an older version of Docker's docs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from docker.models.containers import Container
from docker_engine_host import DOCS_SOURCES_HEREDOC, converge, sh

pytestmark = pytest.mark.molecule

SOURCES_D = "/etc/apt/sources.list.d"


# The course note's echo line (three spaces before the codename, as its backslash-newline
# leaves them; apt reads them as one, and so does the comparison below).
COURSE_NOTE_ECHO = """\
echo "deb [arch=$(dpkg --print-architecture) signed-by=/etc/apt/keyrings/docker.asc] \
{url}/linux/debian $(. /etc/os-release && echo "$VERSION_CODENAME") stable"
"""

APT_UPDATE_PROBLEMS = ("configured multiple times", "Conflicting values set for option Signed-By")


def docker_sources(host: Container) -> list[str]:
    return sh(host, f"cd {SOURCES_D} && ls docker.* 2>/dev/null || true").split()


def assert_apt_update_is_clean(host: Container) -> None:
    output = sh(host, "apt-get update 2>&1")
    for problem in APT_UPDATE_PROBLEMS:
        assert problem not in output, output


def switch(
    host: Container, workdir: Path, role_vars: dict[str, object], source_format: str
) -> None:
    """One run changes the host, the next changes nothing."""
    variables = {**role_vars, "docker_engine_apt_source_format": source_format}
    run = converge(host, workdir, variables)
    assert run.returncode == 0, run.output
    assert "changed=0 " not in run.text, run.output
    run = converge(host, workdir, variables)
    assert run.returncode == 0, run.output
    assert "changed=0 " in run.text, run.output


def test_sources_format_writes_what_docker_docs_write(
    host: Container, role_vars: dict[str, object], tmp_path: Path
) -> None:
    switch(host, tmp_path, role_vars, "sources")
    assert docker_sources(host) == ["docker.sources"]
    expected = sh(host, DOCS_SOURCES_HEREDOC.format(url=role_vars["docker_engine_mirror"]))
    assert sh(host, f"cat {SOURCES_D}/docker.sources") == expected
    assert "Architectures" not in expected
    assert_apt_update_is_clean(host)
    assert sh(host, "docker info --format '{{.ServerVersion}}'").strip()


def test_switching_to_list_replaces_docker_sources(
    host: Container, role_vars: dict[str, object], tmp_path: Path
) -> None:
    switch(host, tmp_path, role_vars, "list")
    assert docker_sources(host) == ["docker.list"]
    expected = sh(host, COURSE_NOTE_ECHO.format(url=role_vars["docker_engine_mirror"]))
    assert sh(host, f"cat {SOURCES_D}/docker.list").split() == expected.split()
    assert_apt_update_is_clean(host)


def test_switching_back_to_sources_replaces_docker_list(
    host: Container, role_vars: dict[str, object], tmp_path: Path
) -> None:
    switch(host, tmp_path, role_vars, "sources")
    assert docker_sources(host) == ["docker.sources"]
    assert_apt_update_is_clean(host)


def test_a_host_set_up_by_the_course_note_by_hand_gets_docker_sources(
    host: Container, role_vars: dict[str, object], tmp_path: Path
) -> None:
    # Both definitions at once, as a host that followed the course note and later today's docs
    # ends up: apt warns that the repository is configured multiple times.
    url = role_vars["docker_engine_mirror"]
    sh(host, COURSE_NOTE_ECHO.format(url=url).rstrip() + f" > {SOURCES_D}/docker.list")
    assert "configured multiple times" in sh(host, "apt-get update 2>&1")
    switch(host, tmp_path, role_vars, "sources")
    assert docker_sources(host) == ["docker.sources"]
    assert_apt_update_is_clean(host)
