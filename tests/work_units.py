"""How tests/run's two workers (pytest-xdist) share the suite.

A test file is one unit of work: its tests run in order on one worker, so its module fixtures (a
converged host each test builds on) are made once. Files that use something machine-wide that
only one may use at a time are one unit together, run one after the other on one worker. Units go
out in the order they are collected: the longest, the VMs of tests/e2e, start first.
"""

from __future__ import annotations

from typing import Any

ONE_AT_A_TIME = {
    # The local stand-in for download.docker.com on 127.0.0.1:18080, which `nslab provision`
    # stops when its run ends, under another run's feet. The VMs themselves are not shared: each
    # test boots its own in a state directory of its own, and `nslab vm` builds the base image
    # they share under a lock, so the other VM tests run beside these on the other worker.
    "the local stand-in": ("tests/e2e/test_local_class.py",),
    # The checkout's own reports/, which these write, move aside or watch stay untouched.
    "the checkout's reports/": (
        "tests/integration/test_headline_command.py",
        "tests/integration/test_reset_and_experiment_playbooks.py",
        "tests/integration/test_stops_before_any_host.py",
    ),
}


# The suite's longest unit: 2162 s on one fresh machine, over 3187 s on another (benchmarks.md).
LONGEST_UNIT = "the local stand-in"


def work_unit(nodeid: str) -> str:
    """The unit of work of a test, by its pytest node id (`path::name[params]`)."""
    path = nodeid.split("::", 1)[0]
    for unit, paths in ONE_AT_A_TIME.items():
        if path.startswith(paths):
            return unit
    return path


def scheduler(config: Any, log: Any, longest_unit: str = LONGEST_UNIT) -> Any:
    """xdist's scheduler of whole units (LoadScopeScheduling), keyed by `work_unit`. (xdist's
    own `--dist loadgroup` does not group on pytest 9.2: pytest-dev/pytest-xdist#1386.)"""
    from xdist.scheduler import LoadScopeScheduling

    class ByWorkUnit(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

        def _assign_work_unit(self, node: Any) -> None:
            # xdist queues a worker's next unit while its current one still runs (a worker holds
            # back its last test until it knows what follows). Behind the longest unit that next
            # one would wait for it while the other worker runs dry: it gets the quickest, the
            # unit collected last (tests/unit), instead of the next in line.
            longest = self.assigned_work.get(node, {}).get(longest_unit, {})
            if not all(longest.values()):
                self.workqueue.move_to_end(next(reversed(self.workqueue)), last=False)
            super()._assign_work_unit(node)

    return ByWorkUnit(config, log)
