"""Predictions and their reasons follow the environment: cgroup v1/v2, userns-remap, rootless,
engine version, kernel and the time-namespaces feature flag."""

from __future__ import annotations

from pathlib import Path

import pytest
from experiment_fakes import COURSE_NOTE_PIDS, course_note_proc, fingerprint

from lab.experiment.analysis import namespace_rows
from lab.experiment.expectations import expect, version_tuple
from lab.experiment.namespaces import read_namespaces
from lab.experiment.scenarios import SCENARIOS, ContainerSpec, for_engine, start_args
from lab.report.explain import reason_text
from lab.report.model import ContainerInfo

DEFAULTS = {"container1": ContainerSpec(), "container2": ContainerSpec()}


def test_version_tuple() -> None:
    assert version_tuple("20.10.24+dfsg1") == (20, 10, 24)
    assert version_tuple("29.5.0-rc.1") == (29, 5, 0)
    assert version_tuple("6.18.44-fc-v595") == (6, 18, 44)


@pytest.mark.parametrize(
    ("cgroup", "engine", "membership", "code"),
    [
        ("1", "20.10.24", "host", "cgroup.default_v1"),
        ("2", "20.10.24", "own", "cgroup.default_v2"),
        ("2", "29.5.0", "own", "cgroup.default_v2"),
        ("2", "19.03.15", "host", "cgroup.engine_old"),
    ],
)
def test_cgroup_follows_cgroup_version_and_engine(cgroup, engine, membership, code) -> None:
    expectation = expect("cgroup", fingerprint(cgroup=cgroup, engine=engine), DEFAULTS)
    assert expectation.memberships["container1"] == membership
    assert expectation.memberships["container2"] == membership
    assert [r.code for r in expectation.reasons] == [code]
    assert engine in reason_text(expectation.reasons[0], "en")


def test_cgroup_reported_by_engine_wins_over_the_usual_default() -> None:
    expectation = expect(
        "cgroup", fingerprint(cgroup="2"), DEFAULTS, {"container1": "host", "container2": "host"}
    )
    assert expectation.memberships["container1"] == "host"
    assert expectation.reasons[0].code == "cgroup.engine_configured"


def test_cgroupns_requested_by_the_scenario() -> None:
    specs = SCENARIOS["cgroupns-private"].specs()
    expectation = expect("cgroup", fingerprint(cgroup="1"), specs, {"container1": "private"})
    assert expectation.relations.isolated
    assert "--cgroupns=private" in reason_text(expectation.reasons[0], "en")


@pytest.mark.parametrize(
    ("remap", "rootless", "membership", "isolated", "code"),
    [
        (False, False, "host", False, "user.no_remap"),
        (True, False, "own", True, "user.remap"),
        (False, True, "engine", False, "user.rootless"),
    ],
)
def test_user_follows_userns_remap_and_rootless(remap, rootless, membership, isolated, code):
    fp = fingerprint(userns_remap=remap, rootless=rootless)
    expectation = expect("user", fp, DEFAULTS)
    assert expectation.memberships["container2"] == membership
    assert expectation.relations.isolated is isolated
    assert expectation.relations.container1_shares_host is (membership == "host")
    assert expectation.reasons[0].code == code
    assert "name=seccomp" in reason_text(expectation.reasons[0], "en")


@pytest.mark.parametrize(
    ("engine", "kernel", "features", "membership", "code", "says"),
    [
        ("20.10.24", "6.1.0", {}, "host", "time.engine_old", "20.10.24"),
        ("29.4.2", "6.1.0", {}, "host", "time.engine_old", "29.4.2"),
        ("29.5.0", "6.1.0", {}, "own", "time.private", "29.5.0"),
        ("29.5.0", "5.4.0", {}, "host", "time.kernel_old", "5.4.0"),
        ("29.5.0", "6.1.0", {"time-namespaces": False}, "host", "time.feature_off", "false"),
        ("29.5.0", "6.1.0", {"time-namespaces": True}, "own", "time.private", "29.5.0"),
    ],
)
def test_time_follows_engine_kernel_and_feature_flag(
    engine, kernel, features, membership, code, says
):
    fp = fingerprint(engine=engine, kernel=kernel, features=features, features_source="daemon.json")
    for name in ("time", "time_for_children"):
        expectation = expect(name, fp, DEFAULTS)
        assert expectation.memberships["container1"] == membership
        assert expectation.reasons[0].code == code
        assert says in reason_text(expectation.reasons[0], "en")


