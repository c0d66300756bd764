"""How tests/run's two workers (pytest-xdist) share the suite.

A test file is one unit of work: its tests run in order on one worker, so its module fixtures (a
converged host each test builds on) are made once. Files that use something machine-wide that
only one may use at a time are one unit together, run one after the other on one worker.
"""

from __future__ import annotations

ONE_AT_A_TIME = {
    # The local VMs (`nslab vm` keeps one set per build cache) and the local stand-in for
    # download.docker.com on 127.0.0.1:18080.
    "local VMs": ("tests/e2e/",),
    # The checkout's own reports/, which these write, move aside or watch stay untouched.
    "the checkout's reports/": (
        "tests/integration/test_headline_command.py",
        "tests/integration/test_reset_and_experiment_playbooks.py",
        "tests/integration/test_stops_before_any_host.py",
    ),
}


def work_unit(nodeid: str) -> str:
    """The unit of work of a test, by its pytest node id (`path::name[params]`)."""
    path = nodeid.split("::", 1)[0]
    for unit, paths in ONE_AT_A_TIME.items():
        if path.startswith(paths):
            return unit
    return path
