"""Passes: pipeline text, the report, and every simplifying pass checked against the
reference evaluator (pwlc.semantics) on data, on edge grids and on random models."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pwlc
from pwlc.errors import PwlcError
from pwlc.ir import Constant, Curve, Grid, Input, Model, Step, Table, verify
from pwlc.numbers import shortest
from pwlc.passes import PASSES, PRESETS, Report, available, count_knots, optimize, parse_pipeline
from pwlc.passes.fold import FoldConstants
from pwlc.passes.merge import MergeSegments
from pwlc.passes.round import Round
from pwlc.semantics import evaluate, evaluate_terms, prepare_columns, term_values
from pwlc.testing import edge_grid

from .strategies import models

RECIDIVISM = "golden/models/recidivism.pwl"


T = TypeVar("T")


def term_as(model: Model, index: int, kind: type[T]) -> T:
    """Term `index` of `model`, checked to be a `kind`."""
    term = model.terms[index]
    assert isinstance(term, kind), f"term {index} is a {type(term).__name__}, not a {kind.__name__}"
    return term


def bound(pipeline: str) -> float:
    """The stated error of a one-pass pipeline."""
    stated = parse_pipeline(pipeline)[0].stated_error
    assert stated is not None
    return stated


def score(model: Model, data: object) -> np.ndarray:
    return evaluate(model, data, output="score")


def max_change(before: Model, after: Model, data: object) -> float:
    """Largest |score change| by the reference evaluator; NaN must stay NaN."""
    a, b = score(before, data), score(after, data)
    assert np.array_equal(np.isnan(a), np.isnan(b)), "a pass changed which rows have a missing score"
    present = ~np.isnan(a)
    with np.errstate(invalid="ignore", over="ignore"):  # the same infinity (a linear term's) is no change
        change = np.where(a[present] == b[present], 0.0, np.abs(a[present] - b[present]))
    return float(np.max(change, initial=0.0))


def dense_probe(model: Model, rows: int = 4000, seed: int = 1) -> dict[str, Any]:
    """Edge grid plus many random points inside each input's knot range: a check that
    does not rely on the passes' own probe points."""
    rng = np.random.default_rng(seed)
    grid = edge_grid(model)
    out: dict[str, Any] = {}
    for declared in model.inputs:
        column = grid[declared.name]
        if declared.kind == "categorical":
            out[declared.name] = column + [str(v) for v in rng.choice([c for c in column if c is not None] or ["?"], rows)]
        else:
            finite = [v for v in column if v is not None and abs(v) < 1e300]  # not the grid's huge probes
            low, high = (min(finite), max(finite)) if finite else (-1.0, 1.0)
            out[declared.name] = np.concatenate([np.array(column, dtype=float), rng.uniform(low - 1, high + 1, rows)])
    length = max(len(v) for v in out.values())
    return {k: (list(v) * length)[:length] if isinstance(v, list) else np.resize(v, length) for k, v in out.items()}


@pytest.fixture
def recidivism() -> Model:
    return pwlc.read(RECIDIVISM)


@pytest.fixture
def compas_like(recidivism: Model) -> dict[str, object]:
    rng = np.random.default_rng(0)
    n = 2000
    return {
        "age": rng.uniform(15, 80, n),
        "priors_count": np.where(rng.uniform(size=n) < 0.05, np.nan, rng.integers(0, 20, n)),
        "length_of_stay": rng.exponential(50, n),
        "sex": rng.choice(["Male", "Female"], n).tolist(),
        "c_charge_degree": rng.choice(["F", "M", "X"], n).tolist(),
    }


# --- pipeline text -------------------------------------------------------------------------


def test_pipeline_text_gives_passes_with_options() -> None:
    passes = parse_pipeline("fold-constants, merge-segments{tol=1e-3}, round{tol=0.01,digits=3}")
    assert passes == [FoldConstants(), MergeSegments(tol=1e-3), Round(tol=0.01, digits=3)]


def test_spec_reads_back_to_the_same_pass() -> None:
    for text in ["merge-segments{tol=0.25}", "round{digits=2}", "prune{threshold=0.5,tol=1.0}", 'refit{target=labels,label="y,1"}', "fold-constants{centre=False}"]:
        (single,) = parse_pipeline(text)
        assert parse_pipeline(single.spec()) == [single]


