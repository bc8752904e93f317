"""The Python backend: emitted code runs standalone and agrees with the reference
evaluator on every boundary; the reader takes hand edits and rejects everything else."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
import types
from pathlib import Path

import black
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import pwlc
from pwlc.semantics import evaluate
from pwlc.testing import mismatches
from tests.python_runs import assert_agrees
from tests.strategies import models

GOLDEN_MODELS = sorted((Path(__file__).resolve().parent.parent / "golden" / "models").glob("*.pwl"))
RECIDIVISM = GOLDEN_MODELS[[p.stem for p in GOLDEN_MODELS].index("recidivism")]


def load_emitted(source: str) -> types.ModuleType:
    """Import emitted code as a module (the test runs pwlc's own output, as a user would)."""
    module = types.ModuleType("emitted")
    exec(compile(source, "<emitted>", "exec"), module.__dict__)  # noqa: S102
    return module


@pytest.mark.parametrize("path", GOLDEN_MODELS, ids=[p.stem for p in GOLDEN_MODELS])
def test_golden_model_agrees_with_evaluator_on_edge_grid(path: Path) -> None:
    model = pwlc.read(path)
    assert_agrees(pwlc.emit(model, "python"), model)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models())
def test_random_models_round_trip_and_agree(model: pwlc.Model) -> None:
    emitted = pwlc.emit(model, "python")
    assert pwlc.read(emitted, format="python") == model
    assert_agrees(emitted, model)


def test_emitted_module_needs_nothing_but_the_standard_library(tmp_path: Path) -> None:
    path = tmp_path / "risk.py"
    path.write_text(pwlc.emit(pwlc.read(RECIDIVISM), "python"))
    # numpy and pwlc are made unimportable: a scalar call must need neither.
    code = f"import sys; sys.path.insert(0, {str(tmp_path)!r}); sys.modules['numpy'] = sys.modules['pwlc'] = None; import risk; print(risk.probability(30, 2, 10, 'Male', 'F'))"
    out = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True)
    expected = evaluate(pwlc.read(RECIDIVISM), {"age": [30], "priors_count": [2], "length_of_stay": [10], "sex": ["Male"], "c_charge_degree": ["F"]})
    assert float(out.stdout) == pytest.approx(expected[0], rel=1e-15)


def test_emitted_code_is_black_stable() -> None:
    for path in GOLDEN_MODELS:
        emitted = pwlc.emit(pwlc.read(path), "python")
        assert black.format_str(emitted, mode=black.Mode()) == emitted


# --- hand edits ---------------------------------------------------------------------


@pytest.fixture
def recidivism() -> tuple[pwlc.Model, str]:
    model = pwlc.read(RECIDIVISM)
    return model, pwlc.emit(model, "python")


def replace_term(model: pwlc.Model, index: int, term: object) -> pwlc.Model:
    terms = list(model.terms)
    terms[index] = term  # type: ignore[call-overload]
    return dataclasses.replace(model, terms=tuple(terms))


def test_edit_reformatted_by_black_at_another_width_with_comments(recidivism: tuple[pwlc.Model, str]) -> None:
    model, text = recidivism
    narrow = black.format_str(text, mode=black.Mode(line_length=40, magic_trailing_comma=True))
    commented = narrow.replace("    return (", "    # reviewed 2026-11-28\n    return (  # the sum", 1)
    assert pwlc.read(commented, format="python") == model


def test_edit_numbers_written_other_ways(recidivism: tuple[pwlc.Model, str]) -> None:
    model, text = recidivism
    edited = text.replace("(18, 0.61)", "(1.8e1, .61)").replace("(70, -0.6)", "(70.000, -.6)").replace("-0.35", "-3.5e-1")
    assert pwlc.read(edited, format="python") == model


def test_edit_move_add_and_remove_knots(recidivism: tuple[pwlc.Model, str]) -> None:
    model, text = recidivism
    edited = text.replace("(25, 0.2)", "(26, 0.2), (35, 0)").replace("(0, -0.4), ", "")
    age, priors = model.terms[1], model.terms[2]
    expected = replace_term(model, 1, dataclasses.replace(age, xs=(18.0, 26.0, 35.0, 46.0, 70.0), ys=(0.61, 0.2, 0.0, -0.45, -0.6)))
    expected = replace_term(expected, 2, dataclasses.replace(priors, xs=(3.0, 15.0), ys=(0.15, 0.9)))
    assert pwlc.read(edited, format="python") == expected


def test_edit_delete_term_change_intercept_and_table_entry(recidivism: tuple[pwlc.Model, str]) -> None:
    model, text = recidivism
    lines = [line for line in text.splitlines(keepends=True) if "curve(length_of_stay" not in line]
    edited = "".join(lines).replace("-0.35", "-0.5").replace('"Female": -0.2', '"Female": -0.25')
    sex = model.terms[4]
    expected = dataclasses.replace(model, terms=(pwlc.Constant(-0.5), *model.terms[1:3], dataclasses.replace(sex, entries=(("Female", -0.25), ("Male", 0.05))), model.terms[5]))
    assert pwlc.read(edited, format="python") == expected


def test_edit_added_constant_term_and_trailing_commas(recidivism: tuple[pwlc.Model, str]) -> None:
    model, text = recidivism
    edited = text.replace("(70, -0.6)]", "(70, -0.6),],").replace("        - 0.35\n", "- 0.35\n").replace("-0.35\n", "-0.35\n        + 7\n", 1)
    result = pwlc.read(edited, format="python")
    assert result.terms[:2] == (pwlc.Constant(-0.35), pwlc.Constant(7.0))
    assert result.terms[2:] == model.terms[1:]


