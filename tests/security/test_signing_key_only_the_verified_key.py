"""The signing key apt trusts is exactly the key that was verified.

The attacker controls the mirror's key file (the network before the key is verified) and the
class checks the fingerprint only (docker_engine_key_checksum: "", as the defaults allow after
Docker re-exports its key). The file holds Docker's key, which passes, and the attacker's key in
a second armored block, which the fingerprint check never read. The role's real module downloads
it over HTTP and installs what it accepts; real apt then reads a repository whose Release the
attacker signed, with Signed-By: that file. Keys are made by gpg at test time.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

MODULE = Path(__file__).resolve().parents[2] / "plugins/modules/docker_engine_signing_key.py"
pytestmark = pytest.mark.skipif(
    shutil.which("gpg") is None or shutil.which("apt-ftparchive") is None or os.geteuid() != 0,
    reason="gpg makes the keys, apt-ftparchive the repository; the module installs as root",
)


@dataclass(frozen=True)
class Gpg:
    home: Path
    trusted: str  # fingerprint of the key the class verifies
    attacker: str

    def run(self, *args: str) -> bytes:
        return subprocess.run(
            ["gpg", "--batch", "--no-tty", "--pinentry-mode", "loopback", "--passphrase", "",
             *args],
            env={**os.environ, "GNUPGHOME": str(self.home)},
            check=True,
            capture_output=True,
        ).stdout  # fmt: skip

    def armored(self, fingerprint: str) -> str:
        return self.run("--armor", "--export", fingerprint).decode()


@pytest.fixture(scope="module")
def gpg() -> Iterator[Gpg]:
    home = Path(tempfile.mkdtemp(prefix="nslab-sk-"))  # short: gpg-agent's socket path
    keys = Gpg(home, "", "")
    try:
        fingerprints = []
        for uid in ("docker <trusted@nslab.invalid>", "attacker <attacker@nslab.invalid>"):
            keys.run("--quick-gen-key", uid, "ed25519", "sign", "never")
            listing = keys.run("--with-colons", "--list-keys", uid).decode()
            fingerprints.append(
                next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:"))
            )
        yield Gpg(home, *fingerprints)
    finally:
        subprocess.run(
            ["gpgconf", "--kill", "all"], env={**os.environ, "GNUPGHOME": str(home)}, check=False
        )
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A directory served over HTTP on loopback: (its path, its base URL)."""
    root = tmp_path_factory.mktemp("mirror")
    (root / "dists/bookworm").mkdir(parents=True)
    (root / "dists/bookworm/InRelease").write_text("the HEAD check only needs it to exist\n")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def install_key(mirror: tuple[Path, str], key_text: str, fingerprint: str, dest: Path) -> dict:
    """The role's module, run as Ansible runs it, on `key_text` served by the mirror."""
    root, url = mirror
    (root / "gpg").write_text(key_text)
    args = dest.parent.parent / "args.json"
    args.write_text(
        json.dumps(
            {
                "ANSIBLE_MODULE_ARGS": {
                    "url": f"{url}/gpg",
                    "dest": str(dest),
                    "release_url": f"{url}/dists/bookworm/InRelease",
                    "fingerprint": fingerprint,
                    "checksum": "",
                    "attempts": 1,
                }
            }
        )
    )
    done = subprocess.run(
        [sys.executable, str(MODULE), str(args)], capture_output=True, text=True, check=False
    )
    return json.loads(done.stdout)


def apt_accepts(gpg: Gpg, signer: str, keyring: Path, work: Path) -> tuple[bool, str]:
    """Whether real apt-get update accepts a repository whose Release `signer` signed, trusting
    `keyring` (Signed-By). Private lists, no lock: the machine's apt is not touched."""
    repo = work / "repo"
    binary = repo / "dists/bookworm/main/binary-amd64"
    binary.mkdir(parents=True, exist_ok=True)
    (binary / "Packages").write_text("")
    release = subprocess.run(
        ["apt-ftparchive", "-o", "APT::FTPArchive::Release::Codename=bookworm",
         "-o", "APT::FTPArchive::Release::Suite=bookworm",
         "-o", "APT::FTPArchive::Release::Components=main",
         "-o", "APT::FTPArchive::Release::Architectures=amd64",
         "release", str(repo / "dists/bookworm")],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    (repo / "dists/bookworm/Release").write_text(release)
    (repo / "dists/bookworm/InRelease").unlink(missing_ok=True)
    dists = repo / "dists/bookworm"
    gpg.run("--local-user", signer, "--clearsign", "--output", str(dists / "InRelease"),
            str(dists / "Release"))  # fmt: skip
    lists = work / "lists"
    shutil.rmtree(lists, ignore_errors=True)
    (lists / "partial").mkdir(parents=True)
    (work / "parts").mkdir(exist_ok=True)
    sources = work / "sources.list"
    sources.write_text(f"deb [arch=amd64 signed-by={keyring}] file:{repo} bookworm main\n")
    done = subprocess.run(
        ["apt-get", "update",
         "-o", f"Dir::Etc::SourceList={sources}", "-o", f"Dir::Etc::SourceParts={work / 'parts'}",
         "-o", f"Dir::State::Lists={lists}", "-o", f"Dir::Cache={work / 'cache'}",
         "-o", "APT::Sandbox::User=root", "-o", "Debug::NoLocking=1"],
        capture_output=True, text=True, check=False, env={**os.environ, "LC_ALL": "C"},
    )  # fmt: skip
    output = done.stdout + done.stderr
    refused = done.returncode != 0 or "NO_PUBKEY" in output or "is not signed" in output
    return not refused, output


def test_apt_trusts_what_the_module_installs(
    gpg: Gpg, mirror: tuple[Path, str], tmp_path: Path
) -> None:
    """The control: a file with only the verified key is installed, and apt then accepts what
    that key signed and refuses what another key signed (so the attack below can be seen)."""
    dest = tmp_path / "keyrings" / "docker.asc"
    result = install_key(mirror, gpg.armored(gpg.trusted), gpg.trusted, dest)
    assert result.get("changed") is True and not result.get("failed"), result
    accepted, output = apt_accepts(gpg, gpg.trusted, dest, tmp_path)
    assert accepted, output
    accepted, output = apt_accepts(gpg, gpg.attacker, dest, tmp_path)
    assert not accepted, output


def test_a_second_armored_block_gives_the_attacker_nothing(
    gpg: Gpg, mirror: tuple[Path, str], tmp_path: Path
) -> None:
    dest = tmp_path / "keyrings" / "docker.asc"
    planted = gpg.armored(gpg.trusted) + gpg.armored(gpg.attacker)
    result = install_key(mirror, planted, gpg.trusted, dest)
    if dest.exists():
        accepted, output = apt_accepts(gpg, gpg.attacker, dest, tmp_path)
        assert not accepted, f"apt accepted a Release signed by the attacker's key:\n{output}"
    assert result.get("failed") is True, result
    assert "more than the one armored key block" in result["msg"]
    assert not dest.exists()
