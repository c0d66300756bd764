#!/usr/bin/env python3
"""The class registry: the controller serves the lab image to its hosts as Docker moves images.

    class_registry.py serve --dir DIR --image IMAGE [--image IMAGE...] --address ADDRESS
                            --port PORT [--bind BIND] [--binary /usr/bin/docker-registry]
    class_registry.py stop --dir DIR

`serve` puts each IMAGE (from the controller's Docker) into a registry's storage under DIR, once
per image ID, and keeps a registry (Debian's `docker-registry`, distribution 2.8) serving that
storage **read-only** over TLS on BIND:PORT, with a certificate for ADDRESS (the name or IP address
the hosts reach the controller at) signed by a CA made here. The registry serves these images and
nothing else: whatever else the storage holds (an earlier class's image, anything pushed during a
push) is unlinked from it first. It prints one JSON object: the reference each image is pulled by
(ADDRESS:PORT/nslab/NAME@sha256:..., by digest), the CA's certificate the hosts trust for that
registry (Docker's /etc/docker/certs.d/ADDRESS:PORT/ca.crt), and whether it pushed or
(re)started anything.

Why this shape. The class network can reach the serving registry, so it is read-only (the
registry's maintenance mode refuses every write): a student on a host cannot push or overwrite
the class image, and there are no push credentials to steal. The push itself goes to a second,
short-lived registry over the same storage that listens on the controller's loopback only (Docker
pushes to 127.0.0.0/8 over plain HTTP without any daemon setting) and is gone when the push
ends. The hosts pull by digest, so what they run is the controller's image whatever a tag says.
TLS with a CA in certs.d, not `insecure-registries`: Docker reads certs.d at every pull, so the
hosts' daemon.json is never touched and their engine never restarts.

`stop` ends the serving registry (the playbooks do at the end of a run and in reset.yml): nothing
listens on the class network between runs. The storage and the CA stay, so the next run pushes
nothing and the hosts' CA stays valid.

Standard library, the docker CLI and `cryptography` (a dependency of ansible-core) only.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

READY_TIMEOUT_S = 20
STOP_TIMEOUT_S = 10
CA_DAYS = 3650
SERVER_DAYS = 825  # the longest validity clients accept for a leaf certificate
RENEW_BEFORE = datetime.timedelta(days=30)
REPOSITORY_PREFIX = "nslab"


class RegistryError(Exception):
    """What went wrong, in words a person can act on."""


@dataclass(frozen=True)
class Paths:
    root: Path

    @property
    def storage(self) -> Path:
        return self.root / "storage"

    @property
    def tls(self) -> Path:
        return self.root / "tls"

    @property
    def ca_cert(self) -> Path:
        return self.tls / "ca.crt"

    @property
    def ca_key(self) -> Path:
        return self.tls / "ca.key"

    def server_cert(self, address: str) -> Path:
        return self.tls / f"server-{_safe(address)}.crt"

    def server_key(self, address: str) -> Path:
        return self.tls / f"server-{_safe(address)}.key"

    @property
    def serve_config(self) -> Path:
        return self.root / "serve.yml"

    @property
    def pidfile(self) -> Path:
        return self.root / "serve.pid"

    @property
    def log(self) -> Path:
        return self.root / "serve.log"

    @property
    def pushed(self) -> Path:
        return self.root / "pushed.json"


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text)


def private_directory(path: Path) -> None:
    """The registry's directory holds the CA's key: this user's alone."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.lstat()
    if info.st_uid != os.getuid() or info.st_mode & 0o077 or path.is_symlink():
        raise RegistryError(
            f"{path} is not a private directory of this user (owner {info.st_uid}, mode "
            f"{info.st_mode & 0o7777:o}): remove it, or point namespace_lab_controller_image_dir "
            "at a directory of your own"
        )


# ----------------------------------------------------------------------------- certificates