def test_presets_expand_and_accept_a_dash() -> None:
    assert parse_pipeline("-O2") == parse_pipeline(PRESETS["O2"])
    assert parse_pipeline("O0") == []
    assert parse_pipeline("O1,round") == parse_pipeline(PRESETS["O1"]) + [Round()]
    for preset in PRESETS.values():
        assert all(p.name in PASSES for p in parse_pipeline(preset))


@pytest.mark.parametrize(
    "text, message, column",
    [
        ("fold-constants,merge-segmnts", "unknown pass 'merge-segmnts'", 16),
        ("round{tol=abc}", "round: option tol: 'abc' is not a valid float", 11),
        ("round{tl=1}", "round has no option 'tl'", 7),
        ("round{tol=1", "unclosed '{'", 12),
        ("round{tol=-1}", "tol must be a finite number >= 0", 1),
        ("round{digits=2.5}", "'2.5' is not a valid int", 14),
        ("round merge-segments", "expected ',' between passes", 7),
        ("refit{monotone=age}", "monotone: expected 'feature:+'", 1),
    ],
)
def test_pipeline_errors_point_at_the_mistake(text: str, message: str, column: int) -> None:
    with pytest.raises(PwlcError) as caught:
        parse_pipeline(text)
    assert message in str(caught.value)
    assert caught.value.span is not None and caught.value.span.column == column
    assert str(caught.value).startswith(f"<pipeline>:1:{column}:")


# --- report ----------------------------------------------------------------------------------


def test_report_measures_each_pass_independently(recidivism: Model, compas_like: dict) -> None:
    passes = parse_pipeline("fold-constants,merge-segments{tol=0.05},round{tol=0.01}")
    result, report = optimize(recidivism, passes, compas_like)
    assert isinstance(report, Report) and report.rows == 2000
    current = recidivism
    for step, entry in zip(passes, report.passes):
        after = step.run(current, _context(current, compas_like, recidivism))
        changes = np.abs(score(current, compas_like) - score(after, compas_like))
        changes = changes[~np.isnan(changes)]
        assert entry.max_error == pytest.approx(changes.max(), abs=1e-15)
        assert entry.rms_error == pytest.approx(np.sqrt(np.mean(changes**2)), abs=1e-15)
        assert (entry.knots_before, entry.knots_after) == (count_knots(current), count_knots(after))
        assert (entry.terms_before, entry.terms_after) == (len(current.terms), len(after.terms))
        assert entry.stated_error == getattr(step, "tol", None)
        current = after
    assert result == current
    text = str(report)
    assert "merge-segments{tol=0.05}" in text and "2000 rows" in text


def test_report_iterates_over_passes_for_the_cli(recidivism: Model) -> None:
    result, report = pwlc.optimize(recidivism, "O2")
    lines = [str(entry) for entry in report]
    assert len(report) == 3 and lines[1].startswith("merge-segments{tol=0.005}: knots 14 -> ")
    assert "(stated bound 0.005)" in lines[1] and "probe points" in str(report)
    assert "fold-constants" in available() and "-O2" in available()


def _context(model: Model, data: dict, original: Model):  # the PassData optimize would build
    from pwlc.passes.context import PassData

    return PassData.from_data(model, data, score(original, data))


def test_count_knots_counts_what_a_reader_sees(recidivism: Model) -> None:
    # 4 + 3 + 3 curve knots, 2 + 2 table entries
    assert count_knots(recidivism) == 14


# --- fold-constants --------------------------------------------------------------------------


