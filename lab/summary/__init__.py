"""The class summary: one page, one JSON and one CSV over every host's fetched report."""

from lab.summary.build import write_class_summary
from lab.summary.model import ClassSummary, HostOutcome, HostRow

__all__ = ["ClassSummary", "HostOutcome", "HostRow", "write_class_summary"]
