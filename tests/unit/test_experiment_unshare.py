"""Namespaces without Docker: predictions from unshare's options, the checks that fit plain
processes, the tie back to Docker's result, and how the report shows it (en, ja)."""

# ruff: noqa: RUF001  (Japanese text uses full-width punctuation on purpose)
from __future__ import annotations

import pytest
from experiment_fakes import COURSE_NOTE_HOST, course_note_report, fingerprint

from lab.experiment.analysis import analyse, docker_comparison
from lab.experiment.evidence import interfaces, proc_mount, unshare_checks
from lab.experiment.expectations import expect
from lab.experiment.scenarios import SCENARIOS, UnshareSpec, start_args
from lab.report.explain import without_docker
from lab.report.html import render_html
from lab.report.markdown import render_markdown
from lab.report.model import ROLES, ContainerInfo, NamespaceRef, Report
from lab.report.terminal import render_terminal

HOST_NETDEV = (
    "Inter-|   Receive\n face |bytes\n"
    "    lo:       0       0\n  eth0:  123456     789\ndocker0:       0       0\n"
)
LO_ONLY = "Inter-|   Receive\n face |bytes\n    lo:       0       0\n"
HOST_CGROUP = "13:hugetlb:/\n12:net_cls,net_prio:/\n0::/user.slice"
NEW_TYPES = ("ipc", "mnt", "net", "pid", "uts")


def test_the_options_come_from_the_namespaces_asked_for() -> None:
    spec = SCENARIOS["unshare"].first
    assert isinstance(spec, UnshareSpec)
    assert spec.unshare_args() == [
        "--ipc", "--mount", "--net", "--pid", "--uts", "--fork", "--mount-proc",
    ]  # fmt: skip
    user = SCENARIOS["unshare-user"].first
    assert start_args(user)[-1] == "--map-root-user" and "--user" in start_args(user)
    assert UnshareSpec(frozenset({"uts"})).unshare_args() == ["--uts"]  # no PID ns, no --fork
    assert SCENARIOS["unshare"].launcher == "unshare"
    assert SCENARIOS["baseline"].launcher == "docker"


@pytest.mark.parametrize("scenario", ["unshare", "unshare-user"])
@pytest.mark.parametrize("engine", ["20.10.24", "29.5.0"])
def test_predictions_follow_the_options_not_the_engine(scenario: str, engine: str) -> None:
    """Docker's version decides what its containers get; unshare's options alone decide here."""
    asked = SCENARIOS[scenario].first.namespaces  # type: ignore[union-attr]
    for name in sorted(COURSE_NOTE_HOST):
        facts = fingerprint(engine=engine, cgroup="2")
        expectation = expect(name, facts, SCENARIOS[scenario].specs())
        assert expectation is not None
        kind = name.removesuffix("_for_children")
        membership = "own" if kind in asked else "host"
        assert expectation.memberships == {
            "host": "host", "container1": membership, "container2": membership,
        }  # fmt: skip
        assert expectation.relations.isolated == (kind in asked)
        [reason] = expectation.reasons  # both processes: one reason
        assert reason.params["containers"] == ["container1", "container2"]
        if kind not in asked:
            assert reason.code == "unshare.not_asked" and reason.params["kind"] == kind
        elif kind == "user":
            assert reason.code == "unshare.user"
        else:
            assert reason.code == "unshare.asked" and reason.params["flag"].startswith("--")


def test_an_unknown_namespace_type_gets_no_prediction() -> None:
    assert expect("newkind", fingerprint(), SCENARIOS["unshare"].specs()) is None


def _probe(name: str, *, user: bool, **extra: str) -> dict[str, str]:
    mount_id = {"unshare1": 448, "unshare2": 492}[name]
    return {
        "hostname": f"nslab-{name}",
        "netdev": LO_ONLY,
        "pid1": "sleep infinity",
        "mountinfo": f"726 723 0:21 / /proc rw - proc proc rw\n{mount_id} 726 0:1 / /proc rw"
        " - proc proc rw",
        "uid_map": "0 0 1" if user else "0 0 4294967295",
        "cgroup": HOST_CGROUP,
        "sysvipc": "       key      shmid perms",
        **extra,
    }


def _host() -> dict[str, str]:
    return {
        "hostname": "labhost",
        "netdev": HOST_NETDEV,
        "pid1": "/sbin/init",
        "mountinfo": "22 1 0:21 / /proc rw - proc proc rw",
        "uid_map": "0 0 4294967295",
        "cgroup": HOST_CGROUP,
    }


