"""The course note's Docker Engine install steps for Debian 12, verbatim but for `sudo` (they run as
root here): what the stand-in is checked against (tests) and what the docker_engine role is
measured against (bench).
"""

from __future__ import annotations

OFFICIAL_BASE = "https://download.docker.com"

# apt-get install asks before installing; the person following the course note answers yes.
ANSWER_YES = "echo 'APT::Get::Assume-Yes \"true\";' > /etc/apt/apt.conf.d/90answer-yes\n"

# Up to the second `apt-get update`: the repository set up and read.
REPOSITORY_STEPS = """\
apt-get update
apt-get install ca-certificates curl
install -m 0755 -d /etc/apt/keyrings
curl -fsSL https://download.docker.com/linux/debian/gpg -o /etc/apt/keyrings/docker.asc
chmod a+r /etc/apt/keyrings/docker.asc

# Add the repository to Apt sources:
echo \\
  "deb [arch=$(dpkg --print-architecture) signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/debian \\
  $(. /etc/os-release && echo "$VERSION_CODENAME") stable" | \\
  tee /etc/apt/sources.list.d/docker.list > /dev/null
apt-get update
"""  # noqa: E501 (the course note's own line length)

INSTALL_STEP = (
    "apt-get install docker-ce docker-ce-cli containerd.io docker-buildx-plugin "
    "docker-compose-plugin\n"
)


def course_note_script(base_url: str, *, install: bool) -> str:
    """The steps as one `set -e` script, `base_url` in place of download.docker.com; with
    `install`, through the engine's installation."""
    steps = REPOSITORY_STEPS + (INSTALL_STEP if install else "")
    return "set -e\n" + ANSWER_YES + steps.replace(OFFICIAL_BASE, base_url)
