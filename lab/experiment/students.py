"""The students' command (`sudo nslab-experiment`): the class's experiment and nothing else.

A student may be allowed this one command as root and nothing more (namespace_lab_students_sudo),
so everything a student can choose here is limited to what the experiment needs:

- the code: the wrapper the namespace_lab role writes runs `/usr/bin/python3 -I` (no current
  directory, no script directory, no user site, no PYTHON* variables on the path) with only the
  root-owned install directory put on `sys.path`;
- the image and the archive: only the class's image, already on the host (`--image` naming another
  is refused; there is no `--image-archive`, whose load would retag images for every user);
- the files: the report is rendered in a private directory of root's, then written into the output
  directory only when the invoking user owns it, with that user's identity (so the kernel refuses
  whatever the user could not write), never through a symlink (the directory is opened with
  O_NOFOLLOW and each file created with O_EXCL under a fresh name, then renamed inside it).

Two more subcommands do the course note's steps with the student (lab/experiment/check.py,
quiz.py): `check [NAME NAME]` reads two running containers the student started (the engine's
inspect data, /proc/PID/ns of their PIDs: nothing else, nothing written but the record) and
`quiz` asks the note's questions. Each check, answer and experiment run is added to the
student's record (lab/experiment/records.py), root's, which the instructor collects.

The general experiment (`python3 -m lab experiment`, any image, any path) is root's: the role runs
it with the same isolated interpreter (__namespace_lab_experiment_argv), not through this module.
"""

from __future__ import annotations

import argparse
import os
import shutil
import stat
import sys
import tempfile
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from lab.errors import LabError
from lab.experiment import records
from lab.experiment.errors import EnvironmentProblem
from lab.experiment.options import add_experiment_run_options, add_report_output_options
from lab.report.explain import ui
from lab.report.files import write_whole_in

DEFAULT_OUTPUT_DIR = Path("nslab-report")
FILE_MODE = 0o644
DIRECTORY_MODE = 0o755


@dataclass(frozen=True)
class Invoker:
    """Who asked for the run: the user behind sudo, else whoever runs it."""

    uid: int
    gid: int

    @classmethod
    def current(cls) -> Invoker:
        # SUDO_UID is only believed from a process that really is root: sudo sets it and resets
        # the rest of the environment; a user running the command without sudo can set it to
        # anything, but then has no one else's rights to borrow.
        if os.geteuid() == 0 and "SUDO_UID" in os.environ:
            try:
                return cls(int(os.environ["SUDO_UID"]), int(os.environ["SUDO_GID"]))
            except (KeyError, ValueError):
                raise EnvironmentProblem("SUDO_UID/SUDO_GID are not numbers") from None
        return cls(os.getuid(), os.getgid())


def build_parser(image: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nslab-experiment",
        description=f"The class's namespace experiment with {image}: two containers started the "
        "way the course note does, their namespaces compared with the host's, every result "
        "explained. Writes report.json, report.md and report.html into a directory you own "
        "(default: ./nslab-report). Exit 0: everything as expected; 1: something was not; "
        "2: the experiment could not run.",
        epilog="Your own containers: `nslab-experiment check [NAME NAME]` shows the same table for "
        "two running containers you started (without names: the two most recently started). "
        "The course note's questions: `nslab-experiment quiz`.",
    )
    parser.add_argument(
        "--image",
        default=image,
        help=f"the class's image, {image}; no other is run by this command",
    )
    add_report_output_options(parser, DEFAULT_OUTPUT_DIR)
    add_experiment_run_options(parser)
    return parser


