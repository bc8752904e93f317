"""`fit` / `fit_curve`: a continuous piecewise-linear curve with few knots through (x, y, w).

Pipeline: quick dynamic programs rank the x-transforms (`_contenders`); for each one kept:
normalise (t = fx(x) onto [0, 1], y centred and scaled), pick candidate knots at equal
weight quantiles, run the dynamic program over candidates for every segment count, refine
each knot over all data positions and off the grid, then solve the knot values exactly
(least squares, or a box-constrained QP for shape constraints) on data condensed between
the final knots. Every error reported is measured with `pwlc.semantics.curve_values`, the
evaluator's own definition of a curve, except on a sample of a huge input: there the
sample's error comes from its prefix moments (exact to rounding), in O(knots).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from pwlc.errors import UnsupportedError
from pwlc.fit.condense import Condensed, condense_sorted, inverse_transform
from pwlc.fit.data import Points, prepare, wdot
from pwlc.fit.search import (
    Cost,
    Moments,
    dynamic_program,
    free_cost,
    least_squares_values,
    polish,
    quadratic,
    refine,
    residual_cost,
)
from pwlc.fit.solve import SHAPES, Shape, admits, constrained_values
from pwlc.ir import MAX_VALUE, TRANSFORMS, Curve, Transform
from pwlc.semantics import FloatArray, curve_values, transform

MONO_OPTIONS = ("auto", *SHAPES)
# Quadratics kept per candidate knot in the dynamic program: measured on noisy sine, step
# and sqrt shapes, more candidates buy far more than a wider beam for the same time.
BEAM = 1
# mono="auto" keeps a monotone curve when it gives up at most this share of the explained SS.
AUTO_MONO_LOSS = 0.01
# Below this error (a share of the y variance) a fit counts as exact and, for up to
# PRECISE_POINTS distinct x values, its knots are polished on the residuals themselves.
EXACT = 1e-10
PRECISE_POINTS = 50_000
# With fx="auto", transforms whose quick dynamic program (SCREEN_CANDIDATES candidates) is
# within SCREEN of the best one get the full search.
SCREEN = 0.05
SCREEN_CANDIDATES = 30
# Transforms that pass the screen are ranked again by a dynamic program over
# RACE_CANDIDATES candidates: only those within RACE of the best get the full search.
RACE = 0.01
RACE_CANDIDATES = 50
# Above this many distinct x values transforms are first ranked on that many of them,
# evenly spaced: building every transform's moments on all of them costs more than the search.
SCREEN_POINTS = 10_000
# A fit to a sample of a huge input (see max_points) searches this many candidates, with
# one light refinement pass (each knot also tries SAMPLED_NEAR data points between its
# neighbouring candidates): sampling noise outweighs what a finer search would gain.
SAMPLED_CANDIDATES = 100
SAMPLED_NEAR = 32
# ... and the knots' final joint moves stop at gains below SAMPLED_GAIN (a share of the y
# variance) or steps below SAMPLED_STEP (of the normalised x range): the sample's error is
# known to about sqrt(2 / max_points) of itself, so finer moves only fit its noise.
SAMPLED_GAIN = 1e-8
SAMPLED_STEP = 1e-5
# Shape-constrained knot moves cost a small QP each: they search this many candidates.
CONSTRAINED_CANDIDATES = 60


@dataclass(frozen=True)
class CurveFit:
    """A fitted curve and the error it introduces on the data it was fitted to.

    `sse` is sum w (y - curve(x))^2 over rows whose x is not missing (the sample, when the
    input had more than `max_points` rows and `sampled` is True); `weight` is their total
    weight. `mono` is the shape the curve satisfies as fitted: the one asked for, or for
    mono="auto" the direction chosen ("none" when the curve stayed free).
    """

    curve: Curve
    sse: float
    weight: float
    mono: str
    sampled: bool = False

    @property
    def rms(self) -> float:
        """Weighted root-mean-square error: sqrt(sse / weight)."""
        return math.sqrt(self.sse / self.weight) if self.weight > 0 else 0.0

    @property
    def segments(self) -> int:
        return len(self.curve.xs) - 1

    @property
    def fx(self) -> str:
        return self.curve.fx


@dataclass(frozen=True)
class _Trial:
    """One candidate answer: a curve in one transform with a given segment count."""

    curve: Curve
    sse: float
    mono: str


class _Normalised:
    """The points' weights and y, normalised once for every transform: w sums to 1, y has
    weighted mean 0 and variance 1 (scale 1 when y is constant)."""

    def __init__(self, points: Points):
        self.points = points
        self.w = points.w / points.total_weight
        self.y_mean = wdot(self.w, points.y)
        centred = points.y - self.y_mean
        self.variance = wdot(self.w, centred * centred)
        self.y_scale = math.sqrt(self.variance) if self.variance > 0 else 1.0
        self.y = centred / self.y_scale
        self.moments: Moments | None = None  # the first transform's: w, wy, wy^2 are shared


class _Problem:
    """The points in one transform, normalised, with prefix moments and candidate knots."""

    def __init__(self, data: _Normalised, fx: str, candidates: int):
        points = data.points
        self.points, self.fx = points, fx
        raw_t = transform(fx, points.x)
        # Points whose transforms coincide (1e17 and 1e17 + 16 under log1p) share a position:
        # no curve in this transform tells them apart, and knots go on distinct positions only.
        with np.errstate(over="ignore"):
            span = float(raw_t[-1] - raw_t[0])
        self.valid = bool(np.all(np.isfinite(raw_t)) and np.all(raw_t[1:] >= raw_t[:-1]) and 0 < span < math.inf)
        if not self.valid:
            return
        self.t_offset, self.t_scale = float(raw_t[0]), span
        self.t = (raw_t - self.t_offset) / self.t_scale
        self.positions = np.unique(self.t)  # where knots can be
        self.w, self.y, self.y_mean, self.y_scale = data.w, data.y, data.y_mean, data.y_scale
        self.moments = Moments(self.t, self.y, self.w, data.moments)
        if data.moments is None:
            data.moments = self.moments
        self.cumulative_w = self.moments.prefix[0, 1:]  # running sum of w: weight quantiles
        self.candidates = np.unique(self.t[_quantile_indices(self.cumulative_w, candidates)])
        self._search: tuple[FloatArray, list[FloatArray]] | None = None
        self._condensed: tuple[FloatArray, Condensed] | None = None

    def search(self, top: int) -> tuple[FloatArray, list[FloatArray]]:
        """Candidates and the dynamic program's knot sets for 1..top segments (cached)."""
        if self._search is None or len(self._search[1]) < top:
            candidates = self.positions if top + 1 > len(self.candidates) else self.candidates
            self._search = (candidates, dynamic_program(self.moments, candidates, top, BEAM))
        return self._search

    def screen(self, top: int, count: int = SCREEN_CANDIDATES) -> float:
        """The error of a quick dynamic program for `top` segments (`count` candidates, one
        quadratic per knot), in units of the y variance, the same in every transform: a
        cheap ranking of transforms."""
        coarse = np.unique(self.t[_quantile_indices(self.cumulative_w, max(count, top + 1))])
        knots = dynamic_program(self.moments, coarse, top, 1)[-1]
        return float(free_cost(self.moments)(knots[None, :])[0])

    def shape(self, mono: str, slope: tuple[float | None, float | None] | None) -> Shape:
        """The constraint in normalised units (slopes scale by t_scale / y_scale)."""
        low, high = slope if slope is not None else (None, None)
        unit = self.t_scale / self.y_scale
        return Shape(mono, -np.inf if low is None else low * unit, np.inf if high is None else high * unit)

    def cost(self, shape: Shape) -> Cost:
        if shape.free:
            return free_cost(self.moments)

        free = free_cost(self.moments)

        def constrained(knots: FloatArray) -> FloatArray:
            costs = free(knots)
            hessian, g, f = quadratic(self.moments, knots)
            values = least_squares_values(hessian, g)
            for i in range(len(knots)):
                if not admits(shape, knots[i], values[i]):  # only then is a QP needed
                    costs[i] = constrained_values(hessian[i], g[i], f[i], knots[i], shape)[1]
            return costs

        return constrained

    def finish(self, knots: FloatArray, shape: Shape) -> _Trial:
        """Raw knots, exact knot values for them, and the error.

        On a sample of a huge input the values come from the prefix moments in O(knots): the
        sampling error dwarfs their rounding. Otherwise they are solved on data condensed
        between the knots, whose residuals keep full precision for (nearly) exact fits."""
        xs = self._raw_knots(knots)
        t = (transform(self.fx, xs) - self.t_offset) / self.t_scale
        if self.points.sampled:
            hessian, g, f = (part[0] for part in quadratic(self.moments, t[None, :]))
            values, residual = constrained_values(hessian, g, float(f), t, shape)
            residual = max(residual, 0.0)
        else:
            if self._condensed is None or not np.array_equal(self._condensed[0], t):
                self._condensed = (t, condense_sorted(self.t, self.y, self.w, t))  # reused by _auto_mono
            condensed = self._condensed[1]
            basis = _hat_basis(t, condensed.x)
            weighted = basis * condensed.w[:, None]
            hessian = basis.T @ weighted
            g = weighted.T @ condensed.y
            f = wdot(condensed.w, condensed.y**2)
            values, _ = constrained_values(hessian, g, f, t, shape)
            # The error from the residuals of the condensed points (exact for these knots, as
            # they are the cuts); `fit` re-measures the answer with the evaluator.
            residual = wdot(condensed.w, (condensed.y - basis @ values) ** 2) + condensed.offset
        curve = Curve(
            "x",
            tuple(map(float, xs)),
            tuple(float(v) for v in self.y_mean + self.y_scale * values),
            cast(Transform, self.fx),
        )
        sse = residual * self.points.total_weight * self.y_scale**2 + self.points.within_ss
        return _Trial(curve, sse, shape.mono)

    def _raw_knots(self, knots: FloatArray) -> FloatArray:
        """Knots in raw units: a knot on a data point is that point's x exactly."""
        index = np.minimum(np.searchsorted(self.t, knots), len(self.t) - 1)
        on_point = self.t[index] == knots
        raw = inverse_transform(self.fx, knots * self.t_scale + self.t_offset)
        xs = np.where(on_point, self.points.x[index], np.clip(raw, self.points.x[0], self.points.x[-1]))
        # Knots apart in x, in fx(x) as the evaluator computes it, and once normalised.
        t = transform(self.fx, xs)
        keep = np.r_[True, (np.diff(xs) > 0) & (np.diff(t) > 0) & (np.diff((t - self.t_offset) / self.t_scale) > 0)]
        return xs[keep]


