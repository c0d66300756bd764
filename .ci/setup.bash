# Machine setup shared by tests/run and ./nslab (sourced, not run): Debian packages, a dockerd,
# the project's venv. Every step is a no-op when already done, so a second call costs ~1 s.
# Needs root: it installs packages and starts dockerd.

nslab_project_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

nslab_require_root() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "$1: run as root (it installs Debian packages and starts dockerd): sudo $1" >&2
        exit 2
    fi
}

# What the test bed needs (tests/run and bench/run): Debian 12 host containers, the stand-in for
# download.docker.com, and the targets' own Python.
nslab_testbed_packages=(
    docker.io                     # the engine of the test hosts, and what the stand-in repacks
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
    echo "nslab setup: installing Debian packages: ${missing[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
}

# nslab_start_dockerd — start dockerd (pidfile) unless one answers; the caller stops it with
# nslab_stop_dockerd (it only stops a dockerd this shell started).
nslab_started_dockerd=""
nslab_start_dockerd() {
    docker info >/dev/null 2>&1 && return 0
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

# nslab_venv [EXTRA] — the project's venv at .venv, with the package (and an extra) installed.
# pip runs again only when pyproject.toml or the extra changed (a stamp in the venv says).
nslab_venv() {
    local venv="$nslab_project_dir/.venv" spec="." stamp
    [ -n "${1:-}" ] && spec=".[$1]"
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    stamp="$(sha256sum "$nslab_project_dir/pyproject.toml" | cut -d' ' -f1) $spec"
    if [ "$(cat "$venv/.nslab-installed" 2>/dev/null)" != "$stamp" ]; then
        (cd "$nslab_project_dir" && "$venv/bin/pip" install -q --disable-pip-version-check -e "$spec")
        echo "$stamp" >"$venv/.nslab-installed"
    fi
    export PATH="$venv/bin:$PATH"
}