# What the command keeps of the environment it was given (sudo's env_keep may let more through):
# the language and terminal for the output, and sudo's record of who asked. Nothing else reaches
# the experiment or its child processes (no PYTHON*, DOCKER_*, HOME, PATH of the student's).
KEPT_VARIABLES = ("LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "TERM", "SUDO_UID", "SUDO_GID")
SAFE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
INTERNAL_ERROR = 3  # as `python3 -m lab`: never read as a result (1)


def main(argv: list[str], *, image: str, lang: str) -> int:
    """The wrapper's entry: `image` and `lang` are the class's, written by the role."""
    keep_only_safe_environment()
    try:
        subcommand = {"check": check_command, "quiz": quiz_command}.get(argv[0] if argv else "")
        if subcommand is not None:
            return subcommand(argv, lang)
        args = build_parser(image).parse_args(argv)
        return run(args, image, lang, argv)
    except LabError as error:
        print(f"nslab-experiment: {error}", file=sys.stderr)
        return error.exit_code
    except Exception:
        traceback.print_exc()
        print("nslab-experiment: internal error (a bug in nslab)", file=sys.stderr)
        return INTERNAL_ERROR


def keep_only_safe_environment() -> None:
    import pwd

    kept = {name: os.environ[name] for name in KEPT_VARIABLES if name in os.environ}
    os.environ.clear()
    os.environ.update(kept, PATH=SAFE_PATH, HOME=pwd.getpwuid(os.geteuid()).pw_dir)


def run(args: argparse.Namespace, image: str, lang: str, argv: list[str]) -> int:
    from lab.experiment.command import experiment_command
    from lab.experiment.run import ExperimentOptions

    if args.image != image:
        raise EnvironmentProblem(
            f"this command runs the class's image, {image}, and no other (asked: {args.image}); "
            "run `python3 -m lab experiment` as root yourself for another"
        )
    invoker = Invoker.current()
    # Refused before anything runs as root: a directory the user cannot use gets nothing.
    with as_user(invoker):
        output = open_output_dir(args.output_dir, invoker)
    try:
        options = ExperimentOptions(
            image=image,
            scenarios=args.scenario or ["baseline"],
            keep=args.keep,
            lang=args.lang or lang,
        )
        return experiment_command(
            options,
            args.output_dir,
            args.format,
            write=lambda report, _dir, formats, report_lang: write_and_record(
                invoker, output, args.output_dir, report, formats, report_lang, argv
            ),
        )
    finally:
        os.close(output)


@contextmanager
def as_user(invoker: Invoker) -> Iterator[None]:
    """Act with the invoking user's identity (effective uid, gid and groups), so every path is
    resolved and every file created with that user's rights, not root's."""
    if os.geteuid() != 0 or invoker.uid == 0:
        yield
        return
    import pwd

    try:
        name = pwd.getpwuid(invoker.uid).pw_name
        groups = os.getgrouplist(name, invoker.gid)
    except KeyError:
        groups = [invoker.gid]
    saved_groups = os.getgroups()
    os.setgroups(groups)
    os.setegid(invoker.gid)
    os.seteuid(invoker.uid)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)
        os.setgroups(saved_groups)


def open_output_dir(path: Path, invoker: Invoker) -> int:
    """A descriptor of the output directory, made if missing (as the user); refused unless it
    is a real directory (not a symlink) that the user owns."""
    try:
        os.mkdir(path, DIRECTORY_MODE)
    except FileExistsError:
        pass
    except OSError as error:
        raise EnvironmentProblem(f"cannot make {path}: {error.strerror}") from None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as error:
        raise EnvironmentProblem(
            f"{path} is not a directory of yours (a symlink or not a directory: "
            f"{error.strerror}); give --output-dir a directory you own"
        ) from None
    info = os.fstat(fd)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != invoker.uid:
        os.close(fd)
        raise EnvironmentProblem(
            f"{path} is not yours (owner uid {info.st_uid}); the report goes only into a "
            "directory you own: give --output-dir one"
        )
    return fd


def write_and_record(
    invoker: Invoker,
    output: int,
    shown: Path,
    report,
    formats: list[str],
    lang: str,
    argv: list[str],
) -> list[Path]:
    written = write_for(invoker, output, shown, report, formats, lang)
    keep_record(experiment_record(report, invoker, argv), invoker, lang)
    return written


def write_for(
    invoker: Invoker, output: int, shown: Path, report, formats: list[str], lang: str
) -> list[Path]:
    """Render the reports in root's private directory, then write them into the user's."""
    from lab.report.output import write_reports

    private = tempfile.mkdtemp(prefix="nslab-experiment-")  # 0700, root's
    try:
        rendered = {
            path.name: path.read_bytes()
            for path in write_reports(report, Path(private), formats, lang)
        }
        with as_user(invoker):
            for name, data in rendered.items():
                write_whole_in(output, name, data, FILE_MODE)
    finally:
        shutil.rmtree(private)
    return [shown / name for name in rendered]


def subcommand_parser(name: str, description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"nslab-experiment {name}", description=description)
    parser.add_argument(
        "--lang", choices=["en", "ja"], help="language (default: the class's language)"
    )
    return parser


