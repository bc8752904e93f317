"""`fit` / `fit_curve`: a continuous piecewise-linear curve with few knots through (x, y, w);
`fit_path`: the best curve for every segment count up to a limit.

Pipeline: quick dynamic programs rank the x-transforms (`contenders`); for each one kept
(`pwlc.fit.problem`): normalise (t = fx(x) onto [0, 1], y centred and scaled), pick
candidate knots at equal weight quantiles, run the dynamic program over candidates for
every segment count, refine each knot over all data positions and off the grid, then solve
the knot values exactly (least squares, or a box-constrained QP for shape constraints) on
data condensed between the final knots. This module chooses among the transforms, the
segment counts and, for mono="auto", the shapes. Every error reported is measured with
`pwlc.semantics.curve_values`, the evaluator's own definition of a curve, except on a
sample of a huge input: there the sample's error comes from its prefix moments (exact to
rounding), in O(knots).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from pwlc.errors import UnsupportedError
from pwlc.fit.data import Points, prepare, wdot
from pwlc.fit.problem import SAMPLED_CANDIDATES, Normalised, Problem, Trial, contenders
from pwlc.fit.solve import SHAPES, Shape
from pwlc.ir import MAX_VALUE, TRANSFORMS, Curve
from pwlc.semantics import FloatArray, curve_values, transform

MONO_OPTIONS = ("auto", *SHAPES)
# mono="auto" keeps a monotone curve when it gives up at most this share of the explained
# SS, and moves no populated region's RMS error by more than the free curve's RMS error;
# a populated region is one of REGIONS bins of equal data weight along x.
AUTO_MONO_LOSS = 0.01
REGIONS = 20


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
        raise UnsupportedError(
            f"fit: candidates must be at least 2 and max_segments at least 1 (got {candidates} and {max_segments})"
        )
    if slope is not None:
        low, high = slope
        if low is not None and high is not None and low > high:
            raise UnsupportedError(
                f"fit: slope bounds ({low}, {high}) are empty; give the lower bound first (or None for no bound)"
            )


def _fit_in_transform(
    problem: Problem, shape: Shape, segments: int | None, tol: float | None, max_segments: int, sst: float
) -> tuple[Trial, float]:
    """The best curve in one transform; for segments=None the count chosen by tol or BIC.
    Returns the curve and a rank comparable across transforms (lower is better, SSE breaks
    ties): 0 for a fixed count, the count reaching tol, or the BIC."""
    points = problem.points
    size = len(problem.positions)
    if segments is not None and segments + 1 >= size:
        return problem.finish(problem.positions.copy(), shape), 0.0  # a knot on every position: interpolation
    candidates, starts = problem.search(segments if segments is not None else min(max_segments, size - 1))
    cost = problem.cost(shape)
    if segments is not None:
        # (The dynamic program stops early when no more knots fit between distinct positions.)
        return problem.search_knots(shape, starts[min(segments, len(starts)) - 1], candidates, cost), 0.0
    counts = list(range(1, len(starts) + 1))
    weight = points.total_weight
    floor = 1e-12 * max(sst / weight, 1e-300)
    if not shape.free:
        # Constrained knot moves cost a QP each: choose the count on the dynamic program's
        # knots (values solved under the shape), then search knots for that count only.
        quick = [problem.finish(starts[count - 1], shape).sse for count in counts]
        if tol is not None:
            counts = [next((c for c, e in zip(counts, quick) if e <= tol * tol * weight), counts[-1])]
        else:
            scores = [_bic(e, weight, points.effective_n, c, floor) for c, e in zip(counts, quick)]
            counts = [counts[int(np.argmin(scores))]]
    best: tuple[float, Trial] | None = None
    for count in counts:
        trial = problem.search_knots(shape, starts[count - 1], candidates, cost)
        if tol is not None:
            if trial.sse <= tol * tol * weight or count == counts[-1]:
                return trial, float(count)
            continue
        score = _bic(trial.sse, weight, points.effective_n, count, floor)
        if best is None or score < best[0]:
            best = (score, trial)
    assert best is not None
    return best[1], best[0]


def _path_in_transform(problem: Problem, shape: Shape, top: int) -> list[Trial]:
    """The dynamic program's best knots among the candidates in one transform for each
    count of segments 1..top, values solved exactly (no knot refinement). Fewer when the
    points allow fewer, or the dynamic program finds no finite curve beyond some count."""
    size = len(problem.positions)
    _, starts = problem.search(min(top, size - 1))
    return [
        problem.finish(problem.positions.copy() if count + 1 >= size else starts[count - 1], shape)
        for count in range(1, len(starts) + 1)
    ]


def _constant(points: Points, feature: str) -> CurveFit:
    """The fit when at most one distinct x is finite: a constant (every x clamps to one knot)."""
    at = float(points.x[0]) if len(points.x) else 0.0
    value = float(points.y[0]) if len(points.x) else (points.missing if points.missing is not None else 0.0)
    curve = _in_units(Curve(feature, (at,), (value,), "identity", points.missing), points.unit)
    return CurveFit(curve, points.within_ss * points.unit * points.unit, points.total_weight, "none", points.sampled)


def _problems(points: Points, fx: str, candidates: int, top: int) -> tuple[list[Problem], float]:
    """The transforms that get the full knot search, and the total sum of squares (y about
    its weighted mean, the spread within equal x included)."""
    if fx in ("log", "log1p") and fx not in _applicable_transforms(points.x):
        raise UnsupportedError(
            f"fit: fx={fx!r} needs every x > {0 if fx == 'log' else -1} (smallest x is {points.x[0]!r}); "
            "use fx='symlog1p' (defined everywhere) or fx='auto'"
        )
    names = _applicable_transforms(points.x) if fx == "auto" else [fx]
    data = Normalised(points)
    sst = points.total_weight * data.variance + points.within_ss
    if points.sampled:
        candidates = min(candidates, SAMPLED_CANDIDATES)
    problems = contenders(data, names, candidates, top)
    if not problems:
        raise UnsupportedError(
            f"fit: fx={fx!r} maps every x to the same value (or beyond the doubles); use fx='auto' or 'identity'"
        )
    return problems, sst


def _result(trial: Trial, points: Points, feature: str) -> CurveFit:
    """The trial as a `CurveFit` in y's units, its error measured with the evaluator."""
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
    with np.errstate(over="ignore"):  # (an overshoot beyond the doubles is clipped too)
        ys = np.clip(np.asarray(curve.ys) * unit, -MAX_VALUE, MAX_VALUE)
    missing = None if curve.missing is None else min(max(curve.missing * unit, -MAX_VALUE), MAX_VALUE)
    return Curve(curve.feature, curve.xs, tuple(map(float, ys)), curve.fx, missing)


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
        return _constant(points, feature)
    top = segments if segments is not None else min(max_segments, len(points.x) - 1)
    problems, sst = _problems(points, fx, candidates, top)
    chosen: tuple[tuple[float, float], Trial, Problem] | None = None
    for problem in problems:
        # mono="auto": choose transform and knots free, then decide the shape
        shape = Shape() if mono == "auto" else problem.shape(mono, slope)
        trial, rank = _fit_in_transform(problem, shape, segments, tol, max_segments, sst)
        key = (rank, trial.sse * (1 + 1e-9))  # a transform must beat the previous ones clearly
        if chosen is None or key < chosen[0]:
            chosen = ((rank, trial.sse), trial, problem)
    assert chosen is not None
    _, trial, problem = chosen
    if mono == "auto":
        trial = _auto_mono(problem, trial, slope, sst)
    return _result(trial, points, feature)


