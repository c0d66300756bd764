"""A signed apt repository in download.docker.com's layout, built from Debian's engine packages.

Layout under the served directory (the equivalent of https://download.docker.com), one suite per
Debian release, each from that release's own packages:
  linux/debian/gpg                                   ASCII-armoured public key
  linux/debian/dists/<suite>/{InRelease,Release,Release.gpg}
  linux/debian/dists/<suite>/stable/binary-<arch>/Packages(.gz)
  linux/debian/dists/<suite>/pool/stable/<arch>/*.deb
The signing key is made when the repository is built and thrown away once every suite is signed;
the cache entry is keyed by the Debian package versions it repacks, so a new Debian upload
rebuilds it.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lab.debian import control
from lab.debian.cache import cache_key, publish_atomically
from lab.debian.releases import RELEASES
from lab.debian.shell import run
from lab.debian.suite_apt import suite_apt
from lab.progress import step

# Bump when the repository recipe changes, so cached repositories from the old one are not reused.
RECIPE_VERSION = 2
ENGINE = ("docker.io", "containerd", "runc")
# Debian packages repacked per suite: trixie split the CLI out of docker.io into docker-cli.
SOURCE_PACKAGES = {"bookworm": ENGINE, "trixie": (*ENGINE, control.DEBIAN_CLI)}
COMPONENT = "stable"
KEY_UID = "nslab download.docker.com stand-in <standin@nslab.invalid>"
PLUGINS = ("docker-buildx-plugin", "docker-compose-plugin")
PLUGIN_VERSION = "0.0.0~lab-1"


@dataclass(frozen=True)
class StandinRepo:
    root: Path  # serve this directory as the base URL (the "https://download.docker.com")
    fingerprint: str  # 40 hex digits, upper case
    key_sha256: str  # of the file served at <base>/linux/debian/gpg
    suites: tuple[str, ...]

    @property
    def key_file(self) -> Path:
        return self.root / "linux" / "debian" / "gpg"


def ensure_standin(cache: Path, mirror: str) -> StandinRepo:
    """The repository with a suite for every release in RELEASES, from `mirror`'s packages."""
    architecture = run(["dpkg", "--print-architecture"]).strip()
    suites = {release.codename: suite_apt(cache, release.codename, mirror) for release in RELEASES}
    versions = {
        suite: apt.candidate_versions(SOURCE_PACKAGES[suite]) for suite, apt in suites.items()
    }
    key = cache_key({"recipe": RECIPE_VERSION, "architecture": architecture, "versions": versions})
    entry = cache / "standin" / key
    if not entry.exists():

        def build(partial: Path) -> None:
            _build(partial, versions, architecture, lambda suite: suites[suite].download)

        with step(f"build the download.docker.com stand-in repository ({', '.join(suites)})"):
            publish_atomically(entry, build)
    meta = json.loads((entry / "standin.json").read_text())
    root = entry / "site"
    key_sha256 = hashlib.sha256((root / "linux" / "debian" / "gpg").read_bytes()).hexdigest()
    return StandinRepo(
        root=root, fingerprint=meta["fingerprint"], key_sha256=key_sha256, suites=tuple(suites)
    )


Downloader = Callable[[Path, dict[str, str]], dict[str, Path]]


def _build(
    entry: Path,
    versions: dict[str, dict[str, str]],
    architecture: str,
    downloader: Callable[[str], Downloader],
) -> None:
    repo = entry / "site" / "linux" / "debian"
    with tempfile.TemporaryDirectory(dir=entry.parent, prefix=".standin-work-") as work_dir:
        for suite, suite_versions in versions.items():
            work = Path(work_dir) / suite
            pool = repo / "dists" / suite / "pool" / COMPONENT / architecture
            pool.mkdir(parents=True)
            debs = downloader(suite)(work / "downloads", suite_versions)
            _build_suite(debs, suite_versions["docker.io"], work, pool, architecture)
            _write_indexes(repo, suite, architecture)
        fingerprint = _sign(repo, tuple(versions))
    (entry / "standin.json").write_text(
        json.dumps({"fingerprint": fingerprint, "versions": versions}, indent=2) + "\n"
    )


