"""The base disk every lab VM starts from: Debian 12 or 13 from Debian's packages alone, as qcow2.

The root filesystem comes from the test bed's cached debootstrap (lab.debian.rootfs); this module
turns it into a bootable machine (network, SSH, an admin user with the lab key), packs it with
`mkfs.ext4 -d` and `qemu-img convert`, and puts the kernel and initrd beside it for direct kernel
boot. The result is cached by its inputs and published atomically.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lab.debian.cache import cache_key, publish_atomically
from lab.debian.releases import DEFAULT_RELEASE, DebianRelease
from lab.debian.rootfs import RootfsSpec, ensure_rootfs
from lab.debian.shell import run
from lab.progress import step
from lab.vm.host_keys import FW_CFG_NAME, GUEST_KEY_PATH

# Bump when what `_make_bootable` writes changes, so images from the old recipe are not reused.
RECIPE_VERSION = 2
ADMIN_USER = "labadmin"
# Sparse: the qcow2 only stores what is written, but Docker and its images need room to grow.
DISK_SIZE = "8G"
# What a freshly installed small Debian server has that the lab relies on. Left out on purpose:
# apparmor, curl, ca-certificates, gnupg, docker — the provisioning must install what it needs.
VM_PACKAGES = (
    "linux-image-amd64",
    "systemd-sysv",
    "udev",  # loads the virtio-net driver and names the interface
    "dbus",
    "libnss-myhostname",  # the per-VM hostname (set at boot) resolves, so sudo does not warn
    "openssh-server",
    "python3",
    "sudo",
    "iproute2",
)
# qemu's user-mode network: its built-in DNS forwarder always has this address.
USER_NET_DNS = "10.0.2.3"


@dataclass(frozen=True)
class DiskRecipe:
    rootfs: RootfsSpec
    authorized_key: str
    admin_user: str = ADMIN_USER
    disk_size: str = DISK_SIZE

    def key(self) -> str:
        return cache_key(
            {
                "recipe": RECIPE_VERSION,
                "rootfs": self.rootfs.key(),
                "authorized_key": self.authorized_key,
                "admin_user": self.admin_user,
                "disk_size": self.disk_size,
            }
        )


@dataclass(frozen=True)
class BaseImage:
    directory: Path

    @property
    def disk(self) -> Path:
        return self.directory / "disk.qcow2"

    @property
    def kernel(self) -> Path:
        return self.directory / "vmlinuz"

    @property
    def initrd(self) -> Path:
        return self.directory / "initrd.img"

    @property
    def key(self) -> str:
        return self.directory.name


def disk_recipe(
    mirror: str, authorized_key: str, release: DebianRelease = DEFAULT_RELEASE
) -> DiskRecipe:
    return DiskRecipe(
        rootfs=RootfsSpec(include=VM_PACKAGES, suite=release.codename, mirror=mirror),
        authorized_key=authorized_key,
    )


def image_path(recipe: DiskRecipe, cache: Path) -> BaseImage:
    return BaseImage(cache / "vm" / "images" / recipe.key())


def ensure_base_image(recipe: DiskRecipe, cache: Path) -> BaseImage:
    """Return the cached base image for `recipe`, building it (and its rootfs) only if missing."""
    image = image_path(recipe, cache)
    if image.directory.exists():
        return image
    tarball = ensure_rootfs(recipe.rootfs, cache)
    with step(f"building the VM base image {recipe.key()[:12]} ({recipe.disk_size} qcow2)"):
        publish_atomically(image.directory, lambda partial: _build(recipe, tarball, partial))
    return image


def _build(recipe: DiskRecipe, tarball: Path, directory: Path) -> None:
    directory.mkdir()
    with tempfile.TemporaryDirectory(dir=directory.parent, prefix=".vm-image-") as work:
        tree = Path(work) / "root"
        tree.mkdir()
        run(["tar", "--numeric-owner", "-C", str(tree), "-xpf", str(tarball)])
        _make_bootable(tree, recipe)
        _copy_boot_files(tree, BaseImage(directory))
        raw = Path(work) / "disk.raw"
        run(["truncate", "-s", recipe.disk_size, str(raw)])
        run(["mkfs.ext4", "-q", "-F", "-L", "nslab-root", "-d", str(tree), str(raw)])
        disk = BaseImage(directory).disk
        run(["qemu-img", "convert", "-f", "raw", "-O", "qcow2", str(raw), str(disk)])


def _make_bootable(tree: Path, recipe: DiskRecipe) -> None:
    mirror = recipe.rootfs.mirror.rstrip("/")
    suite = recipe.rootfs.suite
    _write(tree / "etc/fstab", "/dev/vda / ext4 errors=remount-ro 0 1\n")
    # Each VM gets its own name from the kernel command line (systemd.hostname=).
    _write(tree / "etc/hostname", "nslab-vm\n")
    _write(tree / "etc/hosts", "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n")
    _write(tree / "etc/resolv.conf", f"nameserver {USER_NET_DNS}\n")
    _write(
        tree / "etc/apt/sources.list",
        f"deb {mirror} {suite} main\n"
        f"deb {mirror} {suite}-updates main\n"
        f"deb http://deb.debian.org/debian-security {suite}-security main\n",
    )
    _write(
        tree / "etc/systemd/network/10-nslab-dhcp.network",
        "[Match]\nName=en* eth*\n\n[Network]\nDHCP=yes\n",
    )
    run(["chroot", str(tree), "systemctl", "enable", "systemd-networkd.service"])
    _configure_ssh(tree)
    _add_admin(tree, recipe.admin_user, recipe.authorized_key)
    # Every VM must get its own machine id on first boot, not share the one debootstrap made.
    _write(tree / "etc/machine-id", "")


def _configure_ssh(tree: Path) -> None:
    _write(
        tree / "etc/ssh/sshd_config.d/nslab.conf",
        "# nslab lab VM: key-only logins, no root; one host key, the one the controller pinned\n"
        "PasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\n"
        "PermitRootLogin no\n"
        f"HostKey {GUEST_KEY_PATH}\n",
    )
    # Host keys made at image build time would be shared by every VM, and keys made at first boot
    # would be unknown to the controller: each boot's key comes from the controller (fw_cfg).
    # Without it sshd does not start, rather than start with a key nobody can check.
    for host_key in (tree / "etc/ssh").glob("ssh_host_*"):
        host_key.unlink()
    fw_cfg_file = f"/sys/firmware/qemu_fw_cfg/by_name/{FW_CFG_NAME}/raw"
    _write(
        tree / "etc/systemd/system/ssh.service.d/nslab-host-keys.conf",
        "[Service]\n"
        "# The packaged `sshd -t` check fails without host keys, so install the key first.\n"
        "ExecStartPre=\n"
        "ExecStartPre=/usr/sbin/modprobe qemu_fw_cfg\n"
        f"ExecStartPre=/usr/bin/install -m 0600 {fw_cfg_file} {GUEST_KEY_PATH}\n"
        "ExecStartPre=/usr/sbin/sshd -t\n",
    )


def _add_admin(tree: Path, user: str, authorized_key: str) -> None:
    run(["chroot", str(tree), "useradd", "--create-home", "--shell", "/bin/bash",
         "--groups", "sudo", user])  # fmt: skip
    # '*' is "no password can match", unlike useradd's '!' which some sshd setups read as locked.
    run(["chroot", str(tree), "usermod", "--password", "*", user])
    ssh_dir = tree / "home" / user / ".ssh"
    _write(ssh_dir / "authorized_keys", authorized_key + "\n", mode=0o600)
    ssh_dir.chmod(0o700)
    run(["chroot", str(tree), "chown", "-R", f"{user}:{user}", f"/home/{user}/.ssh"])
    _write(tree / "etc/sudoers.d" / user, f"{user} ALL=(ALL:ALL) NOPASSWD: ALL\n", mode=0o440)


def _copy_boot_files(tree: Path, image: BaseImage) -> None:
    kernels = sorted((tree / "boot").glob("vmlinuz-*"))
    if len(kernels) != 1:
        raise RuntimeError(f"expected one kernel in the image's /boot, found {kernels}")
    version = kernels[0].name.removeprefix("vmlinuz-")
    shutil.copyfile(kernels[0], image.kernel)
    shutil.copyfile(tree / "boot" / f"initrd.img-{version}", image.initrd)


def _write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.chmod(path, mode)
