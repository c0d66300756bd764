"""`nslab compare --containers 2` for real: containers from the test bed's debian:12 and a VM
booted from the cached Debian 12 base image (TCG here: one to a few minutes), the report's figures
checked for plausibility, and nothing left running afterwards - also when SIGTERM arrives while
the VM boots."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lab.debian.cache import cache_dir
from lab.experiment.containers import RUN_LABEL

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("testbed")]

PROJECT = Path(__file__).resolve().parents[2]
BOOT_ID = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
MIB = 1024 * 1024
COMPARE_STATE = cache_dir() / "vm" / "compare"


def processes_mentioning(text: str) -> list[int]:
    """PIDs with `text` in an argument: a qemu keeps its overlay's path on its command line."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def assert_nothing_left(docker_client, run_id: str) -> None:
    assert docker_client.containers.list(all=True, filters={"label": f"{RUN_LABEL}={run_id}"}) == []
    vm_dir = COMPARE_STATE / f"compare-{run_id}"
    assert processes_mentioning(str(vm_dir)) == []
    assert not vm_dir.exists()


def compare(*args: str) -> list[str]:
    return [sys.executable, "-m", "lab", "compare", *args]


def test_compare_two_containers_and_a_vm(docker_client, tmp_path: Path) -> None:
    started = time.monotonic()
    result = subprocess.run(
        compare("--containers", "2", "--output-dir", str(tmp_path)),
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=False,
        timeout=1200,
    )
    print(f"nslab compare: {time.monotonic() - started:.1f} s\n{result.stdout}")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((tmp_path / "compare.json").read_text())
    containers, vm = report["containers"], report["vm"]
    assert report["release"] == "bookworm" and len(containers) == 2
    for container in containers:
        assert 0 < container["seconds_to_command"] < 120
        assert 0 < container["memory_bytes"] < 64 * MIB  # `sleep infinity` and one exec
        assert 0 <= container["writable_layer_bytes"] < 64 * MIB
    assert 20 * MIB < report["image_bytes"] < 2048 * MIB
    assert vm["accel"] in ("kvm", "tcg")
    # A VM boots a kernel and a whole system first: slower and bigger than any container here.
    assert max(c["seconds_to_command"] for c in containers) < vm["seconds_to_ssh"] < 1200
    assert report["summary"]["containers_memory_bytes"] < vm["qemu_rss_bytes"]
    assert 64 * MIB < vm["qemu_rss_bytes"] < (vm["memory_mib"] + 2048) * MIB
    assert 100 * MIB < vm["base_disk_bytes"] < 4096 * MIB
    assert 0 < vm["overlay_bytes"] < 1024 * MIB
    page = (tmp_path / "compare.md").read_text()
    assert "| memory (MiB) |" in page
    assert ("TCG exaggerates the VM's cost" in page) == (vm["accel"] == "tcg")
    html = (tmp_path / "compare.html").read_text()
    assert html.count('<rect class="bar ') == 9
    assert_nothing_left(docker_client, report["run_id"])


def test_sigterm_while_the_vm_boots_leaves_nothing(docker_client, tmp_path: Path) -> None:
    run = subprocess.Popen(
        compare("--containers", "1", "--output-dir", str(tmp_path)),
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    owner = f"{BOOT_ID}:{run.pid}:"
    deadline, vm_dir = time.monotonic() + 600, None
    while time.monotonic() < deadline and vm_dir is None and run.poll() is None:
        for directory in COMPARE_STATE.glob("compare-*"):
            owned = (directory / "owner").is_file() and (
                (directory / "owner").read_text().startswith(owner)
            )
            if owned and processes_mentioning(str(directory)):
                vm_dir = directory
        time.sleep(0.2)
    assert vm_dir is not None, "the VM never started"
    run.send_signal(signal.SIGTERM)
    _, stderr = run.communicate(timeout=120)
    assert run.returncode == 128 + signal.SIGTERM, stderr
    assert "Traceback" not in stderr
    assert_nothing_left(docker_client, vm_dir.name.removeprefix("compare-"))
    assert not (tmp_path / "compare.json").exists()
