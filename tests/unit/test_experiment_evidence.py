"""Behavioural checks: parsing the probe's output and judging it against the expectations."""

from __future__ import annotations

import pytest
from experiment_fakes import fingerprint

from lab.experiment.evidence import (
    checks,
    hostname_relations,
    parse_sections,
    probe_command,
    root_mount,
)
from lab.experiment.expectations import expect
from lab.experiment.scenarios import SCENARIOS, for_engine

HOST_CGROUP = "0::/init.scope"
IDS = {"container1": "a" * 64, "container2": "b" * 64}


def _probe(hostname: str, mac: str, **extra: str) -> dict[str, str]:
    return {
        "hostname": hostname,
        "net": f"eth0 {mac}\nlo 00:00:00:00:00:00",
        "pid1": "sleep infinity",
        "mountinfo": f"72 48 0:39 / / rw - overlay overlay rw,upperdir=/x/{hostname}/diff",
        "uid_map": "         0          0 4294967295",
        "cgroup": "0::/",
        "sysvipc": "       key      shmid perms",
        "posixshm": ". ..",
        **extra,
    }


def _host() -> dict[str, str]:
    return {
        "hostname": "debian12",
        "net": "docker0 02:42:00:00:00:01\neth0 52:54:00:12:34:56",
        "pid1": "/sbin/init",
        "mountinfo": "23 1 254:1 / / rw - ext4 /dev/vda1 rw",
        "uid_map": "0 0 4294967295",
        "cgroup": HOST_CGROUP,
    }


def _expectations(scenario: str):
    specs = SCENARIOS[scenario].specs()
    names = ("uts", "net", "mnt", "user", "pid", "ipc", "cgroup")
    return {n: expect(n, fingerprint(cgroup="2"), specs) for n in names}


def test_parse_sections_and_root_mount() -> None:
    sections = parse_sections("@@hostname\nc1\n@@pid1\nsleep\0infinity\0\n")
    assert sections == {"hostname": "c1", "pid1": "sleep infinity"}
    mountinfo = (
        "1 0 0:1 / / rw - rootfs rootfs rw\n72 48 0:39 / / rw - overlay overlay rw,upperdir=/u"
    )
    assert root_mount(mountinfo) == "overlay overlay rw,upperdir=/u"


def test_parse_the_single_tail_of_every_file() -> None:
    """What `tail -n +1 FILE...` prints in a container: a header before each file, a blank line
    between files, and /proc/1/cmdline with NULs and no final newline."""
    output = (
        "@@ipc_made\nShared memory id: 3\n"
        "==> /proc/sys/kernel/hostname <==\nc1\n\n"
        "==> /proc/1/cmdline <==\nsleep\0infinity\0\n"
        "==> /proc/sysvipc/shm <==\n       key      shmid perms\n 0 3 644\n\n"
        "==> /sys/class/net/eth0/address <==\n02:42:ac:11:00:02\n\n"
        "==> /sys/class/net/lo/address <==\n00:00:00:00:00:00\n"
        "@@posixshm\n.\n..\n*\n"
    )
    assert parse_sections(output) == {
        "ipc_made": "Shared memory id: 3",
        "hostname": "c1",
        "pid1": "sleep infinity",
        "sysvipc": "key      shmid perms\n 0 3 644",
        "net": "eth0 02:42:ac:11:00:02\nlo 00:00:00:00:00:00",
        "posixshm": ".\n..\n*",
    }
    assert probe_command("m", make_ipc=False)[2].count("tail ") == 1


def test_baseline_evidence_passes_for_separate_containers() -> None:
    probes = {
        "host": _host(),
        "container1": _probe("c1", "02:42:ac:11:00:02", ipc_made="Shared memory id: 3"),
        "container2": _probe("c2", "02:42:ac:11:00:03"),
    }
    results = checks(probes, _expectations("baseline"), IDS)
    assert results and all(r.passed for r in results), [r for r in results if not r.passed]
    ipc = next(r for r in results if r.namespace == "ipc")
    assert (ipc.expected, ipc.observed) == ("invisible", "invisible")


def test_a_shared_ipc_object_seen_where_isolation_was_expected_fails() -> None:
    seen = "       key      shmid perms\n 123456 3 644"
    probes = {
        "host": _host(),
        "container1": _probe("c1", "02:42:ac:11:00:02", ipc_made="Shared memory id: 3"),
        "container2": _probe("c2", "02:42:ac:11:00:03", sysvipc=seen),
    }
    ipc = next(r for r in checks(probes, _expectations("baseline"), IDS) if r.namespace == "ipc")
    assert not ipc.passed
    ipc_joined = next(
        r for r in checks(probes, _expectations("ipc-container"), IDS) if r.namespace == "ipc"
    )
    assert ipc_joined.passed