def _quantile_indices(cumulative_w: FloatArray, count: int) -> NDArray[np.intp]:
    """Indices of points at equal weight quantiles (given the running sum of the weights),
    always including the first and last."""
    size = len(cumulative_w)
    if size <= count:
        return np.arange(size)
    inner = np.searchsorted(cumulative_w, np.linspace(0.0, cumulative_w[-1], count)[1:-1], side="left")
    return np.unique(np.r_[0, np.minimum(inner, size - 1), size - 1])


def _hat_basis(knots: FloatArray, t: FloatArray) -> FloatArray:
    """Rows of the interpolation basis at t: curve(t) = basis @ knot values (flat outside)."""
    basis = np.zeros((len(t), len(knots)))
    if len(knots) == 1:
        basis[:, 0] = 1.0
        return basis
    segment = np.clip(np.searchsorted(knots, t, side="right") - 1, 0, len(knots) - 2)
    u = np.clip((t - knots[segment]) / (knots[segment + 1] - knots[segment]), 0.0, 1.0)
    rows = np.arange(len(t))
    basis[rows, segment] = 1.0 - u
    basis[rows, segment + 1] = u
    return basis


def _contenders(data: _Normalised, names: list[str], candidates: int, top: int) -> list[_Problem]:
    """The transforms that get the full knot search (the costly part), as problems on all points.

    A quick dynamic program (SCREEN_CANDIDATES candidates) ranks every transform; those within
    SCREEN of the best are ranked again with RACE_CANDIDATES candidates, and those within RACE
    of that best are kept. Above SCREEN_POINTS points the first ranking runs on an evenly
    spaced subset of that size, so only the transforms kept build their moments on all the
    points. On a sample of a huge input one ranking on the subset (RACE_CANDIDATES) keeps the
    best transform alone: what the search gains beyond it (measured: under 0.4% of the
    error) is below the sampling noise."""
    points = data.points
    if len(names) == 1 or top + 1 >= len(points.x):
        return _valid(data, names, candidates)
    if len(points.x) <= SCREEN_POINTS:
        problems = _within(_valid(data, names, candidates), lambda problem: problem.screen(top), SCREEN)
    else:
        subset = _subset(points, SCREEN_POINTS)
        if points.sampled:
            ranked = _valid(subset, names, candidates)
            errors = [problem.screen(top, RACE_CANDIDATES) for problem in ranked]
            # The best (identity on ties); the next ones only if it merges two of all the points' x.
            for name in [ranked[i].fx for i in np.argsort(errors, kind="stable")]:
                problems = _valid(data, [name], candidates)
                if problems:
                    return problems
            return _valid(data, names, candidates)
        ranked = _within(_valid(subset, names, candidates), lambda problem: problem.screen(top), SCREEN)
        # (A transform separating the subset's x values may still merge two of all the points'.)
        problems = _valid(data, [problem.fx for problem in ranked], candidates) or _valid(data, names, candidates)
    if len(problems) > 1:
        problems = _within(problems, lambda problem: problem.screen(top, RACE_CANDIDATES), RACE)
    return problems


