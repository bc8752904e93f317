"""refit: keep every knot and edge, solve all values and the intercept jointly (cvxpy).

The score is linear in the values: a curve is a sum of hat functions in fx-space (flat
outside its end knots), a step or table is a sum of indicators, a grid a sum of (bi)linear
cell weights, a linear term its slope times x, a `missing` value an indicator of the
missing rows. So score = X @ theta for
a sparse design matrix X (a few nonzeros per term per row) and the vector theta of every
value of every term plus one intercept.

Targets: `target=teacher` fits the raw scores the pipeline was given as teacher (by default
the scores of the model `optimize` started from: after lossy passes this pulls the model
back toward the original); `target=labels` fits the column `label` of the data, with
logistic loss for a logistic link and squared loss otherwise.

Two formulations of the same problem, chosen by size (`form=auto`, or `dense`/`factored`):
- dense (many rows, few values: the nonzeros of X outnumber the p^2 entries of G), by
  sufficient statistics over all rows: G = X^T W X (p x p) and X^T W y, accumulated over
  chunks of `chunk` rows (memory O(p^2 + chunk * p) for any row count); one p-variable
  cvxpy QP in G, so no row-sized cvxpy problem;
- factored (few rows, many values): G is never formed; cvxpy gets X itself as a sparse
  matrix, minimise |r|^2 subject to r = sqrt(W / total) (X theta - y), so the solver sees
  a sparse objective (P = I on r) and a sparse constraint (memory O(nnz(X))).
- squared loss: one such QP; logistic loss: Newton's method (IRLS), each step such a QP in
  the Hessian X^T diag(w p (1-p)) X / total (dense: accumulated over chunks; factored: as
  the rows of X scaled by sqrt(w p (1-p) / total)) and gradient, with step halving when
  the penalised loss does not decrease; stops when it improves by less than 1e-10
  (relative) or after `max_iter` steps. Exact on every row; no exponential cone needed.
- `max_rows` (0: all rows) optionally fits on a uniform sample of that many rows instead
  (weights scaled up to the full count, the sample fixed by `seed`), for speed. When both
  forms would take more than MEMORY_BUDGET (6 GiB, estimated from the size of G or X by
  PEAK_BYTES), refit refuses and names the `max_rows` that fits, rather than run out of
  memory.

Rows with a missing score (a term without a `missing` value, its input missing) are left
out, and so are rows where a linear term's input is beyond ±LARGEST (1e150; ±inf: an
infinite score whatever the slope): the design holds x itself, and refit solves in doubles
with every number within ±LARGEST (the target and values too: `_check_magnitudes`). A small ridge `ridge * ||theta - theta_0||^2` (scaled by the mean diagonal of G) keeps
values that no row identifies (an unseen category's default, a missing value that never
occurs) where they were, and splits level between intercept and terms as before. The
scale is computed from the column sums of squares of X in the factored form.
`cv=K` chooses the ridge by K-fold cross-validation, keeping the values when no refit does
better on the rows left out (`pwlc.passes.refit_cv`).
Options: `weight` (a column of row weights), `monotone` ("age:+;priors_count:-": increasing/decreasing knot and step values on
those features), `smooth` (penalty on squared second differences of each curve's and
step's values), `solver` (auto: CLARABEL, then OSQP/SCS/HIGHS, whichever cvxpy has).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pwlc.errors import DataError, PwlcError, UnsupportedError
from pwlc.ir import MAX_VALUE, Constant, Curve, Grid, Linear, Model, Step, Table, Term
from pwlc.passes import Pass, register
from pwlc.passes.context import PassData, output_values, with_output_values
from pwlc.semantics import Column, _axis_cells, _categorical, _numeric, step_bins, transform

_QP_SOLVERS = ("CLARABEL", "OSQP", "SCS", "HIGHS")
# Options that keep a solver from printing on its own (cvxpy's verbose=False does not).
_QUIET: dict[str, dict[str, Any]] = {"HIGHS": {"log_to_console": False, "output_flag": False}, "OSQP": {"polishing": False}}


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


@register
@dataclass(frozen=True)
class Refit(Pass):
    """Jointly re-solve every knot value, table value and the intercept on the data."""

    name = "refit"
    target: str = "teacher"  # "teacher" or "labels"
    label: str = ""  # the label column, for target=labels
    weight: str = ""  # a column of row weights (default: every row counts once)
    loss: str = "auto"  # "squared", "logistic", or auto (from the target and the link)
    monotone: str = ""  # "feature:+;other:-"
    smooth: float = 0.0
    ridge: float = 1e-6
    solver: str = "auto"
    max_rows: int = 0  # 0: every row; else fit on a uniform sample of this many rows
    chunk: int = 100_000  # rows per chunk of sufficient statistics
    max_iter: int = 30  # logistic loss: Newton steps at most
    seed: int = 0
    form: str = "auto"  # "dense" (G = X^T W X), "factored" (X itself), or auto: the smaller
    cv: int = 0  # K >= 2: the ridge (or no refit) chosen by K-fold cross-validation (pwlc.passes.refit_cv)
    cv_groups: str = ""  # a column whose groups (e.g. queries) cross-validation keeps whole
    directions: dict[str, int] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.target not in ("teacher", "labels"):
            raise PwlcError(f"target must be 'teacher' or 'labels', got {self.target!r}")
        if self.target == "labels" and not self.label:
            raise PwlcError("target=labels needs label=<column of the data>")
        if self.loss not in ("auto", "squared", "logistic"):
            raise PwlcError(f"loss must be 'squared', 'logistic' or 'auto', got {self.loss!r}")
        for option in ("smooth", "ridge"):
            value = getattr(self, option)
            if not (value >= 0 and math.isfinite(value)):
                raise PwlcError(f"{option} must be a finite number >= 0, got {value!r}")
        if self.max_rows < 0 or self.chunk < 1 or self.max_iter < 1:
            raise PwlcError("max_rows must be >= 0, chunk and max_iter >= 1")
        if self.cv == 1 or self.cv < 0:
            raise PwlcError(f"cv must be 0 (no cross-validation) or a number of folds >= 2, got {self.cv}")
        if self.cv_groups and not self.cv:
            raise PwlcError("cv_groups names the groups cross-validation keeps whole: give cv=K (folds) too")
        if self.cv_groups and self.max_rows:
            raise PwlcError("cv_groups and max_rows cannot be combined (a sample splits the groups): leave max_rows out, or sample whole groups beforehand")
        if self.form not in ("auto", "dense", "factored"):
            raise PwlcError(f"form must be 'dense', 'factored' or 'auto', got {self.form!r}")
        object.__setattr__(self, "directions", parse_monotone(self.monotone))

    def run(self, model: Model, data: PassData | None) -> Model:
        return self.apply(model, data)[0]

    def apply(self, model: Model, data: PassData | None) -> tuple[Model, str]:
        if data is None:
            raise PwlcError("refit needs data: pass data= to optimize (or --data to the CLI)")
        layout = Layout(model)
        for feature in self.directions:
            if not any(isinstance(t, (Curve, Step)) and t.feature == feature for t in layout.terms):
                raise UnsupportedError(f"refit: monotone feature {feature!r} has no curve or step to constrain")
        loss = self._loss(model)
        target, weight = self._target(data)
        _check_magnitudes(target, layout.theta0)
        data, target, weight, sampled = self._sample(data, target, weight)
        form = choose_form(layout, data.rows, self.form)
        if loss == "logistic" and np.any(np.isfinite(target) & (target != 0) & (target != 1)):
            raise DataError("refit: logistic loss needs labels that are 0 or 1")
        fitter, chosen = self, ""
        if self.cv:
            from pwlc.passes.refit_cv import choose_ridge

            choice = choose_ridge(self, layout, data, target, weight, form, loss)
            if choice.ridge is None:
                return model, choice.note + sampled
            fitter, chosen = replace(self, ridge=choice.ridge, cv=0, cv_groups=""), choice.note + "; "
        if loss == "squared":
            quadratic = squared_loss(layout, data, target, weight, self.chunk, form)  # the mean squared error
            theta = fitter._solve_quadratic(layout, quadratic, quadratic.ridge_scale())
            before, after = quadratic.value(layout.theta0), quadratic.value(theta)
            note = f"RMS to {self.target}: {math.sqrt(max(before, 0.0)):.4g} -> {math.sqrt(max(after, 0.0)):.4g}"
        else:
            statistics = self._logistic_statistics(layout, data, target, weight, form)
            theta, loss_before, loss_after, steps = fitter._newton(layout, statistics)
            note = f"log loss: {loss_before:.4g} -> {loss_after:.4g} ({steps} Newton steps)"
        return layout.model_with(theta), chosen + note + sampled

    def _logistic_statistics(
        self, layout: Layout, data: PassData, labels: NDArray[np.float64], weight: NDArray[np.float64], form: str
    ) -> Callable[[NDArray[np.float64]], tuple[float, Quadratic]]:
        """theta -> (mean log loss, its second-order model halved: A = H / 2, c = (H theta - g) / 2)."""
        if form == "dense":

            def dense(theta: NDArray[np.float64]) -> tuple[float, Quadratic]:
                loss, hessian, gradient = logistic_statistics(layout, data, labels, weight, theta, self.chunk)
                return loss, DenseQuadratic(hessian / 2, (hessian @ theta - gradient) / 2)

            return dense
        design, y, w = design_rows(layout, data, labels, weight, self.chunk, "a label")
        total = float(w.sum())

        def factored(theta: NDArray[np.float64]) -> tuple[float, Quadratic]:
            loss, curvature, gradient = logistic_rows(design, y, w, theta)
            factor = rows_scaled(design, np.sqrt(curvature / (2 * total)))  # F^T F = H / 2
            return loss / total, FactoredQuadratic(factor, factor @ theta, -gradient / (2 * total))

        return factored

    def _sample(self, data: PassData, target: NDArray[np.float64], weight: NDArray[np.float64]) -> tuple[PassData, NDArray[np.float64], NDArray[np.float64], str]:
        """A uniform sample of `max_rows` rows (weights scaled to the full count), if asked."""
        if not 0 < self.max_rows < data.rows:
            return data, target, weight, ""
        from pwlc.passes.refit_cv import subset

        index = np.sort(np.random.default_rng(self.seed).choice(data.rows, size=self.max_rows, replace=False))
        sample, sample_target, sample_weight = subset(data, target, weight, index)
        return sample, sample_target, sample_weight * (data.rows / index.size), f"; fitted on a sample of {index.size} of {data.rows} rows"

    def _loss(self, model: Model) -> str:
        if self.loss != "auto":
            if self.loss == "logistic" and self.target == "teacher":
                raise PwlcError("loss=logistic needs target=labels (teacher scores are fitted with squared loss)")
            return self.loss
        if self.target == "labels" and model.link == "logistic":
            return "logistic"
        if self.target == "labels" and model.link == "exp":
            raise UnsupportedError("refit on labels with an exp link is not supported: use target=teacher or loss=squared")
        return "squared"

    def _target(self, data: PassData) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """The target of the fit and the row weights."""
        target = data.target_scores if self.target == "teacher" else _numbers(data, self.label, "label")
        if not self.weight:
            return target, np.ones(data.rows)
        weight = _numbers(data, self.weight, "weight")
        if not np.all(np.isfinite(weight) & (weight >= 0)):
            raise DataError(f"weight column {self.weight!r} must hold finite numbers >= 0")
        return target, weight

    def _newton(self, layout: Layout, statistics: Callable[[NDArray[np.float64]], tuple[float, Quadratic]]) -> tuple[NDArray[np.float64], float, float, int]:
        """Minimise the penalised mean log loss by Newton steps, each a QP (see the module doc).

        Returns (theta, loss before, loss after, steps taken)."""
        theta = layout.theta0
        loss, quadratic = statistics(theta)
        first_loss = loss
        scale = quadratic.ridge_scale()
        objective = loss + self._penalty(layout, theta, scale)
        # theta0 may break the monotone constraints: never step back toward it.
        feasible = not self.directions or bool(np.all(layout.monotone_matrix(self.directions) @ theta >= -1e-12))
        steps = 0
        while steps < self.max_iter:
            steps += 1
            # The loss near theta is loss + g.(t - theta) + (t - theta)^T H (t - theta) / 2.
            candidate = self._solve_quadratic(layout, quadratic, scale)
            for _ in range(30):
                new_loss, new_quadratic = statistics(candidate)
                new_objective = new_loss + self._penalty(layout, candidate, scale)
                if new_objective <= objective or not feasible:
                    break
                candidate = (theta + candidate) / 2
            improved = objective - new_objective
            if improved < 0 and feasible:  # no step helps: theta is as good as the solver can tell
                break
            theta, loss, quadratic, objective, feasible = candidate, new_loss, new_quadratic, new_objective, True
            if 0 <= improved <= 1e-10 * max(1.0, abs(objective)):
                break
        return theta, first_loss, loss, steps

    def _penalty(self, layout: Layout, theta: NDArray[np.float64], scale: float) -> float:
        """The ridge and smoothness terms of the objective, as `_solve_quadratic` adds them."""
        ridge = self.ridge * scale * float(np.sum((theta - layout.theta0) ** 2))
        return ridge + (self.smooth * float(np.sum((layout.second_differences() @ theta) ** 2)) if self.smooth > 0 else 0.0)

    def _solve_quadratic(self, layout: Layout, quadratic: Quadratic, scale: float) -> NDArray[np.float64]:
        """argmin theta^T A theta - 2 c^T theta + ridge * scale * |theta - theta0|^2
        + smooth * |second differences|^2, under the monotone constraints (a cvxpy QP)."""
        import cvxpy as cp

        theta = cp.Variable(layout.size)
        ridge = self.ridge * scale
        shifted = quadratic.linear + ridge * layout.theta0  # the ridge's linear part
        constraints: list[Any] = []
        if isinstance(quadratic, DenseQuadratic):
            regularised = (quadratic.matrix + quadratic.matrix.T) / 2
            regularised.flat[:: layout.size + 1] += ridge
            objective = cp.quad_form(theta, cp.psd_wrap(regularised)) - 2 * shifted @ theta
        else:  # |r|^2 with r = F theta - f: the solver sees P = I on r and F as it is, sparse
            residual = cp.Variable(quadratic.factor.shape[0])
            objective = cp.sum_squares(residual) + ridge * cp.sum_squares(theta) - 2 * shifted @ theta
            constraints.append(residual == quadratic.factor @ theta - quadratic.offset)
        smoothing = layout.second_differences() if self.smooth > 0 else None
        if smoothing is not None and smoothing.shape[0]:
            objective = objective + self.smooth * cp.sum_squares(smoothing @ theta)
        if self.directions:
            constraints.append(layout.monotone_matrix(self.directions) @ theta >= 0)
        solver = self._solver(_QP_SOLVERS, cp.installed_solvers())
        if solver == "SCS" and not constraints:
            constraints = [cp.sum(theta) <= 1e30]  # SCS refuses a problem without any constraint
        problem = cp.Problem(cp.Minimize(objective), constraints)
        try:
            problem.solve(solver=solver, **_QUIET.get(solver, {}))
        except cp.error.SolverError as exc:
            raise PwlcError(f"refit: solver {solver} failed ({exc})") from None
        if problem.status not in ("optimal", "optimal_inaccurate") or theta.value is None:
            raise PwlcError(f"refit: solver {solver} ended with status {problem.status!r}")
        return np.asarray(theta.value, dtype=np.float64)

    def _solver(self, preferred: tuple[str, ...], installed: list[str]) -> str:
        if self.solver != "auto":
            if self.solver.upper() not in installed:
                raise UnsupportedError(f"refit: solver {self.solver!r} is not installed (installed: {', '.join(installed)})")
            return self.solver.upper()
        for name in preferred:
            if name in installed:
                return name
        raise UnsupportedError(f"refit: none of the solvers {', '.join(preferred)} is installed")


# The largest score or value a refit takes: the solvers square them (and add many up).
LARGEST = 1e150


def _check_magnitudes(target: NDArray[np.float64], values: NDArray[np.float64]) -> None:
    largest = max(float(np.max(np.abs(target), initial=0.0, where=~np.isnan(target))), float(np.max(np.abs(values), initial=0.0)))
    if not largest <= LARGEST:
        raise UnsupportedError(
            f"refit: the target or the model's values reach {largest:.3g}; refit solves in doubles and needs them"
            f" within ±{LARGEST:g}: scale the model and its target down"
        )


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


def parse_monotone(text: str) -> dict[str, int]:
    """"age:+;priors_count:-" -> {"age": 1, "priors_count": -1}."""
    directions: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in text.split(";"))):
        feature, _, sign = item.rpartition(":")
        if not feature or sign not in ("+", "-"):
            raise PwlcError(f"monotone: expected 'feature:+' or 'feature:-', got {item!r}")
        directions[feature] = 1 if sign == "+" else -1
    return directions


# --- the design ---------------------------------------------------------------------------


class Layout:
    """Where each term's values sit in theta. Column 0 is the intercept (all constants)."""

    def __init__(self, model: Model):
        self.model = model
        self.terms = [t for t in model.terms if not isinstance(t, Constant)]
        self.offsets: list[int] = []
        size = 1
        for term in self.terms:
            self.offsets.append(size)
            size += len(parameters(term))
        self.size = size
        self.theta0 = np.array([model.intercept] + [v for t in self.terms for v in parameters(t)], dtype=np.float64)

    def nonzeros(self, columns: dict[str, Column], rows: slice) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64], NDArray[np.bool_]]:
        """The design of `rows` as (row, column, weight) triples (a position may repeat:
        its weights add), and the mask of rows whose score is not missing."""
        count = rows.stop - rows.start
        chunk = {name: columns[name][rows] for name in columns}
        row_ids: list[NDArray[Any]] = [np.arange(count)]
        col_ids: list[NDArray[Any]] = [np.zeros(count, dtype=np.intp)]
        weights: list[NDArray[Any]] = [np.ones(count)]
        keep = np.ones(count, dtype=bool)
        for term, offset in zip(self.terms, self.offsets):
            r, c, w, missing = term_design(term, chunk, count)
            row_ids.append(r)
            col_ids.append(c + offset)
            weights.append(w)
            if term.missing is None:  # type: ignore[union-attr]
                keep &= ~missing
            if isinstance(term, Linear):  # the design holds x: beyond ±LARGEST (±inf too) it is left out
                keep &= ~(np.abs(_numeric(chunk[term.feature])) > LARGEST)
        return np.concatenate(row_ids), np.concatenate(col_ids), np.concatenate(weights), keep

    def design(self, columns: dict[str, Column], rows: slice) -> tuple[Any, NDArray[np.bool_]]:
        """The sparse design of `rows` (CSR) and the mask of rows whose score is not missing."""
        from scipy import sparse

        r, c, w, keep = self.nonzeros(columns, rows)
        return sparse.coo_matrix((w, (r, c)), shape=(rows.stop - rows.start, self.size)).tocsr(), keep

    def dense_design(self, columns: dict[str, Column], rows: slice) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
        """The same design as a dense array (for BLAS products on chunks of rows)."""
        r, c, w, keep = self.nonzeros(columns, rows)
        count = rows.stop - rows.start
        flat = np.bincount(r * self.size + c, weights=w, minlength=count * self.size)
        return np.asarray(flat, dtype=np.float64).reshape(count, self.size), keep

    def model_with(self, theta: NDArray[np.float64]) -> Model:
        """The model with every value taken from theta; constants become one intercept.
        A value a solver puts beyond the IR's range (`MAX_VALUE`) is held at its end."""
        theta = np.clip(theta, -MAX_VALUE, MAX_VALUE)
        new_terms: list[Term] = [Constant(float(theta[0]))]
        for term, offset in zip(self.terms, self.offsets):
            size = len(parameters(term))
            new_terms.append(with_parameters(term, [float(v) for v in theta[offset : offset + size]]))
        return replace(self.model, terms=tuple(new_terms))

    def _ordered_blocks(self) -> list[tuple[Term, int, int]]:
        """(term, first column, count) for the ordered values of each curve and step."""
        return [(t, o, len(t.ys) if isinstance(t, Curve) else len(t.values)) for t, o in zip(self.terms, self.offsets) if isinstance(t, (Curve, Step))]

    def second_differences(self) -> Any:
        """One sparse row per inner value of each curve and step: its second difference."""
        rows = [((i - 1, i, i + 1), (1.0, -2.0, 1.0)) for _, first, count in self._ordered_blocks() for i in range(first + 1, first + count - 1)]
        return sparse_rows(rows, self.size)

    def monotone_matrix(self, directions: dict[str, int]) -> Any:
        """One sparse row per neighbouring pair of values on a monotone feature: >= 0 when in order."""
        rows = []
        for term, first, count in self._ordered_blocks():
            sign = directions.get(term.feature, 0)  # type: ignore[union-attr]
            rows += [((i, i + 1), (-float(sign), float(sign))) for i in range(first, first + count - 1)] if sign else []
        return sparse_rows(rows, self.size)


