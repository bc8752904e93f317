"""Whatever pwlc produces passes `verify`: the fitter, distill and every pass, given
adversarial input (knots whose log1p coincide, x near 1e17 or 1e300, values at the edge of
the range a model may hold, ±2**1022).

`verify` refuses a value beyond ±2**1022 and a curve whose knots' transforms are not
strictly increasing (rules 2 and 8 of `pwlc.semantics`); these tests make sure no
producer builds such a model from valid input, and that each refuses what it cannot do
with one of pwlc's own errors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pwlc
from pwlc import Constant, Curve, Grid, Input, KnotAxis, Model, Step, StepAxis, Table, verify
from pwlc.fit import fit
from pwlc.ir import MAX_VALUE, is_valid_term
from pwlc.semantics import transform

M = MAX_VALUE


def ulps(base: float, count: int) -> list[float]:
    """`count` consecutive doubles from `base` up."""
    out = [base]
    for _ in range(count - 1):
        out.append(math.nextafter(out[-1], math.inf))
    return out


# x values where transforms merge distinct doubles: log1p(1e17 + k ulps) take a few values.
CLUSTERS = [ulps(1e17, 40), [x * 16 for x in ulps(1e17, 8)], ulps(1e300, 6), ulps(-1e17, 10), [0.0, 0.5, 3.0, 10.0]]
positions = st.sampled_from(sorted({x for cluster in CLUSTERS for x in cluster}))
values = st.one_of(st.sampled_from([M, -M, math.nextafter(M, 0.0), -M / 3, 0.0]), st.floats(-M, M))


def curve_or_none(feature: str, fx: str, xs: list[float], ys: list[float]) -> Curve | None:
    xs = sorted(set(xs))
    if fx == "log1p":
        xs = [x for x in xs if x > -1]
    if not xs:
        return None
    curve = Curve(feature, tuple(xs), tuple(ys[: len(xs)] + [0.0] * (len(xs) - len(ys))), fx)  # type: ignore[arg-type]
    return curve if is_valid_term(curve) else None


@st.composite
def adversarial_models(draw: st.DrawFn) -> Model:
    terms: list = [Constant(draw(values)) for _ in range(draw(st.integers(0, 3)))]
    for _ in range(2):
        curve = curve_or_none("x", draw(st.sampled_from(["identity", "log1p", "symlog1p"])), draw(st.lists(positions, min_size=1, max_size=6)), draw(st.lists(values, min_size=6, max_size=6)))
        if curve is not None:
            terms.append(Curve(curve.feature, curve.xs, curve.ys, curve.fx, draw(st.none() | values)))
    edges = tuple(sorted(set(draw(st.lists(positions, max_size=4)))))
    terms.append(Step("y", edges, tuple(draw(values) for _ in range(len(edges) + 1)), draw(st.sampled_from(["upper", "lower"])), draw(st.none() | values)))
    terms.append(Table("c", (("a", draw(values)), ("b", draw(values))), draw(values), draw(st.none() | values)))
    knots = tuple(sorted(set(draw(st.lists(positions, min_size=1, max_size=3)))))
    axis_b = StepAxis("y", (1e17,))
    terms.append(Grid(KnotAxis("x", knots), axis_b, tuple((draw(values), draw(values)) for _ in knots), draw(st.none() | values)))
    return verify(Model((Input("x"), Input("y"), Input("c", "categorical")), tuple(draw(st.permutations(terms)))))


def rows_near(model: Model, count: int = 60, seed: int = 0) -> dict[str, object]:
    rng = np.random.default_rng(seed)
    near = np.array(sorted({x for cluster in CLUSTERS for x in cluster}))
    pick = lambda: np.r_[rng.choice(near, count - 2), np.nan, 5.0]  # noqa: E731
    return {"x": pick(), "y": pick(), "c": [*rng.choice(["a", "b", "z"], count - 1).tolist(), None]}


def assert_valid(model: Model) -> None:
    verify(model)
    for term in model.terms:
        if isinstance(term, Curve):
            assert (np.diff(transform(term.fx, np.asarray(term.xs))) > 0).all()


# --- the fitter -----------------------------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(positions, min_size=2, max_size=60),
    st.integers(0, 1022),
    st.sampled_from(["auto", "identity", "log1p", "symlog1p"]),
    st.integers(1, 2**32 - 1),
)
def test_the_fitter_returns_valid_curves_for_adversarial_data(x: list[float], exponent: int, fx: str, seed: int) -> None:
    """Huge x whose transforms coincide, y up to ±2**1022: a valid curve, or pwlc's own
    refusal when the transform asked for cannot be used on these x."""
    y = np.random.default_rng(seed).uniform(-1.0, 1.0, len(x)) * 2.0**exponent
    try:
        result = fit(np.array(x), y, fx=fx, segments=3)
    except pwlc.UnsupportedError as refusal:
        assert fx != "auto" and (f"fx={fx!r}" in str(refusal))
        return
    assert_valid(Model((Input("x"),), (result.curve,)))
    assert max(map(abs, result.curve.ys)) <= M


def test_the_fitter_merges_points_whose_log1p_coincide_instead_of_refusing() -> None:
    x = np.array([0.0, 1.0, 5.0, *ulps(1e17, 30)])
    result = fit(x, np.log1p(x), fx="log1p", segments=3)
    assert_valid(Model((Input("x"),), (result.curve,)))
    assert result.rms < 1e-12


def test_the_fitter_refuses_targets_beyond_the_range_and_fits_those_at_its_edge() -> None:
    x = np.linspace(0.0, 1.0, 50)
    with pytest.raises(pwlc.DataError, match=r"beyond ±2\*\*1022 .* scale the target down"):
        fit(x, np.full(50, 1e308))
    curve = fit(x, M * np.sin(6 * x), segments=4).curve
    assert_valid(Model((Input("x"),), (curve,)))
    assert max(map(abs, curve.ys)) > M / 2


def test_the_fitter_stops_polishing_where_the_curvature_is_beyond_the_doubles() -> None:
    """Data points 1e-283 apart once normalised (x from -1e17 to 1e300) give the polish a
    curvature so large that its damping is lost to rounding and the matrix is singular:
    the polish stops there (was: numpy's LinAlgError)."""
    near = sorted({x for cluster in CLUSTERS for x in cluster})
    x = np.r_[np.random.default_rng(0).choice(near, 58), 5.0]
    for xs, ys, segments, fx in [((-1e17, 0.0), (M, math.nextafter(M, 0.0)), 5, "identity"), ((3.0, 10.0), (M, -M), 3, "auto")]:
        y = pwlc.semantics.curve_values(Curve("x", xs, ys), x)
        result = fit(x, y, segments=segments, fx=fx)
        assert_valid(Model((Input("x"),), (result.curve,)))
        assert np.abs(pwlc.semantics.curve_values(result.curve, x) - y).max() <= 1e-9 * M  # (its sse overflows)


# --- distill --------------------------------------------------------------------------


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(adversarial_models(), st.sampled_from(["auto", "log1p", "identity"]), st.sampled_from([3, None]))
def test_distill_of_an_adversarial_teacher_is_valid(teacher: Model, fx: str, segments: int | None) -> None:
    frame = pd.DataFrame(rows_near(teacher))
    try:
        student = pwlc.distill(teacher, frame, segments=segments, fx=fx)  # None: the budget's allocation
    except (pwlc.UnsupportedError, pwlc.DataError) as refusal:  # a forced transform on x < -1, a shape beyond the range
        assert "fx=" in str(refusal) or "±2**1022" in str(refusal)
        return
    assert_valid(student)


def test_distill_of_a_grid_at_the_edge_of_the_range_stays_within_it() -> None:
    teacher = verify(Model((Input("x"), Input("y")), (Grid(StepAxis("x", (0.5,)), StepAxis("y", (0.5,)), ((M, -M), (-M, M))),)))
    rng = np.random.default_rng(3)
    student = pwlc.distill(teacher, pd.DataFrame({"x": rng.uniform(0, 1, 200), "y": rng.uniform(0, 1, 200)}), pair_knots=3)
    assert_valid(student)


def test_distill_keeps_an_intercept_beyond_the_range_as_parts_that_sum_to_it() -> None:
    teacher = verify(Model((Input("x"),), (Constant(M), Constant(M), Constant(M), Curve("x", (0.0, 1.0), (0.0, 1.0)))))
    data = {"x": np.linspace(0.0, 1.0, 50)}
    student = pwlc.distill(teacher, data)
    assert_valid(student)
    total = 0.0
    for term in student.terms:
        total += term.value if isinstance(term, Constant) else 0.0
    assert total == 3 * M
    assert np.array_equal(pwlc.evaluate(student, data), pwlc.evaluate(teacher, data))


def test_distill_spends_default_segments_evenly_when_the_errors_are_beyond_the_doubles() -> None:
    """Curves swinging between ±2**1022: their sums of squares overflow, so the budget cannot
    compare them (it gave a curve 0 segments) and every curve gets the default count."""
    teacher = verify(Model((Input("x"), Input("y")), (Curve("x", (0.0, 0.5, 1.0), (M, -M, M)), Curve("y", (0.0, 0.3, 1.0), (-M, M, M / 2)))))
    rng = np.random.default_rng(1)
    data = pd.DataFrame({"x": rng.uniform(0, 1, 300), "y": rng.uniform(0, 1, 300)})
    student = pwlc.distill(teacher, data)
    assert_valid(student)
    assert student.terms == pwlc.distill(teacher, data, segments=5).terms


# --- passes ---------------------------------------------------------------------------

PIPELINES = [
    "fold-constants",
    "fold-constants{centre=false}",
    "merge-segments{tol=1e300}",
    "merge-segments{tol=1e-3}",
    "round{tol=1e300,digits=17}",
    "round{tol=1e300}",
    "prune{threshold=1e308}",
    "O2",
]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(adversarial_models(), st.booleans())
def test_every_pass_keeps_an_adversarial_model_valid(model: Model, with_data: bool) -> None:
    data = rows_near(model) if with_data else None
    for pipeline in PIPELINES:
        result, _ = pwlc.optimize(model, pipeline, data=data)  # verifies after every pass
        assert_valid(result)


def test_fold_keeps_apart_curves_whose_merged_knots_would_coincide_once_transformed() -> None:
    a, middle = ulps(1e17, 2)
    assert transform("log1p", np.array([a]))[0] == transform("log1p", np.array([middle]))[0]
    first, second = Curve("x", (0.0, a, 2e17), (0.0, 1.0, 2.0), "log1p"), Curve("x", (0.0, middle, 2e17), (0.0, 3.0, 4.0), "log1p")
    model = verify(Model((Input("x"),), (first, second)))
    folded, _ = pwlc.optimize(model, "fold-constants{centre=false}")
    assert folded.terms == (first, second)  # the union of knots would hold two equal log1p
    grid = {"x": [0.0, a, middle, 1.5e17, 3e17, math.nan]}
    assert np.array_equal(pwlc.evaluate(folded, grid), pwlc.evaluate(model, grid), equal_nan=True)


def test_fold_keeps_an_intercept_beyond_the_range_as_its_parts() -> None:
    model = verify(Model((Input("x"),), (Constant(M), Constant(M), Constant(M), Curve("x", (0.0, 1.0), (0.0, 1.0)))))
    folded, _ = pwlc.optimize(model, "fold-constants")
    assert_valid(folded)
    assert sum(isinstance(t, Constant) for t in folded.terms) >= 2


def test_refit_refuses_values_it_cannot_square_and_keeps_huge_x_valid() -> None:
    pytest.importorskip("cvxpy")
    x = np.array([0.0, 1.0, *ulps(1e17, 20), 3e17])
    curve = Curve("x", (0.0, 1.0, 1e17, 3e17), (0.0, 1.0, 2.0, 3.0), "log1p")
    model = verify(Model((Input("x"),), (curve,)))
    result, _ = pwlc.optimize(model, "refit", data={"x": x}, teacher=np.log1p(x))
    assert_valid(result)
    huge = verify(Model((Input("x"),), (Curve("x", (0.0, 1.0), (-M, M)),)))
    with pytest.raises(pwlc.UnsupportedError, match="refit solves in doubles"):
        pwlc.optimize(huge, "refit", data={"x": np.linspace(0, 1, 20)})