def _probes(user: bool) -> dict[str, dict[str, str]]:
    first = _probe("unshare1", user=user, ipc_made="Shared memory id: 0")
    return {"host": _host(), "container1": first, "container2": _probe("unshare2", user=user)}


def _expectations(scenario: str):
    specs = SCENARIOS[scenario].specs()
    names = ("uts", "net", "mnt", "user", "pid", "ipc", "cgroup")
    return {n: expect(n, fingerprint(cgroup="1"), specs) for n in names}


@pytest.mark.parametrize(("scenario", "user"), [("unshare", False), ("unshare-user", True)])
def test_checks_pass_on_what_unshare_really_shows(scenario: str, user: bool) -> None:
    found = unshare_checks(_probes(user), _expectations(scenario))
    assert [c.check for c in found if not c.passed] == []
    codes = {c.check for c in found}
    assert {"net.loopback_only.container1", "mnt.proc_mount.between", "pid.pid1.container2"} <= (
        codes
    )
    # Two user namespaces, each with the map unshare wrote into it: the same map (as under
    # userns-remap), while neither is the host's.
    between = next(c for c in found if c.check == "user.uid_map.between")
    assert between.expected == "same" and "user.uid_map.container1_host" in codes
    uid_map = next(c for c in found if c.check == "user.uid_map.container1_host")
    assert uid_map.expected == ("different" if user else "same")
    ipc = next(c for c in found if c.check == "ipc.object_visible")
    assert ipc.expected == "invisible"


@pytest.mark.parametrize(
    ("broken", "failing"),
    [
        ({"netdev": HOST_NETDEV}, "net.loopback_only.container2"),  # still the host's network
        ({"hostname": "labhost"}, "uts.hostname.container2_host"),  # renamed the host
        ({"pid1": "/sbin/init"}, "pid.pid1.container2"),
        ({"mountinfo": "22 1 0:21 / /proc rw - proc proc rw"}, "mnt.proc_mount.container2_host"),
        ({"sysvipc": "key shmid\n 0 0 644 64"}, "ipc.object_visible"),
        ({"cgroup": "0::/elsewhere"}, "cgroup.self_cgroup.container2_host"),
    ],
)
def test_checks_fail_when_a_namespace_did_not_separate(broken: dict, failing: str) -> None:
    probes = _probes(user=False)
    probes["container2"] = {**probes["container2"], **broken}
    failed = [c.check for c in unshare_checks(probes, _expectations("unshare")) if not c.passed]
    assert failing in failed


def test_proc_mount_and_interfaces() -> None:
    mountinfo = "22 1 0:21 / /proc rw - proc proc rw\n30 22 0:5 / /proc/sys ro - proc proc rw\n"
    assert proc_mount(mountinfo) == "22: proc proc rw"
    assert proc_mount(mountinfo + "760 22 0:123 / /proc rw - proc proc rw") == "760: proc proc rw"
    assert interfaces(HOST_NETDEV) == ["docker0", "eth0", "lo"]
    assert interfaces(LO_ONLY) == ["lo"]


def test_docker_comparison_from_this_runs_baseline() -> None:
    baseline = course_note_report().scenarios[0]  # the course note's table: cgroup v2
    compared = docker_comparison(fingerprint(cgroup="2"), baseline)
    assert compared.source == "observed"
    assert compared.isolated == ["cgroup", "ipc", "mnt", "net", "pid", "uts"]
    assert compared.shared == ["time", "user"]


@pytest.mark.parametrize(
    ("facts", "isolated", "shared"),
    [
        ({"cgroup": "1"}, ["ipc", "mnt", "net", "pid", "uts"], ["cgroup", "time", "user"]),
        ({"cgroup": "2"}, ["cgroup", "ipc", "mnt", "net", "pid", "uts"], ["time", "user"]),
        (
            {"cgroup": "2", "engine": "29.5.0", "userns_remap": True},
            ["cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"],
            [],
        ),
    ],
)
def test_docker_comparison_predicted_without_a_baseline(facts, isolated, shared) -> None:
    compared = docker_comparison(fingerprint(**facts), None)
    assert (compared.source, compared.isolated, compared.shared) == ("predicted", isolated, shared)


