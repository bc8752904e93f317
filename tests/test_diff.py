"""`pwlc diff`, `pwlc check` and `pwlc.testing.assert_models_close`: what changed between
two models, term by term, and how far it moves the scores."""

from __future__ import annotations

import json
import math
import os
import pty
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pwlc
from pwlc import CategoryAxis, Constant, Curve, Grid, Input, KnotAxis, Model, Step, Table
from pwlc.diff import compare, load
from pwlc.diff.terms import quoted_name
from pwlc.testing import assert_models_close, edge_grid

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = sorted((ROOT / "golden" / "models").glob("*.pwl"))
RECIDIVISM = ROOT / "golden" / "models" / "recidivism.pwl"
# Each language, in each file form pwlc reads; the API only (`pwlc.emit`, `pwlc.read`).
TARGETS = {"pwl": ".pwl", "python": ".py", "c": ".c", "sql:duckdb": ".sql", "sql:postgres": ".sql", "sql:sqlite": ".sql"}


def pwlc_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pwlc", *args], capture_output=True, text=True, cwd=cwd)


def emitted(model: Model, target: str, folder: Path, stem: str = "model") -> Path:
    path = folder / f"{stem}{TARGETS[target]}"
    path.write_text(pwlc.emit(model, target), encoding="utf-8")
    return path


# --- done when: a re-emission is no change; a one-knot edit is that knot --------------


@pytest.mark.parametrize("target", sorted(TARGETS))
@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_a_model_against_its_re_emission_in_another_language_is_no_change(path: Path, target: str, tmp_path: Path) -> None:
    model = pwlc.read(path)
    comparison = compare(model, load(emitted(model, target, tmp_path)))
    assert (comparison.changed, comparison.total.max) == (False, 0.0), comparison.lines()
    assert comparison.lines()[-1].startswith("no change; score change max 0, RMS 0 over ")


@pytest.mark.parametrize("target", ["python", "c", "sql:duckdb"])
def test_the_cli_says_no_change_for_a_re_emission(target: str, tmp_path: Path) -> None:
    done = pwlc_cli("diff", str(RECIDIVISM), str(emitted(pwlc.read(RECIDIVISM), target, tmp_path)))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"no change; score change max 0, RMS 0 over {rows(pwlc.read(RECIDIVISM)):,} rows (both models' edge grids): within tol 0"]


def rows(model: Model) -> int:
    return 2 * len(next(iter(edge_grid(model).values())))


def curve_term_change(old: Curve, new: Curve, model: Model, edited: Model) -> float:
    """The largest change of one curve over both models' edge grids, by the evaluator."""
    grids = (edge_grid(model), edge_grid(edited))
    xs = grids[0][old.feature] + grids[1][old.feature]
    single = [Model((Input(old.feature),), (curve,)) for curve in (old, new)]
    before, after = (pwlc.evaluate(m, {old.feature: xs}, output="score") for m in single)
    both = np.isnan(before) & np.isnan(after)
    return float(np.max(np.where(both, 0.0, np.abs(after - before))))


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(GOLDEN), st.integers(0, 2**16), st.integers(0, 2**16), st.floats(0.05, 0.95))
def test_a_one_knot_edit_is_reported_as_exactly_that_knot_with_its_score_change(path: Path, which: int, knot: int, where: float) -> None:
    model = pwlc.read(path)
    curves = [k for k, t in enumerate(model.terms) if isinstance(t, Curve) and len(t.xs) > 1]
    if not curves:
        return
    index = curves[which % len(curves)]
    old = model.terms[index]
    assert isinstance(old, Curve)
    i = knot % len(old.xs)
    low = old.xs[i - 1] if i > 0 else old.xs[i] - 10.0
    high = old.xs[i + 1] if i + 1 < len(old.xs) else old.xs[i] + 10.0
    moved = float(np.float64(low + where * (high - low)))
    if not low < moved < high or moved == old.xs[i] or (old.fx == "log" and moved <= 0) or (old.fx == "log1p" and moved <= -1):
        return
    new = replace(old, xs=old.xs[:i] + (moved,) + old.xs[i + 1 :])
    edited = replace(model, terms=model.terms[:index] + (new,) + model.terms[index + 1 :])
    if not pwlc.ir.is_valid_term(new):
        return
    comparison = compare(model, edited)
    ((change, measured),) = comparison.terms
    assert (change.status, change.title, comparison.model) == ("changed", f"curve {quoted_name(old.feature)}", ())
    assert change.details == (f"knot {pwlc.numbers.shortest(old.xs[i])} moved to {pwlc.numbers.shortest(moved)} (value {pwlc.numbers.shortest(old.ys[i])})",)
    assert measured.max == curve_term_change(old, new, model, edited)
    assert comparison.total.max == pytest.approx(measured.max, rel=1e-9, abs=1e-12)


