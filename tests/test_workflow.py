"""The README's "Keeping a model as code" workflow, run as written: the training script
and the shell commands are taken from README.md and run in a fresh git repository, with
`pwlc` and `python` from this checkout. A command commented "exits 1" must exit 1, every
other one 0."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def block_after(text: str, marker: str, language: str) -> str:
    """The fenced code block of `language` that follows `marker` in `text`."""
    found = re.search(re.escape(marker) + r"\s*```" + language + r"\n(.*?)```", text, re.S)
    assert found, f"README.md has no ```{language} block after {marker}"
    return found.group(1)


def commands(block: str) -> list[tuple[str, int]]:
    """(command, expected exit status) per line; a comment starts at ' # '."""
    out = []
    for line in block.splitlines():
        command, _, comment = line.partition("  #")
        if command.strip():
            out.append((command.strip(), 1 if "exits 1" in comment else 0))
    return out


def test_the_readme_workflow_runs_as_written(tmp_path: Path) -> None:
    pytest.importorskip("lightgbm")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (tmp_path / "train.py").write_text(block_after(readme, "<!-- workflow: train.py -->", "python"))
    tools = tmp_path / ".bin"
    tools.mkdir()
    for name, run in (("pwlc", f'exec {sys.executable} -m pwlc "$@"'), ("python", f'exec {sys.executable} "$@"')):
        (tools / name).write_text(f"#!/bin/sh\n{run}\n")
        (tools / name).chmod(0o755)
    who = {"GIT_AUTHOR_NAME": "pwlc tests", "GIT_AUTHOR_EMAIL": "tests@pwlc", "GIT_COMMITTER_NAME": "pwlc tests", "GIT_COMMITTER_EMAIL": "tests@pwlc"}
    env = {**os.environ, **who, "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True, env=env)
    printed = {}
    steps = commands(block_after(readme, "<!-- workflow: commands -->", "sh"))
    assert [c for c, _ in steps if c.startswith("pwlc ")][-3:] == [
        "pwlc diff risk_before.py risk.py --data data.csv",
        "pwlc check risk.sql --against risk.py",
        "pwlc check risk.py --against teacher.txt --data data.csv --tol 0.5",
    ]
    for command, expected in steps:
        done = subprocess.run(command, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True)
        assert done.returncode == expected, f"{command}\n{done.stdout}\n{done.stderr}"
        printed[command] = done.stdout
    review = printed["pwlc diff risk_before.py risk.py --data data.csv"].splitlines()
    assert re.match(r"curve \w+: changed +max \d", review[0]), review
    assert "over 6,172 rows (the rows of data.csv): above tol 0" in review[-1]
    same = printed["pwlc check risk.sql --against risk.py"].splitlines()[-1]
    assert "score change max 0, RMS 0 over" in same and same.endswith("(both models' edge grids): within tol 0"), same
    assert printed["pwlc check risk.py --against teacher.txt --data data.csv --tol 0.5"].splitlines()[-1].endswith("within tol 0.5")