def _valid(data: _Normalised, names: list[str], candidates: int) -> list[_Problem]:
    """Problems for the transforms that keep the points' x values apart."""
    return [problem for problem in (_Problem(data, name, candidates) for name in names) if problem.valid]


def _within(problems: list[_Problem], error: Callable[[_Problem], float], share: float) -> list[_Problem]:
    """The problems whose error is within `share` of the smallest, in their order."""
    errors = [error(problem) for problem in problems]
    # Errors are sums of squares: below zero is rounding; NaN (knots the doubles cannot resolve) ranks last.
    errors = [max(e, 0.0) if math.isfinite(e) else math.inf for e in errors]
    return [problem for problem, e in zip(problems, errors) if e <= min(errors, default=0.0) * (1 + share) + EXACT]


def _subset(points: Points, size: int) -> _Normalised:
    """`size` points evenly spaced in x order: enough to rank transforms on a huge input."""
    keep = np.linspace(0, len(points.x) - 1, size).astype(np.intp)
    return _Normalised(Points(points.x[keep], points.y[keep], points.w[keep], 0.0, 0.0, None, points.sampled))


def _bic(sse: float, weight: float, effective_n: float, segments: int, floor: float) -> float:
    """Schwarz criterion with 2 parameters per segment (a knot position and a value)."""
    return effective_n * math.log(max(sse / weight, floor)) + 2 * segments * math.log(max(effective_n, 2.0))


