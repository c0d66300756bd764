# The test runners' glue (sourced by tests/run, bench/run, tests/newest; not run): what the test
# bed needs, and short names for lab/provision/controller_setup.py, which does the work — the same
# code `nslab` sets a controller up with. Every step is a no-op when already done (~1 s). Installing
# packages and starting dockerd need root; a step with nothing to do does not.

nslab_project_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

nslab_require_root() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "$1: run as root (it installs Debian packages and starts dockerd): sudo $1" >&2
        exit 2
    fi
}

# What the test bed needs (tests/run and bench/run): Debian 12 host containers, the stand-in for
# download.docker.com, and the targets' own Python. A Docker engine too (nslab_start_dockerd):
# the test hosts' engine, and what the stand-in repacks.
nslab_testbed_packages=(
    debootstrap                   # Debian 12 host and lab images without a registry
    apt-utils gnupg curl          # build and sign the stand-in for download.docker.com
    debian-archive-keyring        # verifies each Debian suite the stand-in repacks
    python3-docker                # Debian's SDK 5.0.x: the experiment runs on it on every target
    python3-venv
    docker-registry               # the controller's class registry (namespace_lab_image_route: registry)
)

# nslab_python ARGS... — the system python3 with the checkout's `lab` importable (the set-up needs
# only the standard library). -P: the current directory is not put on the path; the scripts may be
# run as root from a directory another user of the machine can write, and `-m` would import a
# planted lab/.
nslab_python() {
    if ! command -v python3 >/dev/null; then
        nslab_require_root "${0##*/}"
        apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3
    fi
    PYTHONPATH="$nslab_project_dir${PYTHONPATH:+:$PYTHONPATH}" python3 -P "$@"
}
nslab_setup() {
    nslab_python -m lab.provision.controller_setup "$@"
}

# nslab_install_packages PACKAGE... — apt-get install only what is missing.
nslab_install_packages() {
    nslab_setup packages "$@"
}

# nslab_start_dockerd — a Docker engine that answers: the running one; else the installed one,
# started here when there is no service manager; else Debian's docker.io. Never docker.io over
# another engine (one line, exit 2). nslab_stop_dockerd stops a dockerd started here.
nslab_started_dockerd=""
nslab_start_dockerd() {
    nslab_started_dockerd=$(nslab_setup engine up) || exit $?
}
nslab_stop_dockerd() {
    [ -n "$nslab_started_dockerd" ] || return 0
    nslab_setup engine down "$nslab_started_dockerd"
}

# nslab_venv [LOCK] — the project's venv at .venv from locks/LOCK.txt (default: controller), on
# PATH.
nslab_venv() {
    nslab_setup venv "${1:-controller}" || exit $?
    export PATH="$nslab_project_dir/.venv/bin:$PATH"
}