def test_fold_is_exact_and_centres_on_data(recidivism: Model, compas_like: dict) -> None:
    doubled = Model(recidivism.inputs, recidivism.terms + (Constant(0.5), Curve("age", (30.0, 50.0), (1.0, -1.0))), recidivism.link)
    folded, _ = optimize(doubled, "fold-constants", compas_like)
    assert max_change(doubled, folded, compas_like) < 1e-12
    assert max_change(doubled, folded, dense_probe(doubled)) < 1e-12
    assert isinstance(folded.terms[0], Constant) and sum(isinstance(t, Constant) for t in folded.terms) == 1
    assert sum(getattr(t, "feature", None) == "age" for t in folded.terms) == 1, "two curves on age merge into one"
    age = next(t for t in folded.terms if isinstance(t, Curve) and t.feature == "age")
    assert set(age.xs) == {18.0, 25.0, 30.0, 46.0, 50.0, 70.0}
    columns, rows = prepare_columns(folded, compas_like)
    for term in folded.terms[1:]:
        values = term_values(term, columns, rows)
        assert abs(np.mean(values[~np.isnan(values)])) < 1e-12, f"{term} is not centred on the data"


def test_fold_without_data_centres_on_the_midrange() -> None:
    model = verify(Model((Input("x"),), (Curve("x", (0.0, 1.0, 2.0), (1.0, 3.0, 2.0), missing=0.0),)))
    folded, _ = optimize(model, "fold-constants")
    assert folded.terms == (Constant(2.0), Curve("x", (0.0, 1.0, 2.0), (-1.0, 1.0, 0.0), missing=-2.0))


def test_fold_merges_only_what_it_can_merge_exactly() -> None:
    inputs = (Input("x"), Input("c", "categorical"))
    terms = (
        Step("x", (1.0, 2.0), (0.0, 1.0, 2.0), "upper", 0.5),
        Step("x", (1.5, 2.0), (1.0, 0.0, 3.0), "upper", 0.25),
        Step("x", (1.0,), (0.0, 7.0), "lower"),  # other edge side: stays apart
        Curve("x", (0.0, 1.0), (0.0, 1.0), "log1p"),
        Curve("x", (0.0, 2.0), (0.0, 1.0)),  # other transform: stays apart
        Table("c", (("a", 1.0), ("b", 2.0)), 0.5, None),
        Table("c", (("b", 1.0), ("z", -1.0)), 0.25, 0.0),
    )
    model = verify(Model(inputs, terms))
    folded = FoldConstants(centre=False).run(model, None)
    kinds = [type(t).__name__ for t in folded.terms]
    assert kinds == ["Step", "Step", "Curve", "Curve", "Table"]
    assert term_as(folded, 0, Step).edges == (1.0, 1.5, 2.0) and term_as(folded, 0, Step).missing == 0.75
    assert term_as(folded, 4, Table).missing is None, "a missing score stays missing after a merge"
    assert max_change(model, folded, dense_probe(model)) < 1e-12


def test_fold_drops_flat_terms_but_keeps_missing_none() -> None:
    inputs = (Input("x"), Input("y"))
    flat = Curve("x", (0.0, 1.0), (2.0, 2.0), missing=2.0)
    flat_but_missing = Curve("y", (0.0, 1.0), (3.0, 3.0))
    model = verify(Model(inputs, (Constant(1.0), flat, flat_but_missing, Constant(-0.5))))
    folded, _ = optimize(model, "fold-constants")
    assert [type(t).__name__ for t in folded.terms] == ["Constant", "Curve"]
    assert folded.terms[0] == Constant(5.5) and term_as(folded, 1, Curve).feature == "y"
    assert max_change(model, folded, dense_probe(model)) == 0.0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(linear=True))
def test_fold_is_exact_on_random_models(model: Model) -> None:
    folded, _ = optimize(model, "fold-constants")
    probe = dense_probe(model, rows=200)
    scale = max([1.0] + [abs(v) for t in model.terms for v in _numbers(t)])
    contributions = np.abs(evaluate_terms(model, probe))  # (a linear term's: summed in another order, rounded alike)
    scale += float(np.max(np.where(np.isfinite(contributions), contributions, 0.0), initial=0.0))
    assert max_change(model, folded, probe) <= 1e-12 * scale * (len(model.terms) + 2)


