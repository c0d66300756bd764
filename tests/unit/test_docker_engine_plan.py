"""The docker_engine role's decisions (plugins/module_utils/docker_engine_plan.py) from what
docker_engine_host.py read once: what a host needs, step by step, without a host."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest
from docker_engine_modules import role_module, shared_code

reading = shared_code("docker_engine_host")
deciding = shared_code("docker_engine_plan")
role_module("docker_engine_probe")  # the thin module still imports what it needs
apt = role_module("docker_engine_apt")
locks = sys.modules["ansible.module_utils.docker_engine_locks"]

REPO = "https://download.docker.com/linux/debian"
KEY_SHA256 = "1500c1f56fa9e26b9b8f42452a553675796ade0807cdce11975eb98170b3a570"
ENGINE = [
    "docker-ce",
    "docker-ce-cli",
    "containerd.io",
    "docker-buildx-plugin",
    "docker-compose-plugin",
]
LIST_LINE = f"deb [arch=amd64 signed-by=/etc/apt/keyrings/docker.asc] {REPO} bookworm stable\n"
DOCS_SOURCES = (
    f"Types: deb\nURIs: {REPO}\nSuites: bookworm\nComponents: stable\n"
    "Signed-By: /etc/apt/keyrings/docker.asc\n"
)


def settings(**changes: object):
    base = reading.Settings(
        install_source="official",
        apt_source_format="list",
        repo_url=REPO,
        channel="stable",
        key_checksum=f"sha256:{KEY_SHA256}",
        key_fingerprint="9DC858229FC7DD38854AE2D88D81803C0EBFCD88",
        packages=ENGINE,
        debian_packages=[],
        package_state="present",
        version="",
        remove_conflicting=False,
        supported_releases=["bookworm", "trixie"],
        supported_architectures=["amd64", "arm64"],
        apt_cache_valid_time=3600,
        apt_proxy="",
        users=[],
        managed_files=[],
    )
    return dataclasses.replace(base, **changes)


def installed(*names: str, version: str = "1", want: str = "install") -> dict:
    return {name: reading.Package(status="installed", version=version, want=want) for name in names}


def fresh_host(**changes: object):
    base = reading.Host(
        distribution="debian",
        version="12",
        codename="bookworm",
        architecture="amd64",
        apparmor=False,
        packages={},
        lock_holders=[],
        dpkg_interrupted=False,
        key_sha256="",
        key_mode="",
        key_owner_root=False,
        sources=[],
        service_enabled="",
        service_active="inactive",
        lists_present=True,
        lists_age_s=7200.0,
        docker_lists_present=False,
        docker_group=None,
    )
    return dataclasses.replace(base, **changes)


def source(path: str, content: str) -> object:
    return reading.SourceFile(path, content, "0644", True, ["/etc/apt/keyrings/docker.asc"])


def converged_host(**changes: object):
    return dataclasses.replace(
        fresh_host(
            packages=installed("ca-certificates", "curl", *ENGINE),
            key_sha256=KEY_SHA256,
            key_mode="0644",
            key_owner_root=True,
            sources=[source("/etc/apt/sources.list.d/docker.list", LIST_LINE)],
            service_enabled="enabled",
            service_active="active",
            lists_age_s=60.0,
            docker_lists_present=True,
            docker_group=[],
        ),
        **changes,
    )


def test_a_fresh_host_needs_every_step_of_docker_s_install() -> None:
    plan = deciding.make_plan(settings(), fresh_host(), check_mode=False)
    assert plan.prerequisites == deciding.AptStep(["ca-certificates", "curl"], refresh_lists=True)
    assert plan.signing_key
    assert plan.repository_files == [
        {"path": "/etc/apt/sources.list.d/docker.list", "content": LIST_LINE, "mode": "0644"}
    ]
    assert plan.packages == deciding.AptStep(ENGINE, refresh_lists=True)
    # Docker's packages start the engine; step 4 waits until it answers, in its own round trip.
    assert not plan.service
    assert plan.any_step
    assert not (plan.remove_conflicting or plan.remove_sources_before_update or plan.repair_dpkg)


def test_a_check_run_on_a_fresh_host_does_not_ask_for_a_service_not_installed_yet() -> None:
    plan = deciding.make_plan(settings(), fresh_host(), check_mode=True)
    assert plan.packages.install == ENGINE
    assert not plan.service


def test_a_converged_host_needs_nothing() -> None:
    plan = deciding.make_plan(settings(), converged_host(), check_mode=False)
    assert dataclasses.asdict(plan) == dataclasses.asdict(
        deciding.Plan(
            held=[],
            lock_holders=[],
            repair_dpkg=False,
            remove_conflicting=[],
            remove_sources_before_update=[],
            apt_proxy=False,
            prerequisites=deciding.AptStep(),
            signing_key=False,
            repository_files=[],
            engine_config=False,
            packages=deciding.AptStep(),
            service=False,
            users=[],
            create_docker_group=False,
        )
    )
    assert not plan.any_step


@pytest.mark.parametrize(
    ("service_enabled", "service_active"), [("disabled", "inactive"), ("enabled", "failed")]
)
def test_a_stopped_or_disabled_engine_gets_the_service_step(
    service_enabled: str, service_active: str
) -> None:
    host = converged_host(service_enabled=service_enabled, service_active=service_active)
    plan = deciding.make_plan(settings(), host, check_mode=False)
    assert plan.service and plan.any_step
    assert plan.packages == deciding.AptStep()


def test_a_stopped_engine_with_a_package_missing_is_started_by_step_4_alone() -> None:
    host = converged_host(service_enabled="disabled", service_active="inactive")
    del host.packages["docker-ce"]
    plan = deciding.make_plan(settings(), host, check_mode=False)
    assert plan.packages.install == ["docker-ce"]
    assert not plan.service  # step 4 enables, starts and waits in its own round trip
    # A check run installs nothing, so the service step says what it would start.
    assert deciding.make_plan(settings(), host, check_mode=True).service


def test_prerequisites_in_place_skip_the_first_apt_get_update() -> None:
    host = fresh_host(packages=installed("ca-certificates", "curl"))
    plan = deciding.make_plan(settings(), host, check_mode=False)
    assert plan.prerequisites == deciding.AptStep()
    # Step 4 updates anyway: the repository is new to apt.
    assert plan.packages.refresh_lists


def test_sources_format_writes_the_heredoc_of_docker_s_docs_and_drops_docker_list() -> None:
    plan = deciding.make_plan(
        settings(apt_source_format="sources"), converged_host(), check_mode=False
    )
    assert plan.repository_files == [
        {"path": "/etc/apt/sources.list.d/docker.sources", "content": DOCS_SOURCES, "mode": "0644"},
        {"path": "/etc/apt/sources.list.d/docker.list", "state": "absent"},
    ]
    assert plan.packages == deciding.AptStep()  # nothing to install: no apt-get update either


def test_other_definitions_go_before_an_apt_get_update_that_they_would_break() -> None:
    geerlingguy = reading.SourceFile(
        "/etc/apt/sources.list.d/docker.sources", "...", "0644", True, ["/other.asc"]
    )
    host = fresh_host(sources=[source("/etc/apt/sources.list.d/docker.list", "old\n"), geerlingguy])
    plan = deciding.make_plan(settings(), host, check_mode=False)
    assert plan.remove_sources_before_update == [
        {"path": "/etc/apt/sources.list.d/docker.sources", "state": "absent"},
        {"path": "/etc/apt/sources.list.d/docker.list", "state": "absent"},
    ]


@pytest.mark.parametrize(
    ("host_changes", "message"),
    [
        (
            {"codename": "bullseye", "version": "11"},
            "docker_engine supports Debian bookworm, trixie; this host is Debian 11 (bullseye). "
            "Nothing was changed.",
        ),
        ({"codename": "forky", "version": ""}, "this host is Debian (forky)."),
        (
            {"distribution": "ubuntu", "codename": "noble", "version": "24.04"},
            "this host is Ubuntu 24.04 (noble).",
        ),
        ({"architecture": "riscv64"}, "this host is riscv64. Nothing was changed."),
        (
            {"packages": installed("docker.io", "runc")},
            "conflict with the official engine packages: docker.io, runc.",
        ),
    ],
)
def test_hosts_the_role_cannot_work_on_stop_it_before_any_change(
    host_changes: dict, message: str
) -> None:
    with pytest.raises(deciding.Stop, match=message.replace("(", r"\(").replace(")", r"\)")):
        deciding.make_plan(settings(), fresh_host(**host_changes), check_mode=False)


def test_a_held_engine_is_kept_and_stops_an_upgrade() -> None:
    host = converged_host(
        packages={**converged_host().packages, **installed("docker-ce", want="hold")}
    )
    assert deciding.make_plan(settings(), host, check_mode=False).held == ["docker-ce 1"]
    with pytest.raises(deciding.Stop, match="The role does not unhold packages"):
        deciding.make_plan(settings(package_state="latest"), host, check_mode=False)


def test_debian_s_engine_comes_with_a_working_cli_on_each_release() -> None:
    for codename, expected in (
        ("bookworm", ["docker.io"]),
        ("trixie", ["docker.io", "docker-cli"]),
    ):
        plan = deciding.make_plan(
            settings(install_source="debian"), fresh_host(codename=codename), check_mode=False
        )
        assert plan.packages.install == expected
        assert not plan.signing_key and plan.repository_files == []


def test_a_version_pin_installs_only_what_does_not_match_it() -> None:
    host = converged_host(
        packages={
            **converged_host().packages,
            **installed("docker-ce", "docker-ce-cli", version="5:27.5.1-1"),
        }
    )
    assert (
        deciding.make_plan(settings(version="5:27.5.*"), host, check_mode=False).packages.install
        == []
    )
    pinned = deciding.make_plan(settings(version="5:28.*"), host, check_mode=False).packages.install
    assert pinned == ["docker-ce=5:28.*", "docker-ce-cli=5:28.*"]


def test_an_interrupted_dpkg_run_is_finished_before_apt_works() -> None:
    host = converged_host(
        packages={
            **converged_host().packages,
            "docker-ce": reading.Package("unpacked", "1", "install"),
        }
    )
    plan = deciding.make_plan(settings(), host, check_mode=False)
    assert plan.repair_dpkg and plan.packages.install == ["docker-ce"]


def test_parses_dpkg_status() -> None:
    status = (
        "Package: curl\nStatus: install ok installed\nVersion: 7.88\n\n"
        "Package: docker-ce\nStatus: hold ok unpacked\nVersion: 5:27\nDescription: x\n y: z\n\n"
        "Package: runc\nStatus: deinstall ok config-files\nVersion: 1\n"
    )
    assert reading.parse_dpkg_status(status) == {
        "curl": reading.Package("installed", "7.88", "install"),
        "docker-ce": reading.Package("unpacked", "5:27", "hold"),
        "runc": reading.Package("config-files", "1", "deinstall"),
    }


def test_finds_docker_s_repository_in_both_source_formats(tmp_path: Path) -> None:
    directory = tmp_path / "etc/apt/sources.list.d"
    directory.mkdir(parents=True)
    (directory / "docker.list").write_text(LIST_LINE)
    (directory / "other.sources").write_text(
        "Types: deb\nArchitectures: amd64\nURIs: https://download.docker.com/linux/debian/\n"
        "Suites: bookworm\nComponents: stable\nSigned-By: /usr/share/keyrings/docker.gpg\n"
    )
    (directory / "debian.sources").write_text("Types: deb\nURIs: http://deb.debian.org/debian\n")
    found = reading.read_sources(directory, REPO, tmp_path)
    assert [(f.path, f.signed_by) for f in found] == [
        ("/etc/apt/sources.list.d/docker.list", ["/etc/apt/keyrings/docker.asc"]),
        ("/etc/apt/sources.list.d/other.sources", ["/usr/share/keyrings/docker.gpg"]),
    ]


def test_names_apt_s_list_files_as_apt_does() -> None:
    assert reading.apt_list_prefix("http://nslab-standin:8080/linux/debian") == (
        "nslab-standin:8080_linux_debian"
    )
    assert reading.apt_list_prefix("https://u:p@mirror.example/docker_ce/") == (
        "mirror.example_docker%5fce"
    )


def test_names_who_holds_the_dpkg_lock() -> None:
    proc_locks = (
        "26: POSIX  ADVISORY  WRITE 812 00:6a:1614623 0 EOF\n"
        "26: -> POSIX  ADVISORY  WRITE 900 00:6a:1614623 0 EOF\n"  # waiting, not holding
        "27: POSIX  ADVISORY  WRITE 812 00:6a:1614624 0 EOF\n"
        "28: POSIX  ADVISORY  WRITE 99 fe:00:77 0 EOF\n"  # some other file
        "2: OFDLCK ADVISORY  READ -1 00:6a:1614623 0 EOF\n"
    )
    lock_files = {(0, 0x6A, 1614623), (0, 0x6A, 1614624)}
    commands = {"812": "unattended-upgr", "900": "apt-get"}
    assert locks.parse_lock_holders(proc_locks, lock_files, commands.__getitem__) == [
        "unattended-upgr (pid 812)"
    ]


def test_reads_the_native_architecture_from_dpkg_s_own_entry() -> None:
    status = "Package: dpkg\nStatus: install ok installed\nArchitecture: arm64\nVersion: 1.21\n"
    assert reading.parse_dpkg_status(status)["dpkg"].architecture == "arm64"


def test_apt_changes_come_from_apt_s_summary_line() -> None:
    assert apt.changes("0 upgraded, 3 newly installed, 0 to remove and 0 not upgraded.\n")
    assert not apt.changes("0 upgraded, 0 newly installed, 0 to remove and 5 not upgraded.\n")
    assert apt.changes(
        "0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n"
        "1 not fully installed or removed.\n"
    )
