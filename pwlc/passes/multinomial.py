"""refit{target=labels} of a multiclass model: every class's values solved jointly under
the multinomial log loss (cvxpy, exponential cones).

Class k's score is X_k theta_k, linear in its values as `pwlc.passes.refit` lays them out
(one `Layout` a class). The objective is the weighted mean over the rows of
`log(sum_j exp(s_j)) - s_label` (the negative log-likelihood of the softmax, rule M2),
plus the refit's ridge `ridge * scale * |theta - theta_0|^2` (scale: the mean squared
column of the designs), which also picks one of the solutions a common shift of every
class's score leaves equal. Rows with a missing score in any class are left out. The
labels name classes: a value is matched to a class name as a category is
(`pwlc.semantics.category_key`: 2 and 2.0 name class "2").
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pwlc.errors import DataError, PwlcError, UnsupportedError
from pwlc.ir import Model
from pwlc.passes.context import PassData
from pwlc.passes.refit import Refit
from pwlc.passes.refit.design import Layout
from pwlc.semantics import class_indices


def multinomial_refit(step: Refit, models: list[Model], classes: tuple[str, ...], data: PassData | None) -> tuple[list[Model], str]:
    """Each class's model refitted to the labels; and the report's note."""
    import cvxpy as cp

    if data is None:
        raise PwlcError("refit needs data: pass data= to optimize (or --data to the CLI)")
    if step.monotone or step.smooth or step.max_rows or step.loss not in ("auto", "logistic"):
        raise UnsupportedError(
            f"{step.spec()}: a multiclass refit on labels takes label, weight, ridge and solver; monotone, smooth,"
            " max_rows and loss are for one-score models: drop them (or refit each class to the teacher, target=teacher)"
        )
    labels = class_indices(data.column(step.label), classes, f"label column {step.label!r}")
    weight = np.ones(data.rows) if not step.weight else np.asarray(data.column(step.weight), dtype=np.float64)
    if not np.all(np.isfinite(weight) & (weight >= 0)):
        raise DataError(f"weight column {step.weight!r} must hold finite numbers >= 0")
    layouts = [Layout(model) for model in models]
    designs = [layout.design(data.columns, slice(0, data.rows)) for layout in layouts]
    keep = np.all([mask for _, mask in designs], axis=0) & (labels >= 0) & (weight > 0)
    if not keep.any():
        raise DataError("refit: no row has a label and a score in every class")
    matrices = [design[keep] for design, _ in designs]
    y, w = labels[keep], weight[keep] / weight[keep].sum()
    thetas = [cp.Variable(layout.size) for layout in layouts]
    scores = cp.hstack([cp.reshape(matrix @ theta, (matrix.shape[0], 1), order="C") for matrix, theta in zip(matrices, thetas)])
    chosen = sum(w[y == k] @ (matrix[y == k] @ theta) for k, (matrix, theta) in enumerate(zip(matrices, thetas)))
    loss = w @ cp.log_sum_exp(scores, axis=1) - chosen
    squares = np.concatenate([np.asarray(matrix.multiply(matrix).T @ w).ravel() for matrix in matrices])
    scale = max(float(np.mean(squares)), 1e-12)
    ridge = step.ridge * scale * sum(cp.sum_squares(theta - layout.theta0) for theta, layout in zip(thetas, layouts))
    problem = cp.Problem(cp.Minimize(loss + ridge))
    solver = "CLARABEL" if "CLARABEL" in cp.installed_solvers() else "SCS"
    if step.solver != "auto":
        solver = step.solver.upper()
    try:
        problem.solve(solver=solver)
    except cp.error.SolverError as exc:
        raise PwlcError(f"refit: solver {solver} failed ({exc})") from None
    if problem.status not in ("optimal", "optimal_inaccurate") or any(theta.value is None for theta in thetas):
        raise PwlcError(f"refit: solver {solver} ended with status {problem.status!r}")
    fitted = [np.asarray(theta.value, dtype=np.float64) for theta in thetas]
    before = _log_loss(matrices, [layout.theta0 for layout in layouts], y, w)
    after = _log_loss(matrices, fitted, y, w)
    note = f"multinomial log loss: {before:.4g} -> {after:.4g}"
    return [layout.model_with(theta) for layout, theta in zip(layouts, fitted)], note


def _log_loss(matrices: list[Any], thetas: list[NDArray[np.float64]], y: NDArray[np.intp], w: NDArray[np.float64]) -> float:
    scores = np.stack([matrix @ theta for matrix, theta in zip(matrices, thetas)], axis=1)
    top = scores.max(axis=1, keepdims=True)
    log_total = np.log(np.exp(scores - top).sum(axis=1)) + top[:, 0]
    value = float(w @ (log_total - scores[np.arange(len(y)), y]))
    return value if math.isfinite(value) else math.inf
