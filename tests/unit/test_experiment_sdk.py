"""Debian's python3 + python3-docker 5.0 load the SDK without setuptools' distutils hook."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
DEBIAN_PYTHON = "/usr/bin/python3"

# Prints the SDK version, whether setuptools got loaded, where distutils came from and whether
# setuptools' import hook is back in place for everything imported later.
CHECK = """
import sys
from lab.experiment.sdk import docker
hooks = [f for f in sys.meta_path if type(f).__module__ == "_distutils_hack"]
distutils = sys.modules["distutils"].__file__
print(docker.__version__, "setuptools" in sys.modules, distutils, len(hooks))
"""


def _debian_sdk_present() -> bool:
    if not Path(DEBIAN_PYTHON).exists():
        return False
    probe = [DEBIAN_PYTHON, "-s", "-E", "-c", "import docker.version"]
    return subprocess.run(probe, capture_output=True, check=False).returncode == 0


@pytest.mark.skipif(not _debian_sdk_present(), reason="needs Debian's python3-docker")
def test_debian_sdk_loads_with_the_standard_librarys_distutils() -> None:
    result = subprocess.run(
        [DEBIAN_PYTHON, "-s", "-E", "-W", "error::DeprecationWarning", "-c", CHECK],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
    )
    version, setuptools_loaded, distutils_file, hooks = result.stdout.split()
    assert version.startswith("5.")
    assert setuptools_loaded == "False"
    assert distutils_file.startswith("/usr/lib/python3.11/distutils/")
    hook_installed = Path("/usr/lib/python3/dist-packages/distutils-precedence.pth").exists()
    assert int(hooks) == int(hook_installed)  # set aside only for the SDK's import