def test_fold_and_round_move_a_grids_missing_row_and_column_too() -> None:
    """A grid's missing-a row and missing-b column are values of the term: centring shifts
    them with the cells (fold stays exact), round shortens them."""
    from pwlc.passes.context import output_values, with_output_values

    model = pwlc.read("golden/models/grids.pwl")
    grid = next(t for t in model.terms if isinstance(t, Grid) and t.missing_a is not None and t.missing_b is not None)
    assert with_output_values(grid, output_values(grid)) == grid
    data = dense_probe(model, rows=400)
    folded, _ = optimize(model, "fold-constants", data)
    assert max_change(model, folded, data) <= 1e-12
    shifted = next(t for t in folded.terms if isinstance(t, Grid) and t.features == grid.features)
    offset = grid.values[0][0] - shifted.values[0][0]
    assert offset != 0.0
    assert shifted.missing_a == pytest.approx([v - offset for v in grid.missing_a or ()])
    assert shifted.missing_b == pytest.approx([v - offset for v in grid.missing_b or ()])
    noisy = replace(grid, missing_a=tuple(v + 1e-9 for v in grid.missing_a or ()))
    rounded, _ = optimize(replace(model, terms=(noisy,)), "round{tol=1e-6}")
    assert term_as(rounded, 0, Grid).missing_a == grid.missing_a


def _numbers(term: object) -> list[float]:
    from pwlc.passes.context import output_values

    return output_values(term)  # type: ignore[arg-type]


# --- lossy passes keep their bound ----------------------------------------------------------


@pytest.mark.parametrize("pipeline", ["merge-segments{tol=%g}", "round{tol=%g}", "round{tol=%g,digits=2}", "prune{threshold=%g}"])
@pytest.mark.parametrize("tol", [0.0, 0.002, 0.05, 0.3])
def test_lossy_passes_keep_their_tolerance_on_data(recidivism: Model, compas_like: dict, pipeline: str, tol: float) -> None:
    start, _ = optimize(recidivism, "fold-constants", compas_like)
    result, report = optimize(start, pipeline % tol, compas_like)
    assert max_change(start, result, compas_like) <= tol
    assert report.passes[0].max_error <= bound(pipeline % tol)


@pytest.mark.parametrize("pipeline", ["merge-segments{tol=0.05}", "round{tol=0.02}", "prune{threshold=0.2}"])
def test_lossy_passes_without_data_bound_every_input(recidivism: Model, pipeline: str) -> None:
    start, _ = optimize(recidivism, "fold-constants")
    result, _ = optimize(start, pipeline)
    assert max_change(start, result, dense_probe(start, rows=20000)) <= bound(pipeline)


@pytest.mark.parametrize("pipeline", ["merge-segments{tol=0.05,over=all}", "round{tol=0.02,over=all}", "prune{threshold=0.2,over=all}"])
def test_over_all_bounds_every_input_even_with_data(recidivism: Model, compas_like: dict, pipeline: str) -> None:
    start, _ = optimize(recidivism, "fold-constants", compas_like)
    result, _ = optimize(start, pipeline, compas_like)
    assert max_change(start, result, dense_probe(start, rows=20000)) <= bound(pipeline)


def test_over_must_be_data_or_all() -> None:
    with pytest.raises(PwlcError, match="over must be 'data' or 'all'"):
        parse_pipeline("round{over=rows}")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(linear=True), st.sampled_from(["merge-segments", "round", "prune"]), st.sampled_from([0.0, 1e-3, 0.5]))
def test_lossy_passes_keep_their_bound_on_random_models(model: Model, name: str, tol: float) -> None:
    pipeline = f"{name}{{{'threshold' if name == 'prune' else 'tol'}={tol}}}"
    result, _ = optimize(model, pipeline)
    assert max_change(model, result, dense_probe(model, rows=300)) <= tol * (1 + 1e-9)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(linear=True), st.sampled_from(["merge-segments", "round", "prune"]), st.sampled_from([0.0, 1e-3, 0.5]))
