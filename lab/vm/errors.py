"""What can go wrong with local VMs in a way the user can act on."""

from __future__ import annotations

from lab.errors import LabError


class VmError(LabError):
    pass
