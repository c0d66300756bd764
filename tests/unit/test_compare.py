"""`nslab compare`'s measuring and rendering, on fake /proc and cgroup trees and fake inputs: the
computations are the real ones."""

# ruff: noqa: RUF001  (Japanese text uses full-width punctuation on purpose)
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from lab.compare import render
from lab.compare.measure import allocated_bytes, cgroup_memory_bytes, memory_cgroup, rss_bytes
from lab.compare.model import Comparison, ContainerMeasure, Machine, VmMeasure

MIB = 1024 * 1024
CONTAINER_ID = "21ee77de2e5e" * 5 + "abcd"
# What a container's /proc/PID/cgroup reads on this cgroup v1 host, and on a cgroup v2 one.
V1_CGROUP = (
    "13:hugetlb:/\n"
    f"4:memory:/docker/{CONTAINER_ID}\n"
    f"1:cpu:/docker/{CONTAINER_ID}\n"
    f"0::/docker/{CONTAINER_ID}\n"
)
V2_CGROUP = f"0::/system.slice/docker-{CONTAINER_ID}.scope\n"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_memory_cgroup_prefers_the_v1_memory_controller() -> None:
    assert memory_cgroup(V1_CGROUP) == ("v1", f"/docker/{CONTAINER_ID}")
    assert memory_cgroup(V2_CGROUP) == ("v2", f"/system.slice/docker-{CONTAINER_ID}.scope")
    assert memory_cgroup("12:net_cls,net_prio:/\n") is None


def test_cgroup_memory_v1_counts_like_docker_stats(tmp_path: Path) -> None:
    _write(tmp_path / "proc/4242/cgroup", V1_CGROUP)
    group = tmp_path / f"cgroup/memory/docker/{CONTAINER_ID}"
    _write(group / "memory.usage_in_bytes", "548864\n")
    _write(group / "memory.stat", "cache 4096\ninactive_file 0\ntotal_inactive_file 8192\n")
    assert cgroup_memory_bytes(4242, tmp_path / "proc", tmp_path / "cgroup") == 548864 - 8192


def test_cgroup_memory_v2(tmp_path: Path) -> None:
    _write(tmp_path / "proc/7/cgroup", V2_CGROUP)
    group = tmp_path / f"cgroup/system.slice/docker-{CONTAINER_ID}.scope"
    _write(group / "memory.current", "1048576\n")
    _write(group / "memory.stat", "anon 40960\nfile 1000000\ninactive_file 524288\n")
    assert cgroup_memory_bytes(7, tmp_path / "proc", tmp_path / "cgroup") == 524288


def test_cgroup_memory_without_a_memory_cgroup_says_so(tmp_path: Path) -> None:
    _write(tmp_path / "proc/7/cgroup", "12:net_cls,net_prio:/\n")
    with pytest.raises(ValueError, match="no memory cgroup"):
        cgroup_memory_bytes(7, tmp_path / "proc", tmp_path / "cgroup")


def test_rss_of_a_process(tmp_path: Path) -> None:
    _write(
        tmp_path / "proc/99/status", "Name:\tqemu-system-x86\nVmPeak:\t 9 kB\nVmRSS:\t  302160 kB\n"
    )
    assert rss_bytes(99, tmp_path / "proc") == 302160 * 1024
    _write(tmp_path / "proc/2/status", "Name:\tkthreadd\n")
    with pytest.raises(ValueError, match="no VmRSS"):
        rss_bytes(2, tmp_path / "proc")


def test_allocated_bytes_counts_blocks_not_the_apparent_size(tmp_path: Path) -> None:
    sparse, dense = tmp_path / "sparse.qcow2", tmp_path / "dense"
    with sparse.open("wb") as out:
        out.truncate(8 * 1024 * MIB)  # an 8 GiB hole, like a fresh qcow2's virtual size
    dense.write_bytes(b"x" * MIB)
    assert allocated_bytes(sparse) < MIB
    assert MIB <= allocated_bytes(dense) < 2 * MIB
    assert allocated_bytes(sparse, dense) == allocated_bytes(sparse) + allocated_bytes(dense)
    assert os.stat(sparse).st_size == 8 * 1024 * MIB


def comparison(accel: str = "tcg", vm_seconds: float = 61.5, lang: str = "en") -> Comparison:
    return Comparison(
        run_id="c0ffee00",
        started_at="2026-11-29T10:00:00+00:00",
        lang=lang,
        image="debian:12",
        release="bookworm",
        image_bytes=198_902_244,
        machine=Machine("vm", "6.1.0-35-amd64", 2, (8.5, 9.0, 8.0), (9.5, 9.1, 8.2), "20.10.24"),
        containers=[
            ContainerMeasure("nslab-compare-c0ffee00-1", 0.8, 520 * 1024, 0),
            ContainerMeasure("nslab-compare-c0ffee00-2", 1.2, 600 * 1024, 4096),
            ContainerMeasure("nslab-compare-c0ffee00-3", 1.0, 560 * 1024, 0),
        ],
        vm=VmMeasure(
            name="compare-c0ffee00",
            accel=accel,
            accel_reason="a KVM guest printed nothing useful in 30 s",
            memory_mib=1024,
            cpus=1,
            seconds_to_ssh=vm_seconds,
            qemu_rss_bytes=310 * MIB,
            base_disk_bytes=700 * MIB,
            overlay_bytes=12 * MIB,
        ),
    )


