"""roles/docker_engine's signing-key module: its OpenPGP reading against keys gpg makes here.

Keys are made at test time (gpg --quick-gen-key in a private GNUPGHOME, as the stand-in
repository's key is); the bad cases are those keys with packets edited.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

MODULE_PATH = Path(__file__).resolve().parents[2] / "plugins/modules/docker_engine_signing_key.py"
pytestmark = pytest.mark.skipif(shutil.which("gpg") is None, reason="gpg makes the test keys")


def load_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docker_engine_signing_key", MODULE_PATH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


signing_key = load_module()


@dataclass(frozen=True)
class Keys:
    fingerprint: str  # the primary key, which has an encryption subkey
    subkey_fingerprint: str
    other_fingerprint: str  # a second primary key
    binary: bytes  # `gpg --export` of the first key
    armored: str  # `gpg --armor --export` of the first key
    both_armored: str  # both keys in one block


@pytest.fixture(scope="module")
def keys() -> Iterator[Keys]:
    # A short home: gpg-agent's socket path must fit in a sockaddr_un.
    home = Path(tempfile.mkdtemp(prefix="nslab-key-"))
    env = {**os.environ, "GNUPGHOME": str(home)}
    gpg = ["gpg", "--batch", "--no-tty", "--pinentry-mode", "loopback", "--passphrase", ""]

    def run(*args: str) -> bytes:
        return subprocess.run([*gpg, *args], env=env, check=True, capture_output=True).stdout

    def fingerprints(uid: str) -> list[str]:
        listing = run("--with-colons", "--list-keys", uid).decode()
        return [line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:")]

    try:
        run("--quick-gen-key", "nslab test <first@nslab.invalid>", "ed25519", "sign", "never")
        (fingerprint,) = fingerprints("first@nslab.invalid")
        run("--quick-add-key", fingerprint, "cv25519", "encr", "never")
        run("--quick-gen-key", "nslab test <second@nslab.invalid>", "ed25519", "sign", "never")
        first, subkey = fingerprints("first@nslab.invalid")
        (other,) = fingerprints("second@nslab.invalid")
        yield Keys(
            fingerprint=first,
            subkey_fingerprint=subkey,
            other_fingerprint=other,
            binary=run("--export", first),
            armored=run("--armor", "--export", first).decode(),
            both_armored=run("--armor", "--export", first, other).decode(),
        )
    finally:
        subprocess.run(["gpgconf", "--kill", "all"], env=env, check=False)
        shutil.rmtree(home, ignore_errors=True)


def armor(data: bytes) -> str:
    """ASCII armor with a correct CRC-24, as gpg writes it."""
    body = base64.b64encode(data).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    crc = base64.b64encode(signing_key.crc24(data).to_bytes(3, "big")).decode()
    return "\n".join([signing_key.ARMOR_BEGIN, "", *lines, f"={crc}", signing_key.ARMOR_END, ""])


def with_version(binary: bytes, version: int) -> bytes:
    """The key with its primary key packet's version byte set to `version`."""
    (tag, body), *_ = signing_key.packets(binary)
    assert tag == signing_key.PUBLIC_KEY_TAG and body[0] == 4
    start = binary.index(body)
    return binary[:start] + bytes([version]) + binary[start + 1 :]


def test_an_armored_key_gives_gpgs_fingerprint(keys: Keys) -> None:
    data = signing_key.dearmor(keys.armored)

    assert data == keys.binary
    assert signing_key.primary_fingerprints(data) == [keys.fingerprint]


def test_a_binary_key_reads_the_same_and_is_not_taken_for_armor(keys: Keys) -> None:
    assert signing_key.primary_fingerprints(keys.binary) == [keys.fingerprint]
    with pytest.raises(signing_key.KeyFormatError, match="not an ASCII-armored"):
        signing_key.dearmor(keys.binary.decode("latin-1"))


def test_subkeys_are_not_primary_keys(keys: Keys) -> None:
    tags = [tag for tag, _ in signing_key.packets(keys.binary)]

    assert 14 in tags  # the public-subkey packet is there...
    fingerprints = signing_key.primary_fingerprints(keys.binary)
    assert keys.subkey_fingerprint not in fingerprints  # ...and is not counted as a key apt trusts
    assert fingerprints == [keys.fingerprint]


@pytest.mark.parametrize("version", [3, 5])
def test_keys_other_than_v4_are_refused(keys: Keys, version: int) -> None:
    edited = armor(with_version(keys.binary, version))

    with pytest.raises(signing_key.KeyFormatError, match=f"found a version {version} key"):
        signing_key.primary_fingerprints(signing_key.dearmor(edited))


def test_a_wrong_crc_is_refused(keys: Keys) -> None:
    lines = keys.armored.splitlines()
    (crc_index,) = [i for i, line in enumerate(lines) if line.startswith("=")]
    wrong = (signing_key.crc24(keys.binary) ^ 1).to_bytes(3, "big")
    lines[crc_index] = "=" + base64.b64encode(wrong).decode()

    with pytest.raises(signing_key.KeyFormatError, match="CRC-24"):
        signing_key.dearmor("\n".join(lines))


