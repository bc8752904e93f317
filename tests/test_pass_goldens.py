"""Golden pass tests, in the style of compiler test files (LLVM's update_test_checks).

Each golden/passes/*.pwl holds, in order: a `# pipeline: ...` line, comments saying what
the file checks, the input model in .pwl text, the line `# ---- expected ----`, and the
expected result: the per-pass report (as comments) and the optimized model in .pwl text.
No data is given, so lossy passes keep their tolerance for every input.
`pytest --update-golden` rewrites the part after the separator; review with `git diff golden/`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import pwlc
from pwlc.passes import optimize, parse_pipeline

PASS_GOLDENS = sorted((Path(__file__).resolve().parent.parent / "golden" / "passes").glob("*.pwl"))
SEPARATOR = "# ---- expected ----\n"


def split(path: Path) -> tuple[str, str, str]:
    """(pipeline, input text, expected text) of a golden pass file."""
    text = path.read_text(encoding="utf-8")
    first, _, _ = text.partition("\n")
    assert first.startswith("# pipeline:"), f"{path}: the first line must be '# pipeline: PIPELINE'"
    source, found, expected = text.partition(SEPARATOR)
    return first.removeprefix("# pipeline:").strip(), source if found else text, expected


def expected_text(pipeline: str, source: str) -> str:
    model = pwlc.read(source, format="pwl")
    result, report = optimize(model, pipeline)
    return "".join(f"# {line}\n" for line in str(report).splitlines()) + pwlc.emit(result, "pwl")


@pytest.mark.parametrize("path", PASS_GOLDENS, ids=[p.stem for p in PASS_GOLDENS])
def test_pass_golden(path: Path, update_golden: bool) -> None:
    pipeline, source, expected = split(path)
    actual = expected_text(pipeline, source)
    if update_golden:
        path.write_text(source.rstrip("\n") + "\n\n" + SEPARATOR + actual, encoding="utf-8")
        expected = actual
    assert expected, f"{path} has no expected part: run `pytest --update-golden` and review `git diff golden/`"
    assert actual == expected, f"{path} differs: run `pytest --update-golden` and review `git diff golden/`"


@pytest.mark.parametrize("path", PASS_GOLDENS, ids=[p.stem for p in PASS_GOLDENS])
def test_pass_golden_keeps_its_stated_bounds(path: Path) -> None:
    pipeline, source, _ = split(path)
    model = pwlc.read(source, format="pwl")
    _, report = optimize(model, pipeline)
    for entry, step in zip(report.passes, parse_pipeline(pipeline)):
        bound = step.stated_error if step.stated_error is not None else 1e-12
        assert entry.max_error <= bound, f"{entry.spec}: measured {entry.max_error} > stated {bound}"