def fit_path(
    x: Any,
    y: Any,
    w: Any = None,
    *,
    feature: str = "x",
    max_segments: int = 8,
    mono: str = "auto",
    fx: str = "auto",
    slope: tuple[float | None, float | None] | None = None,
    candidates: int = 300,
    max_points: int = 100_000,
    seed: int = 0,
) -> list[CurveFit]:
    """A quick curve for each segment count 1..max_segments: element k has k + 1 segments.

    Each count's knots are the dynamic program's best among the candidate knots (no
    refinement over all data positions: `fit(segments=k)` does that, for an error a little
    lower), with values solved exactly. Fewer fits when the data allows fewer segments
    (n distinct x give at most n - 1; one fit when there is at most one). Each count gets
    the transform with the lowest error for that count among those the screen keeps (see
    `fit_curve`), and for mono="auto" its own shape decision. Options as for `fit_curve`.
    Used to decide where segments buy the most (`pwlc.distill`) at the cost of about one
    refined fit."""
    _check_options(None, None, mono, fx, slope, candidates, max_segments)
    points = prepare(x, y, w, max_points=max_points, seed=seed)
    if len(points.x) <= 1:
        return [_constant(points, feature)]
    problems, sst = _problems(points, fx, candidates, min(max_segments, len(points.x) - 1))
    best: list[tuple[Trial, Problem]] = []
    for problem in problems:
        shape = Shape() if mono == "auto" else problem.shape(mono, slope)
        for count, trial in enumerate(_path_in_transform(problem, shape, max_segments)):
            if count == len(best):
                best.append((trial, problem))
            elif trial.sse * (1 + 1e-9) < best[count][0].sse:  # a transform must beat the previous ones clearly
                best[count] = (trial, problem)
    if mono == "auto":
        best = [(_auto_mono(problem, trial, slope, sst), problem) for trial, problem in best]
    return [_result(trial, points, feature) for trial, _ in best]