def test_lossy_passes_keep_their_bound_on_the_data_of_random_models(model: Model, name: str, tol: float) -> None:
    data = dense_probe(model, rows=100, seed=5)
    pipeline = f"{name}{{{'threshold' if name == 'prune' else 'tol'}={tol}}}"
    result, report = optimize(model, pipeline, data)
    assert max_change(model, result, data) <= tol
    assert report.passes[0].max_error <= tol


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_affected_rows_cover_every_row_where_a_term_changes(draw: st.DataObject) -> None:
    from pwlc.passes.context import Budget, PassData
    from pwlc.passes.merge import simplifications
    from pwlc.passes.round import _rounded, read_slot, slots

    from .strategies import curves, steps

    old = draw.draw(st.one_of(curves("x"), steps("x")))
    # Every candidate merge-segments or round makes from this term, as the passes make them.
    candidates = simplifications(old) + [
        c for slot in slots(old) for i in range(len(read_slot(old, slot))) for level in (1, 3) if (c := _rounded(old, slot, i, level)) is not None
    ]
    model = Model((Input("x"),), (old,))
    data = dense_probe(model, rows=300, seed=draw.draw(st.integers(0, 5)))
    budget = Budget(model, PassData.from_data(model, data), tol=0.0)
    before = term_values(old, *prepare_columns(model, data))
    for new in candidates:
        rows = budget.affected_rows(old, new)
        assert rows is not None
        after = term_values(new, *prepare_columns(model, data))
        outside = np.ones(len(before), dtype=bool)
        outside[rows] = False
        assert np.array_equal(before[outside], after[outside], equal_nan=True), f"{old} -> {new}"


def bitwise_equal(a: np.ndarray, b: np.ndarray) -> bool:
    """Same floats bit for bit (so 0.0 and -0.0 differ); NaN matches NaN."""
    nan = np.isnan(a)
    return bool(np.array_equal(nan, np.isnan(b)) and np.array_equal(a[~nan].view(np.int64), b[~nan].view(np.int64)))


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_sorted_evaluation_is_the_reference_evaluator_bit_for_bit(draw: st.DataObject) -> None:
    from pwlc.passes.context import PassData

    from .strategies import curves, steps

    term = draw.draw(st.one_of(curves("x"), steps("x")))
    model = Model((Input("x"),), (term,))
    data = dense_probe(model, rows=300, seed=draw.draw(st.integers(0, 5)))
    expected = term_values(term, *prepare_columns(model, data))
    assert bitwise_equal(PassData.from_data(model, data).term_values(term), expected)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(linear=True), st.integers(0, 3))
def test_context_scores_are_the_reference_evaluator_bit_for_bit(model: Model, seed: int) -> None:
    from pwlc.passes.context import PassData

    data = dense_probe(model, rows=200, seed=seed)
    assert bitwise_equal(PassData.from_data(model, data).score(model), score(model, data))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(linear=True), st.sampled_from([1e-3, 0.05, 0.5]), st.integers(0, 3))
def test_budget_accepts_exactly_when_the_reference_score_change_is_within_tol(model: Model, tol: float, seed: int) -> None:
    """Every candidate merge-segments, round and prune make, tried in turn: the budget's
    cost and decision agree with the reference evaluator on every row of the data."""
    from dataclasses import replace

    from pwlc.passes.context import Budget, PassData, score_change
    from pwlc.passes.merge import simplifications
    from pwlc.passes.round import _rounded, read_slot, slots

    data = dense_probe(model, rows=200, seed=seed)
    columns, rows = prepare_columns(model, data)
    start = score(model, data)
    budget = Budget(model, PassData.from_data(model, data), tol)
    candidates: list[tuple[int, Any]] = []
    for k, term in enumerate(model.terms):
        rounded = [_rounded(term, slot, i, level) for slot in slots(term) for i in range(len(read_slot(term, slot))) for level in (1, 2, 4)]
        prune = [Constant(0.0)] if getattr(term, "missing", None) is not None else []
        candidates += [(k, new) for new in [*simplifications(term), *rounded, *prune] if new is not None]
    for k, new in candidates:
        old = budget.terms[k]
        own = score_change(term_values(old, columns, rows), term_values(new, columns, rows)).max(initial=0.0)
        assert budget.local_cost(k, new) == pytest.approx(own, rel=1e-9, abs=1e-12)
        trial = replace(model, terms=(*budget.terms[:k], new, *budget.terms[k + 1 :]))
        worst = float(score_change(start, score(trial, data)).max(initial=0.0))
        if abs(worst - (tol - budget.slack)) < 1e-9:
            continue  # a tie within rounding: the budget sums in another order
        if budget.slack >= tol:  # scores so large (a linear term's) that their rounding exceeds tol: the
            assert not budget.try_replace(k, new) or worst <= tol  # budget takes no change the reference would not
            continue
        assert budget.try_replace(k, new) == budget.within(worst), f"{old} -> {new}: reference change {worst}"