def _applicable_transforms(x: FloatArray) -> list[str]:
    """Transforms defined on all of x; symlog1p is left out when it equals log1p (x >= 0)."""
    low = float(x[0])
    names = ["identity"]
    if low > 0:
        names.append("log")
    if low > -1:
        names.append("log1p")
    if low < 0:
        names.append("symlog1p")
    return names


def _check_options(
    segments: int | None, tol: float | None, mono: str, fx: str, slope: Any, candidates: int, max_segments: int
) -> None:
    if mono not in MONO_OPTIONS:
        raise UnsupportedError(f"fit: mono must be one of {', '.join(MONO_OPTIONS)}, not {mono!r}")
    if fx != "auto" and fx not in TRANSFORMS:
        raise UnsupportedError(f"fit: fx must be 'auto' or one of {', '.join(TRANSFORMS)}, not {fx!r}")
    if segments is not None and (int(segments) != segments or segments < 1):
        raise UnsupportedError(f"fit: segments must be a positive integer, not {segments!r}")
    if tol is not None and not tol >= 0:
        raise UnsupportedError(f"fit: tol must be a non-negative number, not {tol!r}")
    if candidates < 2 or max_segments < 1:
        raise UnsupportedError("fit: candidates must be at least 2 and max_segments at least 1")
    if slope is not None:
        low, high = slope
        if low is not None and high is not None and low > high:
            raise UnsupportedError(f"fit: slope bounds ({low}, {high}) are empty")


