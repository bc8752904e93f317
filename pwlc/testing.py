"""Checking models against each other and against emitted code.

- `edge_grid(model)`: inputs that probe every boundary of a model (every knot and edge
  ±1 ulp, a linear term's overflow points, midpoints, missing, ±inf, huge and subnormal values, every category and an
  unseen one): what emitted code is checked against the reference evaluator on.
- `assert_models_close(a, b, data=None, tol=0)`: for users' regression tests, fails with
  the `pwlc diff` of the two models.
- `mismatches`: rows where two score arrays disagree.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pwlc.ir import AnyModel, CategoryAxis, Curve, Grid, KnotAxis, Linear, Step, StepAxis, Table, all_terms

UNSEEN_CATEGORY = "<unseen category>"


def _boundaries(model: AnyModel) -> dict[str, set[float] | set[str]]:
    found: dict[str, set] = {declared.name: set() for declared in model.inputs}
    for term in all_terms(model):
        if isinstance(term, Curve):
            found[term.feature].update(term.xs)
        elif isinstance(term, Step):
            found[term.feature].update(term.edges)
        elif isinstance(term, Table):
            found[term.feature].update(key for key, _ in term.entries)
        elif isinstance(term, Grid):
            for axis in (term.a, term.b):
                if isinstance(axis, StepAxis):
                    found[axis.feature].update(axis.edges)
                elif isinstance(axis, KnotAxis):
                    found[axis.feature].update(axis.knots)
                elif isinstance(axis, CategoryAxis):
                    found[axis.feature].update(axis.categories)
        elif isinstance(term, Linear):
            found[term.feature].update(linear_boundaries(term.slope))
    return found


def linear_boundaries(slope: float) -> list[float]:
    """Where `slope * x` changes regime, on both signs: the largest x whose product is a
    finite double (beyond it the product overflows to ±inf) and the smallest whose product
    is a normal double (below it, subnormal), plus ±1e6, far beyond any training range."""
    points = [1e6]
    for product in (sys.float_info.max, sys.float_info.min):
        x = product / abs(slope)
        if math.isfinite(x) and x != 0.0:
            points.append(x)
    return points + [-p for p in points]


# Inputs every numeric column is probed with, whatever the model: missing, both infinities,
# both zeros, the largest doubles and the smallest subnormals (each an edge of an engine's
# arithmetic: overflow in a difference, underflow in a weight).
SPECIAL_VALUES = (math.nan, -math.inf, math.inf, 0.0, -0.0, 1e308, -1e308, sys.float_info.max, -sys.float_info.max, 5e-324, -5e-324)
# A grid's two inputs are also probed together, every probe of one against every probe of
# the other, up to this many rows a grid (evenly thinned beyond).
GRID_PRODUCT = 4096


def numeric_probes(points: set[float]) -> list[float]:
    """Every point, its neighbours one ulp away, midpoints, one past each end, and the
    special values."""
    ordered = sorted(points)
    probes: list[float] = list(SPECIAL_VALUES)
    for p in ordered:
        probes += [p, math.nextafter(p, -math.inf), math.nextafter(p, math.inf)]
    probes += [_midpoint(a, b) for a, b in zip(ordered, ordered[1:])]
    if ordered:
        probes += [ordered[0] - 1.0, ordered[-1] + 1.0]
    return probes


def _midpoint(a: float, b: float) -> float:
    """(a + b) / 2, also where a + b overflows."""
    total = a + b
    return total / 2 if math.isfinite(total) else a / 2 + b / 2


def edge_grid(model: AnyModel) -> dict[str, list]:
    """Columns (one per input) that visit every knot and edge, ±1 ulp around each,
    midpoints, NaN/None, ±inf, ±0.0, ±1e308, the largest and the smallest (subnormal)
    doubles, every category, an unseen category and None; for a linear term, ±1e6 and
    where its product overflows or turns subnormal (`linear_boundaries`), ±1 ulp.

    Columns are cycled to a common length, so every probe of every input appears at least
    once; each input is also shown missing while the others are not; a grid's two inputs
    are probed against each other (every pair of probes, up to GRID_PRODUCT rows), and a
    grid's missing row (or column) is visited at every probe of the other axis. A
    multiclass model's grid visits every class's knots and edges.
    """
    boundaries = _boundaries(model)
    probes: dict[str, list] = {}
    for declared in model.inputs:
        points = boundaries[declared.name]
        if declared.kind == "categorical":
            probes[declared.name] = [*sorted(points), UNSEEN_CATEGORY, None]
        else:
            probes[declared.name] = numeric_probes(points)  # type: ignore[arg-type]
    rows = max((len(p) for p in probes.values()), default=1)
    # Offset each column so that different inputs are missing on different rows.
    columns = {
        name: [values[(i + shift) % len(values)] for i in range(rows)]
        for shift, (name, values) in enumerate(probes.items())
    }

    def add_row(values: dict[str, object]) -> None:
        k = len(next(iter(columns.values()), ()))
        for name, column in columns.items():
            column.append(values[name] if name in values else column[k % rows])

    missing = {declared.name: None if declared.kind == "categorical" else math.nan for declared in model.inputs}
    present = {name: next(v for v in values if v is not None and v == v) for name, values in probes.items()}
    for name in probes:  # each input missing while every other one is present
        add_row({**present, name: missing[name]})
    walked: set[tuple[str, str, bool, bool]] = set()
    for term in all_terms(model):
        if not isinstance(term, Grid):
            continue
        a, b = term.a.feature, term.b.feature
        # The rows depend only on the two inputs (and which missing lines exist): a pair
        # every class of a multiclass model holds is walked once.
        walk = (a, b, term.missing_a is not None, term.missing_b is not None)
        if walk in walked:
            continue
        walked.add(walk)
        for x in _thinned(probes[a]):
            for y in _thinned(probes[b]):
                add_row({a: x, b: y})
        # A grid's missing row (column) is read along the other axis: walk that axis with
        # the row's input missing.
        for absent, along, line in ((term.a, term.b, term.missing_a), (term.b, term.a, term.missing_b)):
            if line is not None:
                for value in probes[along.feature]:
                    add_row({absent.feature: missing[absent.feature], along.feature: value})
    return columns


def _thinned(values: list) -> list:
    """At most sqrt(GRID_PRODUCT) of `values`, evenly spaced (all of them when few)."""
    most = math.isqrt(GRID_PRODUCT)
    if len(values) <= most:
        return values
    return [values[i * len(values) // most] for i in range(most)]


def grid_as_arrays(model: AnyModel, grid: dict[str, list]) -> dict[str, object]:
    """The same grid with numeric columns as float64 arrays (None -> NaN)."""
    out: dict[str, object] = {}
    for declared in model.inputs:
        column = grid[declared.name]
        out[declared.name] = column if declared.kind == "categorical" else np.array(column, dtype=np.float64)
    return out


def mismatches(actual: object, expected: object, rtol: float = 1e-12, atol: float = 1e-12) -> list[int]:
    """Rows where two score arrays disagree: NaN must meet NaN, infinities must be equal,
    finite values must agree to `rtol` relative (or `atol` absolute, near zero)."""
    a = np.asarray(actual, dtype=np.float64).ravel()
    e = np.asarray(expected, dtype=np.float64).ravel()
    if a.shape != e.shape:
        raise ValueError(f"{a.size} results for {e.size} expected values")
    both_nan = np.isnan(a) & np.isnan(e)
    with np.errstate(invalid="ignore"):
        close = (a == e) | (np.abs(a - e) <= np.maximum(atol, rtol * np.abs(e)))
    return [int(i) for i in np.flatnonzero(~(both_nan | close))]


def xgboost_leaves(model: Any, X: Any) -> tuple[np.float32, NDArray[np.float32]]:
    """The base margin and, for each row of `X` and each tree, the value of the leaf that
    XGBoost itself picks (`pred_leaf`), both as the float32 numbers XGBoost adds.

    This is how pwlc shows its XGBoost lowering exact: the lowered model's score equals the
    float64 sum of these leaves, and adding them in float32, tree after tree as XGBoost
    does, gives `predict(output_margin=True)` bit for bit. `X` must be NaN or within
    float32's range (XGBoost's DMatrix refuses ±inf and values like 1e308).
    """
    import json

    import xgboost

    from pwlc.frontends.xgboost import link_and_base_margin

    booster = model.get_booster() if hasattr(model, "get_booster") else model
    trees = json.loads(booster.save_raw("json"))["learner"]["gradient_booster"]["model"]["trees"]
    leaf_ids = booster.predict(xgboost.DMatrix(X, missing=np.nan), pred_leaf=True).astype(np.int64).reshape(len(X), len(trees))
    leaf_values = np.empty(leaf_ids.shape, dtype=np.float32)
    for t, tree in enumerate(trees):
        leaf_values[:, t] = np.asarray(tree["split_conditions"], dtype=np.float32)[leaf_ids[:, t]]
    learner = json.loads(booster.save_config())["learner"]
    return np.float32(link_and_base_margin(learner)[1]), leaf_values


def assert_models_close(a: Any, b: Any, data: Any = None, tol: float = 0.0) -> None:
    """Fail (AssertionError) when the score of model `b` moves more than `tol` from model
    `a`'s, on the rows of `data` (a DataFrame or mapping of columns) or, without data, on
    both models' edge grids; the message is their `pwlc diff`. `a` and `b` are models or
    files pwlc reads (.pwl, .py, .c, .sql): a regression test for a model kept as code.

        assert_models_close("model.pwl", "deployed/risk.sql", tol=1e-9)
    """
    from pwlc.diff import compare, load

    labels = tuple(str(m) if not hasattr(m, "inputs") else "a" if m is a else "b" for m in (a, b))  # a file's name, or a model
    comparison = compare(load(a), load(b), data, labels=(labels[0], labels[1]))
    if not comparison.within(tol):
        raise AssertionError("\n".join([f"{labels[1]} differs from {labels[0]}:", *comparison.lines(tol, worst_rows=True)]))