def test_budget_finds_the_row_over_tol_away_from_the_knots() -> None:
    """A change that is largest at the knots of its term (x = 1) goes over tol at a row
    inside (x = 0.9) where another term already spent most of the budget."""
    from pwlc.passes.context import Budget, PassData

    flat = (0.0, 1.0), (0.0, 0.0)
    model = verify(Model((Input("x"), Input("y")), (Curve("x", *flat), Curve("y", *flat))))
    x = np.linspace(0.0, 1.0, 101)
    data = {"x": x, "y": np.where(np.isclose(x, 0.9), 1.0, 0.0)}
    budget = Budget(model, PassData.from_data(model, data), tol=1.0)
    assert budget.try_replace(1, Curve("y", (0.0, 1.0), (0.0, 0.5)))  # 0.5 spent at x = 0.9 only
    assert budget.local_cost(0, Curve("x", (0.0, 1.0), (0.0, 0.6))) == pytest.approx(0.6)
    assert not budget.try_replace(0, Curve("x", (0.0, 1.0), (0.0, 0.6)))  # 0.5 + 0.54 at x = 0.9
    assert budget.try_replace(0, Curve("x", (0.0, 1.0), (0.0, 0.55)))  # 0.5 + 0.495


# --- merge-segments --------------------------------------------------------------------------


def test_merge_drops_collinear_knots_exactly() -> None:
    curve = Curve("x", (0.0, 1.0, 2.0, 3.0, 5.0), (0.0, 0.5, 1.0, 0.0, -1.0))  # (1, 0.5) lies on the line from 0 to 2
    model = verify(Model((Input("x"),), (curve,)))
    merged, _ = optimize(model, "merge-segments{tol=0}")
    assert term_as(merged, 0, Curve).xs == (0.0, 2.0, 3.0, 5.0)
    assert max_change(model, merged, dense_probe(model)) == 0.0


def test_merge_removes_the_least_useful_knot_first(compas_like: dict) -> None:
    wiggle = Curve("age", (20.0, 30.0, 40.0, 60.0), (0.0, 1.0, 1.35, 2.0))
    model = verify(Model((Input("age"),), (wiggle,)))
    merged, _ = optimize(model, "merge-segments{tol=0.2}", {"age": np.linspace(20, 60, 401)})
    assert term_as(merged, 0, Curve).xs == (20.0, 30.0, 60.0), "the knot at 40 barely bends the curve"


def test_merge_joins_equal_steps_and_folds_default_entries() -> None:
    inputs = (Input("x"), Input("c", "categorical"))
    step = Step("x", (1.0, 2.0, 3.0), (0.0, 1.0, 1.0, 2.0), "lower", 0.0)
    table = Table("c", (("a", 0.5), ("b", 0.0), ("c", 0.5)), 0.5, None)
    model = verify(Model(inputs, (step, table)))
    merged, _ = optimize(model, "merge-segments{tol=0}")
    assert merged.terms[0] == Step("x", (1.0, 3.0), (0.0, 1.0, 2.0), "lower", 0.0)
    assert merged.terms[1] == Table("c", (("b", 0.0),), 0.5, None)


def test_merge_reduces_knots_of_a_noisy_curve_and_refit_recovers(compas_like: dict) -> None:
    rng = np.random.default_rng(3)
    xs = tuple(float(x) for x in np.linspace(18, 80, 30))
    ys = tuple(float(np.log(x / 18) + rng.normal(0, 0.01)) for x in xs)
    model = verify(Model((Input("age"),), (Curve("age", xs, ys),)))
    data = {"age": rng.uniform(18, 80, 3000)}
    merged, report = optimize(model, "merge-segments{tol=0.05}", data)
    assert len(term_as(merged, 0, Curve).xs) <= 10 and report.passes[0].max_error <= 0.05


# --- round -----------------------------------------------------------------------------------


