#!/usr/bin/python
"""Docker's install step 2 with a check Docker's docs leave out: the downloaded signing key is
verified (checksum and fingerprint) before apt is told to trust it.

Pure Python on purpose: the targets are minimal Debian hosts without gnupg, and Docker's steps
need no gnupg either (apt reads the .asc itself). Installing gnupg only to print a fingerprint
would add packages the course note does not install. An OpenPGP v4 fingerprint is SHA-1 over
0x99, the two-byte body length and the public-key packet body (RFC 4880 12.2), which needs only
base64, hashlib and a packet-header parser. Download, verification and installation are one
module call: one round trip, and the key never sits unverified where apt looks.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
---
module: docker_engine_signing_key
short_description: Download Docker's signing key, verify it, install it readable by all
description:
  - Checks that the repository publishes a release for the host (a HEAD request to
    I(release_url)), downloads the ASCII-armored key from I(url), computes its SHA-256 and the v4
    fingerprint of every primary key in it, and fails unless they match what is expected.
  - A file holding more than one primary key, or anything besides its one armored key block
    (a second block, other text), fails, because apt would trust every key in it; what apt gets
    is exactly the key that was verified.
  - Only a verified key is written to I(dest) (mode 0644, owner root, its directory 0755).
  - Needs no gnupg. In check mode the key is still downloaded and verified, and not written.
options:
  url: {description: Where the key is downloaded from., type: str, required: true}
  dest: {description: Where apt reads it (Signed-By)., type: path, required: true}
  release_url: {description: The repository's InRelease for this host's codename., type: str, required: true}
  fingerprint:
    description:
      - Expected fingerprint of the only primary key in the file. Hex, case and spaces ignored.
      - Empty skips this check; I(fingerprint) and I(checksum) cannot both be empty.
    type: str
    default: ""
  checksum:
    description:
      - Expected checksum of the file as C(sha256:<hex>). Empty skips this check.
    type: str
    default: ""
  attempts: {description: Tries per download, 2 s apart., type: int, default: 3}
  hint: {description: Added to a failure message (what to check)., type: str, default: ""}
author: nslab
"""

EXAMPLES = r"""
- name: "Docker's install step 2: add Docker's signing key (verified)"
  docker_engine_signing_key:
    url: https://download.docker.com/linux/debian/gpg
    dest: /etc/apt/keyrings/docker.asc
    release_url: https://download.docker.com/linux/debian/dists/bookworm/InRelease
    fingerprint: 9DC858229FC7DD38854AE2D88D81803C0EBFCD88
    checksum: sha256:1500c1f56fa9e26b9b8f42452a553675796ade0807cdce11975eb98170b3a570
"""

RETURN = r"""
sha256:
  description: SHA-256 of the key, hex.
  returned: success
  type: str
fingerprints:
  description: Fingerprints of the primary keys in the file, upper-case hex.
  returned: success
  type: list
  elements: str
  sample: [9DC858229FC7DD38854AE2D88D81803C0EBFCD88]
"""

ARMOR_BEGIN = "-----BEGIN PGP PUBLIC KEY BLOCK-----"
ARMOR_END = "-----END PGP PUBLIC KEY BLOCK-----"
PUBLIC_KEY_TAG = 6
CRC24_INIT = 0xB704CE
CRC24_POLY = 0x1864CFB


class KeyFormatError(ValueError):
    """The file is not an ASCII-armored OpenPGP public key this module can read."""


def crc24(data: bytes) -> int:
    crc = CRC24_INIT
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= CRC24_POLY
    return crc & 0xFFFFFF


def dearmor(text: str) -> bytes:
    lines = [line.strip() for line in text.splitlines()]
    try:
        start = lines.index(ARMOR_BEGIN)
        end = lines.index(ARMOR_END, start)
    except ValueError as error:
        raise KeyFormatError(
            "not an ASCII-armored OpenPGP public key (no BEGIN/END PGP PUBLIC KEY BLOCK lines)"
        ) from error
    # apt trusts every key in the file, in every armored block: anything besides the one block
    # read here (a second block, text gpg might read as a key) would be trusted unverified.
    outside = [line for line in lines[:start] + lines[end + 1 :] if line]
    if outside:
        raise KeyFormatError(
            "the file holds more than the one armored key block (apt would trust anything else "
            f"in it unverified), e.g. {outside[0][:60]!r}"
        )
    body = lines[start + 1 : end]
    # Armor headers ("Comment: ...") end at the first blank line; base64 never has blanks.
    if "" in body:
        body = body[body.index("") + 1 :]
    checksum_lines = [line for line in body if line.startswith("=")]
    encoded = "".join(line for line in body if line and not line.startswith("="))
    try:
        data = base64.b64decode(encoded, validate=True)
    except binascii.Error as error:
        raise KeyFormatError(f"the armored key is not valid base64: {error}") from error
    if checksum_lines:
        expected = int.from_bytes(base64.b64decode(checksum_lines[-1][1:]), "big")
        if crc24(data) != expected:
            raise KeyFormatError("the armored key's CRC-24 checksum does not match its data")
    return data


