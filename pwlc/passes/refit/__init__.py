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
`cv=K` chooses the ridge by K-fold cross-validation, keeping the values unless a ridge does
better on the rows left out by more than one standard error over the folds
(`pwlc.passes.refit.cv`).
`alternate=N` (squared loss) then moves the curves' knots too: up to N rounds of the fitter's
knot search per curve against the residual of the other terms, each followed by the joint
refit of the values, kept while they lower the loss (`pwlc.passes.refit.alternate`).
Options: `weight` (a column of row weights), `monotone` ("age:+;priors_count:-": increasing/decreasing knot and step values on
those features), `smooth` (penalty on squared second differences of each curve's and
step's values), `solver` (auto: CLARABEL, then OSQP/SCS/HIGHS, whichever cvxpy has).
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pwlc.errors import DataError, PwlcError, UnsupportedError
from pwlc.ir import Curve, Model, Step
from pwlc.passes import Pass, register
from pwlc.passes.context import PassData
from pwlc.passes.refit.design import LARGEST, Layout
from pwlc.passes.refit.statistics import (
    DenseQuadratic,
    FactoredQuadratic,
    Quadratic,
    choose_form,
    design_rows,
    logistic_rows,
    logistic_statistics,
    rows_scaled,
    squared_loss,
)

_QP_SOLVERS = ("CLARABEL", "OSQP", "SCS", "HIGHS")
# Options that keep a solver from printing on its own (cvxpy's verbose=False does not).
_QUIET: dict[str, dict[str, Any]] = {
    "HIGHS": {"log_to_console": False, "output_flag": False},
    "OSQP": {"polishing": False},
}


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
    cv: int = 0  # K >= 2: the ridge (or no refit) chosen by K-fold cross-validation (pwlc.passes.refit.cv)
    cv_groups: str = ""  # a column whose groups (e.g. queries) cross-validation keeps whole
    alternate: int = 0  # N >= 1: up to N rounds moving the curves' knots, then the values (pwlc.passes.refit.alternate)
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
            raise PwlcError(
                "cv_groups and max_rows cannot be combined (a sample splits the groups): leave max_rows out, or sample whole groups beforehand"
            )
        if self.alternate < 0:
            raise PwlcError(f"alternate must be 0 (knots stay) or a number of rounds >= 1, got {self.alternate}")
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
        if loss == "logistic" and self.alternate:
            raise UnsupportedError(
                "refit: alternate moves knots under squared loss only: leave alternate out, or give loss=squared"
            )
        fitter, chosen, keep_values = self, "", False
        if self.cv:
            from pwlc.passes.refit.cv import choose_ridge

            choice = choose_ridge(self, layout, data, target, weight, form, loss)
            if choice.ridge is None and not self.alternate:
                return model, choice.note + sampled
            # With alternate, the knots may still move when the values stay: each round's values by the best ridge.
            keep_values = choice.ridge is None
            fitter, chosen = replace(self, ridge=choice.best_refit, cv=0, cv_groups=""), choice.note + "; "
        if loss == "squared":
            if keep_values:
                start, note = model, "values kept"
            else:
                quadratic = squared_loss(layout, data, target, weight, self.chunk, form)  # the mean squared error
                theta = fitter._solve_quadratic(layout, quadratic, quadratic.ridge_scale())
                before, after = quadratic.value(layout.theta0), quadratic.value(theta)
                start = layout.model_with(theta)
                note = f"RMS to {self.target}: {math.sqrt(max(before, 0.0)):.4g} -> {math.sqrt(max(after, 0.0)):.4g}"
            if self.alternate:
                moved, moves = self._alternated(fitter, model, start, keep_values, data, target, weight)
                return moved, chosen + note + "; " + moves + sampled
            return start, chosen + note + sampled
        else:
            statistics = self._logistic_statistics(layout, data, target, weight, form)
            theta, loss_before, loss_after, steps = fitter._newton(layout, statistics)
            note = f"log loss: {loss_before:.4g} -> {loss_after:.4g} ({steps} Newton steps)"
        return layout.model_with(theta), chosen + note + sampled

    def _alternated(
        self, fitter: "Refit", model: Model, start: Model, keep_values: bool, data: PassData, target: NDArray[np.float64], weight: NDArray[np.float64]
    ) -> tuple[Model, str]:
        """`start` after the alternating rounds (`pwlc.passes.refit.alternate`); with cv=K,
        only when they bring the rows left out of each fold closer to the target."""
        from pwlc.passes.refit.alternate import alternate

        def move(begin: Model, rows: PassData, y: NDArray[np.float64], w: NDArray[np.float64]) -> tuple[Model, str]:
            return alternate(begin, rows, y, w, self.alternate, self.directions, lambda m: fitter._squared_fit(m, rows, y, w))

        if self.cv:
            from pwlc.passes.refit.cv import alternation_helps

            def begin(rows: PassData, y: NDArray[np.float64], w: NDArray[np.float64]) -> Model:
                return model if keep_values else fitter._squared_fit(model, rows, y, w)

            helps, note = alternation_helps(self, begin, lambda m, rows, y, w: move(m, rows, y, w)[0], data, target, weight)
            if not helps:
                return start, note
            moved, moves = move(start, data, target, weight)
            return moved, note + "; " + moves
        return move(start, data, target, weight)

    def _squared_fit(
        self, model: Model, data: PassData, target: NDArray[np.float64], weight: NDArray[np.float64]
    ) -> Model:
        """`model` with every value re-solved under squared loss (its knots as they are)."""
        layout = Layout(model)
        quadratic = squared_loss(layout, data, target, weight, self.chunk, choose_form(layout, data.rows, self.form))
        return layout.model_with(self._solve_quadratic(layout, quadratic, quadratic.ridge_scale()))

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

    def _sample(
        self, data: PassData, target: NDArray[np.float64], weight: NDArray[np.float64]
    ) -> tuple[PassData, NDArray[np.float64], NDArray[np.float64], str]:
        """A uniform sample of `max_rows` rows (weights scaled to the full count), if asked."""
        if not 0 < self.max_rows < data.rows:
            return data, target, weight, ""
        from pwlc.passes.refit.cv import subset

        index = np.sort(np.random.default_rng(self.seed).choice(data.rows, size=self.max_rows, replace=False))
        sample, sample_target, sample_weight = subset(data, target, weight, index)
        return (
            sample,
            sample_target,
            sample_weight * (data.rows / index.size),
            f"; fitted on a sample of {index.size} of {data.rows} rows",
        )

    def _loss(self, model: Model) -> str:
        if self.loss != "auto":
            if self.loss == "logistic" and self.target == "teacher":
                raise PwlcError("loss=logistic needs target=labels (teacher scores are fitted with squared loss)")
            return self.loss
        if self.target == "labels" and model.link == "logistic":
            return "logistic"
        if self.target == "labels" and model.link == "exp":
            raise UnsupportedError(
                "refit on labels with an exp link is not supported: use target=teacher or loss=squared"
            )
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

    def _newton(
        self, layout: Layout, statistics: Callable[[NDArray[np.float64]], tuple[float, Quadratic]]
    ) -> tuple[NDArray[np.float64], float, float, int]:
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
        return ridge + (
            self.smooth * float(np.sum((layout.second_differences() @ theta) ** 2)) if self.smooth > 0 else 0.0
        )

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
                raise UnsupportedError(
                    f"refit: solver {self.solver!r} is not installed (installed: {', '.join(installed)})"
                )
            return self.solver.upper()
        for name in preferred:
            if name in installed:
                return name
        raise UnsupportedError(f"refit: none of the solvers {', '.join(preferred)} is installed")


def _check_magnitudes(target: NDArray[np.float64], values: NDArray[np.float64]) -> None:
    largest = max(
        float(np.max(np.abs(target), initial=0.0, where=~np.isnan(target))), float(np.max(np.abs(values), initial=0.0))
    )
    if not largest <= LARGEST:
        raise UnsupportedError(
            f"refit: the target or the model's values reach {largest:.3g}; refit solves in doubles and needs them"
            f" within ±{LARGEST:g}: scale the model and its target down"
        )


def parse_monotone(text: str) -> dict[str, int]:
    """ "age:+;priors_count:-" -> {"age": 1, "priors_count": -1}."""
    directions: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in text.split(";"))):
        feature, _, sign = item.rpartition(":")
        if not feature or sign not in ("+", "-"):
            raise PwlcError(f"monotone: expected 'feature:+' or 'feature:-', got {item!r}")
        directions[feature] = 1 if sign == "+" else -1
    return directions


# --- the design ---------------------------------------------------------------------------


def _numbers(data: PassData, name: str, what: str) -> NDArray[np.float64]:
    try:
        return np.asarray(data.column(name), dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f"{what} column {name!r} holds non-numbers") from None
