"""Cache keys and atomic publication of cache entries."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.debian.cache import cache_dir, cache_key, publish_atomically
from lab.debian.images import lab_recipe
from lab.debian.releases import BOOKWORM, TRIXIE, release_named
from lab.debian.rootfs import DEFAULT_MIRROR, RootfsSpec, debootstrap_command
from lab.errors import LabError
from lab.testing.recipes import host_recipe


def test_cache_key_ignores_mapping_order() -> None:
    assert cache_key({"a": 1, "b": [1, 2]}) == cache_key({"b": [1, 2], "a": 1})


def test_cache_key_changes_with_any_input() -> None:
    base = {"suite": "bookworm", "include": ["dbus"]}
    assert cache_key(base) != cache_key({**base, "suite": "trixie"})
    assert cache_key(base) != cache_key({**base, "include": ["dbus", "python3"]})


def test_rootfs_key_ignores_include_order_and_duplicates() -> None:
    assert (
        RootfsSpec(include=("python3", "dbus")).key()
        == RootfsSpec(include=("dbus", "python3", "dbus")).key()
    )


def test_rootfs_key_follows_every_input() -> None:
    spec = RootfsSpec(include=("dbus",))
    variants = [
        RootfsSpec(include=("dbus", "python3")),
        RootfsSpec(include=("dbus",), suite="trixie"),
        RootfsSpec(include=("dbus",), variant="buildd"),
        RootfsSpec(include=("dbus",), mirror="http://mirror.example/debian"),
        RootfsSpec(include=("dbus",), packed_like_docker_official=True),
    ]
    assert len({spec.key(), *(variant.key() for variant in variants)}) == 1 + len(variants)


def test_rootfs_key_ignores_a_trailing_slash_on_the_mirror() -> None:
    assert RootfsSpec(mirror=DEFAULT_MIRROR + "/").key() == RootfsSpec().key()


def test_debootstrap_command() -> None:
    spec = RootfsSpec(include=("python3", "dbus"))
    assert debootstrap_command(spec, Path("/t")) == [
        "debootstrap",
        "--force-check-gpg",
        "--keyring=/usr/share/keyrings/debian-archive-keyring.gpg",
        "--variant=minbase",
        "--include=dbus,python3",
        "bookworm",
        "/t",
        DEFAULT_MIRROR,
    ]
    assert "--include" not in " ".join(debootstrap_command(RootfsSpec(), Path("/t")))


def test_debootstrap_without_debian_keyring_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LabError, match="apt-get install debian-archive-keyring"):
        debootstrap_command(RootfsSpec(), Path("/t"), keyring=tmp_path / "missing.gpg")


def test_host_image_is_a_fresh_host_without_what_the_role_installs() -> None:
    recipe = host_recipe(DEFAULT_MIRROR)
    assert {"systemd-sysv", "dbus", "python3"} <= set(recipe.rootfs.include)
    assert not {"curl", "ca-certificates", "gnupg"} & set(recipe.rootfs.include)
    assert recipe.cmd == ("/lib/systemd/systemd",)
    key12 = recipe.key()[:12]
    assert recipe.references() == [f"nslab/debian12-host:{key12}", "nslab/debian12-host:latest"]


def test_lab_image_is_plain_debian_12() -> None:
    recipe = lab_recipe(DEFAULT_MIRROR)
    assert recipe.rootfs.include == ()
    assert recipe.rootfs.packed_like_docker_official
    assert not host_recipe(DEFAULT_MIRROR).rootfs.packed_like_docker_official
    assert recipe.references() == ["debian:12"]
    assert recipe.key() != host_recipe(DEFAULT_MIRROR).key()


def test_each_release_has_its_own_host_and_lab_image() -> None:
    trixie_host = host_recipe(DEFAULT_MIRROR, TRIXIE)
    assert trixie_host.rootfs.suite == "trixie"
    assert trixie_host.rootfs.include == host_recipe(DEFAULT_MIRROR).rootfs.include
    assert trixie_host.references()[1] == "nslab/debian13-host:latest"
    trixie_lab = lab_recipe(DEFAULT_MIRROR, TRIXIE)
    assert trixie_lab.references() == ["debian:13"]
    assert trixie_lab.rootfs.suite == "trixie"
    # Debian 12's recipes are what they were, so caches built before keep serving.
    assert lab_recipe(DEFAULT_MIRROR, BOOKWORM) == lab_recipe(DEFAULT_MIRROR)


def test_release_by_codename_or_a_clear_error() -> None:
    assert release_named("trixie") == TRIXIE
    with pytest.raises(LabError, match="'bullseye': choose one of bookworm, trixie"):
        release_named("bullseye")


def test_image_key_follows_the_mirror() -> None:
    assert host_recipe(DEFAULT_MIRROR).key() != host_recipe("http://mirror.example/debian").key()


def test_cache_dir_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NSLAB_CACHE", str(tmp_path))
    assert cache_dir() == tmp_path
    monkeypatch.delenv("NSLAB_CACHE")
    assert cache_dir() == Path("/var/cache/nslab")


def test_publish_atomically_builds_once(tmp_path: Path) -> None:
    calls: list[Path] = []

    def build(partial: Path) -> None:
        calls.append(partial)
        partial.write_text("built")

    final = tmp_path / "entry"
    assert publish_atomically(final, build) == final
    assert publish_atomically(final, build) == final
    assert final.read_text() == "built"
    assert len(calls) == 1
    assert calls[0] != final


def test_interrupted_build_leaves_no_entry(tmp_path: Path) -> None:
    def build(partial: Path) -> None:
        partial.mkdir()
        (partial / "half").write_text("half")
        raise KeyboardInterrupt

    final = tmp_path / "entry"
    with pytest.raises(KeyboardInterrupt):
        publish_atomically(final, build)
    assert not final.exists()
    assert list(tmp_path.iterdir()) == []
