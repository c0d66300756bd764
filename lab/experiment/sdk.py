"""The Docker SDK for the experiment: `from lab.experiment.sdk import docker`.

Debian 12's python3-docker (5.0.x) imports `distutils.spawn` when it loads. Where
python3-setuptools is installed as well (python3-pip brings it in), setuptools'
`distutils-precedence.pth` hook answers that import by loading all of setuptools and
pkg_resources: 0.5-0.6 s on a 2-core host, more than the rest of the SDK's import. Python 3.11's
own distutils (python3-distutils, a dependency of python3-docker) serves the SDK just as well, so
the hook is set aside for this one import. SDK 6+ no longer imports distutils: no change there.
"""

from __future__ import annotations

import sys
import warnings
from types import ModuleType

_DISTUTILS_HOOK_MODULE = "_distutils_hack"  # setuptools' import hook, installed by its .pth file


def _import_docker() -> ModuleType:
    hooks = [f for f in sys.meta_path if type(f).__module__ == _DISTUTILS_HOOK_MODULE]
    for hook in hooks:
        sys.meta_path.remove(hook)
    try:
        with warnings.catch_warnings():
            # The standard library's distutils announces its removal in 3.12; not news to a student.
            warnings.simplefilter("ignore", DeprecationWarning)
            import docker
            import docker.errors
    except ModuleNotFoundError as error:
        if error.name != "distutils":
            raise
        # No distutils in the standard library (Python 3.12+): the hook's copy is the only one.
        sys.meta_path[:0] = hooks
        hooks = []
        import docker
        import docker.errors
    finally:
        sys.meta_path[:0] = hooks
    return docker


docker = _import_docker()
