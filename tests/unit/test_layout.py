"""What ships is what runs for users: no shipped module imports a test double, and the wheel
leaves the test doubles (lab.testing) out and carries the project files lab/shipping.json lists."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import zipfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
PACKAGE = PROJECT / "lab"
TEST_DOUBLES = "lab.testing"
# `nslab testbed` is a developer command: it loads the test bed only when it runs, from a checkout.
DEVELOPER_ENTRIES = {("lab/cli.py", "_run_testbed")}


def _imports_of_test_doubles(path: Path) -> list[tuple[str, str]]:
    """(enclosing function or '<module>', imported name) for every import of lab.testing."""
    found: list[tuple[str, str]] = []

    def visit(node: ast.AST, scope: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, child.name)
                continue
            names = []
            if isinstance(child, ast.Import):
                names = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom) and child.module:
                names = [child.module]
            found.extend((scope, name) for name in names if name.startswith(TEST_DOUBLES))
            visit(child, scope)

    visit(ast.parse(path.read_text(), str(path)), "<module>")
    return found


def test_no_shipped_module_imports_a_test_double() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PROJECT).as_posix()
        if relative.startswith("lab/testing/"):
            continue
        for scope, name in _imports_of_test_doubles(path):
            if (relative, scope) not in DEVELOPER_ENTRIES:
                offenders.append(f"{relative} ({scope}) imports {name}")
    assert offenders == []


def test_the_wheel_ships_the_builders_but_not_the_test_doubles(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "-w",
            str(tmp_path),
            str(PROJECT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("nslab-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "lab/debian/standin.py" in names
    assert "lab/debian/rootfs.py" in names
    assert [name for name in names if name.startswith("lab/testing/")] == []
    # The project files are lab/shipping.json's `wheel_project` list, nothing more.
    shipping = json.loads((PACKAGE / "shipping.json").read_text())
    project = {name.removeprefix("lab/project/") for name in names if "/project/" in name}
    assert {name.split("/")[0] for name in project} == {
        entry.split("/")[0] for entry in shipping["wheel_project"]
    }
    for entry in shipping["wheel_project"]:
        assert any(name == entry or name.startswith(entry + "/") for name in project), entry
