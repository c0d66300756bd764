"""nslab's execution environment for AWX, built here from a Debian base and a wheelhouse.

AWX runs every job in an execution environment image (ansible-core, ansible-runner, the
collections and their Python packages). This builds one from execution-environment.yml beside
this file with ansible-builder 3: the base is Debian 12 made by debootstrap (lab.debian.images),
the Python packages are the controller's lock (locks/controller.txt) downloaded with their hashes
into a wheelhouse, and nslab.lab is the collection `ansible-galaxy collection build` makes of this
checkout. The image is keyed by all of that and rebuilt only when an input changes.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import tarfile
import tempfile
from collections.abc import Iterable
from pathlib import Path

import docker
import docker.errors

from lab.debian.cache import cache_key, publish_atomically
from lab.debian.images import KEY_LABEL, ImageRecipe, ensure_image
from lab.debian.releases import DEFAULT_RELEASE
from lab.debian.rootfs import RootfsSpec
from lab.debian.shell import run
from lab.errors import LabError
from lab.progress import step

DEFINITION_DIR = Path(__file__).resolve().parent
CHECKOUT = DEFINITION_DIR.parents[2]
DEFINITION = ("execution-environment.yml", "requirements.yml")
LOCKS = ("controller.txt", "execution-environment.txt")
REPOSITORY = "nslab/awx-ee"
# ansible-builder writes the build context; the version is part of the image's key.
ANSIBLE_BUILDER = "ansible-builder==3.2.0"
# The wheels Debian 12's Python takes (CPython 3.11, glibc 2.36), whatever the build machine's
# Python: pip's --platform matches each tag exactly, so every older manylinux tag is listed.
PLATFORM_OPTIONS = (
    "--python-version", "3.11", "--implementation", "cp",
    *(f"--platform=manylinux_2_{minor}_x86_64" for minor in range(36, 4, -1)),
    "--platform=manylinux2014_x86_64", "--platform=manylinux2010_x86_64",
    "--platform=manylinux1_x86_64",
)  # fmt: skip
# Bump when the way the image is made from its inputs changes.
RECIPE_VERSION = 1


def base_recipe(mirror: str) -> ImageRecipe:
    """Debian 12 with what an EE runs besides Python packages: ssh (and sshpass for password
    credentials) to reach the hosts, git and rsync for the modules that use them, pip for the
    build, dumb-init as PID 1."""
    return ImageRecipe(
        repository=f"nslab/debian{DEFAULT_RELEASE.version}-ee-base",
        rootfs=RootfsSpec(
            include=(
                "python3",
                "python3-pip",
                "openssh-client",
                "sshpass",
                "git",
                "rsync",
                "dumb-init",
                "ca-certificates",
            ),
            suite=DEFAULT_RELEASE.codename,
            mirror=mirror,
        ),
        cmd=("bash",),
    )


def ensure_execution_environment(
    client: docker.DockerClient, cache: Path, mirror: str, checkout: Path = CHECKOUT
) -> str:
    """The EE image for this checkout's collection and locks; built only if missing."""
    _require_checkout(checkout)
    base = ensure_image(client, base_recipe(mirror), cache)
    with tempfile.TemporaryDirectory(prefix="nslab-ee-") as work:
        collection = build_collection(checkout, Path(work) / "collection")
        key = cache_key(
            {
                "recipe": RECIPE_VERSION,
                "base": base,
                "builder": ANSIBLE_BUILDER,
                "definition": _digest_files(DEFINITION_DIR / name for name in DEFINITION),
                "locks": _digest_files(checkout / "locks" / name for name in LOCKS),
                "collection": collection_digest(collection),
            }
        )
        references = [f"{REPOSITORY}:{key[:12]}", f"{REPOSITORY}:latest"]
        existing = client.images.list(filters={"label": f"{KEY_LABEL}={key}"})
        if existing:
            image = existing[0]
        else:
            definition = Path(work) / "definition"
            _stage_definition(definition, checkout, cache, collection)
            context = Path(work) / "context"
            builder = _ansible_builder(cache)
            run(
                [str(builder), "-m", "ansible_builder", "create",
                 "--file", str(definition / "execution-environment.yml"),
                 "--context", str(context), "--output-filename", "Dockerfile"]
            )  # fmt: skip
            image = _docker_build(client, context, base, key, references[0])
        for reference in references:
            repository, tag = reference.rsplit(":", 1)
            image.tag(repository, tag)
    return references[0]


