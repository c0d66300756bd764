"""Make sure the lab image exists, loading it from an offline archive when it does not.

No pull: classrooms are often offline and a pull would silently talk to a registry. The archive is
either a `docker save` tarball (has manifest.json or repositories) or a root file system tarball
(`tar -C rootfs -c .`), which is imported under the image's name.
"""

from __future__ import annotations

import tarfile
from pathlib import Path
from typing import Any

from lab.experiment.errors import EnvironmentProblem
from lab.experiment.sdk import docker

_SAVE_MARKERS = {"manifest.json", "repositories", "index.json"}


def is_docker_save_archive(path: Path) -> bool:
    with tarfile.open(path, "r:*") as archive:
        for member in archive:
            if member.name.lstrip("./") in _SAVE_MARKERS:
                return True
    return False


def split_reference(image: str) -> tuple[str, str]:
    """ "debian:12" -> ("debian", "12"); "host:5000/x" -> ("host:5000/x", "latest")."""
    name, sep, tag = image.rpartition(":")
    if sep and "/" not in tag:
        return name, tag
    return image, "latest"


def ensure_image(client: Any, image: str, archive: Path | None) -> str:
    """The image's id; loads `archive` first if the image is absent."""
    try:
        return client.images.get(image).id
    except docker.errors.ImageNotFound:
        pass
    if archive is None:
        raise EnvironmentProblem(
            f"image {image} is not on this host. Run `docker pull {image}` (needs a registry), or "
            "pass --image-archive FILE with a `docker save` tarball or a root file system tarball."
        )
    if not archive.is_file():
        raise EnvironmentProblem(f"image archive {archive} does not exist")
    try:
        if is_docker_save_archive(archive):
            with archive.open("rb") as data:
                # The low-level call streams the file; images.load() reads it all into memory.
                _drain(client.api.load_image(data))
        else:
            repository, tag = split_reference(image)
            client.api.import_image_from_file(str(archive), repository=repository, tag=tag)
    except (tarfile.TarError, docker.errors.APIError) as error:
        raise EnvironmentProblem(f"could not load image archive {archive}: {error}") from error
    try:
        return client.images.get(image).id
    except docker.errors.ImageNotFound:
        raise EnvironmentProblem(
            f"{archive} was loaded but holds no image named {image}; pass --image with the name "
            f"it holds (see `docker images`)"
        ) from None


def _drain(messages: Any) -> None:
    """load_image answers with a stream of JSON messages; one with "error" means it failed."""
    for message in messages or ():
        if isinstance(message, dict) and message.get("error"):
            raise docker.errors.APIError(message["error"])