def check_command(argv: list[str], class_lang: str) -> int:
    """0: every namespace as the experiment predicts for these options; 1: not; 2: no check."""
    from lab.experiment.check import check, render
    from lab.experiment.run import connect

    parser = subcommand_parser(
        "check",
        "The experiment's table for two running containers you started yourself (by name, or "
        "the two most recently started), read from docker inspect and /proc/PID/ns only.",
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help="two container names or IDs")
    args = parser.parse_args(argv[1:])
    lang = args.lang or class_lang
    require_root(lang)
    invoker = Invoker.current()
    checked = check(connect(), args.names, lang)
    print(render(checked, lang))
    matched = checked.report.matched
    keep_record(
        records.record(
            "check",
            invoker.uid,
            argv,
            matched,
            **records.scenario_fields(checked.scenario, checked.options),
        ),
        invoker,
        lang,
    )
    return 0 if matched else 1


def quiz_command(argv: list[str], class_lang: str) -> int:
    """0: every answer right; 1: some wrong; 2: nothing could be asked."""
    from lab.experiment import quiz
    from lab.experiment.check import default_expectations, machine_facts
    from lab.experiment.run import connect

    parser = subcommand_parser(
        "quiz",
        "The course note's questions, checked against what this machine shows. On a terminal "
        "it asks them; otherwise answer with --answer.",
    )
    parser.add_argument(
        "--answer",
        action="append",
        default=[],
        metavar="QUESTION=ANSWER",
        help=f"an answer without asking ({', '.join(quiz.QUESTIONS)}); repeatable",
    )
    args = parser.parse_args(argv[1:])
    lang = args.lang or class_lang
    answers: dict[str, str] = {}
    for given in args.answer:
        question, sep, answer = given.partition("=")
        if not sep or question not in quiz.QUESTIONS:
            parser.error(f"--answer takes QUESTION=ANSWER, QUESTION one of {quiz.QUESTIONS}")
        answers[question] = answer
    invoker = Invoker.current()
    facts, _, configured = machine_facts(connect())
    defaults = default_expectations(facts, configured)
    if not answers and not sys.stdin.isatty():
        print(quiz.questions_help(lang))
        return 2
    marks = []
    for question in quiz.QUESTIONS:
        if answers:
            if question not in answers:
                continue
            answer = answers[question]
        else:
            print(f"[{question}] {quiz.question_text(question, lang)}", flush=True)
            answer = read_answer()
        marked = quiz.mark(question, records.text(answer), defaults, lang)
        marks.append(marked)
        said = [ui("quiz_right", lang)] if marked.correct else marked.explanation
        print(f"[{question}] {said[0]}", *said[1:], sep="\n")
        keep_record(
            records.record(
                "answer",
                invoker.uid,
                argv,
                marked.correct,
                question=question,
                answer=marked.answer,
                expected=marked.expected,
                correct=marked.correct,
            ),
            invoker,
            lang,
        )
    print(ui("quiz_score", lang, right=sum(m.correct for m in marks), asked=len(marks)))
    return 0 if all(m.correct for m in marks) else 1


def read_answer() -> str:
    """One typed line, its first MAX_ANSWER characters kept: the rest of an over-long line is
    read and dropped, so it is not taken as the next question's answer."""
    from lab.experiment.quiz import MAX_ANSWER

    answer = rest = sys.stdin.readline(MAX_ANSWER + 1)
    while rest and not rest.endswith("\n"):
        rest = sys.stdin.readline(4096)
    return answer.strip()


def require_root(lang: str) -> None:
    if os.geteuid() != 0:
        raise EnvironmentProblem(ui("check_not_root", lang))


def experiment_record(report, invoker: Invoker, argv: list[str]) -> dict:
    """The record of a class experiment run: its course-note scenario (else its first)."""
    scenario = next((s for s in report.scenarios if s.name == "baseline"), report.scenarios[0])
    fields = records.scenario_fields(scenario, scenario.docker_args)
    return records.record("experiment", invoker.uid, argv, report.matched, **fields)


def keep_record(entry: dict, invoker: Invoker, lang: str) -> None:
    """Add to the student's record; a record that cannot be kept safely is said, not fatal."""
    try:
        records.append(entry, invoker.uid)
    except (records.NotRecorded, OSError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        print(f"nslab-experiment: {ui('not_recorded', lang, reason=reason)}", file=sys.stderr)