def _auto_mono(problem: Problem, free: Trial, slope: Any, sst: float) -> Trial:
    """Keep a monotone curve when it loses at most AUTO_MONO_LOSS of the explained SS and
    raises no populated region's error by more than the free curve's (`_regions_kept`)."""
    steps = np.diff(free.curve.ys)
    if slope is None and (steps >= 0).all():
        return Trial(free.curve, free.sse, "increasing")
    if slope is None and (steps <= 0).all():
        return Trial(free.curve, free.sse, "decreasing")
    knots = (transform(problem.fx, np.asarray(free.curve.xs)) - problem.t_offset) / problem.t_scale
    # The free curve's knots, values re-solved under each direction (no new knot search:
    # auto mode stays as fast as a free fit; ask for a direction to get a full search).
    best = min(
        (problem.finish(knots, problem.shape(direction, slope)) for direction in ("increasing", "decreasing")),
        key=lambda trial: trial.sse,
    )
    if best.sse - free.sse <= AUTO_MONO_LOSS * max(sst - free.sse, 0.0) and _regions_kept(problem, free, best):
        return best
    if slope is not None:
        return problem.finish(knots, problem.shape("none", slope))
    return free


def _regions_kept(problem: Problem, free: Trial, constrained: Trial) -> bool:
    """Whether, in every populated region, the constrained curve's RMS error exceeds the free
    curve's by at most the free curve's RMS error over all the data.

    The regions are REGIONS bins of equal weight along x (each point in the bin holding the
    middle of its weight), so a constraint cannot buy its small total loss with a large
    error on a range that holds few rows: an old-age tail, say."""
    points = problem.points
    cumulative = np.cumsum(points.w)
    region = np.minimum(((cumulative - points.w / 2) / cumulative[-1] * REGIONS).astype(np.intp), REGIONS - 1)
    weight = np.bincount(region, points.w, REGIONS)
    populated = weight > 0

    def region_rms(curve: Curve) -> FloatArray:
        residual = points.y - curve_values(curve, points.x)
        sse = np.bincount(region, points.w * residual * residual, REGIONS)
        return np.sqrt(sse[populated] / weight[populated])

    allowed = math.sqrt(max(free.sse, 0.0) / points.total_weight) + 1e-9 * problem.y_scale
    return bool(np.all(region_rms(constrained.curve) - region_rms(free.curve) <= allowed))


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
      mono: "auto" (monotone when that loses <= 1% of the explained sum of squares and
        raises no populated region's RMS error by more than the free curve's RMS error; a
        populated region is one of 20 bins of equal weight along x), "increasing",
        "decreasing", "none" or "bitonic" (one turn, up-down or down-up).
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