def test_an_edit_of_the_runtime_is_refused_where_it_is(recidivism: tuple[pwlc.Model, str]) -> None:
    _, text = recidivism
    message = error_of(text + "\nthis is not python at all ((\n")
    assert "the runtime below the marker was edited" in message and "pwlc fmt FILE.py" in message
    assert message.startswith(f"<string>:{text.count(chr(10)) + 2}:")


# --- mistakes -----------------------------------------------------------------------


def error_of(text: str) -> str:
    with pytest.raises(pwlc.PwlcError) as caught:
        pwlc.read(text, format="python")
    return str(caught.value)


def test_error_points_at_the_mistake_with_a_caret(recidivism: tuple[pwlc.Model, str]) -> None:
    _, text = recidivism
    message = error_of(text.replace("(25, 0.2)", "(25 0.2)"))
    first, source, caret = message.splitlines()
    line = next(n for n, source_line in enumerate(text.splitlines(), 1) if "(25, 0.2)" in source_line)
    assert re.match(rf"<string>:{line}:\d+: unexpected '0.2'; expected", first)
    assert source.strip().startswith("+ curve(age")
    assert caret.strip() == "^" and source[len(caret) - 1 : len(caret) + 2] == "0.2"


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (("(25, 0.2)", "(17, 0.2)"), "knot positions must be strictly increasing"),
        (("fx=\"log1p\"", "fx=\"sqrt\""), "fx must be one of"),
        (("curve(age,", "curve(agee,"), "reads one of the inputs, the parameters of this function"),
        (("curve(age,", "spline(age,"), "spline() is not a pwlc term: write terms as calls of curve, step, table, grid"),
        (("default=0)", "default=0, colour=1)"), "has no argument 'colour'"),
        (("\"Male\": 0.05", "\"Male\": 0.05, \"Male\": 1"), "appears twice"),
        (("(18, 0.61)", "(18, 1e999)"), "this is inf in Python; pwlc needs a finite number"),
        (("-0.35", "- curve(age, [(0, 1)])"), "a term cannot stand behind a sign"),
        (("(70, -0.6)])", "(70, -0.6)])\n        - curve(age, [(0, 1)])"), "cannot be subtracted"),
    ],
)
def test_invalid_edits_get_one_positioned_message(recidivism: tuple[pwlc.Model, str], edit: tuple[str, str], says: str) -> None:
    _, text = recidivism
    assert edit[0] in text
    message = error_of(text.replace(*edit, 1))
    assert says in message
    assert re.match(r"<string>:\d+:\d+: ", message)
    assert message.splitlines()[-1].strip() == "^"


def test_reading_never_runs_the_file(tmp_path: Path) -> None:
    canary = tmp_path / "ran"
    text = f"import os\nos.system('touch {canary}')\n\ndef score(x: float) -> float:\n    return curve(x, [(0, 1)])\n"
    path = tmp_path / "evil.py"
    path.write_text(text)
    message = str(pytest.raises(pwlc.PwlcError, pwlc.read, path).value)
    assert message.startswith(f"{path}:2:")
    assert not canary.exists()


def test_batch_table_looks_each_value_up_as_a_single_call_does() -> None:
    """The batch looks each distinct value up once, telling values apart by type too:
    True == 1 in Python, yet they are the categories "True" and "1"."""
    table = pwlc.ir.Table("c", (("1", 1.0), ("True", 2.0), ("a", 3.0)), default=-1.0, missing=-2.0)
    model = pwlc.Model((pwlc.ir.Input("c", "categorical"),), (table,))
    module = load_emitted(pwlc.emit(model, "python"))
    values = [True, 1, 1.0, "1", "True", None, float("nan"), "a", "b", np.str_("a"), False, 0, "a", None]
    expected = [2.0, 1.0, 1.0, 1.0, 2.0, -2.0, -2.0, 3.0, -1.0, 3.0, -1.0, -1.0, 3.0, -2.0]
    assert [module.score(v) for v in values] == expected
    assert module.score(np.array(values, dtype=object)).tolist() == expected
    assert module.score(values).tolist() == expected  # a list is a batch too
    assert evaluate(model, {"c": values}).tolist() == expected


def test_batch_grids_agree_with_the_evaluator_row_by_row_and_broadcast_a_single_value() -> None:
    model = pwlc.read(GOLDEN_MODELS[[p.stem for p in GOLDEN_MODELS].index("grids")])
    module = load_emitted(pwlc.emit(model, "python"))
    rng = np.random.default_rng(0)
    rows = 5000
    on_edges = np.array([0, 20, 30, 40, 45.5, 50000, 80, 100000, 1e6, -np.inf, np.inf])
    columns = {i.name: rng.choice(on_edges, rows) * rng.choice([1, 0.5, -1], rows) for i in model.inputs if i.kind == "numeric"}
    columns = {name: np.where(rng.uniform(size=rows) < 0.1, np.nan, x) for name, x in columns.items()}
    columns["region"] = rng.choice(np.array(["north", "south", "east", None], dtype=object), rows)
    assert mismatches(module.score(**columns), evaluate(model, columns, output="score")) == []
    one_region = {**columns, "region": "south"}  # a single value for one input, arrays for the rest
    assert mismatches(module.score(**one_region), evaluate(model, {**columns, "region": ["south"] * rows}, output="score")) == []
