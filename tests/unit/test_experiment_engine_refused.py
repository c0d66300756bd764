"""An engine that will not start a container: Docker's reason and what to do, on one line."""

from __future__ import annotations

from lab.experiment.errors import engine_refused

# Docker 26.1.5's words on a host whose kernel refuses per-interface IPv6 settings.
IPV6 = (
    "failed to create task for container: failed to create shim task: OCI runtime create failed: "
    "runc create failed: unable to start container process: error during container init: "
    "error running hook #0: error running hook: exit status 1, stdout: , stderr: failed to add "
    "interface vethf3 to sandbox: failed to disable IPv6 on container's interface eth0, set env "
    "var DOCKER_ALLOW_IPV6_ON_IPV4_INTERFACE=1 to ignore this error: unknown"
)


def test_ipv6_refusal_names_the_engines_setting_and_the_roles_variable() -> None:
    problem = engine_refused("container1", IPV6)
    message = str(problem)
    assert problem.exit_code == 2
    assert "\n" not in message
    assert message.startswith("Docker refused to start container1: failed to create task")
    assert "DOCKER_ALLOW_IPV6_ON_IPV4_INTERFACE=1 in docker.service's environment" in message
    assert "docker_engine_service_environment" in message


def test_missing_apparmor_says_to_install_it() -> None:
    reason = 'exec: "apparmor_parser": executable file not found in $PATH'
    assert "apt install apparmor" in str(engine_refused("container2", reason))


def test_an_unknown_refusal_still_says_where_to_look() -> None:
    message = str(engine_refused("container1", "something\n  new."))
    assert message == (
        "Docker refused to start container1: something new. "
        "To fix: fix the engine (journalctl -u docker shows its log), then run again"
    )
