"""A signed apt repository in download.docker.com's layout, built from Debian's engine packages.

Layout under the served directory (the equivalent of https://download.docker.com):
  linux/debian/gpg                                   ASCII-armoured public key
  linux/debian/dists/bookworm/{InRelease,Release,Release.gpg}
  linux/debian/dists/bookworm/stable/binary-<arch>/Packages(.gz)
  linux/debian/pool/stable/*.deb
The signing key is made when the repository is built and thrown away once it is signed; the cache
entry is keyed by the Debian package versions it repacks, so a new Debian upload rebuilds it.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lab.errors import LabError
from lab.progress import step
from lab.build import control
from lab.build.cache import cache_key, publish_atomically
from lab.build.shell import run

# Bump when the repository recipe changes, so cached repositories from the old one are not reused.
RECIPE_VERSION = 1
SOURCE_PACKAGES = ("docker.io", "containerd", "runc")
SUITE = "bookworm"
COMPONENT = "stable"
KEY_UID = "nslab download.docker.com stand-in <standin@nslab.invalid>"
EMPTY_PACKAGES = ("docker-ce-cli", "docker-buildx-plugin", "docker-compose-plugin")
PLUGIN_VERSION = "0.0.0~lab-1"


@dataclass(frozen=True)
class StandinRepo:
    root: Path  # serve this directory as the base URL (the "https://download.docker.com")
    fingerprint: str  # 40 hex digits, upper case
    key_sha256: str  # of the file served at <base>/linux/debian/gpg

    @property
    def key_file(self) -> Path:
        return self.root / "linux" / "debian" / "gpg"


def ensure_standin(cache: Path) -> StandinRepo:
    architecture = run(["dpkg", "--print-architecture"]).strip()
    versions = _candidate_versions(SOURCE_PACKAGES)
    key = cache_key({"recipe": RECIPE_VERSION, "architecture": architecture, "versions": versions})
    entry = cache / "standin" / key
    if not entry.exists():
        with step("build the download.docker.com stand-in repository"):
            publish_atomically(entry, lambda partial: _build(partial, versions, architecture))
    meta = json.loads((entry / "standin.json").read_text())
    root = entry / "site"
    key_sha256 = hashlib.sha256((root / "linux" / "debian" / "gpg").read_bytes()).hexdigest()
    return StandinRepo(root=root, fingerprint=meta["fingerprint"], key_sha256=key_sha256)


def _candidate_versions(packages: tuple[str, ...]) -> dict[str, str]:
    """The versions `apt-get download` would fetch (one apt-cache call: it is the slow part)."""
    shown = run(["apt-cache", "show", "--no-all-versions", *packages])
    found: dict[str, str] = {}
    for text in shown.split("\n\n"):
        stanza = control.parse_control(text)
        name, version = control.field(stanza, "Package"), control.field(stanza, "Version")
        if name in packages and version is not None:
            found[name] = version
    missing = [package for package in packages if package not in found]
    if missing:
        raise LabError(f"apt knows no version of {', '.join(missing)}: run `apt-get update`")
    return found


def _build(entry: Path, versions: dict[str, str], architecture: str) -> None:
    repo = entry / "site" / "linux" / "debian"
    pool = repo / "pool" / COMPONENT
    pool.mkdir(parents=True)
    with tempfile.TemporaryDirectory(dir=entry.parent, prefix=".standin-work-") as work_dir:
        work = Path(work_dir)
        debs = _download(work / "downloads", versions)
        _repack_docker_ce(debs["docker.io"], work / "docker-ce", pool)
        _merge_containerd_io(debs["containerd"], debs["runc"], work / "containerd.io", pool)
        ce_version = control.docker_ce_version(versions["docker.io"])
        for package in EMPTY_PACKAGES:
            version = ce_version if package == "docker-ce-cli" else PLUGIN_VERSION
            stanza = control.empty_package_control(package, version, architecture)
            _build_deb(work / package, stanza, pool)
        _write_indexes(repo, architecture)
        fingerprint = _sign(repo)
    (entry / "standin.json").write_text(
        json.dumps({"fingerprint": fingerprint, "versions": versions}, indent=2) + "\n"
    )


def _download(directory: Path, versions: dict[str, str]) -> dict[str, Path]:
    directory.mkdir()
    run(
        ["apt-get", "download", *(f"{name}={version}" for name, version in versions.items())],
        cwd=directory,
    )
    return {name: next(directory.glob(f"{name}_*.deb")) for name in versions}


def _repack_docker_ce(docker_io: Path, tree: Path, pool: Path) -> None:
    run(["dpkg-deb", "-R", str(docker_io), str(tree)])
    _rewrite_control(tree, control.docker_ce_control)
    _dpkg_build(tree, pool)


def _merge_containerd_io(containerd: Path, runc: Path, tree: Path, pool: Path) -> None:
    run(["dpkg-deb", "-R", str(containerd), str(tree)])
    run(["dpkg-deb", "-x", str(runc), str(tree)])
    runc_control = tree.parent / "runc-control"
    run(["dpkg-deb", "-e", str(runc), str(runc_control)])
    # dpkg verifies installed files against md5sums: runc's files must be listed too.
    with open(tree / "DEBIAN" / "md5sums", "a") as md5sums:
        md5sums.write((runc_control / "md5sums").read_text())
    runc_stanza = control.parse_control((runc_control / "control").read_text())
    _rewrite_control(tree, lambda stanza: control.containerd_io_control(stanza, runc_stanza))
    _dpkg_build(tree, pool)


def _build_deb(tree: Path, stanza: control.Stanza, pool: Path) -> None:
    (tree / "DEBIAN").mkdir(parents=True)
    (tree / "DEBIAN" / "control").write_text(control.render_control(stanza))
    _dpkg_build(tree, pool)


def _rewrite_control(tree: Path, rewrite) -> None:
    path = tree / "DEBIAN" / "control"
    path.write_text(control.render_control(rewrite(control.parse_control(path.read_text()))))


def _dpkg_build(tree: Path, pool: Path) -> None:
    # Fast gzip: these packages only travel over a local bridge; xz would cost a minute.
    run(["dpkg-deb", "-Zgzip", "-z1", "--root-owner-group", "--build", str(tree), str(pool)])


def _write_indexes(repo: Path, architecture: str) -> None:
    binary = repo / "dists" / SUITE / COMPONENT / f"binary-{architecture}"
    binary.mkdir(parents=True)
    packages = run(["apt-ftparchive", "packages", f"pool/{COMPONENT}"], cwd=repo)
    (binary / "Packages").write_text(packages)
    with gzip.GzipFile(binary / "Packages.gz", "wb", mtime=0) as compressed:
        compressed.write(packages.encode())
    options = {
        "Origin": "Docker",
        "Label": "Docker",
        "Suite": SUITE,
        "Codename": SUITE,
        "Components": COMPONENT,
        "Architectures": architecture,
    }
    release = run(
        [
            "apt-ftparchive",
            *(
                arg
                for name, value in options.items()
                for arg in ("-o", f"APT::FTPArchive::Release::{name}={value}")
            ),
            "release",
            ".",
        ],
        cwd=repo / "dists" / SUITE,
    )
    # Written after the scan: a Release file must not list itself.
    (repo / "dists" / SUITE / "Release").write_text(release)


def _sign(repo: Path) -> str:
    """Make a key, sign Release as InRelease and Release.gpg, publish the key; return its id."""
    # A short private GNUPGHOME: gpg-agent's socket path must fit in a sockaddr_un.
    gnupghome = Path(tempfile.mkdtemp(prefix="nslab-gpg-"))
    env = {**os.environ, "GNUPGHOME": str(gnupghome)}
    gpg = ["gpg", "--batch", "--no-tty", "--pinentry-mode", "loopback", "--passphrase", ""]
    try:
        run([*gpg, "--quick-gen-key", KEY_UID, "rsa3072", "sign", "never"], env=env)
        listing = run([*gpg, "--with-colons", "--list-secret-keys"], env=env)
        fingerprint = next(
            line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:")
        ).upper()
        dists = repo / "dists" / SUITE
        signer = [*gpg, "--yes", "--local-user", fingerprint, "--digest-algo", "SHA512"]
        run(
            [*signer, "--clearsign", "--output", str(dists / "InRelease"), str(dists / "Release")],
            env=env,
        )
        run(
            [
                *signer,
                "--armor",
                "--detach-sign",
                "--output",
                str(dists / "Release.gpg"),
                str(dists / "Release"),
            ],
            env=env,
        )
        public_key = run([*gpg, "--armor", "--export", fingerprint], env=env)
        (repo / "gpg").write_text(public_key)
    finally:
        # gpg started an agent for this home; it must not outlive the build.
        run(["gpgconf", "--kill", "all"], env=env)
        shutil.rmtree(gnupghome, ignore_errors=True)
    return fingerprint
