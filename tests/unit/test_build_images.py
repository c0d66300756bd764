"""Reading the cache key back out of a `docker save` archive, without dockerd."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

from lab.debian.images import KEY_LABEL, archived_key


def write_archive(path: Path, labels: dict[str, str] | None) -> None:
    """The two members of a `docker save` archive that say which image it holds."""
    config = {"config": {"Cmd": ["bash"], "Labels": labels}}
    members = {
        "manifest.json": [{"Config": "abc.json", "RepoTags": ["debian:12"], "Layers": []}],
        "abc.json": config,
    }
    with tarfile.open(path, "w") as tar:
        for name, content in members.items():
            data = json.dumps(content).encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_archived_key_reads_the_label(tmp_path: Path) -> None:
    archive = tmp_path / "image.tar"
    write_archive(archive, {KEY_LABEL: "k" * 64})
    assert archived_key(archive) == "k" * 64


def test_archived_key_of_an_unlabelled_image_is_none(tmp_path: Path) -> None:
    archive = tmp_path / "image.tar"
    write_archive(archive, None)
    assert archived_key(archive) is None


def test_archived_key_of_a_damaged_archive_is_none(tmp_path: Path) -> None:
    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(b"not a tar at all")
    assert archived_key(truncated) is None
    assert archived_key(tmp_path / "missing.tar") is None
