"""apt pointed at one Debian suite of a mirror, through a configuration of its own under the cache.

The stand-in repacks each suite's own engine packages, whatever release the machine building it
runs; this machine's apt sources stay untouched (other work on the machine relies on them). Every
Release file is verified against Debian's archive keyring, as apt does for its own sources.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lab.debian import control
from lab.debian.shell import run
from lab.errors import LabError
from lab.progress import step

DEBIAN_KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")


@dataclass(frozen=True)
class SuiteApt:
    directory: Path  # the private configuration, lists and package cache
    suite: str
    mirror: str

    @property
    def sources_line(self) -> str:
        return f"deb [signed-by={DEBIAN_KEYRING}] {self.mirror.rstrip('/')} {self.suite} main\n"

    def options(self) -> list[str]:
        """apt-get/apt-cache options that replace every machine-wide place apt reads state from."""
        d = self.directory
        settings = {
            "Dir::Etc::SourceList": d / "sources.list",
            "Dir::Etc::SourceParts": d / "sources.list.d",
            "Dir::Etc::Preferences": d / "preferences",
            "Dir::Etc::PreferencesParts": d / "preferences.d",
            "Dir::State::Lists": d / "lists",
            "Dir::State::status": d / "status",  # nothing installed: candidates are the suite's
            "Dir::Cache": d / "cache",
        }
        return [arg for name, path in settings.items() for arg in ("-o", f"{name}={path}")]

    def candidate_versions(self, packages: tuple[str, ...]) -> dict[str, str]:
        """The version of each package the suite serves, reading its lists once."""
        self._ensure_lists()
        shown = run(["apt-cache", *self.options(), "show", "--no-all-versions", *packages])
        found: dict[str, str] = {}
        for text in shown.split("\n\n"):
            stanza = control.parse_control(text)
            name, version = control.field(stanza, "Package"), control.field(stanza, "Version")
            if name in packages and version is not None:
                found[name] = version
        missing = [package for package in packages if package not in found]
        if missing:
            raise LabError(
                f"Debian {self.suite} at {self.mirror} has no {', '.join(missing)}: "
                "check NSLAB_DEBIAN_MIRROR"
            )
        return found

    def download(self, directory: Path, versions: dict[str, str]) -> dict[str, Path]:
        directory.mkdir(parents=True)
        wanted = [f"{name}={version}" for name, version in versions.items()]
        run(["apt-get", *self.options(), "download", *wanted], cwd=directory)
        return {name: next(directory.glob(f"{name}_*.deb")) for name in versions}

    def _refresh(self) -> None:
        """`apt-get update` of the private lists (signatures checked)."""
        with step(f"apt-get update of Debian {self.suite} (private lists)"):
            run(["apt-get", *self.options(), "update"])

    def _ensure_lists(self) -> None:
        # Fetched once: removing the directory picks up a newer upload.
        d = self.directory
        for sub in ("sources.list.d", "preferences.d", "lists/partial", "cache/archives/partial"):
            (d / sub).mkdir(parents=True, exist_ok=True)
        (d / "status").touch()
        (d / "preferences").touch()
        sources = d / "sources.list"
        if not sources.exists() or sources.read_text() != self.sources_line:
            sources.write_text(self.sources_line)
            for stale in (d / "lists").glob("*_Packages*"):
                stale.unlink()
        if not any((d / "lists").glob("*_Packages*")):
            self._refresh()


def suite_apt(cache: Path, suite: str, mirror: str) -> SuiteApt:
    return SuiteApt(directory=cache / "apt" / suite, suite=suite, mirror=mirror)
