"""Golden files: every model in golden/models/ printed by every target, pinned.

For each model and target the emitted text must equal golden/<target>/<model><suffix>
(`pytest --update-golden` rewrites them; review with `git diff golden/`). For every
readable target: read(emit(m)) == m, and emit(read(emit(m))) == emit(m).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import pwlc
from pwlc.backends import backend, parse_target
from pwlc.ir import all_terms

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
# Multiclass models have a folder of their own: the tests that take every model of
# golden/models read one sum of terms; these are printed by the targets that print them
# (and every other target must refuse them with advice).
MODELS = sorted((GOLDEN / "models").glob("*.pwl")) + sorted((GOLDEN / "multiclass").glob("*.pwl"))
# Every target whose output is pinned; a dialect is part of the target ("sql:duckdb").
TARGETS = ["pwl", "python", "c", "sql:duckdb", "sql:sqlite", "sql:postgres", "sql:spark", "sql:bigquery", "sql:snowflake"]


def golden_path(model_path: Path, target: str) -> Path:
    name, dialect = parse_target(target)
    folder = name if dialect is None else f"{name}-{dialect}"
    return GOLDEN / folder / (model_path.stem + backend(name).SUFFIX)


@pytest.fixture(params=MODELS, ids=[p.stem for p in MODELS])
def model_path(request: pytest.FixtureRequest) -> Path:
    return request.param


def printable(model: pwlc.Model | pwlc.Multiclass, target: str) -> bool:
    """Whether `target` prints `model` (a multiclass model: its backend sets MULTICLASS)."""
    return not isinstance(model, pwlc.Multiclass) or getattr(backend(parse_target(target)[0]), "MULTICLASS", False)


def refused(model: pwlc.Model | pwlc.Multiclass, target: str) -> bool:
    """Whether `target` has no printer of this multiclass model, and says so with advice."""
    if printable(model, target):
        return False
    with pytest.raises(pwlc.UnsupportedError, match="cannot print a multiclass model yet.*-t pwl"):
        pwlc.emit(model, target)
    return True


@pytest.mark.parametrize("target", TARGETS)
def test_output_matches_golden(model_path: Path, target: str, update_golden: bool) -> None:
    if refused(pwlc.read(model_path), target):
        assert not golden_path(model_path, target).exists()
        return
    emitted = pwlc.emit(pwlc.read(model_path), target)
    expected = golden_path(model_path, target)
    if update_golden:
        expected.parent.mkdir(parents=True, exist_ok=True)
        expected.write_text(emitted, encoding="utf-8")
    if not expected.exists():
        pytest.fail(f"{expected} is missing: run `pytest --update-golden` and review `git diff golden/`")
    assert emitted == expected.read_text(encoding="utf-8"), f"{expected} differs: run `pytest --update-golden` and review `git diff golden/`"


@pytest.mark.parametrize("target", TARGETS)
def test_round_trip(model_path: Path, target: str) -> None:
    model = pwlc.read(model_path)
    if refused(model, target):
        return
    emitted = pwlc.emit(model, target)
    reread = pwlc.read(emitted, format=target)
    assert reread == model
    assert pwlc.emit(reread, target) == emitted


def test_every_golden_model_is_covered() -> None:
    """Every term kind, link, transform and edge side appears in some golden model."""
    seen: set[str] = set()
    for path in MODELS:
        model = pwlc.read(path)
        seen.add(f"link:{model.link}" if isinstance(model, pwlc.Model) else "Multiclass")
        for term in all_terms(model):
            seen.add(type(term).__name__)
            seen.update(f"fx:{term.fx}" for _ in [0] if isinstance(term, pwlc.Curve))
            seen.update(f"at_edge:{term.at_edge}" for _ in [0] if isinstance(term, pwlc.Step))
            if isinstance(term, pwlc.Grid):
                seen.update(type(axis).__name__ for axis in (term.a, term.b))
    wanted = {"Constant", "Curve", "Step", "Table", "Grid", "StepAxis", "KnotAxis", "CategoryAxis", "Multiclass"}
    wanted |= {f"link:{k}" for k in ("identity", "logistic", "exp")}
    wanted |= {f"fx:{k}" for k in ("identity", "log", "log1p", "symlog1p")}
    wanted |= {"at_edge:upper", "at_edge:lower"}
    assert wanted <= seen, f"not covered by golden/models: {sorted(wanted - seen)}"
