"""The fitter's points in one x-transform, and the knot search there.

`Normalised` holds the points' weights and y scaled once for all transforms; `Problem` is
the points in one transform (t = fx(x) mapped onto [0, 1]) with their prefix moments and
candidate knots: its dynamic program gives knot sets for every segment count,
`Problem.search_knots` refines one of them over all data positions and off the grid, and
`Problem.finish` solves the knot values exactly (least squares, or a box-constrained QP for
a shape constraint) on data condensed between the final knots. `contenders` picks the
transforms worth that full search.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import numpy as np
from numpy.typing import NDArray

from pwlc.fit.condense import Condensed, condense_sorted, inverse_transform
from pwlc.fit.data import Points, wdot
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
from pwlc.fit.solve import Shape, admits, constrained_values
from pwlc.ir import Curve, Transform
from pwlc.semantics import FloatArray, transform

# Quadratics kept per candidate knot in the dynamic program: measured on noisy sine, step
# and sqrt shapes, more candidates buy far more than a wider beam for the same time.
BEAM = 1
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
class Trial:
    """One candidate answer: a curve in one transform with a given segment count."""

    curve: Curve
    sse: float
    mono: str


class Normalised:
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


class Problem:
    """The points in one transform, normalised, with prefix moments and candidate knots."""

    def __init__(self, data: Normalised, fx: str, candidates: int):
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
        self.candidates = np.unique(self.t[quantile_indices(self.cumulative_w, candidates)])
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
        coarse = np.unique(self.t[quantile_indices(self.cumulative_w, max(count, top + 1))])
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

    def finish(self, knots: FloatArray, shape: Shape) -> Trial:
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
            basis = hat_basis(t, condensed.x)
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
        return Trial(curve, sse, shape.mono)

    def search_knots(self, shape: Shape, start: FloatArray, candidates: FloatArray, cost: Cost) -> Trial:
        """Knots refined from the dynamic program's `start` set, and their exact values."""
        size = len(self.t)
        if shape.free:
            if self.points.sampled:  # the sample's noise outweighs fine knot moves: one light pass
                knots, _ = refine(self.moments, start, candidates, cost, sweeps=1, near=SAMPLED_NEAR, continuous=False)
                knots, error = polish(knots, cost, self.t[0], self.t[-1], noise=SAMPLED_GAIN, min_step=SAMPLED_STEP)
            else:
                knots, error = refine(self.moments, start, candidates, cost)
            if error < EXACT and size <= PRECISE_POINTS:
                # (Nearly) exact: the moment formula's rounding hides the last digits of the
                # knots; finish on the residuals themselves.
                precise = residual_cost(self.moments, self.y, self.w)
                knots, _ = polish(knots, precise, self.t[0], self.t[-1], noise=0.0, min_step=1e-12)
        else:  # a trial may need a small QP: search a coarser grid of candidates only
            knots, _ = refine(
                self.moments,
                start,
                self.candidates[:: max(1, len(self.candidates) // CONSTRAINED_CANDIDATES)],
                cost,
                sweeps=3,
                data_points=False,
                continuous=False,
            )
        return self.finish(knots, shape)

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


def quantile_indices(cumulative_w: FloatArray, count: int) -> NDArray[np.intp]:
    """Indices of points at equal weight quantiles (given the running sum of the weights),
    always including the first and last."""
    size = len(cumulative_w)
    if size <= count:
        return np.arange(size)
    inner = np.searchsorted(cumulative_w, np.linspace(0.0, cumulative_w[-1], count)[1:-1], side="left")
    return np.unique(np.r_[0, np.minimum(inner, size - 1), size - 1])


def hat_basis(knots: FloatArray, t: FloatArray) -> FloatArray:
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


def contenders(data: Normalised, names: list[str], candidates: int, top: int) -> list[Problem]:
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
        return valid(data, names, candidates)
    if len(points.x) <= SCREEN_POINTS:
        problems = within(valid(data, names, candidates), lambda problem: problem.screen(top), SCREEN)
    else:
        sample = evenly_spaced(points, SCREEN_POINTS)
        if points.sampled:
            ranked = valid(sample, names, candidates)
            errors = [problem.screen(top, RACE_CANDIDATES) for problem in ranked]
            # The best (identity on ties); the next ones only if it merges two of all the points' x.
            for name in [ranked[i].fx for i in np.argsort(errors, kind="stable")]:
                problems = valid(data, [name], candidates)
                if problems:
                    return problems
            return valid(data, names, candidates)
        ranked = within(valid(sample, names, candidates), lambda problem: problem.screen(top), SCREEN)
        # (A transform separating the subset's x values may still merge two of all the points'.)
        problems = valid(data, [problem.fx for problem in ranked], candidates) or valid(data, names, candidates)
    if len(problems) > 1:
        problems = within(problems, lambda problem: problem.screen(top, RACE_CANDIDATES), RACE)
    return problems


def valid(data: Normalised, names: list[str], candidates: int) -> list[Problem]:
    """Problems for the transforms that keep the points' x values apart."""
    return [problem for problem in (Problem(data, name, candidates) for name in names) if problem.valid]


def within(problems: list[Problem], error: Callable[[Problem], float], share: float) -> list[Problem]:
    """The problems whose error is within `share` of the smallest, in their order."""
    errors = [error(problem) for problem in problems]
    # Errors are sums of squares: below zero is rounding; NaN (knots the doubles cannot resolve) ranks last.
    errors = [max(e, 0.0) if math.isfinite(e) else math.inf for e in errors]
    return [problem for problem, e in zip(problems, errors) if e <= min(errors, default=0.0) * (1 + share) + EXACT]


def evenly_spaced(points: Points, size: int) -> Normalised:
    """`size` points evenly spaced in x order: enough to rank transforms on a huge input."""
    keep = np.linspace(0, len(points.x) - 1, size).astype(np.intp)
    return Normalised(Points(points.x[keep], points.y[keep], points.w[keep], 0.0, 0.0, None, points.sampled, points.unit))