def test_round_finds_readable_numbers_without_collapsing_knots() -> None:
    curve = Curve("age", (18.00001, 24.9871, 25.0003, 46.12, 70.0), (0.61234, 0.20011, 0.2, -0.45022, -0.6))
    model = verify(Model((Input("age"),), (Constant(-0.35012), curve)))
    data = {"age": np.linspace(0, 100, 2001)}
    rounded, _ = optimize(model, "round{tol=0.01}", data)
    xs = term_as(rounded, 1, Curve).xs
    assert all(a < b for a, b in zip(xs, xs[1:])), "knots stay strictly increasing"
    assert len(xs) == 5, "no knot is lost"
    assert xs[0] == 18 and xs[-2] == 46
    assert 25.0 in xs, "one of the two knots near 25 becomes 25"
    assert max(len(shortest(v)) for v in term_as(rounded, 1, Curve).ys) <= 5
    assert max_change(model, rounded, data) <= 0.01


def test_round_keeps_transforms_defined() -> None:
    curve = Curve("d", (0.0004, 0.5, 10.0), (0.0, 1.0, 2.0), "log")
    model = verify(Model((Input("d"),), (curve,)))
    rounded, _ = optimize(model, "round{tol=100}")  # the tolerance allows anything
    verify(rounded)
    assert term_as(rounded, 0, Curve).xs[0] > 0


def test_round_with_zero_tolerance_only_removes_nothing_or_noise() -> None:
    curve = Curve("x", (0.1 + 0.2, 1.0), (0.30000000000000004, 1.23456789))
    model = verify(Model((Input("x"),), (curve,)))
    rounded, _ = optimize(model, "round{tol=0}")
    assert max_change(model, rounded, dense_probe(model)) == 0.0


# --- prune -----------------------------------------------------------------------------------


def test_prune_drops_small_terms_into_the_intercept(recidivism: Model, compas_like: dict) -> None:
    start, _ = optimize(recidivism, "fold-constants", compas_like)
    pruned, report = optimize(start, "prune{threshold=0.15,tol=0.3}", compas_like)
    features = [getattr(t, "feature", None) for t in pruned.terms]
    assert "c_charge_degree" not in features  # within ±0.1 of its mean
    assert "sex" in features  # within ±0.13, but it has no missing value: a missing sex gives a missing score
    assert {"age", "priors_count", "length_of_stay"} <= set(features)  # each spans more than ±0.15
    assert report.passes[0].max_error <= 0.3
    assert max_change(start, pruned, compas_like) == pytest.approx(report.passes[0].max_error)


def test_prune_never_drops_a_term_that_makes_the_score_missing() -> None:
    model = verify(Model((Input("x"),), (Curve("x", (0.0, 1.0), (0.0, 1e-9)),)))
    pruned, _ = optimize(model, "prune{threshold=1}")
    assert pruned.terms[-1] == model.terms[0]


# --- through the command line ------------------------------------------------------------------


def test_cli_runs_a_pipeline_and_prints_each_pass(recidivism: Model, compas_like: dict, tmp_path: Path) -> None:
    import pandas as pd

    data = tmp_path / "rows.csv"
    pd.DataFrame(compas_like).to_csv(data, index=False)
    done = subprocess.run(
        [sys.executable, "-m", "pwlc", "compile", RECIDIVISM, "-p", "fold-constants,merge-segments{tol=0.05}", "--data", str(data), "-t", "pwl"],
        capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert lines[0].startswith("score change per pass, measured on ")
    fold = next(line for line in lines if line.startswith("fold-constants "))
    merge = next(line for line in lines if line.startswith("merge-segments{tol=0.05} "))
    assert fold.split()[1:7] == ["14", "->", "14", "6", "->", "6"]
    assert merge.split()[1:3] == ["14", "->"] and merge.split()[7] == "0.05"
    expected, _ = optimize(recidivism, "fold-constants,merge-segments{tol=0.05}", pd.read_csv(data))
    assert pwlc.read(done.stdout, format="pwl") == expected


def test_cli_pipeline_mistake_is_one_positioned_message() -> None:
    done = subprocess.run([sys.executable, "-m", "pwlc", "compile", RECIDIVISM, "-p", "round{tol=x}"], capture_output=True, text=True)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.splitlines()[0] == "<pipeline>:1:11: round: option tol: 'x' is not a valid float"
