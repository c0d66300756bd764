"""Choosing KVM or TCG: /dev/kvm alone is not trusted, a probe boot decides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lab.vm.accel import ProbeResult, cached_probe, choose, kvm_device_usable
from lab.vm.errors import VmError
from lab.vm.image import BaseImage


def _never() -> ProbeResult:
    raise AssertionError("the probe must not run here")


def test_tcg_requested_never_probes() -> None:
    assert choose("tcg", device_usable=True, probe=_never).name == "tcg"


def test_auto_without_a_usable_device_is_tcg_without_probing() -> None:
    chosen = choose("auto", device_usable=False, probe=_never)
    assert chosen.name == "tcg"
    assert "/dev/kvm" in chosen.reason


def test_auto_follows_the_probe() -> None:
    hung = choose("auto", True, lambda: ProbeResult(False, "no output in 30 s"))
    booted = choose("auto", True, lambda: ProbeResult(True, "userland in 1.2 s"))
    assert (hung.name, hung.reason) == ("tcg", "no output in 30 s")
    assert (booted.name, booted.reason) == ("kvm", "userland in 1.2 s")


def test_kvm_requested_is_trusted_when_the_device_opens() -> None:
    assert choose("kvm", device_usable=True, probe=_never).name == "kvm"


def test_kvm_requested_without_device_is_a_user_error() -> None:
    with pytest.raises(VmError, match="/dev/kvm"):
        choose("kvm", device_usable=False, probe=_never)


def test_unknown_choice_is_a_user_error() -> None:
    with pytest.raises(VmError, match="auto, kvm, tcg"):
        choose("hvf", device_usable=True, probe=_never)


def test_device_usable_means_it_opens_read_write(tmp_path: Path) -> None:
    assert kvm_device_usable(Path("/dev/null"))
    assert not kvm_device_usable(tmp_path / "kvm")


def test_probe_verdict_is_cached(tmp_path: Path) -> None:
    # A kernel that does not exist: qemu fails at once, which is a real "KVM unusable" verdict.
    image = BaseImage(tmp_path / "images" / "missing")
    first = cached_probe(image, tmp_path)
    assert not first.kvm_works
    verdict = tmp_path / "vm" / "kvm-probe.json"
    stored = json.loads(verdict.read_text())
    stored["result"]["detail"] = "from the cache"
    verdict.write_text(json.dumps(stored))
    assert cached_probe(image, tmp_path).detail == "from the cache"
    # Another kernel is another question: probed again.
    assert cached_probe(BaseImage(tmp_path / "images" / "other"), tmp_path).detail != (
        "from the cache"
    )