def test_the_figures_side_by_side() -> None:
    time_row, memory_row, disk_row = render.rows(comparison())
    assert (time_row.one_container, time_row.all_containers, time_row.vm) == (1.0, 3.0, 61.5)
    assert time_row.ratio == 61.5
    assert memory_row.one_container == pytest.approx(560 / 1024)
    assert memory_row.all_containers == pytest.approx(1680 / 1024)
    assert memory_row.vm == 310
    assert disk_row.one_container == pytest.approx(198_902_244 / MIB)  # median layer: 0
    assert disk_row.all_containers == pytest.approx((198_902_244 + 4096) / MIB)
    assert disk_row.vm == 712


def test_json_round_trips_with_derived_figures() -> None:
    original = comparison()
    data = json.loads(render.to_json(original))
    assert data["summary"] == {
        "median_seconds_to_command": 1.0,
        "containers_memory_bytes": 1680 * 1024,
        "containers_disk_bytes": 198_902_244 + 4096,
        "vm_disk_bytes": 712 * MIB,
    }
    assert Comparison.from_dict(data) == original


def test_under_tcg_the_report_says_it_exaggerates_the_vms_cost() -> None:
    page = render.markdown.serialise(render.document(comparison("tcg"), "en"))
    assert "The VM ran under TCG" in page and "TCG exaggerates the VM's cost" in page
    assert "61.5× as long" in page
    assert "the course note's claim holds" in page
    kvm = render.markdown.serialise(render.document(comparison("kvm", vm_seconds=4.0), "en"))
    assert "TCG exaggerates" not in kvm and "ran with KVM" in kvm


def test_a_vm_faster_than_a_container_is_reported_as_such() -> None:
    page = render.markdown.serialise(render.document(comparison("kvm", vm_seconds=0.5), "en"))
    assert "do not bear out every part of the course note's claim" in page
    assert "claim holds" not in page


def test_the_chart_draws_each_measure_on_its_own_scale() -> None:
    svg = render.chart_svg(render.rows(comparison()), 3, "en")
    groups = re.findall(r'data-measure="([^"]+)"', svg)
    assert groups == ["r.time", "r.memory", "r.disk"]
    bars = re.findall(r'<rect class="bar (\w+)" data-value="([0-9.]+)"[^>]* width="([0-9.]+)"', svg)
    assert [kind for kind, _, _ in bars] == ["container", "container", "vm"] * 3
    # Within a measure, bar lengths are proportional to the values; the longest fills the row.
    for group in range(3):
        values = [float(v) for _, v, _ in bars[3 * group : 3 * group + 3]]
        widths = [float(w) for _, _, w in bars[3 * group : 3 * group + 3]]
        longest = max(range(3), key=lambda i: values[i])
        assert widths[longest] == pytest.approx(300, abs=0.1)
        for value, width in zip(values, widths, strict=True):
            assert width == pytest.approx(max(value / values[longest] * 300, 1.0), abs=0.1)


def test_the_html_page_holds_the_chart_inline() -> None:
    page = render.html.serialise(render.document(comparison(), "en"))
    assert page.count("<svg") == 1 and '<figure>\n<svg class="chart"' in page
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org", "")


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ["Side by side", "time to a running command (s)", "3 containers", "1 VM"]),
        ("ja", ["比較", "コマンドが動くまでの時間（秒）", "コンテナ3個", "TCGで動きました"]),
    ],
)
def test_every_page_in_each_language(lang: str, words: list[str], tmp_path: Path) -> None:
    written = render.write(comparison(lang=lang), tmp_path, ["json", "md", "html"], lang)
    assert [p.name for p in written] == ["compare.json", "compare.md", "compare.html"]
    for page in written[1:]:
        content = page.read_text()
        for word in words:
            assert word in content
    assert not list(tmp_path.glob("*.partial"))


def test_the_terminal_summary() -> None:
    lines = render.terminal(comparison(), "en").splitlines()
    assert lines[0].startswith("nslab compare: run c0ffee00 on vm (2 cores, load 8.50 9.00 8.00)")
    assert lines[1].split()[:2] == ["measure", "1"]
    assert any(
        line.startswith("time to a running command (s)") and "61.5×" in line for line in lines
    )
    assert "TCG exaggerates the VM's cost" in lines[-1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--containers", "0"], "--containers must be at least 1"),
        (["--vm-memory", "64"], "--vm-memory must be at least 256"),
        (["--format", "pdf"], "unknown format pdf"),
    ],
)
def test_bad_input_is_refused_before_anything_starts(
    args: list[str], message: str, tmp_path: Path, capsys
) -> None:
    from lab.cli import main

    assert main(["compare", *args, "--output-dir", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert error.startswith("nslab: ") and message in error
    assert not (tmp_path / "out").exists()


def test_leftover_vms_of_dead_runs_go_and_live_ones_stay(tmp_path: Path) -> None:
    """A run killed outright leaves its VM directory; the next run removes it, never a live run's.
    The recorded PIDs run no qemu with that overlay, so nothing is signalled here."""
    from lab.compare.machine import OWNER_FILE, remove_leftovers
    from lab.experiment.containers import Owner
    from lab.vm.state import StateDir, VmRecord

    boot_id = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    me = Owner.of(os.getpid(), boot_id)
    assert me is not None
    state = StateDir(tmp_path / "compare")
    owners = {
        "compare-dead": Owner(boot_id, 999_999_999, 1).label(),
        "compare-rebooted": Owner("another-boot", os.getpid(), me.start_time).label(),
        "compare-live": me.label(),
    }
    for name, owner in owners.items():
        state.paths(name).directory.mkdir(parents=True)
        (state.paths(name).directory / OWNER_FILE).write_text(owner + "\n")
        state.save(VmRecord(name, os.getpid(), 22, "tcg", "base", 1024, 1, ""))
    assert sorted(remove_leftovers(state, boot_id)) == ["compare-dead", "compare-rebooted"]
    assert [record.name for record in state.records()] == ["compare-live"]