def _fit_in_transform(
    problem: _Problem, shape: Shape, segments: int | None, tol: float | None, max_segments: int, sst: float
) -> tuple[_Trial, float]:
    """The best curve in one transform; for segments=None the count chosen by tol or BIC.
    Returns the curve and a rank comparable across transforms (lower is better, SSE breaks
    ties): 0 for a fixed count, the count reaching tol, or the BIC."""
    points = problem.points
    size = len(problem.positions)
    if segments is not None and segments + 1 >= size:
        trial = problem.finish(problem.positions.copy(), shape)  # a knot on every point: interpolation
        return trial, 0.0
    candidates, starts = problem.search(segments if segments is not None else min(max_segments, size - 1))
    cost = problem.cost(shape)
    # (The dynamic program stops early when no more knots fit between distinct positions.)
    counts = [min(segments, len(starts))] if segments is not None else list(range(1, len(starts) + 1))
    weight = points.total_weight
    floor = 1e-12 * max(sst / weight, 1e-300)
    if segments is None and not shape.free:
        # Constrained knot moves cost a QP each: choose the count on the dynamic program's
        # knots (values solved under the shape), then search knots for that count only.
        quick = [problem.finish(starts[count - 1], shape).sse for count in counts]
        if tol is not None:
            counts = [next((c for c, e in zip(counts, quick) if e <= tol * tol * weight), counts[-1])]
        else:
            scores = [_bic(e, weight, points.effective_n, c, floor) for c, e in zip(counts, quick)]
            counts = [counts[int(np.argmin(scores))]]
    best: tuple[float, _Trial] | None = None
    for count in counts:
        if shape.free:
            if points.sampled:  # the sample's noise outweighs fine knot moves: one light pass
                knots, _ = refine(
                    problem.moments,
                    starts[count - 1],
                    candidates,
                    cost,
                    sweeps=1,
                    near=SAMPLED_NEAR,
                    continuous=False,
                )
                knots, error = polish(
                    knots, cost, problem.t[0], problem.t[-1], noise=SAMPLED_GAIN, min_step=SAMPLED_STEP
                )
            else:
                knots, error = refine(problem.moments, starts[count - 1], candidates, cost)
            if error < EXACT and size <= PRECISE_POINTS:
                # (Nearly) exact: the moment formula's rounding hides the last digits of the
                # knots; finish on the residuals themselves.
                precise = residual_cost(problem.moments, problem.y, problem.w)
                knots, _ = polish(knots, precise, problem.t[0], problem.t[-1], noise=0.0, min_step=1e-12)
        else:  # a trial may need a small QP: search a coarser grid of candidates only
            knots, _ = refine(
                problem.moments,
                starts[count - 1],
                problem.candidates[:: max(1, len(problem.candidates) // CONSTRAINED_CANDIDATES)],
                cost,
                sweeps=3,
                data_points=False,
                continuous=False,
            )
        trial = problem.finish(knots, shape)
        if segments is not None:
            return trial, 0.0
        if tol is not None:
            if trial.sse <= tol * tol * weight or count == counts[-1]:
                return trial, float(count)
            continue
        score = _bic(trial.sse, weight, points.effective_n, count, floor)
        if best is None or score < best[0]:
            best = (score, trial)
    assert best is not None
    return best[1], best[0]


def fit(
    x: Any,
    y: Any,
    w: Any = None,
    *,
    feature: str = "x",
    segments: int | None = None,
    tol: float | None = None,
    mono: str = "auto",
    fx: str = "auto",
    slope: tuple[float | None, float | None] | None = None,
    candidates: int = 300,
    max_segments: int = 8,
    max_points: int = 100_000,
    seed: int = 0,
) -> CurveFit:
    """Fit a continuous piecewise-linear curve to (x, y) with weights w; see `fit_curve`."""
    _check_options(segments, tol, mono, fx, slope, candidates, max_segments)
    points = prepare(x, y, w, max_points=max_points, seed=seed)
    if len(points.x) <= 1:
        # No finite x (the curve is a constant: every x clamps to one knot) or a single one.
        at = float(points.x[0]) if len(points.x) else 0.0
        value = float(points.y[0]) if len(points.x) else (points.missing if points.missing is not None else 0.0)
        curve = _in_units(Curve(feature, (at,), (value,), "identity", points.missing), points.unit)
        return CurveFit(curve, points.within_ss * points.unit * points.unit, points.total_weight, "none", points.sampled)

    names = _applicable_transforms(points.x) if fx == "auto" else [fx]
    if fx in ("log", "log1p") and fx not in _applicable_transforms(points.x):
        raise UnsupportedError(
            f"fit: fx={fx!r} needs every x > {0 if fx == 'log' else -1} (smallest x is {points.x[0]!r})"
        )
    data = _Normalised(points)
    sst = points.total_weight * data.variance + points.within_ss
    free_first = mono == "auto"  # auto: choose transform and knots free, then decide the shape
    chosen: tuple[tuple[float, float], _Trial, _Problem] | None = None
    if points.sampled:
        candidates = min(candidates, SAMPLED_CANDIDATES)
    top = segments if segments is not None else min(max_segments, len(points.x) - 1)
    problems = _contenders(data, names, candidates, top)
    for problem in problems:
        shape = Shape() if free_first else problem.shape(mono, slope)
        trial, rank = _fit_in_transform(problem, shape, segments, tol, max_segments, sst)
        key = (rank, trial.sse * (1 + 1e-9))  # a transform must beat the previous ones clearly
        if chosen is None or key < chosen[0]:
            chosen = ((rank, trial.sse), trial, problem)
    if chosen is None:
        raise UnsupportedError(f"fit: fx={fx!r} maps every x to the same value (or beyond the doubles); use fx='auto' or 'identity'")
    _, trial, problem = chosen
    if mono == "auto":
        trial = _auto_mono(problem, trial, slope, sst)
    curve = Curve(feature, trial.curve.xs, trial.curve.ys, trial.curve.fx, points.missing)
    if points.sampled:  # exact from the moments, to rounding far below the sampling error
        sse = trial.sse
    else:
        residual = points.y - curve_values(curve, points.x)
        sse = wdot(points.w, residual * residual) + points.within_ss
    return CurveFit(_in_units(curve, points.unit), sse * points.unit * points.unit, points.total_weight, trial.mono, points.sampled)


def _in_units(curve: Curve, unit: float) -> Curve:
    """A curve fitted to y / unit, for y; values a least-squares fit overshoots beyond the
    IR's range (`pwlc.ir.MAX_VALUE`) are held at its end."""
    ys = np.clip(np.asarray(curve.ys) * unit, -MAX_VALUE, MAX_VALUE)
    missing = None if curve.missing is None else min(max(curve.missing * unit, -MAX_VALUE), MAX_VALUE)
    return Curve(curve.feature, curve.xs, tuple(map(float, ys)), curve.fx, missing)


def _auto_mono(problem: _Problem, free: _Trial, slope: Any, sst: float) -> _Trial:
    """Keep a monotone curve when it loses at most AUTO_MONO_LOSS of the explained SS."""
    steps = np.diff(free.curve.ys)
    if slope is None and (steps >= 0).all():
        return _Trial(free.curve, free.sse, "increasing")
    if slope is None and (steps <= 0).all():
        return _Trial(free.curve, free.sse, "decreasing")
    knots = (transform(problem.fx, np.asarray(free.curve.xs)) - problem.t_offset) / problem.t_scale
    # The free curve's knots, values re-solved under each direction (no new knot search:
    # auto mode stays as fast as a free fit; ask for a direction to get a full search).
    best = min(
        (problem.finish(knots, problem.shape(direction, slope)) for direction in ("increasing", "decreasing")),
        key=lambda trial: trial.sse,
    )
    if best.sse - free.sse <= AUTO_MONO_LOSS * max(sst - free.sse, 0.0):
        return best
    if slope is not None:
        return problem.finish(knots, problem.shape("none", slope))
    return free


def fit_curve(x: Any, y: Any, w: Any = None, **options: Any) -> Curve:
    """A continuous piecewise-linear `pwlc.Curve` through (x, y), weighted by w.

    x, y, w: arrays, lists or pandas Series of one length. Rows with NaN x leave the fit;
    their weighted mean y is the curve's `missing` value (None when there are none).
    Options (keywords):
      feature: the curve's input name ("x").
      segments: number of linear pieces. None chooses it: the fewest in 1..max_segments
        whose weighted RMS error is <= tol, or without tol the lowest BIC
        (n_eff log(SSE / W) + 2 S log n_eff, n_eff = (sum w)^2 / sum w^2). BIC suits noisy
        data; for a noise-free target (a teacher's shape) it keeps adding segments up to
        max_segments, so give tol there. Under a shape constraint the count is chosen on the
        dynamic program's knots before the knot search.
      tol: weighted RMS error target for segments=None, in y units.
      mono: "auto" (monotone when that loses <= 1% of the explained sum of squares),
        "increasing", "decreasing", "none" or "bitonic" (one turn, up-down or down-up).
      slope: (low, high) bounds on dy / d fx(x); either may be None.
      fx: "auto" (every transform defined on the data is tried, a quick search ranks them
        and those within 5% of the best get the full one; the lowest error wins,
        identity on ties) or one of identity, log, log1p, symlog1p.
      candidates: candidate knots for the dynamic program (300), at equal weight quantiles.
      max_points: above this many rows a fixed-seed sample of that many distinct rows is
        fitted, with a lighter search (100 candidates, one refinement pass); at the default
        100_000 a fit to 1M rows takes under 3x np.sort's time on them
        (benchmarks/results/fitter.md). Its error on all rows is 0.01-0.3% above fitting
        them all there; the most on nearly noise-free data (up to 0.8% in other trials),
        where the sample places the knots less precisely: raise max_points for such data.
      seed: seed of that sample (numpy's global random state is never used).
    Use `fit` for the same curve with its error (`CurveFit.sse`, `.rms`).
    """
    return fit(x, y, w, **options).curve
