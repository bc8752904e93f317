"""refit: the design matrix against the reference evaluator, and the joint solutions
against independent solvers (numpy least squares, scikit-learn's logistic regression)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings

import pwlc
from pwlc.errors import DataError, PwlcError, UnsupportedError
from pwlc.ir import Constant, Curve, Input, Linear, Model, Step, Table, verify
from pwlc.passes import optimize
from pwlc.passes.context import PassData, output_values, with_output_values
from pwlc.passes.refit import Refit
from pwlc.passes.refit.design import LARGEST, Layout
from pwlc.passes.refit.statistics import choose_form, sufficient_statistics
from pwlc.semantics import evaluate, evaluate_terms, prepare_columns
from pwlc.testing import edge_grid, grid_as_arrays

from .strategies import models
from .test_passes import term_as

GOLDEN_MODELS = sorted((Path(__file__).resolve().parent.parent / "golden" / "models").glob("*.pwl"))


def reference_design(model: Model, data: object) -> np.ndarray:
    """The design built by the reference evaluator alone: column j is the score of the
    model whose values are all zero except value j (the intercept is column 0)."""
    layout = Layout(model)
    zero = [with_output_values(t, [0.0] * len(output_values(t))) for t in layout.terms]
    columns = [evaluate(Model(model.inputs, (Constant(1.0), *zero)), data, output="score")]
    for k, term in enumerate(layout.terms):
        for j in range(len(output_values(term))):
            unit = [0.0] * len(output_values(term))
            unit[j] = 1.0
            terms = list(zero)
            terms[k] = with_output_values(term, unit)
            columns.append(evaluate(Model(model.inputs, tuple(terms)), data, output="score"))
    return np.column_stack(columns)


@pytest.mark.parametrize("path", GOLDEN_MODELS, ids=[p.stem for p in GOLDEN_MODELS])
def test_design_equals_the_reference_evaluator(path: Path) -> None:
    model = pwlc.read(path)
    data = grid_as_arrays(model, edge_grid(model))
    columns, rows = prepare_columns(model, data)
    design, keep = Layout(model).design(columns, slice(0, rows))
    expected = evaluate(model, data, output="score")
    assert np.array_equal(keep, ~np.isnan(expected)), "rows left out are exactly the rows with a missing score"
    reference = reference_design(model, data)
    np.testing.assert_allclose(design.toarray()[keep], reference[keep], rtol=0, atol=1e-12)
    np.testing.assert_allclose(design[keep] @ Layout(model).theta0, expected[keep], rtol=1e-12, atol=1e-12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(linear=True))
def test_design_equals_the_reference_evaluator_on_random_models(model: Model) -> None:
    assume(all(abs(t.slope) <= LARGEST for t in model.terms if isinstance(t, Linear)))  # refit refuses larger values
    data = grid_as_arrays(model, edge_grid(model))
    columns, rows = prepare_columns(model, data)
    design, keep = Layout(model).design(columns, slice(0, rows))
    expected = evaluate(model, data, output="score")
    # rows left out: a missing score, or a linear term's input beyond ±LARGEST (±inf too)
    unbounded = np.zeros(rows, dtype=bool)
    for term in model.terms:
        if isinstance(term, Linear):
            unbounded |= np.abs(np.asarray(columns[term.feature], dtype=np.float64)) > LARGEST
    assert np.array_equal(keep, ~np.isnan(expected) & ~unbounded)
    # compared where no term is infinite (a linear term's product may overflow), to the
    # size of the row's terms (a product may dwarf the values)
    contributions = evaluate_terms(model, data)[keep]
    finite = np.isfinite(contributions).all(axis=1)
    scale = 1.0 + max((abs(v) for t in model.terms for v in output_values(t)), default=0.0) + np.abs(contributions[finite]).sum(axis=1)
    with np.errstate(over="ignore", invalid="ignore"):
        got = design[keep] @ Layout(model).theta0
    assert np.all(np.abs(got[finite] - expected[keep][finite]) <= 1e-9 * scale)


@pytest.fixture
def problem() -> tuple[Model, dict[str, object]]:
    """A model with a curve on a log scale, a step, a table, and correlated inputs."""
    rng = np.random.default_rng(7)
    n = 3000
    age = rng.uniform(18, 70, n)
    priors = np.where(rng.uniform(size=n) < 0.1, np.nan, np.round(rng.exponential(3, n) + (70 - age) / 20))
    group = rng.choice(["a", "b", "c", "d"], n).tolist()
    model = verify(
        Model(
            (Input("age"), Input("priors"), Input("group", "categorical")),
            (
                Constant(-0.3),
                Curve("age", (18.0, 25.0, 40.0, 70.0), (0.8, 0.3, -0.2, -0.5), "log"),
                Step("priors", (1.0, 3.0, 8.0), (-0.5, 0.0, 0.4, 1.0), "lower", 0.1),
                Table("group", (("a", 0.2), ("b", -0.1), ("c", 0.0)), 0.05, -0.2),
            ),
            "logistic",
        )
    )
    return model, {"age": age, "priors": priors, "group": group}


def perturbed(model: Model, seed: int = 0) -> Model:
    rng = np.random.default_rng(seed)
    terms = [with_output_values(t, [v + rng.normal(0, 0.3) for v in output_values(t)]) for t in model.terms]
    return replace(model, terms=tuple(terms))


def test_refit_recovers_the_teacher_when_the_knots_allow(problem: tuple[Model, dict]) -> None:
    truth, data = problem
    start = perturbed(truth)
    teacher = evaluate(truth, data, output="score")
    fitted, report = optimize(start, "refit", data, teacher=teacher)
    assert np.max(np.abs(evaluate(fitted, data, output="score") - teacher)) < 1e-5
    assert "RMS to teacher" in report.passes[0].note


def test_squared_refit_matches_least_squares(problem: tuple[Model, dict]) -> None:
    truth, data = problem
    rng = np.random.default_rng(1)
    target = evaluate(truth, data, output="score") + rng.normal(0, 0.5, len(data["age"]))
    target += 0.3 * np.sin(np.asarray(data["age"]) / 5)  # something the knots cannot follow
    start = perturbed(truth)
    fitted = Refit(ridge=0.0).run(start, PassData.from_data(start, data, target))
    design = reference_design(start, data)
    keep = ~np.isnan(design).any(axis=1)
    solution, *_ = np.linalg.lstsq(design[keep], target[keep], rcond=None)
    np.testing.assert_allclose(evaluate(fitted, data, output="score"), design @ solution, atol=1e-5)


@pytest.mark.parametrize("solver", ["CLARABEL", "OSQP", "SCS", "HIGHS"])
def test_every_installed_qp_solver_gives_the_same_fit(problem: tuple[Model, dict], solver: str) -> None:
    import cvxpy as cp

    if solver not in cp.installed_solvers():
        pytest.skip(f"cvxpy has no {solver} here")
    truth, data = problem
    target = evaluate(truth, data, output="score") + np.sin(np.asarray(data["age"]) / 5)
    reference, _ = optimize(truth, "refit", data, teacher=target)
    fitted, _ = optimize(truth, f"refit{{solver={solver}}}", data, teacher=target)
    np.testing.assert_allclose(evaluate(fitted, data, output="score"), evaluate(reference, data, output="score"), atol=1e-3)


def test_chunked_statistics_give_the_same_fit(problem: tuple[Model, dict]) -> None:
    truth, data = problem
    start = perturbed(truth)
    context = PassData.from_data(start, data, evaluate(truth, data, output="score") + np.cos(data["age"]))
    whole = Refit().run(start, context)
    chunked = Refit(chunk=7).run(start, context)
    np.testing.assert_allclose(evaluate(whole, data, output="score"), evaluate(chunked, data, output="score"), atol=1e-6)


def test_dense_and_sparse_statistics_agree(problem: tuple[Model, dict]) -> None:
    truth, data = problem
    context = PassData.from_data(truth, data, np.cos(data["age"]))
    layout, weight = Layout(truth), np.linspace(0.5, 2.0, context.rows)
    dense = sufficient_statistics(layout, context, context.target_scores, weight, 1000, dense=True)
    sparse = sufficient_statistics(layout, context, context.target_scores, weight, 1000, dense=False)
    for a, b in zip(dense, sparse):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-12, atol=1e-9)
    design = reference_design(truth, data)
    keep = ~np.isnan(design).any(axis=1)
    np.testing.assert_allclose(dense[0], design[keep].T @ (weight[keep, None] * design[keep]), rtol=1e-12, atol=1e-9)


def test_logistic_refit_matches_scikit_learn(problem: tuple[Model, dict]) -> None:
    from sklearn.linear_model import LogisticRegression

    truth, data = problem
    rng = np.random.default_rng(2)
    labels = (rng.uniform(size=len(data["age"])) < evaluate(truth, data)).astype(float)
    start = perturbed(truth)
    fitted, report = optimize(start, "refit{target=labels,label=y,ridge=0}", {**data, "y": labels})
    design = reference_design(start, data)
    sklearn_fit = LogisticRegression(C=np.inf, fit_intercept=False, tol=1e-10, max_iter=10000).fit(design, labels)
    np.testing.assert_allclose(evaluate(fitted, data), sklearn_fit.predict_proba(design)[:, 1], atol=2e-4)
    assert "log loss" in report.passes[0].note


def test_logistic_fit_uses_every_row_or_a_stated_sample(problem: tuple[Model, dict]) -> None:
    truth, data = problem
    rng = np.random.default_rng(3)
    labels = (rng.uniform(size=len(data["age"])) < evaluate(truth, data)).astype(float)
    twice = {k: (v + v if isinstance(v, list) else np.concatenate([v, v])) for k, v in {**data, "y": labels}.items()}
    once, _ = optimize(truth, "refit{target=labels,label=y}", {**data, "y": labels})
    doubled, report = optimize(truth, "refit{target=labels,label=y}", twice)
    np.testing.assert_allclose(evaluate(once, data), evaluate(doubled, data), atol=1e-6)
    assert "Newton steps" in report.passes[0].note and "sample" not in report.passes[0].note
    _, sampled = optimize(truth, "refit{target=labels,label=y,max_rows=1000}", twice)
    assert "fitted on a sample of 1000 of 6000 rows" in sampled.passes[0].note


@pytest.mark.parametrize("weighted_pipeline, pipeline", [("refit{weight=w}", "refit"), ("refit{target=labels,label=y,weight=w}", "refit{target=labels,label=y}")])
def test_integer_weights_equal_repeated_rows(problem: tuple[Model, dict], weighted_pipeline: str, pipeline: str) -> None:
    truth, data = problem
    rng = np.random.default_rng(5)
    labels = (rng.uniform(size=len(data["age"])) < evaluate(truth, data)).astype(float)
    counts = rng.integers(0, 4, len(labels))
    teacher = evaluate(truth, data, output="score") + np.cos(np.asarray(data["age"]))
    repeat = np.repeat(np.arange(len(labels)), counts)
    repeated = {k: ([v[i] for i in repeat] if isinstance(v, list) else v[repeat]) for k, v in {**data, "y": labels}.items()}
    weighted, _ = optimize(truth, weighted_pipeline, {**data, "y": labels, "w": counts}, teacher=teacher)
    expanded, _ = optimize(truth, pipeline, repeated, teacher=teacher[repeat])
    np.testing.assert_allclose(evaluate(weighted, data, output="score"), evaluate(expanded, data, output="score"), atol=1e-5)


def test_monotone_logistic_fit_is_monotone_and_no_worse_than_its_start(problem: tuple[Model, dict]) -> None:
    truth, data = problem
    rng = np.random.default_rng(4)
    labels = (rng.uniform(size=len(data["age"])) < evaluate(truth, data)).astype(float)
    fitted, report = optimize(truth, "refit{target=labels,label=y,monotone=age:-;priors:+}", {**data, "y": labels})
    assert np.all(np.diff(term_as(fitted, 1, Curve).ys) <= 1e-7) and np.all(np.diff(term_as(fitted, 2, Step).values) >= -1e-7)
    before, after = (float(v.split()[0]) for v in report.passes[0].note.removeprefix("log loss: ").split("->"))
    assert after <= before


def test_monotone_and_smooth_options(problem: tuple[Model, dict]) -> None:
    truth, data = problem
    wiggly = evaluate(truth, data, output="score") + 0.5 * np.sin(np.asarray(data["age"]))
    flexible = replace(truth, terms=(truth.terms[0], Curve("age", tuple(float(x) for x in np.linspace(18, 70, 12)), (0.0,) * 12), *truth.terms[2:]))
    context = PassData.from_data(flexible, data, wiggly)
    free = Refit().run(flexible, context)
    ys = np.array(term_as(free, 1, Curve).ys)
    assert np.any(np.diff(ys) > 0) and np.any(np.diff(ys) < 0), "the unconstrained fit follows the wiggle"
    down = Refit(monotone="age:-;priors:+").run(flexible, context)
    assert np.all(np.diff(term_as(down, 1, Curve).ys) <= 1e-7) and np.all(np.diff(term_as(down, 2, Step).values) >= -1e-7)
    smooth = Refit(smooth=1.0).run(flexible, context)
    assert np.sum(np.diff(term_as(smooth, 1, Curve).ys, 2) ** 2) < 0.1 * np.sum(np.diff(ys, 2) ** 2)


def test_unidentified_values_stay_put(problem: tuple[Model, dict]) -> None:
    truth, data = problem
    group_d = np.array([g == "d" for g in data["group"]])
    fitted, _ = optimize(truth, "refit", data, teacher=evaluate(truth, data, output="score") + 0.3 * group_d)
    table = term_as(fitted, 3, Table)
    assert table.missing == pytest.approx(-0.2, abs=1e-6), "no row has a missing group"
    # Group "d" is not in the table: its rows are fitted through the default.
    assert table.default - table.lookup()["a"] == pytest.approx(0.05 - 0.2 + 0.3, abs=1e-4)


@pytest.mark.parametrize(
    "pipeline, data_extra, error, message",
    [
        ("refit{target=labels}", {}, PwlcError, "target=labels needs label="),
        ("refit{target=labels,label=nope}", {}, DataError, "data has no column 'nope'"),
        ("refit{solver=NOPE}", {}, UnsupportedError, "solver 'NOPE' is not installed"),
        ("refit{monotone=colour:+}", {}, UnsupportedError, "monotone feature 'colour'"),
        ("refit{loss=logistic}", {}, PwlcError, "loss=logistic needs target=labels"),
        ("refit{target=labels,label=y}", {"y": 2.0}, DataError, "0 or 1"),
        ("refit{max_iter=0}", {}, PwlcError, "max_iter >= 1"),
        ("refit{form=sparse}", {}, PwlcError, "form must be .dense., .factored. or .auto."),
        ("refit{weight=w}", {"w": -1.0}, DataError, "weight column 'w' must hold finite numbers >= 0"),
    ],
)
def test_refit_mistakes_are_pwlc_errors(problem: tuple[Model, dict], pipeline: str, data_extra: dict, error: type, message: str) -> None:
    truth, data = problem
    extra = {k: np.full(len(data["age"]), v) for k, v in data_extra.items()}
    with pytest.raises(error, match=message.replace("(", r"\(")):
        optimize(truth, pipeline, {**data, **extra})


def test_refit_needs_data(problem: tuple[Model, dict]) -> None:
    with pytest.raises(PwlcError, match="refit needs data"):
        optimize(problem[0], "refit")
    with pytest.raises(PwlcError, match="teacher scores need the data rows"):
        optimize(problem[0], "refit", teacher=[1.0, 2.0])
    with pytest.raises(DataError, match="teacher scores have 2 values for 3000 rows"):
        optimize(problem[0], "refit", problem[1], teacher=[1.0, 2.0])


# --- the two formulations: G = X^T W X (dense) and X itself (factored) ---------------------


@pytest.mark.parametrize(
    "options",
    ["", "weight=w", "monotone=age:-;priors:+", "smooth=0.1", "target=labels,label=y", "target=labels,label=y,weight=w,monotone=age:-;priors:+"],
)
def test_dense_and_factored_forms_give_the_same_fit(problem: tuple[Model, dict], options: str) -> None:
    truth, data = problem
    rng = np.random.default_rng(6)
    labels = (rng.uniform(size=len(data["age"])) < evaluate(truth, data)).astype(float)
    extra = {"y": labels, "w": rng.uniform(0.5, 2.0, len(labels))}
    teacher = evaluate(truth, data, output="score") + 0.5 * np.sin(np.asarray(data["age"]))
    start = perturbed(truth)
    fits = {}
    for form in ("dense", "factored"):
        pipeline = "refit{" + ",".join(filter(None, [options, f"form={form}"])) + "}"
        fits[form] = optimize(start, pipeline, {**data, **extra}, teacher=teacher)
    dense, factored = (Layout(fits[form][0]).theta0 for form in ("dense", "factored"))
    np.testing.assert_allclose(factored, dense, atol=1e-5)
    notes = [fits[form][1].passes[0].note.split(" (")[0] for form in ("dense", "factored")]
    assert notes[0] == notes[1], "the same loss before and after, computed from G or from X"


def wide_model(curves: int, knots: int = 10) -> Model:
    """Many curves on few inputs (three a feature, knots shifted): many more values than rows."""
    inputs = tuple(Input(f"x{i}") for i in range((curves + 2) // 3))
    terms = [Curve(f"x{t // 3}", tuple(float(k + t % 3) for k in range(knots)), tuple(float((7 * t + 3 * k) % 11 - 5) for k in range(knots))) for t in range(curves)]
    return verify(Model(inputs, (Constant(0.25), *terms)))


def test_factored_fit_with_more_values_than_rows_matches_the_ridge_solution() -> None:
    """p > rows: the ridge decides the fit; numpy's solve of the normal equations on the
    reference design, with the scale taken as the mean diagonal of G, agrees."""
    model = wide_model(30)  # 301 values
    rng = np.random.default_rng(8)
    data = {i.name: rng.uniform(-1.0, 13.0, 40) for i in model.inputs}
    target = evaluate(model, data, output="score") + rng.normal(0, 1.0, 40)
    ridge = 1e-3
    assert choose_form(Layout(model), 40) == "factored"
    fitted = Refit(ridge=ridge).run(model, PassData.from_data(model, data, target))
    design = reference_design(model, data)
    theta0 = Layout(model).theta0
    gram = design.T @ design / 40
    scale = np.mean(np.diag(gram))
    expected = np.linalg.solve(gram + ridge * scale * np.eye(len(theta0)), design.T @ target / 40 + ridge * scale * theta0)
    np.testing.assert_allclose(Layout(fitted).theta0, expected, atol=1e-5)


def test_auto_form_picks_factored_for_few_rows_and_many_values(problem: tuple[Model, dict]) -> None:
    wide = Layout(wide_model(300))  # 3,001 values, 601 nonzeros a row
    assert choose_form(wide, 256) == "factored"
    assert choose_form(wide, 100_000) == "dense"  # 60M nonzeros, G has 9M entries
    assert choose_form(Layout(problem[0]), 3000) == "dense"  # 15 values
    assert choose_form(Layout(problem[0]), 3000, "factored") == "factored"


def test_factored_form_never_builds_a_values_by_values_matrix() -> None:
    import importlib
    import tracemalloc

    importlib.import_module("cvxpy")  # before tracing: importing it is not part of the fit
    model = wide_model(600)  # 6,001 values: G would be 288 MB
    rng = np.random.default_rng(9)
    data = {i.name: rng.uniform(-1.0, 13.0, 64) for i in model.inputs}
    context = PassData.from_data(model, data, evaluate(model, data, output="score") + rng.normal(0, 0.1, 64))
    tracemalloc.start()
    try:
        Refit(monotone="x0:+", smooth=0.01).run(model, context)  # numpy, scipy and cvxpy's Python side
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50e6, f"{peak / 1e6:.0f} MB traced"


def test_over_the_memory_budget_refit_refuses_and_names_a_sample_that_fits(problem: tuple[Model, dict], monkeypatch: pytest.MonkeyPatch) -> None:
    import pwlc.passes.refit.statistics as refit

    truth, data = problem
    teacher = evaluate(truth, data, output="score")
    monkeypatch.setattr(refit, "PEAK_BYTES", {"dense": 100, "factored": 100})
    monkeypatch.setattr(refit, "MEMORY_BUDGET", 30_000)  # G of 15 values: 22,500 bytes fits
    optimize(truth, "refit", data, teacher=teacher)
    monkeypatch.setattr(refit, "MEMORY_BUDGET", 20_000)  # and X of 3,000 rows x 5 nonzeros does not
    with pytest.raises(PwlcError, match=r"over the budget of .* GiB; fit on a sample with max_rows=(\d+)") as error:
        optimize(truth, "refit", data, teacher=teacher)
    rows = int(error.value.args[0].rsplit("max_rows=", 1)[1].split()[0])
    _, report = optimize(truth, f"refit{{max_rows={rows}}}", data, teacher=teacher)
    assert f"fitted on a sample of {rows} of 3000 rows" in report.passes[0].note
