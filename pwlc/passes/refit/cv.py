"""refit{cv=K}: the ridge chosen by K-fold cross-validation, "no refit" among the choices.

A joint refit fitted to the teacher on the given rows can move values where few rows
pin them and end further from the teacher on rows it did not see (measured on the MSLR
sample: 29% further, benchmarks/results/replicate.md before issue 21). With `cv=K` the
rows are split into K folds (at random, fixed by `seed`; with `cv_groups=column`, whole
groups of rows, e.g. a ranking's queries); for each ridge of RIDGES, and for
keeping the values as they are, the refit is fitted on K - 1 folds and its loss (mean
squared error to the target, or mean log loss) measured on the fold left out. A ridge
counts only when it beats keeping the values by more than one standard error of the
per-fold differences (a gain within what the folds disagree by is noise: rows the refit
never saw are then as likely further from the target as closer; measured on COMPAS
before this rule, a -0.0% mean change with 1 of 5 held-out folds worse); the one of
those with the least held-out loss wins. When none does, the model comes back
unchanged. The same rule decides whether `alternate` moves knots. The pass's note says what was chosen and the held-out loss before and
after.

The ridge pulls each value toward the model's own (`ridge * scale * |theta - theta_0|^2`,
scale the mean curvature), so a large ridge is a small step from the per-curve student
and a small one the full refit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from pwlc.errors import PwlcError
from pwlc.passes.context import PassData, take_rows

if TYPE_CHECKING:
    from pwlc.ir import Model
    from pwlc.passes.refit import Refit
    from pwlc.passes.refit.design import Layout

RIDGES = (1.0, 0.1, 1e-2, 1e-3, 1e-4, 1e-6)


@dataclass(frozen=True)
class Choice:
    """The ridge cross-validation chose (None: keep the values) and what it measured."""

    ridge: float | None
    note: str
    best_refit: float  # the ridge of the least held-out loss (ridge itself, unless no refit won)


def subset(data: PassData, target: NDArray[np.float64], weight: NDArray[np.float64], index: NDArray[np.intp]) -> tuple[PassData, NDArray[np.float64], NDArray[np.float64]]:
    """The rows `index` of the data, with their targets and weights."""
    columns = {name: take_rows(column, index) for name, column in data.columns.items()}
    return PassData(data.raw, columns, index.size, data.target_scores[index]), target[index], weight[index]


def choose_ridge(refit: Refit, layout: Layout, data: PassData, target: NDArray[np.float64], weight: NDArray[np.float64], form: str, loss: str) -> Choice:
    """Cross-validate RIDGES and "no refit" (see the module doc)."""
    folds = refit.cv
    if folds > data.rows:
        raise PwlcError(f"refit: cv={folds} folds need at least {folds} rows, the data has {data.rows}")
    order = np.random.default_rng(refit.seed).permutation(data.rows)
    parts = _folds(refit, data, order, folds)
    keep_allowed = not refit.directions or bool(np.all(layout.monotone_matrix(refit.directions) @ layout.theta0 >= -1e-12))
    choices: list[float | None] = ([None] if keep_allowed else []) + list(RIDGES)
    per_fold = np.zeros((len(parts), len(choices)))  # held-out mean loss of each choice in each fold
    shares = np.zeros(len(parts))
    for k, part in enumerate(parts):
        solve = _solver(refit, layout, *subset(data, target, weight, np.setdiff1d(order, part)), form, loss)
        measure = _measure(refit, layout, *subset(data, target, weight, np.sort(part)), form, loss)
        shares[k] = float(weight[part][np.isfinite(target[part])].sum())
        per_fold[k] = [measure(layout.theta0 if ridge is None else solve(ridge)) for ridge in choices]
    held = shares @ per_fold / max(float(shares.sum()), 1e-300)
    kept = held[0] if keep_allowed else math.nan
    # The ridges that beat keeping the values by more than the folds' noise; the best of them.
    clear = [j for j in range(len(choices)) if choices[j] is not None and (not keep_allowed or clearly_better(per_fold[:, 0], per_fold[:, j], shares))]
    best = min(clear, key=lambda j: held[j]) if clear else 0
    what = "RMS to the target" if loss == "squared" else "log loss"
    shown = (lambda value: math.sqrt(max(value, 0.0))) if loss == "squared" else (lambda value: value)
    if choices[best] is None:
        runner_up = int(np.argmin(held[1:])) + 1
        within = ", within one standard error over the folds" if held[runner_up] < kept else ""
        note = f"cv ({folds} folds): no refit, the values are kept (held-out {what} {shown(kept):.4g}; the best refit, ridge {choices[runner_up]:g}, {shown(held[runner_up]):.4g}{within})"
        fallback = choices[runner_up]
        assert fallback is not None  # (only choices[0] is "no refit")
        return Choice(None, note, fallback)
    before = f"{shown(kept):.4g} kept -> " if keep_allowed else ""
    ridge = choices[best]
    assert ridge is not None
    return Choice(ridge, f"cv ({folds} folds): ridge {ridge:g}, held-out {what} {before}{shown(held[best]):.4g}", ridge)


def alternation_helps(
    refit: Refit,
    start: Callable[[PassData, NDArray[np.float64], NDArray[np.float64]], Model],
    move: Callable[[Model, PassData, NDArray[np.float64], NDArray[np.float64]], Model],
    data: PassData,
    target: NDArray[np.float64],
    weight: NDArray[np.float64],
) -> tuple[bool, str]:
    """Whether the alternating rounds (`move`) bring the rows left out of each fold closer
    to the target than the refit they start from (`start`, fitted on the other folds'
    rows): refit{cv=K, alternate=N} moves knots only when they do."""
    from pwlc.passes.refit.alternate import mean_squared_error

    order = np.random.default_rng(refit.seed).permutation(data.rows)
    parts = _folds(refit, data, order, refit.cv)
    losses = np.zeros((len(parts), 2))  # held-out mean squared error: knots kept, knots moved
    shares = np.zeros(len(parts))
    for k, part in enumerate(parts):
        fitted = subset(data, target, weight, np.setdiff1d(order, part))
        held = subset(data, target, weight, np.sort(part))
        shares[k] = float(weight[part][np.isfinite(target[part])].sum())
        begin = start(*fitted)
        losses[k] = mean_squared_error(begin, *held), mean_squared_error(move(begin, *fitted), *held)
    kept, moved = shares @ losses / max(float(shares.sum()), 1e-300)
    helps = clearly_better(losses[:, 0], losses[:, 1], shares)
    verdict = "knots moved" if helps else "knots kept"
    return helps, f"cv ({refit.cv} folds) of the alternating rounds: {verdict}, held-out RMS {math.sqrt(kept):.4g} -> {math.sqrt(moved):.4g}"


def clearly_better(kept: NDArray[np.float64], changed: NDArray[np.float64], shares: NDArray[np.float64]) -> bool:
    """Whether the change lowers the held-out loss by more than one standard error of the
    per-fold differences (`kept`, `changed`: each fold's mean loss; `shares`: the folds'
    weights). With one fold there is no spread to judge by: lower is enough."""
    gains = kept - changed
    mean = float(shares @ gains) / max(float(shares.sum()), 1e-300)
    if gains.size < 2:
        return mean > 0
    return mean > float(np.std(gains, ddof=1)) / math.sqrt(gains.size)


def _folds(refit: Refit, data: PassData, order: NDArray[np.intp], folds: int) -> list[NDArray[np.intp]]:
    """The rows of each fold: `order` cut in `folds` parts, or with `cv_groups` whole groups
    (e.g. a ranking's queries: rows of one group are alike, so a fold shares none with the
    rows it is measured against), the groups dealt out in random order."""
    if not refit.cv_groups:
        return list(np.array_split(order, folds))
    _, group = np.unique(data.column(refit.cv_groups).astype(str), return_inverse=True)
    count = int(group.max()) + 1 if group.size else 0
    if count < folds:
        raise PwlcError(f"refit: cv={folds} folds need at least {folds} groups in {refit.cv_groups!r}, it has {count}")
    fold_of_group = np.empty(count, dtype=np.intp)
    fold_of_group[np.random.default_rng(refit.seed).permutation(count)] = np.arange(count) % folds
    return [np.flatnonzero(fold_of_group[group] == k) for k in range(folds)]


def _solver(
    refit: Refit, layout: Layout, data: PassData, target: NDArray[np.float64], weight: NDArray[np.float64], form: str, loss: str
) -> Callable[[float], NDArray[np.float64]]:
    """ridge -> the refit's values on these rows (the loss's statistics computed once)."""
    from pwlc.passes.refit.statistics import squared_loss

    if loss == "squared":
        quadratic = squared_loss(layout, data, target, weight, refit.chunk, form)
        return lambda ridge: replace(refit, ridge=ridge, cv=0, cv_groups="")._solve_quadratic(layout, quadratic, quadratic.ridge_scale())
    statistics = refit._logistic_statistics(layout, data, target, weight, form)
    return lambda ridge: replace(refit, ridge=ridge, cv=0, cv_groups="")._newton(layout, statistics)[0]


def _measure(
    refit: Refit, layout: Layout, data: PassData, target: NDArray[np.float64], weight: NDArray[np.float64], form: str, loss: str
) -> Callable[[NDArray[np.float64]], float]:
    """values -> their mean loss on these rows."""
    from pwlc.passes.refit.statistics import logistic_statistics, squared_loss

    if loss == "squared":
        return squared_loss(layout, data, target, weight, refit.chunk, form).value
    return lambda theta: logistic_statistics(layout, data, target, weight, theta, refit.chunk)[0]