def test_a_hand_edit_of_the_emitted_python_through_the_cli(tmp_path: Path) -> None:
    source = emitted(pwlc.read(RECIDIVISM), "python", tmp_path, "risk")
    edited = tmp_path / "edited.py"
    edited.write_text(source.read_text().replace("(25, 0.2)", "(30, 0.2)"))
    done = pwlc_cli("diff", str(source), str(edited), "--json")
    assert done.returncode == 1, done.stderr
    result = json.loads(done.stdout)
    (term,) = result["terms"]
    assert (term["status"], term["title"], term["details"]) == ("changed", "curve age", ["knot 25 moved to 30 (value 0.2)"])
    # Between 25 and 46 the knot moved: at 25 the curve was 0.2, now (30-25)/(30-18)
    # of the way from 0.61 to 0.2 (the evaluator's formula), the largest difference.
    assert term["max_change"] == pytest.approx(0.61 + (0.2 - 0.61) * ((25 - 18) / (30 - 18)) - 0.2, rel=1e-12)
    assert result["max_change"] == pytest.approx(term["max_change"], rel=1e-12) and not result["within_tol"]


# --- what each change reads like --------------------------------------------------------


def test_every_kind_of_change_is_described() -> None:
    inputs = (Input("age"), Input("income"), Input("region", "categorical"))
    grid = Grid(KnotAxis("age", (20.0, 40.0)), CategoryAxis("region", ("n", "s")), ((1.0, 2.0, 0.0), (3.0, 4.0, 0.0)))
    old = Model(
        inputs,
        (
            Constant(-0.5),
            Curve("age", (18.0, 25.0, 46.0), (0.6, 0.2, -0.4), missing=0.0),
            Step("income", (1000.0, 5000.0), (0.0, 0.1, 0.3), "upper"),
            Table("region", (("n", 1.0), ("s", 2.0)), default=0.0),
            grid,
        ),
        "identity",
        "score",
        "v1",
    )
    new = Model(
        (inputs[1], inputs[0], inputs[2]),
        (
            Table("region", (("n", 1.5), ("e", 3.0)), default=0.25, missing=0.0),
            Constant(-0.25),
            Constant(-0.25),
            Curve("age", (18.0, 30.0, 46.0, 60.0), (0.6, 0.2, -0.5, -0.6), "log", missing=None),
            Step("income", (1000.0, 6000.0), (-0.1, 0.1, 0.35), "lower", missing=0.0),
            Grid(KnotAxis("age", (20.0, 45.0)), CategoryAxis("region", ("n", "s", "w")), ((1.0, 2.0, 0.0, 0.0), (3.0, 4.0, 0.0, 0.0)), missing_a=(0.0, 0.0, 0.0, 0.0)),
            Curve("income", (0.0,), (1.0,)),
        ),
        "logistic",
        "risk",
        "v2",
    )
    comparison = compare(pwlc.verify(old), pwlc.verify(new))
    described = {change.title: (change.status, change.details) for change, _ in comparison.terms}
    assert described == {  # (the intercept, -0.5, is split in two: no change)
        "curve age": (
            "changed",
            ("fx identity -> log", "knot 25 moved to 30 (value 0.2)", "value at knot 46: -0.4 -> -0.5", "knot 60 added (value -0.6)", "missing 0 -> none (a missing input makes the score missing)"),
        ),
        "step income": ("changed", ("at_edge upper -> lower", "value below 1000: 0 -> -0.1", "edge 5000 moved to 6000 (value 0.3 -> 0.35)", "missing none (a missing input makes the score missing) -> 0")),
        "table region": ("changed", ('"n": 1 -> 1.5', 'entry "s" removed (value 2; it now gets the default)', 'entry "e" added (value 3)', "default 0 -> 0.25", "missing none (a missing input makes the score missing) -> 0")),
        "grid age x region": ("changed", ("axis age: knot 40 moved to 45", 'axis region: category "w" added', "cells 2 x 3 -> 2 x 4, values refitted", "missing age row added")),
        "curve income": ("added", ("1 knots from 0 to 0",)),
    }
    assert comparison.model == (
        "link identity -> logistic",
        "function name score -> risk",
        'description "v1" -> "v2"',
        "inputs in another order: income, age, region (callers passing them by position must follow)",
    )
    assert comparison.scale == "prediction"  # the links differ


def test_terms_are_matched_by_identity_not_by_position() -> None:
    model = pwlc.read(RECIDIVISM)
    constants = [t for t in model.terms if isinstance(t, Constant)]
    others = [t for t in model.terms if not isinstance(t, Constant)]
    shuffled = replace(model, terms=(*reversed(others), Constant(constants[0].value / 2), Constant(constants[0].value / 2), Constant(0.0)))
    comparison = compare(model, shuffled)
    # No term changed; the score moves only by the rounding of a sum in another order.
    assert not comparison.changed and comparison.total.max <= 4 * np.finfo(float).eps * 2
    two = replace(model, terms=(*model.terms, others[0]))  # a second curve on the same input: added
    (change, _), = compare(model, two).terms
    assert (change.status, change.title) == ("added", "curve age")