def build_collection(checkout: Path, output: Path) -> Path:
    """`ansible-galaxy collection build` of the checkout (the collection nslab.lab)."""
    output.mkdir(parents=True)
    galaxy = Path(sys.executable).parent / "ansible-galaxy"
    run([str(galaxy), "collection", "build", "--output-path", str(output), str(checkout)])
    (tarball,) = output.glob("nslab-lab-*.tar.gz")
    return tarball


def collection_digest(tarball: Path) -> str:
    """What the collection holds, from its MANIFEST.json and FILES.json (every file's sha256):
    the tarball itself is not byte-reproducible (it records build times)."""
    with tarfile.open(tarball) as tar:
        parts = []
        for name in ("MANIFEST.json", "FILES.json"):
            member = tar.extractfile(name)
            if member is None:
                raise LabError(f"{tarball} has no {name}: not a collection built by ansible-galaxy")
            parts.append(json.dumps(json.load(member), sort_keys=True))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def ensure_wheelhouse(checkout: Path, cache: Path) -> Path:
    """Every package of the locks as a wheel for Linux x86_64 and Python 3.11 (Debian 12's),
    downloaded by this machine's pip (which reaches the package index) with the locks' hashes
    checked; cached by the locks' contents."""
    locks = [checkout / "locks" / name for name in LOCKS]
    wheelhouse = cache / "wheels" / cache_key({"locks": _digest_files(locks)})

    def download(partial: Path) -> None:
        for lock in locks:
            # One lock per call: pip refuses the same pin given twice (setuptools is in both).
            run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                 "--require-hashes", "--only-binary=:all:", *PLATFORM_OPTIONS,
                 "--dest", str(partial), "--requirement", str(lock)]
            )  # fmt: skip

    if not wheelhouse.exists():
        with step(f"wheelhouse of {', '.join(LOCKS)}"):
            publish_atomically(wheelhouse, download)
    return wheelhouse


def _stage_definition(definition: Path, checkout: Path, cache: Path, collection: Path) -> None:
    """The definition with the files it names beside it (wheels/, locks/, collection/)."""
    definition.mkdir()
    for name in DEFINITION:
        shutil.copy(DEFINITION_DIR / name, definition / name)
    shutil.copytree(ensure_wheelhouse(checkout, cache), definition / "wheels")
    (definition / "locks").mkdir()
    for name in LOCKS:
        shutil.copy(checkout / "locks" / name, definition / "locks" / name)
    (definition / "collection").mkdir()
    shutil.copy(collection, definition / "collection" / "nslab-lab.tar.gz")


def _ansible_builder(cache: Path) -> Path:
    """ansible-builder in a venv of its own (a build tool, not one of nslab's dependencies)."""
    venv = cache / "tools" / ANSIBLE_BUILDER.replace("==", "-")

    def install(partial: Path) -> None:
        run([sys.executable, "-m", "venv", str(partial)])
        run([str(partial / "bin" / "python"), "-m", "pip", "install", "--quiet", ANSIBLE_BUILDER])

    if not venv.exists():
        with step(f"install {ANSIBLE_BUILDER}"):
            publish_atomically(venv, install)
    # Its Python, not its scripts: their #! lines name the temporary path the venv was made at.
    return venv / "bin" / "python"


def _docker_build(
    client: docker.DockerClient, context: Path, base: str, key: str, reference: str
) -> docker.models.images.Image:
    with step(f"docker build {reference} (ansible-builder's Dockerfile, base {base})"):
        try:
            image, _ = client.images.build(
                path=str(context),
                dockerfile="Dockerfile",
                tag=reference,
                buildargs={"EE_BASE_IMAGE": base},
                labels={KEY_LABEL: key},
                rm=True,
                forcerm=True,
            )
        except docker.errors.BuildError as error:
            tail = "".join(str(chunk.get("stream", "")) for chunk in error.build_log)
            raise LabError(
                f"building the execution environment failed: {error.msg}\n"
                + "\n".join(tail.splitlines()[-30:])
            ) from error
    return image


def _digest_files(paths: Iterable[Path]) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in paths}


def _require_checkout(checkout: Path) -> None:
    missing = [
        name
        for name in ("galaxy.yml", *(f"locks/{lock}" for lock in LOCKS))
        if not (checkout / name).is_file()
    ]
    if missing:
        raise LabError(
            f"the execution environment is built from a checkout of nslab ({', '.join(missing)} "
            f"missing under {checkout}): run it from a clone of the repository"
        )