def test_data_changed_under_its_crc_is_refused(keys: Keys) -> None:
    lines = armor(with_version(keys.binary, 3)).splitlines()
    (crc_index,) = [i for i, line in enumerate(lines) if line.startswith("=")]
    lines[crc_index] = (
        "=" + base64.b64encode(signing_key.crc24(keys.binary).to_bytes(3, "big")).decode()
    )  # the CRC of the key before the edit

    with pytest.raises(signing_key.KeyFormatError, match="CRC-24"):
        signing_key.dearmor("\n".join(lines))


def test_two_primary_keys_fail_the_fingerprint_check(keys: Keys) -> None:
    data = signing_key.dearmor(keys.both_armored)
    fingerprints = signing_key.primary_fingerprints(data)
    sha256 = hashlib.sha256(keys.both_armored.encode()).hexdigest()

    assert fingerprints == [keys.fingerprint, keys.other_fingerprint]
    (problem,) = signing_key.mismatches(sha256, fingerprints, keys.fingerprint, "")
    assert f"expected exactly {keys.fingerprint}" in problem


def packet_starts(binary: bytes) -> list[int]:
    starts, position = [], 0
    for _, body in signing_key.packets(binary):
        starts.append(position)
        position = binary.index(body, position) + len(body)
    return starts


@pytest.mark.parametrize("where", ["first header", "first length", "first body", "last header"])
def test_a_truncated_packet_is_named_as_such(keys: Keys, where: str) -> None:
    """Cut right after a packet's tag byte, inside its length, inside its body, or after the
    last packet's tag byte (the rest of the key, primary key included, reads fine)."""
    last = packet_starts(keys.binary)[-1]
    cut = {"first header": 1, "first length": 2, "first body": 20, "last header": last + 1}[where]

    with pytest.raises(signing_key.KeyFormatError, match="truncated"):
        signing_key.primary_fingerprints(keys.binary[:cut])


def test_the_fingerprint_check_ignores_case_and_spaces(keys: Keys) -> None:
    spaced = " ".join(keys.fingerprint[i : i + 4] for i in range(0, 40, 4)).lower()
    sha256 = hashlib.sha256(keys.armored.encode()).hexdigest()

    assert signing_key.mismatches(sha256, [keys.fingerprint], spaced, f"sha256:{sha256}") == []
    assert signing_key.mismatches(sha256, [keys.other_fingerprint], spaced, "") != []


def run_module(tmp_path: Path, **params: str) -> dict:
    """The module as Ansible runs it: a file of arguments in, one JSON object out."""
    arguments = tmp_path / "args.json"
    arguments.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": params}))
    result = subprocess.run(
        [sys.executable, str(MODULE_PATH), str(arguments)], capture_output=True, text=True
    )
    return json.loads(result.stdout)


def _module_on(tmp_path: Path, key_file: Path, **params: str) -> dict:
    """The module fetching `key_file` (a file:// URL stands for the mirror) into a keyring."""
    return run_module(
        tmp_path,
        url=key_file.as_uri(),
        release_url=key_file.as_uri(),
        dest=str(tmp_path / "keyrings" / "docker.asc"),
        **params,
    )


def test_the_module_verifies_and_installs_an_armored_key(tmp_path: Path, keys: Keys) -> None:
    key_file = tmp_path / "docker.asc"
    key_file.write_text(keys.armored)
    checksum = "sha256:" + hashlib.sha256(keys.armored.encode()).hexdigest()

    first = _module_on(tmp_path, key_file, fingerprint=keys.fingerprint, checksum=checksum)
    again = _module_on(tmp_path, key_file, fingerprint=keys.fingerprint, checksum=checksum)

    assert first.get("failed") is not True, first
    assert first["fingerprints"] == [keys.fingerprint] and first["changed"] is True
    installed = tmp_path / "keyrings" / "docker.asc"
    assert installed.read_text() == keys.armored and installed.stat().st_mode & 0o777 == 0o644
    assert again["changed"] is False


def test_the_module_refuses_a_file_with_two_keys(tmp_path: Path, keys: Keys) -> None:
    key_file = tmp_path / "docker.asc"
    key_file.write_text(keys.both_armored)

    result = _module_on(tmp_path, key_file, fingerprint=keys.fingerprint)

    assert result["failed"] is True
    assert keys.other_fingerprint in result["msg"] and "expected exactly" in result["msg"]
    assert not (tmp_path / "keyrings").exists(), "a refused key is never installed"


def test_the_module_refuses_a_binary_key_file_naming_it(tmp_path: Path, keys: Keys) -> None:
    key_file = tmp_path / "docker.gpg"
    key_file.write_bytes(keys.binary)

    result = _module_on(tmp_path, key_file, fingerprint=keys.fingerprint)

    assert result["failed"] is True
    assert f"{key_file.as_uri()} is not ASCII-armored" in result["msg"]
    assert not (tmp_path / "keyrings").exists()