# --- bad input, exit status, output forms ---------------------------------------------


def test_models_with_different_inputs_say_which_differ(tmp_path: Path) -> None:
    other = tmp_path / "other.pwl"
    other.write_text('input age : categorical\ninput "zip code" : numeric\ntable age { "a": 1 }\n')
    done = pwlc_cli("diff", str(RECIDIVISM), str(other))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip() == (
        f"{RECIDIVISM} and {other} do not read the same inputs: only {RECIDIVISM} has inputs priors_count, length_of_stay, sex,"
        f' c_charge_degree; only {other} has input "zip code"; input age is numeric in {RECIDIVISM} and categorical in {other};'
        " compare models of one signature"
    )


def test_an_unreadable_file_gives_the_readers_message_exit_2_and_nothing_is_written(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(emitted(pwlc.read(RECIDIVISM), "python", tmp_path, "risk").read_text().replace("(25, 0.2)", "(25 0.2)"))
    before = sorted(tmp_path.iterdir())
    for args in (("diff", str(RECIDIVISM), str(bad)), ("check", str(bad), "--against", str(RECIDIVISM))):
        done = pwlc_cli(*args)
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert done.stderr.startswith(f"{bad}:") and done.stderr.splitlines()[-1].strip() == "^"
    assert sorted(tmp_path.iterdir()) == before


def test_tol_sets_the_exit_status_and_data_the_rows(tmp_path: Path) -> None:
    model = pwlc.read(RECIDIVISM)
    edited = emitted(replace(model, terms=tuple(replace(t, ys=tuple(y + 0.01 for y in t.ys)) if isinstance(t, Curve) and t.feature == "age" else t for t in model.terms)), "python", tmp_path)
    data = tmp_path / "rows.csv"
    data.write_text("age,priors_count,length_of_stay,sex,c_charge_degree\n30,1,5,Male,F\n50,,60,Female,M\n")
    for tol, status in (("0", 1), ("0.0099", 1), ("0.0101", 0)):
        done = pwlc_cli("diff", str(RECIDIVISM), str(edited), "--data", str(data), "--tol", tol)
        assert done.returncode == status, done.stderr
        assert "over 2 rows (the rows of" in done.stdout.splitlines()[-1]
    bad_data = tmp_path / "few.csv"
    bad_data.write_text("age\n30\n")
    done = pwlc_cli("diff", str(RECIDIVISM), str(edited), "--data", str(bad_data))
    assert done.returncode == 2 and "no column for input(s) 'c_charge_degree', 'length_of_stay', 'priors_count', 'sex'" in done.stderr
    assert pwlc_cli("diff", str(RECIDIVISM), str(edited), "--tol", "-1").returncode == 2


def test_json_counts_a_score_that_goes_missing_as_an_infinite_change(tmp_path: Path) -> None:
    model = pwlc.verify(Model((Input("x"),), (Curve("x", (0.0, 1.0), (0.0, 1.0), missing=0.5),)))
    strict = emitted(replace(model, terms=(Curve("x", (0.0, 1.0), (0.0, 1.0)),)), "pwl", tmp_path, "strict")
    done = pwlc_cli("diff", str(emitted(model, "c", tmp_path)), str(strict), "--json")
    result = json.loads(done.stdout)
    assert done.returncode == 1 and result["max_change"] == "inf" and result["terms"][0]["details"] == ["missing 0.5 -> none (a missing input makes the score missing)"]
    assert result["worst_rows"][0]["inputs"] == {"x": None} and result["worst_rows"][0]["new"] == "nan"


def test_colours_only_on_a_terminal(tmp_path: Path) -> None:
    edited = tmp_path / "edited.pwl"
    edited.write_text(RECIDIVISM.read_text().replace("25: 0.2", "30: 0.2"))
    args = [sys.executable, "-m", "pwlc", "diff", str(RECIDIVISM), str(edited)]
    piped = subprocess.run(args, capture_output=True, text=True)
    assert piped.returncode == 1 and "\x1b[" not in piped.stdout and "knot 25 moved to 30" in piped.stdout
    leader, follower = pty.openpty()
    done = subprocess.run(args, stdout=follower, stderr=subprocess.DEVNULL, env={**os.environ, "TERM": "xterm-256color", "COLUMNS": "120"})
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    assert done.returncode == 1 and b"\x1b[" in shown and b"knot 25 moved to 30" in shown


# --- check ------------------------------------------------------------------------------


def test_check_against_a_trained_model_prints_the_worst_rows(tmp_path: Path) -> None:
    lightgbm = pytest.importorskip("lightgbm")
    import pandas as pd

    rng = np.random.default_rng(5)
    x = rng.uniform(0, 10, 400)
    y = (np.sin(x) + rng.normal(0, 0.3, 400) > 0).astype(int)
    booster = lightgbm.LGBMClassifier(n_estimators=20, max_depth=1, verbose=-1).fit(pd.DataFrame({"x": x}), y).booster_
    teacher = tmp_path / "teacher.txt"
    booster.save_model(str(teacher))
    rows = tmp_path / "rows.csv"
    pd.DataFrame({"x": x}).to_csv(rows, index=False)
    exact = pwlc.lower(booster)
    lowered = emitted(exact, "sql:duckdb", tmp_path, "lowered")
    done = pwlc_cli("check", str(lowered), "--against", str(teacher), "--data", str(rows))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"{lowered} against {teacher} (Booster, lowered exactly): score change max 0, RMS 0 over 400 rows (the rows of {rows}): within tol 0"]
    student = pwlc.distill(exact, pd.DataFrame({"x": x}), segments=2)
    distilled = emitted(student, "python", tmp_path, "student")
    done = pwlc_cli("check", str(distilled), "--against", str(teacher), "--data", str(rows))
    lines = done.stdout.splitlines()
    assert done.returncode == 1 and lines[0] == f"worst rows (score of {distilled} against {teacher} (Booster, lowered exactly)):"
    assert len(lines) == 7 and all(line.startswith("  row ") for line in lines[1:6]) and lines[-1].endswith("above tol 0")
    change = np.abs(pwlc.evaluate(student, {"x": x}, output="score") - pwlc.evaluate(exact, {"x": x}, output="score"))
    assert f"score change max {change.max():.3g}," in lines[-1]
    worst = int(np.argmax(change))
    assert lines[1].startswith(f"  row {worst}: x={x[worst]:.3g}: ")
    assert pwlc_cli("check", str(distilled), "--against", str(teacher), "--data", str(rows), "--tol", f"{change.max() * 1.01}").returncode == 0
    import joblib

    joblib.dump(booster, tmp_path / "teacher.pkl")
    refused = pwlc_cli("check", str(lowered), "--against", str(tmp_path / "teacher.pkl"))
    assert refused.returncode == 2 and "--allow-pickle" in refused.stderr
    done = pwlc_cli("check", str(lowered), "--against", str(tmp_path / "teacher.pkl"), "--allow-pickle")
    assert done.returncode == 0 and done.stderr == f"pwlc: warning: loading {tmp_path / 'teacher.pkl'} as a pickle runs code stored in it\n"


