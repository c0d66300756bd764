"""The build cache: entries keyed by a hash of their inputs, each published atomically."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

DEFAULT_CACHE_DIR = Path("/var/cache/nslab")


def cache_dir() -> Path:
    return Path(os.environ.get("NSLAB_CACHE") or DEFAULT_CACHE_DIR)


def cache_key(inputs: Mapping[str, object]) -> str:
    """sha256 of the inputs in a canonical form, so equal inputs give equal keys in any order."""
    canonical = json.dumps(inputs, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def publish_atomically(final: Path, build: Callable[[Path], None]) -> Path:
    """Build into a temporary sibling of `final`, then rename it into place.

    An interrupted build leaves only a temporary name behind, never a half-built `final`.
    `build` gets the temporary path (file or directory: its choice) and must create it.
    """
    if final.exists():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = final.with_name(f".partial-{os.getpid()}-{final.name}")
    _remove(partial)
    try:
        build(partial)
        os.replace(partial, final)
    finally:
        _remove(partial)
    return final


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


@contextmanager
def locked(cache: Path) -> Iterator[None]:
    """Serialise test-bed changes between processes (several test sessions share one machine)."""
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / "testbed.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
