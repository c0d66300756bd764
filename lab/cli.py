"""nslab: Docker training machines and the namespace experiment, for a whole class.

The command line parses arguments and calls one function per command.

Each command's module is imported only when that command runs, so `python3 -m lab experiment`
works on a target that has nothing but Debian's python3 and python3-docker.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import warnings
from pathlib import Path
from typing import Any

from lab.experiment.options import add_experiment_run_options, add_report_output_options


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nslab", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_testbed(commands)
    _add_report(commands)
    _add_provision(commands)
    _add_collect(commands)
    _add_runs(commands)
    _add_experiment(commands)
    _add_vm(commands)
    _add_compare(commands)
    return parser


def _add_testbed(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "testbed",
        help="(developer) the test bed: stand-in for download.docker.com and Debian test hosts",
        description="Build (cached) and start, or stop, the local test bed; `up` prints "
        "shell-sourceable NSLAB_* settings, also written to $NSLAB_CACHE/testbed.env.",
    )
    parser.add_argument("action", choices=["up", "down"])
    parser.add_argument(
        "--json",
        action="store_true",
        help="up: print the test bed as JSON instead (network, per release its host image and "
        "role variables); Molecule's create playbook reads it",
    )
    parser.set_defaults(run=_run_testbed)


def _run_testbed(args: argparse.Namespace) -> int:
    from lab.errors import LabError

    # A developer command: the test bed lives in lab.testing, which the wheel leaves out.
    try:
        from lab.testing.bed import run_action
    except ModuleNotFoundError as error:
        raise LabError(
            "nslab testbed is a developer command and needs a checkout of nslab "
            "(the installed package has no test bed): run it as .venv/bin/nslab from the checkout"
        ) from error
    with _set_up_for(args):
        return run_action(args.action, as_json=args.json)


def _add_report(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "report",
        help="rebuild the class summary from the reports fetched from each machine",
        description="Read reports/<host>/report.json and status.json for the machines of a run "
        "and write index.html (one page for the whole class), summary.json and summary.csv next "
        "to them. Folders of machines from earlier runs stay on disk but are not counted.",
    )
    parser.add_argument(
        "--reports-dir",
        type=Path,
        default=Path("reports"),
        help="directory with one folder per host (default: ./reports)",
    )
    parser.add_argument(
        "--host",
        dest="hosts",
        action="append",
        default=[],
        metavar="HOST",
        help="a host of the run (repeat it); default: the hosts of the summary already there "
        "whose folders remain, or every host folder when there is no summary yet",
    )
    parser.add_argument(
        "--lang",
        choices=["en", "ja"],
        help="language of the page (default: Japanese when LANG is ja_*, else English)",
    )
    parser.add_argument(
        "--statuses",
        type=argparse.FileType("r", encoding="utf-8"),
        metavar="FILE",
        help="first write each host's status.json from FILE ('-': standard input), a JSON list "
        "of status records as playbooks/lab.yml makes them; creates the reports directory",
    )
    parser.add_argument(
        "--records",
        type=argparse.FileType("r", encoding="utf-8"),
        metavar="FILE",
        help="as --statuses, a JSON object with what playbooks/lab.yml brought home: "
        '"statuses" (that list, or null when only collecting) and "students" (per host, the '
        "students' record files read from it)",
    )
    parser.set_defaults(run=_run_report)


def _run_report(args: argparse.Namespace) -> int:
    from lab.report.explain import default_lang
    from lab.summary.command import report
    from lab.summary.status_files import read_run_records, read_status_records

    statuses, students = None, None
    if args.statuses:
        statuses = read_status_records(args.statuses.read())
    if args.records:
        statuses, students = read_run_records(args.records.read())
    return report(args.reports_dir, args.hosts, args.lang or default_lang(), statuses, students)


def _add_provision(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "provision",
        help="run playbooks/lab.yml on a class inventory (ansible-runner), then summarise",
        description="Run a playbook through ansible-runner with live per-host progress, keep its "
        "artifacts under <project>/runs/, rebuild the class summary and exit non-zero if any "
        "host failed or was unreachable.",
    )
    parser.add_argument(
        "-i",
        "--inventory",
        type=Path,
        help="inventory file/dir (default: fresh local Debian VMs, see --vms and --release)",
    )
    parser.add_argument(
        "--vms",
        type=int,
        default=1,
        help="without -i: how many local VMs to boot when none are running (default: 1)",
    )
    parser.add_argument(
        "--docker-repo",
        choices=["auto", "docker", "standin"],
        default="auto",
        help="without -i: download.docker.com (docker), the local stand-in (standin), or "
        "docker when it answers, else standin (auto, the default)",
    )
    _add_release_option(parser)
    _add_class_run_options(parser)
    parser.add_argument(
        "-D",
        "--diff",
        action="store_true",
        help="record what changes in files and templates (the run's stdout under runs/)",
    )
    parser.add_argument("-t", "--tags", action="append", default=[], help="only these tags")
    parser.add_argument("--skip-tags", action="append", default=[], help="all but these tags")
    _add_connection_options(parser)
    parser.add_argument(
        "--retry-failed",
        action="store_true",
        help="run again only on the hosts that failed in the last run with this inventory",
    )
    parser.add_argument(
        "--playbook", default="lab.yml", help="a playbook file or a name under playbooks/"
    )
    parser.add_argument("--keep-runs", type=int, default=20, help="run directories to keep")
    _add_project_option(parser)
    parser.set_defaults(run=_run_provision)


def _add_class_run_options(parser: argparse.ArgumentParser) -> None:
    """What narrows and shapes a playbook run on a class inventory, as ansible-playbook has it."""
    parser.add_argument("-l", "--limit", help="Ansible host pattern to narrow the inventory")
    parser.add_argument("-f", "--forks", type=int, help="hosts worked on in parallel")
    parser.add_argument(
        "-e",
        "--extra-vars",
        "--extra-var",
        dest="extravars",
        action="append",
        default=[],
        metavar="VARS",
        help="variables as Ansible takes them: KEY=VALUE (value read as YAML), JSON/YAML, or "
        "@FILE (may be vault-encrypted); repeatable, a later one wins",
    )
    parser.add_argument(
        "-C",
        "--check",
        action="store_true",
        help="dry run (--check --diff): changes no host, writes no report or summary",
    )


def _add_connection_options(parser: argparse.ArgumentParser) -> None:
    connection = parser.add_argument_group("connection and privilege (as ansible-playbook)")
    connection.add_argument("-u", "--user", help="connect as this user")
    connection.add_argument(
        "--private-key", "--key-file", type=Path, help="SSH private key to connect with"
    )
    connection.add_argument("-k", "--ask-pass", action="store_true", help="ask the SSH password")
    connection.add_argument(
        "-K", "--ask-become-pass", action="store_true", help="ask the become (sudo) password"
    )
    connection.add_argument(
        "--vault-password-file",
        "--vault-pass-file",
        type=Path,
        action="append",
        default=[],
        help="file with the Ansible Vault password; repeatable",
    )
    connection.add_argument(
        "-J", "--ask-vault-pass", action="store_true", help="ask the Ansible Vault password"
    )


def _run_provision(args: argparse.Namespace) -> int:
    """One request from argv, checked once (lab.provision.config.build_config)."""
    request = _class_run_request(
        args,
        args.tags,
        args.skip_tags,
        args.diff,
        playbook=args.playbook,
        retry_failed=args.retry_failed,
        keep_runs=args.keep_runs,
        vms=args.vms,
        docker_repo=args.docker_repo,
        release=args.release,
    )
    if request.inventory is None:
        from lab.provision.local import provision_local

        # The built-in default needs the controller's packages to boot and serve its VMs; it
        # checks what it can of the request itself before any VM boots.
        with _set_up_for(args):
            return provision_local(request)
    return _run_on_class(args, request)


def _run_on_class(args: argparse.Namespace, request: Any) -> int:
    """A run on a class inventory: the request checked, then the controller set up for it, then
    the run; bad input is said before anything on this machine changes."""
    from lab.provision.command import checked, run_checked

    with checked(request) as checked_run, _set_up_for(args):
        return run_checked(checked_run)


def _class_run_request(
    args: argparse.Namespace, tags: list[str], skip_tags: list[str], diff: bool, **more: Any
) -> Any:
    """The request of a run on a class inventory from what _add_class_run_options and
    _add_connection_options parsed (`provision` and `collect`), with `more` of its own."""
    from lab.provision.config import ProvisionRequest
    from lab.provision.options import AnsibleOptions

    options = AnsibleOptions(
        user=args.user,
        private_key=args.private_key,
        ask_pass=args.ask_pass,
        ask_become_pass=args.ask_become_pass,
        vault_password_files=tuple(args.vault_password_file),
        ask_vault_pass=args.ask_vault_pass,
        tags=tuple(tags),
        skip_tags=tuple(skip_tags),
        diff=diff,
    )
    return ProvisionRequest(
        project_dir=args.project,
        inventory=args.inventory,
        limit=args.limit,
        forks=args.forks,
        extravars=tuple(args.extravars),
        check=args.check,
        options=options,
        **more,
    )


def _add_collect(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "collect",
        help="bring the students' own work home from every machine into the class summary",
        description="Read what each student ran, checked and answered with the students' "
        "command on their machine (/var/lib/nslab/students/ there) and rebuild the class summary "
        "with it: reports/<host>/students/, index.html, summary.csv, summary.json. Changes no "
        "machine; each machine's last report and status stay as they were. The same as "
        "`ansible-playbook playbooks/lab.yml -i INVENTORY --tags collect`.",
    )
    parser.add_argument("-i", "--inventory", type=Path, required=True, help="the class inventory")
    _add_class_run_options(parser)
    _add_connection_options(parser)
    _add_project_option(parser)
    parser.set_defaults(run=_run_collect)


def _run_collect(args: argparse.Namespace) -> int:
    """`nslab provision` of playbooks/lab.yml with its collect tag: the same checked request,
    the same reports directory Ansible decides, the same lock and the same summary writer."""
    from lab.provision.runs import COLLECT_TAG

    return _run_on_class(args, _class_run_request(args, [COLLECT_TAG], [], False))


def _add_runs(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("runs", help="list earlier `nslab provision` runs")
    _add_project_option(parser)
    parser.set_defaults(run=_run_runs)


def _run_runs(args: argparse.Namespace) -> int:
    from lab.provision.command import list_runs

    return list_runs(project_dir=args.project)


def _add_experiment(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "experiment",
        help="run the two-container namespace experiment on this Docker host (as root)",
        description="Start two containers the way the course note does (docker run -d ... "
        "sleep infinity), compare /proc/PID/ns of the host and both containers, check from "
        "inside what each namespace separates, and explain every result from this machine's "
        "Docker, kernel and cgroup version. Writes report.json, report.md and report.html. "
        "Exit 0: everything as expected; 1: something was not; 2: the experiment could not run.",
    )
    parser.add_argument("--image", default="debian:12", help="image to run (default: debian:12)")
    parser.add_argument(
        "--image-archive",
        type=Path,
        help="load this `docker save` or root file system tarball when the image is absent",
    )
    parser.add_argument(
        "--name-prefix",
        default="container",
        help="container names are PREFIX1, PREFIX2 (plus -SCENARIO; plus -RUNID when taken)",
    )
    add_report_output_options(parser, Path("nslab-report"))
    add_experiment_run_options(parser)
    parser.set_defaults(run=_run_experiment)


def _run_experiment(args: argparse.Namespace) -> int:
    from lab.experiment.command import experiment_command
    from lab.experiment.run import ExperimentOptions
    from lab.report.explain import default_lang

    options = ExperimentOptions(
        image=args.image,
        image_archive=args.image_archive,
        name_prefix=args.name_prefix,
        scenarios=args.scenario or ["baseline"],
        keep=args.keep,
        lang=args.lang or default_lang(),
    )
    return experiment_command(options, args.output_dir, args.format)


def _add_vm(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "vm",
        help="local Debian 12 or 13 VMs under qemu (build, up, down, status)",
        description="Fresh Debian 12 or 13 VMs on this machine: thin overlays on a cached base "
        "image, reached over SSH on 127.0.0.1 as labadmin with the lab key.",
    )
    actions = parser.add_subparsers(dest="vm_command", required=True, metavar="ACTION")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--state-dir", type=Path, help="where running VMs are recorded (default: in the cache)"
    )
    build = actions.add_parser(
        "build", parents=[common], help="build the base image (cached by its inputs)"
    )
    build.add_argument("--mirror", help="Debian mirror (default: the one this machine's apt uses)")
    _add_release_option(build)
    up = actions.add_parser(
        "up", parents=[common], help="boot N fresh VMs, wait for SSH, write the inventory"
    )
    up.add_argument("-n", "--count", type=int, default=1, help="how many VMs (default: 1)")
    up.add_argument("--memory", type=int, default=2048, help="MiB per VM (default: 2048)")
    up.add_argument("--cpus", type=int, default=2, help="vCPUs per VM (default: 2)")
    up.add_argument(
        "--accel",
        choices=["auto", "kvm", "tcg"],
        default="auto",
        help="auto: KVM if a KVM guest really boots here, else TCG (default: auto)",
    )
    up.add_argument(
        "--inventory",
        type=Path,
        default=Path("inventory/local.yml"),
        help="inventory to write (default: inventory/local.yml)",
    )
    up.add_argument(
        "--timeout", type=float, default=600.0, help="seconds to wait for SSH (default: 600)"
    )
    up.add_argument(
        "--mirror",
        help="Debian mirror for the base image (default: the one this machine's apt uses)",
    )
    _add_release_option(up)
    actions.add_parser("down", parents=[common], help="stop the VMs, remove overlays and inventory")
    actions.add_parser("status", parents=[common], help="list the VMs")
    parser.set_defaults(run=_run_vm)


def _add_release_option(parser: argparse.ArgumentParser) -> None:
    # Checked where it is used (lab.debian.releases): the experiment's hosts get this module
    # without the image-building code.
    parser.add_argument(
        "--release",
        metavar="CODENAME",
        help="Debian release of the local VMs: bookworm (Debian 12, the default) or trixie "
        "(Debian 13)",
    )


def _run_vm(args: argparse.Namespace) -> int:
    from lab.vm.lifecycle import run_action

    with _set_up_for(args):
        return run_action(args.vm_command, vars(args))


def _add_compare(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "compare",
        help="measure containers against a VM on this machine (as root)",
        description="Start N containers from the lab image and boot one VM from the same Debian "
        "release's cached base image, one after the other, and report side by side the time to a "
        "running command (to SSH for the VM), disk and memory, with the VM's acceleration (KVM or "
        "TCG). Writes compare.json, compare.md and compare.html; leaves nothing running.",
    )
    parser.add_argument(
        "--containers", type=int, default=3, help="how many containers to start (default: 3)"
    )
    parser.add_argument("--image", default="debian:12", help="image to run (default: debian:12)")
    parser.add_argument(
        "--vm-memory", type=int, default=1024, help="MiB for the VM (default: 1024)"
    )
    parser.add_argument("--vm-cpus", type=int, default=1, help="vCPUs for the VM (default: 1)")
    parser.add_argument(
        "--accel",
        choices=["auto", "kvm", "tcg"],
        default="auto",
        help="auto: KVM if a KVM guest really boots here, else TCG (default: auto)",
    )
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="seconds to wait for SSH (default: 600)"
    )
    add_report_output_options(parser, Path("nslab-compare"))
    parser.set_defaults(run=_run_compare)


def _run_compare(args: argparse.Namespace) -> int:
    from lab.compare.command import CompareOptions, compare_command
    from lab.compare.machine import VmSettings
    from lab.report.explain import default_lang

    options = CompareOptions(
        containers=args.containers,
        image=args.image,
        lang=args.lang or default_lang(),
        vm=VmSettings(args.vm_memory, args.vm_cpus, args.accel, args.timeout),
    )
    return compare_command(options, args.output_dir, args.format)


def _add_project_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--project",
        type=Path,
        help="nslab checkout with ansible.cfg, playbooks/, roles/; runs/ and reports/ go there "
        "(default: the checkout nslab runs from; installed from the wheel: the project it "
        "carries, with runs/ and reports/ in the current directory)",
    )


# Print what the command would set up on this controller (Debian packages, a Docker engine), and
# run nothing: the tests read the plan this way.
SETUP_PLAN_ENV = "NSLAB_SETUP_PLAN"


def main(argv: list[str] | None = None) -> int:
    from lab.errors import LabError

    _keep_library_deprecations_off_the_terminal()
    args = build_parser().parse_args(argv)
    if os.environ.get(SETUP_PLAN_ENV) == "1":
        from lab.provision.controller_setup import plan_for, print_plan

        return print_plan(plan_for(args))
    try:
        return args.run(args)
    except LabError as error:
        print(f"nslab: {error}", file=sys.stderr)
        return error.exit_code


def _set_up_for(args: argparse.Namespace) -> contextlib.AbstractContextManager[None]:
    """What the command needs on this controller (lab.provision.controller_setup), entered by
    every command it may plan for (testbed, vm, provision, collect) once its request is checked,
    before it runs; the same whichever way nslab was started (./nslab, .venv/bin/nslab, the
    wheel's nslab). The experiment never enters it: a lab host's copy of the package has no
    lab/provision."""
    from lab.provision.controller_setup import plan_for, set_up

    return set_up(plan_for(args))


def _keep_library_deprecations_off_the_terminal() -> None:
    """A library telling its own callers about a future removal (cryptography about DSA, when
    ansible-core imports it) says nothing a user of nslab can act on; it would open every run.
    Warnings of any other kind, and any raised by nslab's own code, are still shown."""
    show = warnings.showwarning

    def show_unless_library_deprecation(message, category, filename, lineno, file=None, line=None):
        from_library = "site-packages" in filename or "dist-packages" in filename
        if from_library and category.__name__.endswith("DeprecationWarning"):
            return
        show(message, category, filename, lineno, file, line)

    warnings.showwarning = show_unless_library_deprecation


if __name__ == "__main__":
    sys.exit(main())