def test_check_against_an_xgboost_json_model(tmp_path: Path) -> None:
    xgboost = pytest.importorskip("xgboost")
    rng = np.random.default_rng(6)
    X = rng.uniform(0, 10, (300, 2))
    model = xgboost.XGBRegressor(n_estimators=15, max_depth=1, base_score=0.5).fit(X, X[:, 0] - np.sqrt(X[:, 1]))
    teacher = tmp_path / "teacher.json"
    model.save_model(str(teacher))
    exact = pwlc.lower(model)
    deployed = emitted(exact, "c", tmp_path, "deployed")
    done = pwlc_cli("check", str(deployed), "--against", str(teacher))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].endswith("(both models' edge grids): within tol 0") and "score change max 0, RMS 0" in done.stdout
    edited = tmp_path / "edited.pwl"
    edited.write_text(pwlc.emit(replace(exact, terms=exact.terms[1:]), "pwl"))  # a term lost
    done = pwlc_cli("check", str(edited), "--against", str(teacher), "--tol", "1e-9")
    assert done.returncode == 1 and "above tol 1e-09" in done.stdout.splitlines()[-1]


# --- for users' tests -------------------------------------------------------------------


def test_assert_models_close_fails_with_the_diff(tmp_path: Path) -> None:
    model = pwlc.read(RECIDIVISM)
    assert_models_close(RECIDIVISM, emitted(model, "sql:duckdb", tmp_path))
    edited = tmp_path / "edited.pwl"
    edited.write_text(RECIDIVISM.read_text().replace("25: 0.2", "30: 0.2"))
    assert_models_close(model, edited, tol=0.2)
    with pytest.raises(AssertionError) as caught:
        assert_models_close(model, edited)
    message = str(caught.value).splitlines()
    assert message[0] == f"{edited} differs from a:"
    assert message[1:3] == ["curve age: changed                           max 0.171       RMS 0.0557", "    knot 25 moved to 30 (value 0.2)"]
    assert message[-1].endswith("above tol 0") and any(line.startswith("  row ") for line in message)
    assert not math.isnan(compare(model, load(edited)).total.rms)
