"""refit{alternate=N}: knots moved jointly, by alternating two fits (squared loss only).

The joint refit solves every value with the knots where the per-curve fits put them, but
a knot placed for a curve alone need not be where the sum of all terms wants it (a curve
that must also carry part of a dropped or correlated term). Each round:

1. knots: for each curve in turn, the fitter (`pwlc.fit.fit`, its local search over knot
   positions, the same segment count and fx, the refit's monotone direction) fits the
   residual of the target after every other term, averaged over the rows at each distinct
   input value (weighted by their row weights); a missing value becomes the residual's
   mean over the rows where the input is missing. This is backfitting: each curve's step
   lowers the loss with the others fixed.
2. values: the convex joint refit re-solves every value with the new knots (the ridge as
   given or as cross-validation chose it; when it chose no refit, nothing moves).

A round is kept only if it lowers the loss on the rows (else the rounds stop): at most N
rounds, never further from the target on the rows fitted than the refit alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from pwlc.ir import Curve, Model, Term
from pwlc.passes.context import PassData
from pwlc.semantics import _numeric

SHAPE = {1: "increasing", -1: "decreasing", 0: "none"}


def alternate(
    model: Model,
    data: PassData,
    target: NDArray[np.float64],
    weight: NDArray[np.float64],
    rounds: int,
    directions: dict[str, int],
    resolve: Callable[[Model], Model],
) -> tuple[Model, str]:
    """Up to `rounds` rounds of knot moves and joint value refits from `model` (already
    refitted); returns the best model and a note of the loss per round kept."""
    start = mean_squared_error(model, data, target, weight)
    best, best_loss, kept = model, start, 0
    for _ in range(rounds):
        moved = _move_knots(best, data, target, weight, directions)
        candidate = resolve(moved)
        loss = mean_squared_error(candidate, data, target, weight)
        if not loss < best_loss * (1 - 1e-9):
            break
        best, best_loss, kept = candidate, loss, kept + 1
    return (
        best,
        f"alternating knots: {kept} of {rounds} rounds kept, RMS {np.sqrt(start):.4g} -> {np.sqrt(best_loss):.4g}",
    )


def mean_squared_error(model: Model, data: PassData, target: NDArray[np.float64], weight: NDArray[np.float64]) -> float:
    """The weighted mean squared error on the rows with a score and a finite target."""
    score = data.score(model)
    keep = np.isfinite(score) & np.isfinite(target)
    total = float(weight[keep].sum())
    return float(weight[keep] @ (score[keep] - target[keep]) ** 2) / max(total, 1e-300)


def _move_knots(
    model: Model,
    data: PassData,
    target: NDArray[np.float64],
    weight: NDArray[np.float64],
    directions: dict[str, int],
) -> Model:
    """Each curve of at least one segment refitted, in turn, to the residual of the others."""
    terms: list[Term] = list(model.terms)
    values = [data.term_values(term) for term in terms]
    total = np.sum(values, axis=0) if values else np.zeros(data.rows)
    for j, term in enumerate(terms):
        if not isinstance(term, Curve) or len(term.xs) < 2:
            continue
        residual = target - (total - values[j])
        curve = _fit_curve(term, _numeric(data.columns[term.feature]), residual, weight, directions.get(term.feature, 0))
        if curve is None:
            continue
        new_values = data.term_values(curve)
        total = total - values[j] + new_values
        terms[j], values[j] = curve, new_values
    return replace(model, terms=tuple(terms))


def _fit_curve(
    curve: Curve, x: NDArray[np.float64], residual: NDArray[np.float64], weight: NDArray[np.float64], direction: int
) -> Curve | None:
    """The curve of the same segment count and fx closest to the residual (None when too
    few distinct inputs are left to place its knots)."""
    from pwlc.fit import fit

    usable = np.isfinite(x) & np.isfinite(residual) & (weight > 0)
    values, where = np.unique(x[usable], return_inverse=True)
    if values.size <= len(curve.xs) - 1:
        return None
    mass = np.bincount(where, weights=weight[usable])
    means = np.bincount(where, weights=weight[usable] * residual[usable]) / mass
    result = fit(
        values, means, mass, feature=curve.feature, segments=len(curve.xs) - 1, mono=SHAPE[direction], fx=curve.fx
    )
    missing = curve.missing
    absent = np.isnan(x) & np.isfinite(residual) & (weight > 0)
    if missing is not None and absent.any():
        missing = float(np.average(residual[absent], weights=weight[absent]))
    fitted = replace(result.curve, missing=missing)
    return fitted if len(fitted.xs) >= 2 else None
