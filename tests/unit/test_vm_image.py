"""What the base image is made of, and when it is rebuilt (its cache key)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from lab.debian.releases import BOOKWORM, TRIXIE
from lab.debian.rootfs import DEFAULT_MIRROR, RootfsSpec
from lab.vm.image import VM_PACKAGES, disk_recipe, image_path

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBase nslab-lab-key"


def test_a_fresh_machine_has_what_ansible_needs_and_nothing_docker() -> None:
    assert {"linux-image-amd64", "systemd-sysv", "openssh-server", "python3", "sudo"} <= set(
        VM_PACKAGES
    )
    # The provisioning installs these; a fresh VM must not have them already.
    assert not {"apparmor", "docker.io", "docker-ce", "curl", "ca-certificates"} & set(VM_PACKAGES)


def test_same_inputs_same_key() -> None:
    assert disk_recipe(DEFAULT_MIRROR, KEY).key() == disk_recipe(DEFAULT_MIRROR + "/", KEY).key()


def test_key_follows_every_input() -> None:
    recipe = disk_recipe(DEFAULT_MIRROR, KEY)
    variants = [
        disk_recipe("http://mirror.example/debian", KEY),
        disk_recipe(DEFAULT_MIRROR, KEY.replace("Base", "Other")),
        disk_recipe(DEFAULT_MIRROR, KEY, TRIXIE),
        replace(recipe, admin_user="teacher"),
        replace(recipe, disk_size="16G"),
        replace(recipe, rootfs=RootfsSpec(include=(*VM_PACKAGES, "vim"))),
    ]
    assert len({recipe.key(), *(variant.key() for variant in variants)}) == 1 + len(variants)


def test_image_lives_under_its_key(tmp_path: Path) -> None:
    recipe = disk_recipe(DEFAULT_MIRROR, KEY)
    image = image_path(recipe, tmp_path)
    assert image.directory == tmp_path / "vm" / "images" / recipe.key()
    assert image.key == recipe.key()
    assert (image.disk.name, image.kernel.name, image.initrd.name) == (
        "disk.qcow2",
        "vmlinuz",
        "initrd.img",
    )


def test_each_release_boots_its_own_packages_and_debian_12_stays_the_default() -> None:
    assert disk_recipe(DEFAULT_MIRROR, KEY) == disk_recipe(DEFAULT_MIRROR, KEY, BOOKWORM)
    trixie = disk_recipe(DEFAULT_MIRROR, KEY, TRIXIE).rootfs
    assert (trixie.suite, trixie.include) == ("trixie", VM_PACKAGES)
