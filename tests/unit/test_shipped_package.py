"""The package as the namespace_lab role ships it to a host (only the parts it lists) runs there."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parents[2]


def test_the_shipped_parts_alone_answer_the_students_command(tmp_path: Path) -> None:
    # The role's default (namespace_lab_package_parts) is this list.
    parts = json.loads((PROJECT / "lab" / "shipping.json").read_text())["host"]
    for part in parts:
        source = PROJECT / "lab" / part
        target = tmp_path / "lab" / part
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    # -m puts the working directory first: the copy, not this checkout, is what runs.
    result = subprocess.run(
        # -S: no site-packages, so no editable install of this checkout can stand in for it.
        [sys.executable, "-S", "-m", "lab", "experiment", "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "--scenario" in result.stdout


def test_the_reset_removes_the_directory_the_students_command_records_in() -> None:
    from lab.experiment import records

    role_vars = yaml.safe_load(
        (PROJECT / "roles" / "namespace_lab" / "vars" / "main.yml").read_text()
    )
    assert role_vars["__namespace_lab_students_records_dir"] == records.DIRECTORY
    reset = yaml.safe_load(
        (PROJECT / "roles" / "namespace_lab" / "tasks" / "reset.yml").read_text()
    )
    removed = [
        str(task.get("loop", task["ansible.builtin.file"].get("path")))
        for task in reset
        if task.get("ansible.builtin.file", {}).get("state") == "absent"
    ]
    assert any("__namespace_lab_students_records_dir" in paths for paths in removed), removed
