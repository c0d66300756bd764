"""The runs directory: one fresh ansible-runner private_data_dir per run, plus a small record.

    <project>/runs/<UTC timestamp>-<random>/   e.g. 20260301T091500.123456Z-3fa9c1
        run.json                  what was asked and how each host ended (RunRecord)
        artifacts/<run id>/       ansible-runner's own artifacts (events, stdout, rc, status)

Names sort by start time, so rotation and "the last run" need no other bookkeeping.
"""

from __future__ import annotations

import json
import secrets as random_source
import shutil
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from lab.errors import LabError
from lab.runlock import private_dir
from lab.summary.model import HostOutcome

# playbooks/lab.yml's tag that only brings the students' work home (`nslab collect`): a run with
# it alone provisions nothing, so its hosts' outcomes are not the class's.
COLLECT_TAG = "collect"


def only_collects(tags: tuple[str, ...] | list[str]) -> bool:
    return list(tags) == [COLLECT_TAG]


RECORD_NAME = "run.json"
DEFAULT_KEEP = 20


@dataclass
class RunRecord:
    """What one run was asked to do and how it ended; `status` is running until it does."""

    run_id: str
    started: str
    playbook: str
    inventory: str
    limit: str | None
    check: bool
    extravars: dict[str, object]
    # Where the hosts' Docker Engine comes from (download.docker.com, a mirror, the local
    # stand-in, Debian's docker.io); "" in records made before nslab said it.
    docker_source: str = ""
    # --tags of the run: ["collect"] only brought the students' work home (`nslab collect`).
    tags: list[str] = field(default_factory=list)
    status: str = "running"
    finished: str | None = None
    hosts: list[HostOutcome] = field(default_factory=list)

    @property
    def failed_hosts(self) -> list[str]:
        return [outcome.host for outcome in self.hosts if outcome.status != "ok"]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> RunRecord:
        data = json.loads(text)
        data["hosts"] = [HostOutcome(**host) for host in data.get("hosts", [])]
        return cls(**data)


@dataclass(frozen=True)
class Run:
    """A run directory; it is also the private_data_dir handed to ansible-runner."""

    path: Path

    @property
    def run_id(self) -> str:
        return self.path.name

    @property
    def artifact_dir(self) -> Path:
        return self.path / "artifacts" / self.run_id

    def save(self, record: RunRecord) -> None:
        partial = self.path / f".{RECORD_NAME}.partial"
        partial.write_text(record.to_json(), encoding="utf-8")
        partial.replace(self.path / RECORD_NAME)

    def load(self) -> RunRecord | None:
        try:
            return RunRecord.from_json((self.path / RECORD_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError, TypeError):
            return None


class RunsDir:
    def __init__(self, root: Path, keep: int = DEFAULT_KEEP) -> None:
        if keep < 1:
            raise LabError(f"cannot keep {keep} runs; keep at least 1 (the run being made)")
        self.root = root
        self.keep = keep

    def new_run(self) -> Run:
        """A fresh, empty directory: ansible-runner must never find env/ files of an earlier run."""
        # Records name students and hosts and keep the run's output: the owner's alone.
        private_dir(self.root)
        # Microseconds: runs started within one second must still sort in start order.
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        path = self.root / f"{stamp}-{random_source.token_hex(3)}"
        # mkdir without exist_ok: a clash is a bug to hear about, not a directory to share.
        path.mkdir(mode=0o700)
        return Run(path)

    def runs(self) -> list[Run]:
        """Every run, oldest first."""
        if not self.root.is_dir():
            return []
        return sorted((Run(p) for p in self.root.iterdir() if p.is_dir()), key=lambda r: r.run_id)

    def rotate(self) -> list[Run]:
        """Delete the oldest runs so that `keep` remain; return the deleted ones."""
        runs = self.runs()
        doomed = runs[: max(0, len(runs) - self.keep)]
        for run in doomed:
            shutil.rmtree(run.path)
        return doomed

    def last_record(self, inventory: Path) -> RunRecord | None:
        """The newest finished run made against `inventory` that provisioned (a collect of the
        students' work provisions nothing: its hosts' outcomes are not the class's)."""
        for run in reversed(self.runs()):
            record = run.load()
            if (
                record
                and record.status != "running"
                and record.inventory == str(inventory)
                and not only_collects(record.tags)
            ):
                return record
        return None
