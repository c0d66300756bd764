"""The Molecule `class` scenario, run as `molecule test -s class` typed in the checkout (nothing
exported: the scenario brings up or reuses the test bed itself): playbooks/lab.yml on a mixed
class, one fresh Debian 12 host and one fresh Debian 13 host, at once.

Converge (Docker from the stand-in, each release's own engine, the lab image from the offline
archive, the experiment, reports and the class summary), a second converge that must change
nothing, and verify.yml (each host is its release, with its engine, and its report matches what
that host predicts; the summary lists both), then playbooks/reset.yml as a side effect (the
lab's traces gone, Docker kept), and the hosts destroyed. The converge and its idempotent re-run
are timed by Ansible's profile_tasks and printed (`pytest -s` shows them).
"""

from __future__ import annotations

import pytest
from as_typed import molecule

from lab.testing import Testbed

pytestmark = pytest.mark.molecule


def test_molecule_test_class_converges_a_mixed_class_as_typed(testbed: Testbed) -> None:
    run = molecule("test", "-s", "class")
    # The sequence molecule.yml gives: a leftover class is destroyed first, then the whole run.
    for action in ("create", "converge", "idempotence", "verify", "side_effect", "destroy"):
        assert f"[class > {action}] Executed: Successful" in run.output, run.output
    # side_effect.yml: playbooks/reset.yml, then its check that only Docker is left.
    assert "TASK [Only Docker is left]" in run.action("class", "side_effect"), run.output
    first = run.playbook_seconds("class", "converge")
    again = run.playbook_seconds("class", "idempotence")
    print(
        f"\nclass scenario, Debian 12 + Debian 13 host: converge {first:.0f} s, "
        f"idempotent re-run {again:.0f} s, molecule test {run.seconds:.0f} s"
    )
