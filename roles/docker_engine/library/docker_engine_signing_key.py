#!/usr/bin/python
"""Verify an ASCII-armored OpenPGP public key before apt is told to trust it.

Pure Python on purpose: the targets are minimal Debian 12 hosts without gnupg, and Docker's
steps need no gnupg either (apt reads the .asc itself). Installing gnupg only to print a
fingerprint would add packages the seed does not install. An OpenPGP v4 fingerprint is
SHA-1 over 0x99, the two-byte body length and the public-key packet body (RFC 4880 12.2),
which needs only base64, hashlib and a packet-header parser.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterator

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
---
module: docker_engine_signing_key
short_description: Verify an ASCII-armored OpenPGP public key by checksum and fingerprint
description:
  - Reads an ASCII-armored OpenPGP public key file on the target, computes its SHA-256 checksum
    and the v4 fingerprint of every primary key in it, and fails unless they match what is
    expected.
  - A file holding more than one primary key fails the fingerprint check, because apt would
    trust every key in it.
  - Needs no gnupg. Read-only, so it runs the same in check mode.
options:
  path:
    description: The key file to verify.
    type: path
    required: true
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
author: nslab
"""

EXAMPLES = r"""
- name: Verify Docker's signing key before installing it
  docker_engine_signing_key:
    path: /tmp/docker.asc
    fingerprint: 9DC858229FC7DD38854AE2D88D81803C0EBFCD88
    checksum: sha256:1500c1f56fa9e26b9b8f42452a553675796ade0807cdce11975eb98170b3a570
"""

RETURN = r"""
sha256:
  description: SHA-256 of the file, hex.
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
    if fingerprint:
        expected_fingerprint = normalize_fingerprint(fingerprint)
        if fingerprints != [expected_fingerprint]:
            problems.append(
                f"its primary key fingerprint(s) {', '.join(fingerprints)}, "
                f"expected exactly {expected_fingerprint}"
            )
    return problems


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "fingerprint": {"type": "str", "default": ""},
            "checksum": {"type": "str", "default": ""},
        },
        supports_check_mode=True,
    )
    path = module.params["path"]
    fingerprint = module.params["fingerprint"]
    checksum = module.params["checksum"]
    if not fingerprint and not checksum:
        module.fail_json(msg="refusing to trust a key with neither a fingerprint nor a checksum")
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
        fingerprints = primary_fingerprints(dearmor(raw.decode("ascii")))
    except (OSError, UnicodeDecodeError, KeyFormatError) as error:
        module.fail_json(msg=f"{path}: {error}")
    sha256 = hashlib.sha256(raw).hexdigest()
    problems = mismatches(sha256, fingerprints, fingerprint, checksum)
    if problems:
        module.fail_json(msg=f"the key does not match: {'; '.join(problems)}")
    module.exit_json(changed=False, sha256=sha256, fingerprints=fingerprints)


if __name__ == "__main__":
    main()