def _unshare_report(lang: str, scenario: str = "unshare", cgroup: str = "2") -> Report:
    """An unshare run on a cgroup v2 host: what the report makes of it, without a baseline."""
    fp = fingerprint(cgroup=cgroup)
    asked = SCENARIOS[scenario].first.namespaces  # type: ignore[union-attr]
    namespaces: dict[str, dict[str, NamespaceRef]] = {role: {} for role in ROLES}
    for name, inode in COURSE_NOTE_HOST.items():
        kind = name.removesuffix("_for_children")
        for offset, role in enumerate(("host", "container1", "container2")):
            own = role != "host" and kind in asked
            number = (
                4026532400 + 10 * offset + sorted(COURSE_NOTE_HOST).index(name) if own else inode
            )
            namespaces[role][name] = NamespaceRef(name, f"{kind}:[{number}]", 4, number)
    containers = [
        ContainerInfo(role, f"{scenario}{n}", "", "", 2000 + n, [2000 + n, 1], "running", {})
        for n, role in ((1, "container1"), (2, "container2"))
    ]
    result = analyse(
        scenario, fp, SCENARIOS[scenario].specs(), containers, namespaces,
        _probes(user=scenario == "unshare-user"), lang,
    )  # fmt: skip
    report = course_note_report(lang)
    return Report(**{**report.__dict__, "fingerprint": fp, "scenarios": [result]})


def test_an_unshare_run_matches_and_ties_back_to_docker() -> None:
    report = _unshare_report("en")
    [scenario] = report.scenarios
    assert report.matched, report.mismatches
    assert scenario.launcher == "unshare" and scenario.docker_comparison is not None
    assert scenario.docker_args["container1"][:2] == ["--ipc", "--mount"]
    roles, tie = without_docker(scenario, "en")
    assert "not containers" in roles
    assert tie.startswith("Docker asks the kernel for the same namespaces.")
    assert "unshare asked here for ipc, mnt, net, pid, uts" in tie
    assert "Docker 20.10.24+dfsg1 gives each container its own cgroup, ipc, mnt, net, pid, uts" in (
        tie
    )
    assert "(predicted for this machine)" in tie and "Docker also asks for: cgroup." in tie


def test_the_user_variant_says_what_docker_does_not_do() -> None:
    [scenario] = _unshare_report("en", "unshare-user", cgroup="1").scenarios
    _, tie = without_docker(scenario, "en")
    assert "unshare also asked for what Docker does not give containers here: user." in tie
    assert "Docker also asks for" not in tie  # cgroup v1: Docker keeps the host's cgroup namespace


def test_docker_scenarios_get_no_such_paragraph() -> None:
    assert without_docker(course_note_report().scenarios[0], "en") == []


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ["Docker asks the kernel for the same", "unshare options", "nslab-unshare1"]),
        ("ja", ["Dockerもカーネルに同じ名前空間", "unshare のオプション", "lo）だけ"]),
    ],
)
def test_the_pages_show_it_in_each_language(lang: str, words: list[str]) -> None:
    report = _unshare_report(lang)
    markdown = render_markdown(report, lang)
    for word in words:
        assert word in markdown
    terminal = render_terminal(report, lang)
    assert "--mount-proc" in terminal and words[0] in terminal


@pytest.mark.parametrize(("lang", "first"), [("en", "process1"), ("ja", "プロセス1")])
def test_the_processes_are_not_called_containers(lang: str, first: str) -> None:
    report = _unshare_report(lang)
    markdown = render_markdown(report, lang)
    matrix_header = next(
        line
        for line in markdown.splitlines()
        if line.startswith("| type |") or line.startswith("| 種類 |")
    )
    assert f"| {first} |" in matrix_header and "container1" not in matrix_header
    page = render_html(report, lang)
    assert '<text class="role" x="' in page and f">{first}</text>" in page
    assert ">container1</text>" not in page
    assert f"{first}=" in render_terminal(report, lang)
    # The data keeps its roles, so readers of report.json need nothing new.
    assert [c.role for c in report.scenarios[0].containers] == ["container1", "container2"]


def test_a_report_round_trips_with_the_new_fields() -> None:
    report = _unshare_report("en")
    again = Report.from_dict(report.to_dict())
    assert again.scenarios[0].docker_comparison == report.scenarios[0].docker_comparison
    assert again.scenarios[0].launcher == "unshare"
    old = course_note_report().to_dict()
    for scenario in old["scenarios"]:  # a 1.0 report: no launcher, no comparison
        del scenario["launcher"], scenario["docker_comparison"]
    assert Report.from_dict(old).scenarios[0].launcher == "docker"