def test_posix_shm_fallback_without_ipcmk() -> None:
    probes = {
        "host": _host(),
        "container1": _probe("c1", "m1", ipc_made="posix nslab-x"),
        "container2": _probe("c2", "m2", posixshm=". .. nslab-x"),
    }
    ipc = next(
        r for r in checks(probes, _expectations("ipc-container"), IDS) if r.namespace == "ipc"
    )
    assert ipc.passed and ipc.observed == "visible"


def test_hostname_follows_the_network_it_joins() -> None:
    for scenario in ("net-host", "net-container"):
        exp = _expectations(scenario)
        assert exp["uts"].relations.isolated  # own UTS namespaces...
        # ...but Docker copies the hostname of the network's owner.
        relations = hostname_relations(exp["uts"], exp["net"])
        assert relations.container2_shares_host is (scenario == "net-host")
        assert relations.isolated is (scenario == "net-host")


def test_pid_host_sees_the_hosts_init_and_cgroup_host_shows_full_paths() -> None:
    probes = {
        "host": _host(),
        "container1": _probe("c1", "m1", ipc_made="Shared memory id: 0"),
        "container2": _probe(
            "c2", "m2", pid1="/sbin/init", cgroup=f"0::/docker/{IDS['container2']}"
        ),
    }
    results = {r.check: r for r in checks(probes, _expectations("pid-host"), IDS)}
    assert results["pid.pid1.container2"].passed
    assert results["pid.pid1.container2"].observed == "host_init"
    # cgroup v2 default is private, so a full path in container2 is a mismatch.
    assert not results["cgroup.paths.container2"].passed


def test_net_host_survives_veths_coming_and_going_on_the_host() -> None:
    """Other containers start and stop between the host's read and the container's."""
    route = "Iface\tDestination\tGateway\neth0\t00000000\t010200C0\ndocker0\t000011AC\t00000000"
    host = {**_host(), "route": route}
    seen_by_container2 = host["net"] + "\nveth1234 6a:00:00:00:00:01"
    probes = {
        "host": host,
        "container1": _probe("c1", "02:42:ac:11:00:02", ipc_made="Shared memory id: 0"),
        "container2": _probe("debian12", "x", net=seen_by_container2, route=route),
    }
    results = {r.check: r for r in checks(probes, _expectations("net-host"), IDS)}
    assert results["net.interfaces.container2_host"].passed
    assert results["net.interfaces.container2_host"].detail["host"] == "eth0 52:54:00:12:34:56"
    assert results["net.interfaces.between"].passed


HOST_MAP = "0 0 4294967295"
REMAP = "0 165536 65536"  # the dockremap user's range from /etc/subuid, in every container
ROOTLESS = "0 1000 1\n1 100000 65536"  # the rootless engine's own namespace


def _user_checks(scenario: str, maps: tuple[str, str], **engine: bool) -> dict[str, object]:
    remap = engine.get("userns_remap", False)
    specs = for_engine(SCENARIOS[scenario], remap).specs()
    user = expect("user", fingerprint(**engine), specs)
    probes = {
        "host": {**_host(), "uid_map": HOST_MAP},
        "container1": _probe("c1", "m1", uid_map=maps[0]),
        "container2": _probe("c2", "m2", uid_map=maps[1]),
    }
    found = checks(probes, {"user": user}, IDS)
    return {c.check.removeprefix("user.uid_map."): c for c in found}


@pytest.mark.parametrize(
    ("scenario", "maps", "engine", "between"),
    [
        # The case: two user namespaces, one mapping written into both.
        ("baseline", (REMAP, REMAP), {"userns_remap": True}, "same"),
        ("net-container", (REMAP, REMAP), {"userns_remap": True}, "same"),
        # --userns=host next to a remapped container.
        ("pid-host", (REMAP, HOST_MAP), {"userns_remap": True}, "different"),
        ("baseline", (ROOTLESS, ROOTLESS), {"rootless": True}, "same"),
        ("baseline", (HOST_MAP, HOST_MAP), {}, "same"),
    ],
)
def test_uid_map_under_each_way_docker_makes_user_namespaces(scenario, maps, engine, between):
    found = _user_checks(scenario, maps, **engine)
    assert all(c.passed for c in found.values()), found
    assert found["between"].expected == between
    for role, value in zip(("container1", "container2"), maps, strict=True):
        assert found[f"{role}_host"].expected == ("same" if value == HOST_MAP else "different")


def test_a_remapped_container_that_reads_the_hosts_map_or_another_map_is_a_mismatch() -> None:
    # Root inside is root outside: the remap did not happen for container2.
    found = _user_checks("baseline", (REMAP, HOST_MAP), userns_remap=True)
    assert not found["between"].passed and not found["container2_host"].passed
    # Two different mappings from one engine: not what userns-remap does.
    found = _user_checks("baseline", (REMAP, "0 231072 65536"), userns_remap=True)
    assert not found["between"].passed and found["container2_host"].passed