def _write_private(path: Path, data: bytes, mode: int) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(data)
    os.replace(partial, path)


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _key_bytes(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _still_valid(path: Path) -> x509.Certificate | None:
    try:
        certificate = x509.load_pem_x509_certificate(path.read_bytes())
    except (FileNotFoundError, ValueError):
        return None
    # not_valid_after_utc is cryptography 42's; Debian 12's python3-cryptography (38) has the
    # naive UTC one.
    expires = getattr(
        certificate, "not_valid_after_utc", None
    ) or certificate.not_valid_after.replace(tzinfo=datetime.UTC)
    if expires - datetime.datetime.now(datetime.UTC) < RENEW_BEFORE:
        return None
    return certificate


def ensure_ca(paths: Paths) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """The controller's CA for its class registry, made once (the hosts keep trusting it)."""
    paths.tls.mkdir(mode=0o700, exist_ok=True)
    certificate = _still_valid(paths.ca_cert)
    if certificate is not None and paths.ca_key.is_file():
        key = serialization.load_pem_private_key(paths.ca_key.read_bytes(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return certificate, key
    key = _new_key()
    name = x509.Name(
        [
            x509.NameAttribute(
                NameOID.COMMON_NAME, f"nslab class registry CA ({socket.gethostname()})"
            )
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    _write_private(paths.ca_key, _key_bytes(key), 0o600)
    _write_private(paths.ca_cert, certificate.public_bytes(serialization.Encoding.PEM), 0o644)
    return certificate, key


def _signed_by(certificate: x509.Certificate, ca_certificate: x509.Certificate) -> bool:
    """Whether the CA signed it (a certificate of an earlier CA is made again)."""
    public_key = ca_certificate.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    try:
        public_key.verify(
            certificate.signature,
            certificate.tbs_certificate_bytes,
            ec.ECDSA(certificate.signature_hash_algorithm),
        )
    except InvalidSignature:
        return False
    return certificate.issuer == ca_certificate.subject


def ensure_server_certificate(paths: Paths, address: str) -> bool:
    """A certificate for `address` signed by the CA; True when it was (re)made."""
    ca_certificate, ca_key = ensure_ca(paths)
    current = _still_valid(paths.server_cert(address))
    if current is not None and _signed_by(current, ca_certificate):
        return False
    try:
        alternative: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(address))
    except ValueError:
        alternative = x509.DNSName(address)
    key = _new_key()
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, address)]))
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=SERVER_DAYS))
        .add_extension(x509.SubjectAlternativeName([alternative]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write_private(paths.server_key(address), _key_bytes(key), 0o600)
    _write_private(
        paths.server_cert(address), certificate.public_bytes(serialization.Encoding.PEM), 0o644
    )
    return True


# ----------------------------------------------------------------------------- the registry process


def registry_config(paths: Paths, listen: str, *, read_only: bool, address: str = "") -> str:
    """distribution's configuration (YAML is a superset of JSON): the storage under DIR, no
    deletes, and either read-only over TLS or read-write over plain HTTP (loopback only)."""
    http: dict[str, object] = {"addr": listen, "headers": {"X-Content-Type-Options": ["nosniff"]}}
    if address:
        http["tls"] = {
            "certificate": str(paths.server_cert(address)),
            "key": str(paths.server_key(address)),
        }
    config = {
        "version": 0.1,
        "log": {"level": "warn", "accesslog": {"disabled": False}},
        "storage": {
            "filesystem": {"rootdirectory": str(paths.storage)},
            "delete": {"enabled": False},
            "maintenance": {
                "uploadpurging": {"enabled": False},
                "readonly": {"enabled": read_only},
            },
        },
        "http": http,
    }
    return json.dumps(config, indent=2) + "\n"


def _listen_address(bind: str, port: int) -> str:
    host = f"[{bind}]" if ":" in bind else bind
    return f"{host}:{port}"


def _connect_address(bind: str) -> str:
    return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(bind, bind)


def _free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(binary: str, config: Path, log: Path) -> subprocess.Popen[bytes]:
    try:
        with log.open("ab") as output:
            return subprocess.Popen(
                [binary, "serve", str(config)],
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=output,
                start_new_session=True,  # not stopped with the task that started it
            )
    except FileNotFoundError as error:
        raise RegistryError(
            f"{binary} is missing: install Debian's registry on the controller "
            "(apt-get install docker-registry; then `systemctl disable --now docker-registry`, "
            "whose packaged service is a read-write registry on every address) or set "
            "namespace_lab_registry_binary"
        ) from error


def _wait_ready(
    process: subprocess.Popen[bytes], url: str, log: Path, context: ssl.SSLContext | None
) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace").strip().splitlines()[-3:]
            hint = (
                " (another process listens there: Debian's docker-registry service? "
                "`systemctl disable --now docker-registry`, or choose namespace_lab_registry_port)"
                if any("address already in use" in line for line in tail)
                else ""
            )
            raise RegistryError(f"the registry stopped at once{hint}: {' | '.join(tail)}")
        try:
            with urllib.request.urlopen(url, timeout=2, context=context) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise RegistryError(
        f"the registry did not answer {url} within {READY_TIMEOUT_S} s (log: {log})"
    )


def _docker(*args: str) -> str:
    result = subprocess.run(["docker", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RegistryError(
            f"docker {' '.join(args)}: {result.stderr.strip() or result.stdout.strip()}"
        )
    return result.stdout.strip()


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def repository_of(image: str) -> tuple[str, str]:
    """nslab/<path> and the tag of IMAGE in the class registry (debian:12 -> nslab/debian, 12;
    a registry host in IMAGE is dropped: the class registry is the only one the hosts ask)."""
    name, _, tag = image.partition("@")[0].rpartition(":")
    if not name or "/" in tag:  # no tag (a colon, if any, was a registry's port)
        name, tag = image.partition("@")[0], "latest"
    first, _, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        name = rest
    return f"{REPOSITORY_PREFIX}/{re.sub(r'[^a-z0-9._/-]', '-', name.lower())}", tag


def _stored(paths: Paths, repository: str, digest: str) -> bool:
    algorithm, _, hexdigest = digest.partition(":")
    revision = (
        paths.storage
        / "docker/registry/v2/repositories"
        / repository
        / "_manifests/revisions"
        / algorithm
        / hexdigest
        / "link"
    )
    return revision.is_file()


def ensure_pushed(paths: Paths, image: str, binary: str) -> tuple[str, str, bool]:
    """(repository, digest, pushed): IMAGE in the storage, pushed once per image ID."""
    image_id = _docker("image", "inspect", "--format", "{{.Id}}", image)
    repository, tag = repository_of(image)
    try:
        record = json.loads(paths.pushed.read_text())
    except (FileNotFoundError, ValueError):
        record = {}
    known = record.get(f"{repository}:{tag}", {})
    if known.get("id") == image_id and _stored(paths, repository, known.get("digest", "")):
        return repository, known["digest"], False

    port = _free_loopback_port()
    config = paths.root / "push.yml"
    config.write_text(registry_config(paths, f"127.0.0.1:{port}", read_only=False))
    process = _start(binary, config, paths.root / "push.log")
    target = f"127.0.0.1:{port}/{repository}:{tag}"
    try:
        _wait_ready(process, f"http://127.0.0.1:{port}/v2/", paths.root / "push.log", None)
        _docker("tag", image_id, target)
        try:
            _docker("push", target)
            digests = json.loads(
                _docker("image", "inspect", "--format", "{{json .RepoDigests}}", image_id)
            )
        finally:
            _docker("rmi", target)  # untags only: the image keeps its own name
    finally:
        _stop(process)
        config.unlink(missing_ok=True)
    prefix = f"127.0.0.1:{port}/{repository}@"
    digest = next((entry[len(prefix) :] for entry in digests if entry.startswith(prefix)), "")
    if not digest:
        raise RegistryError(f"the push of {image} reported no digest ({digests})")
    record[f"{repository}:{tag}"] = {"id": image_id, "digest": digest}
    _write_private(paths.pushed, (json.dumps(record, indent=2) + "\n").encode(), 0o600)
    return repository, digest, True


def _manifest_blobs(paths: Paths, digest: str) -> set[str]:
    """The blobs (config and layers) the stored manifest `digest` names."""
    algorithm, _, hexdigest = digest.partition(":")
    data = (
        paths.storage / "docker/registry/v2/blobs" / algorithm / hexdigest[:2] / hexdigest / "data"
    )
    manifest = json.loads(data.read_bytes())
    return {entry["digest"] for entry in [manifest["config"], *manifest["layers"]]}


def serve_only(paths: Paths, served: list[tuple[str, str, str]]) -> None:
    """Unlink from the registry's storage every repository, tag, manifest and layer that is not
    one of `served` ([(repository, tag, digest)]). The registry answers for a repository, a tag,
    a manifest or a blob only through these links (the blobs stay, unreachable): a read-only
    registry on the class network then hands out the class's images and nothing else, even if an
    earlier class's image, or something a user of the controller pushed to the loopback push
    registry, is in the storage."""
    root = paths.storage / "docker/registry/v2/repositories"
    wanted: dict[str, dict[str, set[str]]] = {}
    tags: dict[tuple[str, str], str] = {}
    for repository, tag, digest in served:
        entry = wanted.setdefault(repository, {"revisions": set(), "layers": set()})
        entry["revisions"].add(digest)
        entry["layers"] |= _manifest_blobs(paths, digest)
        tags[repository, tag] = digest
    for manifests in sorted(root.glob("**/_manifests")):
        directory = manifests.parent
        repository = directory.relative_to(root).as_posix()
        if not manifests.exists():  # inside a repository removed just before
            continue
        if repository not in wanted:
            shutil.rmtree(directory)
            continue
        keep = wanted[repository]
        shutil.rmtree(directory / "_uploads", ignore_errors=True)
        for tag in (manifests / "tags").glob("*"):
            if (repository, tag.name) not in tags:
                shutil.rmtree(tag)
            elif (tag / "current/link").read_text() != tags[repository, tag.name]:
                # A push over the tag: the tag names the class's image again.
                (tag / "current/link").write_text(tags[repository, tag.name])
        for kind, links in (
            ("revisions", manifests / "revisions"),
            ("layers", directory / "_layers"),
        ):
            for link in links.glob("*/*"):
                if f"{link.parent.name}:{link.name}" not in keep[kind]:
                    shutil.rmtree(link)


def running_pid(paths: Paths) -> int:
    """The serving registry's pid, or 0 (a stale pidfile, or another process under that pid)."""
    try:
        pid = int(paths.pidfile.read_text())
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return 0
    return pid if str(paths.serve_config).encode() in command else 0


def ensure_serving(paths: Paths, address: str, port: int, bind: str, binary: str) -> bool:
    """The read-only registry on BIND:PORT with the current configuration; True if (re)started."""
    made_certificate = ensure_server_certificate(paths, address)
    config = registry_config(paths, _listen_address(bind, port), read_only=True, address=address)
    pid = running_pid(paths)
    current = paths.serve_config.is_file() and paths.serve_config.read_text() == config
    if pid and current and not made_certificate:
        return False
    stop(paths)
    _write_private(paths.serve_config, config.encode(), 0o600)
    process = _start(binary, paths.serve_config, paths.log)
    paths.pidfile.write_text(f"{process.pid}\n")
    context = ssl.create_default_context(cafile=str(paths.ca_cert))
    context.check_hostname = False  # the certificate names ADDRESS; the hosts check that
    _wait_ready(
        process, f"https://{_listen_address(_connect_address(bind), port)}/v2/", paths.log, context
    )
    return True


def stop(paths: Paths) -> bool:
    pid = running_pid(paths)
    if pid:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while running_pid(paths) and time.monotonic() < deadline:
            time.sleep(0.05)  # a process that ended has no command line: 0
        if running_pid(paths):
            os.kill(pid, signal.SIGKILL)
    paths.pidfile.unlink(missing_ok=True)
    return bool(pid)


def serve(arguments: argparse.Namespace) -> dict[str, object]:
    paths = Paths(Path(arguments.dir).absolute())
    private_directory(paths.root)
    host = f"{arguments.address}:{arguments.port}"
    references: dict[str, str] = {}
    served: list[tuple[str, str, str]] = []
    pushed = False
    for image in dict.fromkeys(arguments.image):
        repository, digest, pushed_now = ensure_pushed(paths, image, arguments.binary)
        pushed |= pushed_now
        references[image] = f"{host}/{repository}@{digest}"
        served.append((repository, repository_of(image)[1], digest))
    serve_only(paths, served)
    started = ensure_serving(
        paths,
        arguments.address,
        arguments.port,
        arguments.bind or arguments.address,
        arguments.binary,
    )
    return {
        "registry": host,
        "references": references,
        "ca": paths.ca_cert.read_text(),
        "ca_sha256": hashlib.sha256(paths.ca_cert.read_bytes()).hexdigest(),
        "pushed": pushed,
        "started": started,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serving = commands.add_parser("serve")
    serving.add_argument("--dir", required=True)
    serving.add_argument("--image", required=True, action="append")
    serving.add_argument("--address", required=True)
    serving.add_argument("--port", type=int, required=True)
    serving.add_argument("--bind", default="")
    serving.add_argument("--binary", default="/usr/bin/docker-registry")
    stopping = commands.add_parser("stop")
    stopping.add_argument("--dir", required=True)
    arguments = parser.parse_args(argv)
    try:
        if arguments.command == "serve":
            result = serve(arguments)
        else:
            result = {"stopped": stop(Paths(Path(arguments.dir).absolute()))}
    except RegistryError as error:
        print(f"class registry: {error}", file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
