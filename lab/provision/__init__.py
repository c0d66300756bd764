"""`nslab provision`: playbooks/lab.yml on a class inventory through ansible-runner.

config (checked inputs) -> driver.provision (one run in a fresh runs/<id>/, events folded into
per-host progress and outcomes) -> the class summary. command.py is what the CLI calls.
"""

from lab.provision.config import ProvisionConfig, build_config
from lab.provision.driver import ProvisionResult, provision
from lab.provision.runs import RunRecord, RunsDir

__all__ = [
    "ProvisionConfig",
    "ProvisionResult",
    "RunRecord",
    "RunsDir",
    "build_config",
    "provision",
]
