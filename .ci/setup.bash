# Machine setup shared by tests/run and ./nslab (sourced, not run): Debian packages, a Docker
# engine, the project's venv. Every step is a no-op when already done, so a second call costs ~1 s.
# Installing packages and starting dockerd need root; a step with nothing to do does not.

nslab_project_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

nslab_require_root() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "$1: run as root (it installs Debian packages and starts dockerd): sudo $1" >&2
        exit 2
    fi
}

# What the test bed needs (tests/run and bench/run): Debian 12 host containers, the stand-in for
# download.docker.com, and the targets' own Python.
# A Docker engine too (nslab_docker_engine): the test hosts' engine, and what the stand-in repacks.
nslab_testbed_packages=(
    debootstrap                   # Debian 12 host and lab images without a registry
    apt-utils gnupg curl          # build and sign the stand-in for download.docker.com
    debian-archive-keyring        # verifies each Debian suite the stand-in repacks
    python3-docker                # Debian's SDK 5.0.x: the experiment runs on it on every target
    python3-venv
)

# nslab_install_packages PACKAGE... — apt-get install only what is missing.
nslab_install_packages() {
    local missing=() package
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' \
            || missing+=("$package")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    nslab_require_root "${0##*/}"
    echo "nslab setup: installing Debian packages: ${missing[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
}

# nslab_start_dockerd — a Docker engine that answers (lab.provision.controller_setup decides):
# the running one; else the installed one, started here when there is no service manager; else
# Debian's docker.io, installed and started. Never docker.io over another engine: a stopped
# engine under systemd is the admin's to start (one line, exit 2). The caller stops a dockerd
# started here with nslab_stop_dockerd.
nslab_started_dockerd=""
nslab_start_dockerd() {
    local action
    action=$(nslab_python -m lab.provision.controller_setup --engine) || exit $?
    [ "$action" = use ] && return 0
    [ "$action" = install ] && nslab_install_packages docker.io
    docker info >/dev/null 2>&1 && return 0
    nslab_require_root "${0##*/}"
    echo "nslab setup: starting dockerd (log: /var/log/nslab-dockerd.log)"
    setsid dockerd --pidfile /var/run/nslab-dockerd.pid >/var/log/nslab-dockerd.log 2>&1 &
    nslab_started_dockerd=$!
    local _
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && return 0; sleep 1; done
    echo "nslab setup: dockerd did not answer; see /var/log/nslab-dockerd.log" >&2
    exit 2
}
nslab_stop_dockerd() {
    [ -n "$nslab_started_dockerd" ] || return 0
    echo "nslab setup: stopping the dockerd it started (pid $nslab_started_dockerd)"
    kill "$nslab_started_dockerd" 2>/dev/null || true
    # dockerd stops its containers first; give it the time that takes.
    local _
    for _ in $(seq 1 60); do kill -0 "$nslab_started_dockerd" 2>/dev/null || break; sleep 1; done
}

# nslab_python ARGS... — the venv's python when there is one, else Debian's; the checkout's `lab`
# importable either way (the set-up plan, `-m lab` included, needs only the standard library).
nslab_python() {
    local python="$nslab_project_dir/.venv/bin/python"
    [ -x "$python" ] || python=python3
    # -P: the current directory is not put on the path; `sudo ./nslab` may be typed from a
    # directory another user of the machine can write, and `-m` would import a planted lab/.
    PYTHONPATH="$nslab_project_dir${PYTHONPATH:+:$PYTHONPATH}" "$python" -P "$@"
}

# nslab_venv [EXTRA] — the project's venv at .venv: every package at the version and hash the lock
# names (locks/controller.txt, or locks/EXTRA.txt for an extra), then nslab itself, editable,
# without dependencies. pip runs again only when the lock changed or the extra is missing (a stamp
# in the venv says which lock was installed: the test lock serves a command that needs none).
nslab_venv() {
    local venv="$nslab_project_dir/.venv" lock="${1:-controller}" stamp
    if [ ! -x "$venv/bin/python" ]; then
        nslab_install_packages python3-venv
        python3 -m venv "$venv"
    fi
    stamp="$(cat "$venv/.nslab-installed" 2>/dev/null || true)"
    if [ "$stamp" != "$(nslab_lock_stamp "$lock")" ] \
        && { [ "$lock" != controller ] || [ "$stamp" != "$(nslab_lock_stamp test)" ]; }; then
        (
            cd "$nslab_project_dir"
            pip=("$venv/bin/pip" install -q --disable-pip-version-check)
            "${pip[@]}" --require-hashes -r "locks/$lock.txt"
            # The lock carries the build backend, so nothing unpinned is fetched to build nslab.
            "${pip[@]}" --no-deps --no-build-isolation -e .
        )
        nslab_lock_stamp "$lock" >"$venv/.nslab-installed"
    fi
    export PATH="$venv/bin:$PATH"
}
nslab_lock_stamp() {
    echo "$(cat "$nslab_project_dir/pyproject.toml" "$nslab_project_dir/locks/$1.txt" | sha256sum | cut -d' ' -f1) $1"
}

# nslab_setup_for COMMAND... — what `nslab COMMAND...` needs and nothing else: the venv, then the
# Debian packages and Docker engine lab.provision.controller_setup names for the command line as
# nslab's own parser reads it (NSLAB_SETUP_PLAN=1: nslab prints that plan and runs nothing). An
# engine it cannot use stops it (exit 2) before any install.
nslab_setup_for() {
    local plan key values packages=() engine=none
    nslab_venv
    plan=$(NSLAB_SETUP_PLAN=1 nslab_python -m lab "$@") || exit $?
    while read -r key values; do
        case "$key" in
            packages) read -r -a packages <<<"$values" ;;
            engine) engine=$values ;;
        esac
    done <<<"$plan"
    nslab_install_packages "${packages[@]}"
    if [ "$engine" != none ]; then
        trap nslab_stop_dockerd EXIT
        nslab_start_dockerd
    fi
}
