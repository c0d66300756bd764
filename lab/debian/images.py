"""Docker images imported from cached debootstrap tarballs (there is no registry to pull from)."""

from __future__ import annotations

import json
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import docker
import docker.errors
from docker.models.images import Image

from lab.debian.cache import cache_key, publish_atomically
from lab.debian.releases import DEFAULT_RELEASE, DebianRelease
from lab.debian.rootfs import RootfsSpec, ensure_rootfs
from lab.progress import step

KEY_LABEL = "org.nslab.cache-key"
# Bump when the way an image is made from its rootfs changes.
RECIPE_VERSION = 1


@dataclass(frozen=True)
class ImageRecipe:
    repository: str
    rootfs: RootfsSpec
    cmd: tuple[str, ...]
    # Tags besides the one derived from the key; the keyed tag pins exactly what was built.
    extra_tags: tuple[str, ...] = ()
    tag_with_key: bool = True

    def key(self) -> str:
        return cache_key(
            {"recipe": RECIPE_VERSION, "rootfs": self.rootfs.key(), "cmd": list(self.cmd)}
        )

    def references(self) -> list[str]:
        """Every `repo:tag` of the image; the first is the one to hand out."""
        tags = [self.key()[:12]] if self.tag_with_key else []
        return [f"{self.repository}:{tag}" for tag in [*tags, *self.extra_tags]]


def lab_recipe(mirror: str, release: DebianRelease = DEFAULT_RELEASE) -> ImageRecipe:
    """What the course note runs as `debian` in its two containers: plain minbase with a shell,
    packed as Docker's official image is (what `docker pull debian` would have given; the size
    every host copies and loads)."""
    return ImageRecipe(
        repository="debian",
        rootfs=RootfsSpec(suite=release.codename, mirror=mirror, packed_like_docker_official=True),
        cmd=("bash",),
        extra_tags=(release.version,),
        tag_with_key=False,
    )


def ensure_lab_image(
    client: docker.DockerClient, cache: Path, mirror: str, release: DebianRelease = DEFAULT_RELEASE
) -> tuple[str, Path]:
    """debian:<version> built here (no registry) and its `docker save` archive, which classes
    without a registry load on their hosts."""
    reference = ensure_image(client, lab_recipe(mirror, release), cache)
    archive = cache / "images" / f"debian-{release.version}.tar"
    return reference, ensure_archive(client, reference, archive)


def ensure_image(client: docker.DockerClient, recipe: ImageRecipe, cache: Path) -> str:
    """Make every reference of `recipe` point at an image built from it; return the first."""
    key = recipe.key()
    references = recipe.references()
    if all(_image_key(client, reference) == key for reference in references):
        return references[0]
    built = client.images.list(filters={"label": f"{KEY_LABEL}={key}"})
    image = built[0] if built else _import(client, recipe, cache)
    for reference in references:
        repository, tag = reference.rsplit(":", 1)
        image.tag(repository, tag)
    return references[0]


def _image_key(client: docker.DockerClient, reference: str) -> str | None:
    try:
        labels = client.images.get(reference).labels or {}
    except docker.errors.ImageNotFound:
        return None
    return labels.get(KEY_LABEL)


def _import(client: docker.DockerClient, recipe: ImageRecipe, cache: Path) -> Image:
    tarball = ensure_rootfs(recipe.rootfs, cache)
    changes = [f"CMD {json.dumps(list(recipe.cmd))}", f"LABEL {KEY_LABEL}={recipe.key()}"]
    with step(f"docker import {recipe.references()[0]}"), open(tarball, "rb") as source:
        # An open file, not a path: given a path it cannot read, the SDK would try it as a URL.
        answer = client.api.import_image(src=source, changes=changes)
    image_id = json.loads(answer.strip().splitlines()[-1])["status"]
    return client.images.get(image_id)


def ensure_archive(client: docker.DockerClient, reference: str, archive: Path) -> Path:
    """`docker save` of `reference` at `archive`, redone only if the archive holds another build."""
    key = _image_key(client, reference)
    if archive.exists() and archived_key(archive) == key:
        return archive
    if archive.exists():
        archive.unlink()
    image = client.images.get(reference)

    def save(partial: Path) -> None:
        with open(partial, "wb") as out:
            for chunk in image.save(named=reference):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())

    with step(f"docker save {reference} -> {archive}"):
        return publish_atomically(archive, save)


def archived_key(archive: Path) -> str | None:
    """The cache-key label of the image inside a `docker save` archive (None if unreadable)."""
    try:
        with tarfile.open(archive) as tar:
            manifest = json.load(_member(tar, "manifest.json"))
            config = json.load(_member(tar, manifest[0]["Config"]))
    except (OSError, tarfile.TarError, KeyError, IndexError, ValueError):
        return None
    return (config.get("config", {}).get("Labels") or {}).get(KEY_LABEL)


def _member(tar: tarfile.TarFile, name: str) -> IO[bytes]:
    extracted = tar.extractfile(name)
    if extracted is None:
        raise KeyError(name)
    return extracted