def parameters(term: Term) -> list[float]:
    """What refit solves for in a term: its output values, after a linear term's slope."""
    return ([term.slope] if isinstance(term, Linear) else []) + output_values(term)


def with_parameters(term: Term, values: list[float]) -> Term:
    """`term` with the values `parameters` lists replaced. A slope the solver puts at
    exactly 0 (no linear term) keeps its old value."""
    if isinstance(term, Linear):
        return with_output_values(replace(term, slope=values[0] or term.slope), values[1:])
    return with_output_values(term, values)


def sparse_rows(rows: Sequence[tuple[tuple[int, ...], tuple[float, ...]]], size: int) -> Any:
    """A CSR matrix with one row per (columns, values) pair (never p-dense: p may be 100k)."""
    from scipy import sparse

    row_ids = [k for k, (columns, _) in enumerate(rows) for _ in columns]
    column_ids = [j for columns, _ in rows for j in columns]
    values = [v for _, row_values in rows for v in row_values]
    return sparse.csr_matrix((values, (row_ids, column_ids)), shape=(len(rows), size))


def term_design(term: Term, columns: dict[str, Column], count: int) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any], NDArray[np.bool_]]:
    """Nonzeros (row, column within the term, weight) of one term's design, and its missing rows.

    Mirrors pwlc.semantics exactly: a test checks design @ values == term_values.
    """
    rows = np.arange(count)
    parts: list[tuple[NDArray[Any], NDArray[Any], NDArray[Any]]]  # (rows, columns, weights)
    if isinstance(term, Curve):
        x = _numeric(columns[term.feature])
        missing = np.isnan(x)
        xs = np.asarray(term.xs, dtype=np.float64)
        last = len(xs) - 1
        lower = np.clip(np.searchsorted(xs, x, side="right") - 1, 0, last)
        lower[x >= xs[-1]] = last
        upper = np.minimum(lower + 1, last)
        t, tk = transform(term.fx, x), transform(term.fx, xs)
        with np.errstate(invalid="ignore", divide="ignore"):
            weight = np.where(upper > lower, (t - tk[lower]) / (tk[upper] - tk[lower]), 0.0)
        weight[(x <= xs[0]) | missing] = 0.0
        parts = [(rows, lower, 1.0 - weight), (rows, upper, weight)]
        first_free = len(xs)
    elif isinstance(term, Step):
        x = _numeric(columns[term.feature])
        missing = np.isnan(x)
        bins = step_bins(term.edges, term.at_edge, x)
        parts = [(rows, bins, np.ones(count))]
        first_free = len(term.values)
    elif isinstance(term, Table):
        keys = _categorical(columns[term.feature])
        index = {k: i for i, (k, _) in enumerate(term.entries)}
        default = len(term.entries)
        missing = np.array([k is None for k in keys], dtype=bool)
        cells = np.array([index.get(k, default) if k is not None else 0 for k in keys], dtype=np.intp)
        parts = [(rows, cells, np.ones(count))]
        first_free = len(term.entries) + 1
    elif isinstance(term, Linear):  # one column, the slope, weighted by x (0 beyond ±LARGEST: left out, see nonzeros)
        x = _numeric(columns[term.feature])
        missing = np.isnan(x)
        parts = [(rows, np.zeros(count, dtype=np.intp), np.where(np.abs(x) > LARGEST, 0.0, x))]
        first_free = 1
    elif isinstance(term, Grid):
        i0, i1, wa, missing_a = _axis_cells(term.a, columns[term.a.feature])
        j0, j1, wb, missing_b = _axis_cells(term.b, columns[term.b.feature])
        width = term.b.size
        inside = ~(missing_a | missing_b)
        cell = [rows[inside], i0[inside], i1[inside], j0[inside], j1[inside], wa[inside], wb[inside]]
        r, a0, a1, b0, b1, u, v = cell
        parts = [(r, a0 * width + b0, (1 - u) * (1 - v)), (r, a0 * width + b1, (1 - u) * v), (r, a1 * width + b0, u * (1 - v)), (r, a1 * width + b1, u * v)]
        first_free = term.a.size * width
        missing = ~inside
        # Only one input missing: the missing-a row along b, the missing-b column along a.
        for line, only, lower, upper, weight, size in (
            (term.missing_a, missing_a & ~missing_b, j0, j1, wb, width),
            (term.missing_b, missing_b & ~missing_a, i0, i1, wa, term.a.size),
        ):
            if line is not None:
                parts += [(rows[only], first_free + lower[only], 1 - weight[only]), (rows[only], first_free + upper[only], weight[only])]
                first_free += size
                missing = missing & ~only
    else:
        raise TypeError(type(term).__name__)
    if isinstance(term, Grid):  # its parts hold only their own rows already
        out_r, out_c, out_w = [list(part) for part in zip(*parts)]
    else:
        out_r = [r[~missing] for r, _, _ in parts]
        out_c = [c[~missing] for _, c, _ in parts]
        out_w = [w[~missing] for _, _, w in parts]
    if term.missing is not None:
        out_r.append(rows[missing])
        out_c.append(np.full(int(missing.sum()), first_free, dtype=np.intp))
        out_w.append(np.ones(int(missing.sum())))
    return np.concatenate(out_r), np.concatenate(out_c), np.concatenate(out_w), missing


