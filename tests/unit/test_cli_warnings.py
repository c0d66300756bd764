"""What nslab's terminal shows of Python warnings: a library's deprecation notice to its own
callers (today cryptography's about DSA, raised when ansible-core imports it) is not the user's
business; every other warning still is."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _stderr_of(script: str) -> str:
    program = textwrap.dedent(
        """
        import warnings
        from lab import cli

        cli._keep_library_deprecations_off_the_terminal()

        class CryptographyDeprecationWarning(UserWarning):
            pass

        def warn(message, category, filename):
            warnings.warn_explicit(message, category, filename, 18, module="library")
        """
    ) + textwrap.dedent(script)
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    return done.stderr


def test_a_library_deprecation_at_import_is_not_shown() -> None:
    stderr = _stderr_of(
        """
        warn("DSA is deprecated", CryptographyDeprecationWarning,
             "/venv/lib/python3.11/site-packages/ansible/_internal/_ssh/_ssh_agent.py")
        """
    )
    assert stderr == ""


def test_other_library_warnings_and_nslab_own_deprecations_are_shown() -> None:
    stderr = _stderr_of(
        """
        warn("a real problem", UserWarning, "/venv/lib/python3.11/site-packages/docker/api.py")
        warn("nslab's own notice", CryptographyDeprecationWarning, "/work/lab/cli.py")
        """
    )
    assert "a real problem" in stderr
    assert "nslab's own notice" in stderr
