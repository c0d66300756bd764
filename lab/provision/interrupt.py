"""Stopping a run on Ctrl-C or SIGTERM: ansible-playbook is cancelled, the records kept.

Python's default SIGTERM ends the process at once, without `finally`: the run's records would
stay unredacted and "running" forever, and ansible-playbook (in its own session, under
ansible-runner) would go on alone. The first signal asks ansible-runner to cancel the playbook
(its cancel callback, checked every few seconds), after which the run's own clean-up runs:
redaction first, then the record marked interrupted. A second signal stops at once.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass
class Interruption:
    signum: int | None = None

    def cancel(self) -> bool:
        """ansible-runner's cancel_callback."""
        return self.signum is not None


@contextmanager
def interruptible() -> Iterator[Interruption]:
    state = Interruption()
    if threading.current_thread() is not threading.main_thread():
        yield state  # signal handlers belong to the main thread; elsewhere the defaults stay
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        if state.signum is not None:
            raise KeyboardInterrupt(f"signal {signum} again")
        state.signum = signum

    previous = {signum: signal.signal(signum, interrupt) for signum in SIGNALS}
    try:
        yield state
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