def _numbers(data: PassData, name: str, what: str) -> NDArray[np.float64]:
    try:
        return np.asarray(data.column(name), dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f"{what} column {name!r} holds non-numbers") from None


def _slices(rows: int, chunk: int) -> list[slice]:
    return [slice(start, min(start + chunk, rows)) for start in range(0, rows, chunk)]


def nonzeros_per_row(layout: Layout) -> int:
    """Nonzeros of a row of X at most (a grid's missing row or column has fewer)."""
    return 1 + sum(4 if isinstance(t, Grid) else 2 if isinstance(t, Curve) else 1 for t in layout.terms)


def use_dense(layout: Layout) -> bool:
    """Whether chunks of the design should be dense: a dense BLAS product `A.T @ A` does
    rows * p^2 / 2 multiply-adds, a sparse one rows * nnz^2 scattered ones (nnz per row
    about twice the number of curves), each about 50 times slower."""
    return layout.size * layout.size / 2 < 50 * nonzeros_per_row(layout) ** 2


def design_chunks(layout: Layout, data: PassData, chunk: int, dense: bool) -> Iterator[tuple[Any, NDArray[np.bool_], slice]]:
    """(design, rows with a score, row slice) for consecutive chunks of the data; a chunk
    holds at most 8M entries (dense) or nonzeros (sparse: ~200 MB of triples while built)."""
    chunk = max(1, min(chunk, 8_000_000 // (layout.size if dense else nonzeros_per_row(layout))))
    for rows in _slices(data.rows, chunk):
        design, keep = layout.dense_design(data.columns, rows) if dense else layout.design(data.columns, rows)
        yield design, keep, rows


def weighted_gram(design: Any, weights: NDArray[np.float64]) -> NDArray[np.float64]:
    """X^T diag(w) X for a dense or sparse chunk (w >= 0)."""
    if isinstance(design, np.ndarray):
        scaled = design * np.sqrt(weights)[:, None]
        return scaled.T @ scaled  # a symmetric rank-k update in BLAS
    return np.asarray((design.T @ design.multiply(weights[:, None]).tocsr()).toarray())


def sufficient_statistics(
    layout: Layout, data: PassData, target: NDArray[np.float64], weight: NDArray[np.float64], chunk: int, dense: bool | None = None
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

    return sparse.csr_matrix((design.data * np.repeat(factors, np.diff(design.indptr)), design.indices, design.indptr), shape=design.shape)


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


def logistic_rows(design: Any, y: NDArray[np.float64], w: NDArray[np.float64], theta: NDArray[np.float64]) -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
    """For some rows: the weighted sum of their log loss at theta, their curvature weights
    w p (1 - p) (the Hessian is X^T diag(these) X) and the gradient X^T w (p - y)."""
    scores = design @ theta
    probability = 0.5 * (1.0 + np.tanh(scores / 2))  # 1 / (1 + exp(-s)) without overflow
    loss = float(w @ (np.logaddexp(0.0, scores) - y * scores))
    return loss, w * probability * (1 - probability), design.T @ (w * (probability - y))


def logistic_statistics(
    layout: Layout, data: PassData, labels: NDArray[np.float64], weight: NDArray[np.float64], theta: NDArray[np.float64], chunk: int
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