def _build_suite(
    debs: dict[str, Path], docker_io_version: str, work: Path, pool: Path, architecture: str
) -> None:
    _repack(debs["docker.io"], work / "docker-ce", pool, control.docker_ce_control)
    _merge_containerd_io(debs["containerd"], debs["runc"], work / "containerd.io", pool)
    if control.DEBIAN_CLI in debs:
        cli_deb = debs[control.DEBIAN_CLI]
        _repack(cli_deb, work / "docker-ce-cli", pool, control.docker_ce_cli_control)
    else:
        # Until trixie the CLI is inside docker.io (so docker-ce): docker-ce-cli only has to exist.
        version = control.docker_ce_version(docker_io_version)
        cli = control.empty_package_control("docker-ce-cli", version, architecture)
        _build_deb(work / "docker-ce-cli", cli, pool)
    for package in PLUGINS:
        stanza = control.empty_package_control(package, PLUGIN_VERSION, architecture)
        _build_deb(work / package, stanza, pool)


def _repack(
    deb: Path, tree: Path, pool: Path, rewrite: Callable[[control.Stanza], control.Stanza]
) -> None:
    run(["dpkg-deb", "-R", str(deb), str(tree)])
    _rewrite_control(tree, rewrite)
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


def _rewrite_control(tree: Path, rewrite: Callable[[control.Stanza], control.Stanza]) -> None:
    path = tree / "DEBIAN" / "control"
    path.write_text(control.render_control(rewrite(control.parse_control(path.read_text()))))


def _dpkg_build(tree: Path, pool: Path) -> None:
    # Fast gzip: these packages only travel over a local bridge; xz would cost a minute.
    run(["dpkg-deb", "-Zgzip", "-z1", "--root-owner-group", "--build", str(tree), str(pool)])


def _write_indexes(repo: Path, suite: str, architecture: str) -> None:
    dists = repo / "dists" / suite
    binary = dists / COMPONENT / f"binary-{architecture}"
    binary.mkdir(parents=True)
    # Filenames relative to linux/debian, where apt resolves them, as in Docker's repository.
    pool = f"dists/{suite}/pool/{COMPONENT}"
    packages = run(["apt-ftparchive", "packages", pool], cwd=repo)
    (binary / "Packages").write_text(packages)
    with gzip.GzipFile(binary / "Packages.gz", "wb", mtime=0) as compressed:
        compressed.write(packages.encode())
    options = {
        "Origin": "Docker",
        "Label": "Docker",
        "Suite": suite,
        "Codename": suite,
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
        cwd=dists,
    )
    # Written after the scan: a Release file must not list itself.
    (dists / "Release").write_text(release)


def _sign(repo: Path, suites: tuple[str, ...]) -> str:
    """Make a key, sign each suite's Release as InRelease and Release.gpg, publish the key;
    return its fingerprint."""
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
        signer = [*gpg, "--yes", "--local-user", fingerprint, "--digest-algo", "SHA512"]
        for suite in suites:
            release = repo / "dists" / suite / "Release"
            inrelease, detached = release.with_name("InRelease"), release.with_name("Release.gpg")
            run([*signer, "--clearsign", "--output", str(inrelease), str(release)], env=env)
            detach = ["--armor", "--detach-sign", "--output", str(detached), str(release)]
            run([*signer, *detach], env=env)
        public_key = run([*gpg, "--armor", "--export", fingerprint], env=env)
        (repo / "gpg").write_text(public_key)
    finally:
        # gpg started an agent for this home; it must not outlive the build.
        run(["gpgconf", "--kill", "all"], env=env)
        shutil.rmtree(gnupghome, ignore_errors=True)
    return fingerprint
