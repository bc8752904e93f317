"""The loss of a refit as a quadratic in theta: sufficient statistics over chunks of rows
(form=dense) or the sparse rows themselves (form=factored), for squared and logistic loss,
and the choice between the two forms by their memory."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pwlc.errors import DataError, PwlcError
from pwlc.passes.context import PassData
from pwlc.passes.refit.design import Layout, design_chunks, nonzeros_per_row, use_dense

# The peak memory of a refit, in bytes per entry of G (form=dense) or per nonzero of X
# (form=factored): cvxpy's canonicalization and CLARABEL's KKT system copy either many times
# over. Measured (benchmarks/results/passes.md): 5.4 GB for G of 6,001^2 entries (20x its 8
# bytes an entry), 6.1 GB for X of 31M nonzeros.
PEAK_BYTES = {"dense": 160, "factored": 200}
MEMORY_BUDGET = 6 << 30  # the estimated peak a refit may reach; over it, refit refuses


def _ridge_scale(diagonal: NDArray[np.float64]) -> float:
    """The ridge is relative to the mean curvature (the diagonal of the quadratic), so
    `ridge` is unit-free."""
    return max(float(np.mean(diagonal)), 1e-12)


@dataclass(frozen=True)
class DenseQuadratic:
    """theta^T A theta - 2 c^T theta + k, with A (p x p) dense."""

    matrix: NDArray[np.float64]
    linear: NDArray[np.float64]
    constant: float = 0.0

    def ridge_scale(self) -> float:
        return _ridge_scale(np.diag(self.matrix))

    def value(self, theta: NDArray[np.float64]) -> float:
        return float(theta @ self.matrix @ theta - 2 * self.linear @ theta) + self.constant


@dataclass(frozen=True)
class FactoredQuadratic:
    """|F theta - f|^2 - 2 d^T theta: A = F^T F and c = F^T f + d in the terms of
    `DenseQuadratic`, kept as the sparse F (rows x p) instead of the dense A."""

    factor: Any  # scipy.sparse CSR matrix
    offset: NDArray[np.float64]
    linear: NDArray[np.float64]

    def ridge_scale(self) -> float:
        return _ridge_scale(np.asarray(self.factor.power(2).sum(axis=0)).ravel())

    def value(self, theta: NDArray[np.float64]) -> float:
        residual = self.factor @ theta - self.offset
        return float(residual @ residual - 2 * self.linear @ theta)


Quadratic = DenseQuadratic | FactoredQuadratic


def choose_form(layout: Layout, rows: int, form: str = "auto") -> str:
    """The formulation for `rows` rows: `form`, or with auto the one that takes less memory
    (G has p^2 entries, X about rows * nonzeros_per_row); refuses one over MEMORY_BUDGET."""
    per_row = nonzeros_per_row(layout)
    peak = {"dense": PEAK_BYTES["dense"] * layout.size**2, "factored": PEAK_BYTES["factored"] * rows * per_row}
    chosen = form if form != "auto" else min(peak, key=lambda name: peak[name])
    if peak[chosen] > MEMORY_BUDGET:
        fits = MEMORY_BUDGET // (PEAK_BYTES["factored"] * per_row)
        raise PwlcError(
            f"refit: {layout.size:,} values on {rows:,} rows would take about {peak['dense'] / 2**30:.3g} GiB with G (form=dense) "
            f"or {peak['factored'] / 2**30:.3g} GiB with X (form=factored), over the budget of {MEMORY_BUDGET / 2**30:.3g} GiB"
            + (f"; fit on a sample with max_rows={fits} (or fewer)" if fits >= 1 else "")
        )
    return chosen


def weighted_gram(design: Any, weights: NDArray[np.float64]) -> NDArray[np.float64]:
    """X^T diag(w) X for a dense or sparse chunk (w >= 0)."""
    if isinstance(design, np.ndarray):
        scaled = design * np.sqrt(weights)[:, None]
        return scaled.T @ scaled  # a symmetric rank-k update in BLAS
    return np.asarray((design.T @ design.multiply(weights[:, None]).tocsr()).toarray())


def sufficient_statistics(
    layout: Layout,
    data: PassData,
    target: NDArray[np.float64],
    weight: NDArray[np.float64],
    chunk: int,
    dense: bool | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], float, float]:
    """X^T W X, X^T W y, sum of W and y^T W y over rows with a score and a finite target.
    `dense` forces dense or sparse chunks (default: `use_dense`)."""
    gram = np.zeros((layout.size, layout.size))
    moment = np.zeros(layout.size)
    total = 0.0
    yy = 0.0
    for design, keep, rows in design_chunks(layout, data, chunk, use_dense(layout) if dense is None else dense):
        keep &= np.isfinite(target[rows])
        design, y, w = design[keep], target[rows][keep], weight[rows][keep]
        gram += weighted_gram(design, w)
        moment += design.T @ (w * y)
        total += float(w.sum())
        yy += float(w @ (y * y))
    if total == 0:
        raise DataError("refit: no row of the data has both a score and a finite target")
    return gram, moment, total, yy


def design_rows(
    layout: Layout, data: PassData, target: NDArray[np.float64], weight: NDArray[np.float64], chunk: int, what: str
) -> tuple[Any, NDArray[np.float64], NDArray[np.float64]]:
    """The sparse design (CSR) of the rows with a score and a finite target, their targets
    and weights; built over chunks of rows, so only X itself is ever whole."""
    from scipy import sparse

    designs, targets, weights = [], [], []
    for design, keep, rows in design_chunks(layout, data, chunk, dense=False):
        keep &= np.isfinite(target[rows])
        designs.append(design[keep])
        targets.append(target[rows][keep])
        weights.append(weight[rows][keep])
    w = np.concatenate(weights) if weights else np.zeros(0)
    if not w.sum() > 0:
        raise DataError(f"refit: no row of the data has both a score and {what}")
    design = sparse.vstack(designs, format="csr")
    design.eliminate_zeros()  # a curve's weight 0 at clamped rows: the solver need not see it
    return design, np.concatenate(targets), w


def rows_scaled(design: Any, factors: NDArray[np.float64]) -> Any:
    """diag(factors) @ design for a CSR design, sharing its index arrays."""
    from scipy import sparse

    return sparse.csr_matrix(
        (design.data * np.repeat(factors, np.diff(design.indptr)), design.indices, design.indptr), shape=design.shape
    )


def squared_loss(
    layout: Layout, data: PassData, target: NDArray[np.float64], weight: NDArray[np.float64], chunk: int, form: str
) -> Quadratic:
    """The weighted mean squared error of X theta against the target, as a quadratic in theta."""
    if form == "dense":
        gram, moment, total, yy = sufficient_statistics(layout, data, target, weight, chunk)
        return DenseQuadratic(gram / total, moment / total, yy / total)
    design, y, w = design_rows(layout, data, target, weight, chunk, "a finite target")
    root = np.sqrt(w / w.sum())
    return FactoredQuadratic(rows_scaled(design, root), root * y, np.zeros(layout.size))


def logistic_rows(
    design: Any, y: NDArray[np.float64], w: NDArray[np.float64], theta: NDArray[np.float64]
) -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
    """For some rows: the weighted sum of their log loss at theta, their curvature weights
    w p (1 - p) (the Hessian is X^T diag(these) X) and the gradient X^T w (p - y)."""
    scores = design @ theta
    probability = 0.5 * (1.0 + np.tanh(scores / 2))  # 1 / (1 + exp(-s)) without overflow
    loss = float(w @ (np.logaddexp(0.0, scores) - y * scores))
    return loss, w * probability * (1 - probability), design.T @ (w * (probability - y))


def logistic_statistics(
    layout: Layout,
    data: PassData,
    labels: NDArray[np.float64],
    weight: NDArray[np.float64],
    theta: NDArray[np.float64],
    chunk: int,
) -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
    """Mean log loss at `theta`, its Hessian and gradient, over rows with a score and a label."""
    hessian = np.zeros((layout.size, layout.size))
    gradient = np.zeros(layout.size)
    loss = 0.0
    total = 0.0
    for design, keep, rows in design_chunks(layout, data, chunk, use_dense(layout)):
        keep &= np.isfinite(labels[rows])
        design, y, w = design[keep], labels[rows][keep], weight[rows][keep]
        chunk_loss, curvature, chunk_gradient = logistic_rows(design, y, w, theta)
        loss += chunk_loss
        hessian += weighted_gram(design, curvature)
        gradient += chunk_gradient
        total += float(w.sum())
    if total == 0:
        raise DataError("refit: no row of the data has both a score and a label")
    return loss / total, hessian / total, gradient / total