@pytest.mark.parametrize(
    ("scenario", "name", "first", "second", "isolated"),
    [
        ("baseline", "pid", "own", "own", True),
        ("pid-host", "pid", "own", "host", True),
        ("net-host", "net", "own", "host", True),
        ("net-container", "net", "own", "container1", False),
        ("ipc-container", "ipc", "own", "container1", False),
        ("uts-host", "uts", "own", "host", True),
        ("baseline", "mnt", "own", "own", True),
    ],
)
def test_scenarios_change_exactly_their_namespace(scenario, name, first, second, isolated) -> None:
    expectation = expect(name, fingerprint(), SCENARIOS[scenario].specs())
    assert (expectation.memberships["container1"], expectation.memberships["container2"]) == (
        first,
        second,
    )
    assert expectation.relations.isolated is isolated
    assert expectation.relations.container2_shares_host is (second == "host")


def test_a_reason_names_the_container_it_applies_to() -> None:
    expectation = expect("pid", fingerprint(), SCENARIOS["pid-host"].specs())
    texts = [reason_text(r, "en") for r in expectation.reasons]
    assert texts[1].startswith("container2: Started with --pid=host")
    assert texts[0].startswith("container1: Docker creates a PID namespace")
    # Both containers under one explanation are not named.
    assert not reason_text(expect("pid", fingerprint(), DEFAULTS).reasons[0], "en").startswith("c")


def test_unknown_type_has_no_prediction() -> None:
    assert expect("newtype", fingerprint(), DEFAULTS) is None


def _infos() -> list[ContainerInfo]:
    return [
        ContainerInfo(role, role, f"{role}id", "debian", COURSE_NOTE_PIDS[role],
                      [COURSE_NOTE_PIDS[role], 1], "running", {"cgroupns": ""})
        for role in ("container1", "container2")
    ]  # fmt: skip


def test_course_note_table_matches_docker_20_10_on_cgroup_v2(tmp_path: Path) -> None:
    """The course note's own table is exactly what nslab predicts for its environment."""
    proc = course_note_proc(tmp_path)
    namespaces = {role: read_namespaces(pid, proc) for role, pid in COURSE_NOTE_PIDS.items()}
    rows = namespace_rows(fingerprint(cgroup="2"), DEFAULTS, namespaces, _infos(), "en")
    assert all(row.match for row in rows)
    shared = {row.name for row in rows if not row.observed.isolated}
    assert shared == {"time", "time_for_children", "user"}


def test_course_note_table_is_a_mismatch_where_time_namespaces_exist(tmp_path: Path) -> None:
    proc = course_note_proc(tmp_path)
    namespaces = {role: read_namespaces(pid, proc) for role, pid in COURSE_NOTE_PIDS.items()}
    rows = namespace_rows(fingerprint(engine="29.5.0"), DEFAULTS, namespaces, _infos(), "en")
    assert {row.name for row in rows if row.match is False} == {"time", "time_for_children"}


@pytest.mark.parametrize(
    ("scenario", "remap", "rootless", "second", "code", "says"),
    [
        # The case: one namespace per container, each the engine's own making.
        ("baseline", True, False, "own", "user.remap", "/etc/subuid"),
        # Joining a pid, net or ipc namespace joins the first container's user namespace too.
        ("net-container", True, False, "container1", "user.joined", "--network=container:"),
        ("ipc-container", True, False, "container1", "user.joined", "--ipc=container:"),
        # The engine refuses --pid/--network=host in a remapped namespace: run with --userns=host.
        ("pid-host", True, False, "host", "user.host", "--userns=host"),
        ("net-host", True, False, "host", "user.host", "--userns=host"),
        # --uts=host is allowed in a remapped namespace.
        ("uts-host", True, False, "own", "user.remap", "/etc/subuid"),
        ("net-container", False, False, "host", "user.no_remap", "name=seccomp"),
        ("net-host", False, True, "engine", "user.rootless", "name=rootless"),
    ],
)
def test_user_under_each_way_docker_makes_user_namespaces(
    scenario, remap, rootless, second, code, says
) -> None:
    fp = fingerprint(userns_remap=remap, rootless=rootless)
    specs = for_engine(SCENARIOS[scenario], remap).specs()
    expectation = expect("user", fp, specs)
    assert expectation.memberships["container2"] == second
    reason = next(r for r in expectation.reasons if "container2" in r.params["containers"])
    assert reason.code == code
    assert says in reason_text(reason, "en") and says in reason_text(reason, "ja")


def test_only_host_sharing_containers_get_userns_host_and_only_under_remap() -> None:
    for name, scenario in SCENARIOS.items():
        remapped = for_engine(scenario, True)
        assert for_engine(scenario, False) == scenario, name
        for original, fitted in zip(
            scenario.specs().values(), remapped.specs().values(), strict=True
        ):
            shares_host = isinstance(original, ContainerSpec) and "host" in (
                original.pid_mode,
                original.network_mode,
            )
            assert ("--userns=host" in start_args(fitted)) is shares_host, name
