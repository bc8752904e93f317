"""The fuzzers' yardstick (tests/differential.py): distances in ulps and the envelope that
allows each libm call (log, log1p, exp) to be one ulp off, and nothing else."""

from __future__ import annotations

import math

import numpy as np

from pwlc.ir import Curve, Input, Model, Step
from pwlc.semantics import evaluate
from pwlc.testing import edge_grid
from tests.differential import TOLERANCE_ULPS, expected, ulps_between, ulps_outside


def up(x: float, n: int = 1) -> float:
    for _ in range(n):
        x = math.nextafter(x, math.inf)
    return x


def test_ulps_count_the_doubles_between_two_values_across_zero() -> None:
    a = np.array([1.0, 1.0, 0.0, -5e-324, -1.0, 1e308])
    b = np.array([1.0, up(1.0, 4), -0.0, 5e-324, up(-1.0), up(1e308, 3)])
    assert ulps_between(a, b).tolist() == [0, 4, 0, 2, 1, 3]


def test_a_model_without_transforms_has_no_envelope_and_five_ulps_are_off() -> None:
    model = Model((Input("x"),), (Curve("x", (0.0, 3.0), (0.1, 7.3)), Step("x", (1.0,), (0.0, 2.0))), "exp")
    columns = edge_grid(model)
    want = expected(model, columns)
    assert np.array_equal(want.score_low, want.score_high, equal_nan=True)
    assert np.array_equal(want.score, evaluate(model, columns, output="score"), equal_nan=True)
    got = np.array([up(v, 5) if math.isfinite(v) else v for v in want.score])
    distance = ulps_outside(got, want.score, want.score_low, want.score_high)
    assert (distance[np.isfinite(want.score) & (want.score != 0)] == 5).all()
    assert (distance > TOLERANCE_ULPS).any()


def test_a_transform_one_ulp_off_stays_inside_the_envelope_even_between_close_knots() -> None:
    x0 = 1.0
    x1 = up(x0, 8)  # log1p of the two knots are a few ulps apart: one ulp is a big share
    curve = Curve("x", (x0, x1), (0.0, 1.0), "log1p")
    model = Model((Input("x"),), (curve,))
    columns = {"x": [up(x0, k) for k in range(1, 8)]}
    want = expected(model, columns)
    x = np.array(columns["x"])
    t, t0, t1 = np.log1p(x), np.log1p(x0), np.log1p(x1)
    # an engine whose log1p rounds the other way at the input and at the upper knot
    engine = (np.nextafter(t, np.inf) - t0) / (np.nextafter(t1, -np.inf) - t0)
    assert not np.array_equal(engine, want.score)
    assert (ulps_outside(engine, want.score, want.score_low, want.score_high, want.nan_allowed) == 0).all()
    assert (want.score_high - want.score_low > 0).all()


def test_missing_must_meet_missing_unless_a_division_by_zero_is_within_an_ulp() -> None:
    value = np.array([1.0, math.nan, 2.0])
    got = np.array([math.nan, 1.0, math.nan])
    allowed = np.array([False, False, True])
    distance = ulps_outside(got, value, value, value, allowed)
    assert distance.tolist() == [math.inf, math.inf, 0.0]
