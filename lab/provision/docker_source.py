"""Where a run's hosts get Docker Engine from, read from the docker_engine role's variables.

Extra variables win over inventory variables, which win over the role's defaults (Docker's
own repository), exactly as Ansible resolves them; a URL's credentials are never shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lab.provision.secrets import redact_url_userinfo

OFFICIAL_MIRROR = "https://download.docker.com"


def docker_source(hostvars: Mapping[str, Mapping[str, Any]], extravars: Mapping[str, Any]) -> str:
    """`download.docker.com`, `mirror <url>`, `Debian's docker.io`, or several joined by `; `."""
    sources = sorted({_host_source({**variables, **extravars}) for variables in hostvars.values()})
    return "; ".join(sources)


def _host_source(variables: Mapping[str, Any]) -> str:
    if variables.get("docker_engine_install_source", "official") == "debian":
        return "Debian's docker.io"
    mirror = str(variables.get("docker_engine_mirror") or OFFICIAL_MIRROR).rstrip("/")
    if mirror == OFFICIAL_MIRROR:
        return "download.docker.com"
    return f"mirror {redact_url_userinfo(mirror)}"