def packets(data: bytes) -> Iterator[tuple[int, bytes]]:
    """Yield (tag, body) for each packet; old- and new-format headers (RFC 4880 4.2)."""
    pos = 0
    try:
        while pos < len(data):
            header = data[pos]
            pos += 1
            if not header & 0x80:
                raise KeyFormatError(f"byte {pos - 1} is not an OpenPGP packet header")
            if header & 0x40:
                tag = header & 0x3F
                first = data[pos]
                pos += 1
                if first < 192:
                    length = first
                elif first < 224:
                    length = ((first - 192) << 8) + data[pos] + 192
                    pos += 1
                elif first == 255:
                    length = int.from_bytes(_take(data, pos, 4), "big")
                    pos += 4
                else:
                    raise KeyFormatError("partial-length packets cannot occur in a public key")
            else:
                tag = (header >> 2) & 0x0F
                length_type = header & 0x03
                if length_type == 3:
                    raise KeyFormatError("indeterminate-length packets cannot occur in a key")
                size = (1, 2, 4)[length_type]
                length = int.from_bytes(_take(data, pos, size), "big")
                pos += size
            body = data[pos : pos + length]
            if len(body) != length:
                raise KeyFormatError("the key data is truncated")
            pos += length
            yield tag, body
    except IndexError as error:
        raise KeyFormatError("the key data is truncated") from error


def _take(data: bytes, pos: int, size: int) -> bytes:
    """A length field; a slice past the end would silently read as a shorter (or zero) length."""
    field = data[pos : pos + size]
    if len(field) != size:
        raise KeyFormatError("the key data is truncated")
    return field


def primary_fingerprints(data: bytes) -> list[str]:
    fingerprints = []
    for tag, body in packets(data):
        if tag != PUBLIC_KEY_TAG:
            continue
        if not body or body[0] != 4:
            version = body[0] if body else "none"
            raise KeyFormatError(f"only v4 keys are supported, found a version {version} key")
        digest = hashlib.sha1(b"\x99" + len(body).to_bytes(2, "big") + body)
        fingerprints.append(digest.hexdigest().upper())
    if not fingerprints:
        raise KeyFormatError("the armored block holds no public key")
    return fingerprints


def normalize_fingerprint(value: str) -> str:
    return "".join(value.split()).upper()


def mismatches(sha256: str, fingerprints: list[str], fingerprint: str, checksum: str) -> list[str]:
    problems = []
    if checksum:
        algorithm, _, expected = checksum.partition(":")
        if algorithm != "sha256" or not expected:
            problems.append(f"checksum must look like sha256:<hex>, got {checksum!r}")
        elif expected.lower() != sha256:
            problems.append(f"its sha256 is {sha256}, expected {expected.lower()}")
    expected_fingerprint = normalize_fingerprint(fingerprint)
    if len(fingerprints) != 1 or (fingerprint and fingerprints != [expected_fingerprint]):
        # One primary key, even when only the checksum is checked: apt trusts each one.
        problems.append(
            f"its primary key fingerprint(s) {', '.join(fingerprints)}, "
            f"expected exactly {expected_fingerprint or 'one key'}"
        )
    return problems


def fetch(url: str, method: str, attempts: int) -> bytes:
    """The body at `url`; a briefly unreachable mirror gets `attempts` tries, 2 s apart."""
    for attempt in range(1, attempts + 1):
        try:
            with urllib.request.urlopen(
                urllib.request.Request(url, method=method), timeout=30
            ) as response:
                return response.read()
        except (OSError, ValueError) as error:
            if attempt == attempts:
                reason = getattr(error, "reason", error)
                raise DownloadError(f"{url}: {reason}") from error
            time.sleep(2)
    raise AssertionError("unreachable")


class DownloadError(Exception):
    """The repository or the key could not be fetched."""


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "url": {"type": "str", "required": True},
            "dest": {"type": "path", "required": True},
            "release_url": {"type": "str", "required": True},
            "fingerprint": {"type": "str", "default": "", "no_log": False},
            "checksum": {"type": "str", "default": "", "no_log": False},
            "attempts": {"type": "int", "default": 3},
            "hint": {"type": "str", "default": ""},
        },
        supports_check_mode=True,
    )
    params = module.params
    if not params["fingerprint"] and not params["checksum"]:
        module.fail_json(msg="refusing to trust a key with neither a fingerprint nor a checksum")
    try:
        # Read-only requests run in check mode too, so a dry run reports the same failures.
        fetch(params["release_url"], "HEAD", params["attempts"])
    except DownloadError as error:
        module.fail_json(
            msg=f"the repository publishes no release for this host: {error}. {params['hint']}"
        )
    try:
        raw = fetch(params["url"], "GET", params["attempts"])
        fingerprints = primary_fingerprints(dearmor(raw.decode("ascii")))
    except UnicodeDecodeError:
        module.fail_json(
            msg=f"the signing key at {params['url']} is not ASCII-armored (Docker serves it as "
            f"an armored docker.asc; a binary .gpg key is not what apt's Signed-By gets here). "
            f"{params['hint']}"
        )
    except (DownloadError, KeyFormatError) as error:
        module.fail_json(msg=f"the signing key could not be read: {error}. {params['hint']}")
    sha256 = hashlib.sha256(raw).hexdigest()
    problems = mismatches(sha256, fingerprints, params["fingerprint"], params["checksum"])
    if problems:
        module.fail_json(msg=f"the key does not match: {'; '.join(problems)}. {params['hint']}")
    dest = Path(params["dest"])
    try:
        current = dest.read_bytes()
        info = dest.stat()
        in_place = current == raw and info.st_mode & 0o7777 == 0o644 and info.st_uid == 0
    except FileNotFoundError:
        in_place = False
    if not in_place and not module.check_mode:
        # Docker's `install -m 0755 -d /etc/apt/keyrings`, then the key readable by all
        # (`chmod a+r`), written to a temporary name so apt never reads half a key.
        dest.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
        partial = dest.with_name(f".{dest.name}.partial")
        partial.write_bytes(raw)
        os.chmod(partial, 0o644)
        os.chown(partial, 0, 0)
        os.replace(partial, dest)
    module.exit_json(changed=not in_place, sha256=sha256, fingerprints=fingerprints)


if __name__ == "__main__":
    main()
