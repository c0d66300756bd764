"""The class registry's pieces that need no registry: names, certificates, its directory."""

from __future__ import annotations

import hashlib
import importlib.util
import ipaddress
import json
import sys
from pathlib import Path

import pytest
from cryptography import x509

PROJECT = Path(__file__).resolve().parents[2]


def _load():
    path = PROJECT / "roles" / "namespace_lab" / "files" / "class_registry.py"
    spec = importlib.util.spec_from_file_location("class_registry", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


registry = _load()


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("debian:12", ("nslab/debian", "12")),
        ("debian", ("nslab/debian", "latest")),
        ("nslab-test/class-image:12", ("nslab/nslab-test/class-image", "12")),
        ("registry.example:5000/team/debian:13", ("nslab/team/debian", "13")),
        ("localhost:5000/debian", ("nslab/debian", "latest")),
    ],
)
def test_each_image_has_one_name_in_the_class_registry(image: str, expected: tuple) -> None:
    assert registry.repository_of(image) == expected


def test_the_certificate_names_the_address_and_is_made_once(tmp_path: Path) -> None:
    paths = registry.Paths(tmp_path)
    assert registry.ensure_server_certificate(paths, "10.0.2.2")
    assert not registry.ensure_server_certificate(paths, "10.0.2.2")  # kept: hosts trust its CA
    certificate = x509.load_pem_x509_certificate(paths.server_cert("10.0.2.2").read_bytes())
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("10.0.2.2")]
    assert registry.ensure_server_certificate(paths, "class.example")  # another address
    ca = paths.ca_cert.read_bytes()
    assert registry.ensure_server_certificate(paths, "10.0.2.2") is False
    assert paths.ca_cert.read_bytes() == ca  # one CA for every address
    assert (paths.ca_key.stat().st_mode & 0o777, paths.tls.stat().st_mode & 0o777) == (0o600, 0o700)


def test_a_certificate_of_another_ca_is_made_again(tmp_path: Path) -> None:
    paths = registry.Paths(tmp_path)
    registry.ensure_server_certificate(paths, "10.0.2.2")
    paths.ca_cert.unlink()  # a new CA: the old certificate is not its
    assert registry.ensure_server_certificate(paths, "10.0.2.2")


def test_a_directory_others_can_enter_is_refused(tmp_path: Path) -> None:
    shared = tmp_path / "registry"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    with pytest.raises(registry.RegistryError, match="not a private directory"):
        registry.private_directory(shared)
    registry.private_directory(tmp_path / "own")
    assert (tmp_path / "own").stat().st_mode & 0o777 == 0o700


def test_the_serving_registry_refuses_writes_and_the_push_registry_listens_on_loopback(
    tmp_path: Path,
) -> None:
    paths = registry.Paths(tmp_path)
    serving = json.loads(
        registry.registry_config(paths, "10.0.0.5:5000", read_only=True, address="10.0.0.5")
    )
    pushing = json.loads(registry.registry_config(paths, "127.0.0.1:40000", read_only=False))
    assert serving["storage"]["maintenance"]["readonly"] == {"enabled": True}
    assert "tls" in serving["http"] and serving["storage"]["delete"] == {"enabled": False}
    assert pushing["http"]["addr"] == "127.0.0.1:40000" and "tls" not in pushing["http"]


def _store(paths, repository: str, tag: str, layers: list[str]) -> str:
    """A manifest of `layers` in the registry's storage layout, linked from `repository:tag`."""
    manifest = json.dumps(
        {"config": {"digest": layers[0]}, "layers": [{"digest": d} for d in layers[1:]]}
    ).encode()
    digest = "sha256:" + hashlib.sha256(manifest).hexdigest()
    v2 = paths.storage / "docker/registry/v2"
    data = v2 / "blobs/sha256" / digest[7:9] / digest[7:] / "data"
    data.parent.mkdir(parents=True, exist_ok=True)
    data.write_bytes(manifest)
    repo = v2 / "repositories" / repository
    for link in (
        repo / "_manifests/revisions/sha256" / digest[7:] / "link",
        repo / "_manifests/tags" / tag / "current/link",
        *(repo / "_layers/sha256" / d[7:] / "link" for d in layers),
    ):
        link.parent.mkdir(parents=True, exist_ok=True)
        link.write_text(digest if "_manifests" in link.parts else "")
    return digest


def test_the_storage_is_unlinked_down_to_the_class_images(tmp_path: Path) -> None:
    paths = registry.Paths(tmp_path)
    layer = "sha256:" + "1" * 64
    class_image = _store(paths, "nslab/debian", "12", ["sha256:" + "c" * 64, layer])
    earlier = _store(paths, "nslab/instructor/private", "1", ["sha256:" + "e" * 64, layer])
    # Pushed over the class's tag and into its repository during a push (another controller user).
    planted = _store(paths, "nslab/debian", "12", ["sha256:" + "d" * 64, "sha256:" + "2" * 64])
    (paths.storage / "docker/registry/v2/repositories/nslab/debian/_uploads/x").mkdir(parents=True)

    registry.serve_only(paths, [("nslab/debian", "12", class_image)])

    root = paths.storage / "docker/registry/v2/repositories"
    assert sorted(p.relative_to(root).as_posix() for p in root.glob("**/_manifests")) == [
        "nslab/debian/_manifests"
    ]
    manifests = root / "nslab/debian/_manifests"
    assert [p.name for p in (manifests / "revisions/sha256").iterdir()] == [class_image[7:]]
    assert (manifests / "tags/12/current/link").read_text() == class_image
    assert sorted(p.name for p in (root / "nslab/debian/_layers/sha256").iterdir()) == [
        "1" * 64,
        "c" * 64,
    ]
    assert not (root / "nslab/debian/_uploads").exists()
    assert earlier != planted != class_image
