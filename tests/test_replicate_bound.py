"""benchmarks/replicate_budget.py's exhaustive search of small students (the COMPAS 3-knot
bound, issue 21): on a score that is exactly such a student, the search finds it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmarks.replicate_budget import _exhaustive


@pytest.mark.parametrize("seed", range(6))
def test_the_exhaustive_search_finds_a_planted_three_knot_student(seed: int) -> None:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.integers(0, 15, 400).astype(np.float64), "b": rng.integers(18, 33, 400).astype(np.float64)})
    if seed % 2:  # a step of two edges on a, a step on b
        structure = (("a", "step", 2), ("b", "step", 1))
        edges = np.sort(rng.choice(np.arange(1, 15), 2, replace=False))
        edge_b = rng.integers(19, 33)
        planted = rng.normal(size=3)
        score = planted[0] * (X.a >= edges[0]) + planted[1] * (X.a >= edges[1]) + planted[2] * (X.b >= edge_b)
    else:  # a curve of two knots on b, a step on a
        structure = (("b", "curve", 2), ("a", "step", 1))
        knots = np.sort(rng.choice(np.arange(18, 33), 2, replace=False))
        edge_a = rng.integers(1, 15)
        low, high, jump = rng.normal(size=3)
        score = np.interp(X.b, knots, [low, high]) + jump * (X.a >= edge_a)
    score = np.asarray(score, dtype=np.float64)
    train, test = np.arange(300), np.arange(300, 400)
    X_train, X_test = X.iloc[train].reset_index(drop=True), X.iloc[test].reset_index(drop=True)
    offset_test = rng.normal(size=test.size)
    _, found = _exhaustive(structure, "teacher", X_train, score[train], np.zeros(train.size), X_test, offset_test)
    # every value a and b take is a candidate (15 distinct, at most COARSE): the search finds
    # the planted positions, and the least-squares values then reproduce the score exactly
    np.testing.assert_allclose(found - offset_test, score[test], atol=1e-9)
