"""Knot search on normalised data (t = fx(x) mapped onto [0, 1], y centred and scaled).

For knots p_0 < ... < p_S and knot values v_0..v_S the weighted squared error is the
quadratic `v'Hv - 2g'v + F`: each segment [p_{j-1}, p_j] adds a 2x2 block built from the
weighted moments of the points it covers, and the flat ends add `W v^2 - 2 Y v + YY`.
The moments of any run of sorted points come from prefix sums in O(1). This is the
paper's condensing kept as sufficient statistics: every knot set is ranked exactly as on
the full data, whatever the number of points.

Search: an exact-cost dynamic program over candidate knots (`dynamic_program`), then
coordinate refinement of each knot over all data positions and off the data grid
(`refine`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from pwlc.semantics import FloatArray

IntArray = np.ndarray
# Added to diagonals: keeps a knot value without any data on either side well defined.
RIDGE = 1e-12
# Costs are in units of the total weighted y variance and computed to about 1e-16; a move
# must gain more than this to count, so rounding noise never moves a knot.
NOISE = 1e-14
Cost = Callable[[FloatArray], FloatArray]
# `polish` estimates the Hessian between knots at most this many places apart (a knot's
# position mostly interacts with its neighbours'), so its cost grows linearly with knots.
BAND = 3


class Moments:
    """Prefix sums of w, wt, wt^2, wy, wty, wy^2 over points sorted by t (weights sum to 1)."""

    def __init__(self, t: FloatArray, y: FloatArray, w: FloatArray, shared: Moments | None = None):
        """`shared`: moments of the same (y, w) in another transform, whose w, wy and wy^2
        prefix rows (independent of t) are copied instead of summed again."""
        self.t = t
        self.prefix = np.empty((6, len(t) + 1))
        self.prefix[:, 0] = 0.0
        rows = self.prefix[:, 1:]
        np.multiply(w, t, out=rows[1])
        np.multiply(rows[1], t, out=rows[2])
        np.multiply(rows[1], y, out=rows[4])
        if shared is None:
            rows[0] = w
            np.multiply(w, y, out=rows[3])
            np.multiply(rows[3], y, out=rows[5])
        for row in (0, 1, 2, 3, 4, 5) if shared is None else (1, 2, 4):
            np.cumsum(rows[row], out=rows[row])
        if shared is not None:
            self.prefix[[0, 3, 5]] = shared.prefix[[0, 3, 5]]

    @property
    def size(self) -> int:
        return len(self.t)

    def split(self, position: FloatArray) -> IntArray:
        """Index of the first point at or right of `position` (a point on a knot may go either
        way: the curve is continuous there)."""
        return np.searchsorted(self.t, position, side="left")

    def flat(self, start: IntArray, stop: IntArray) -> FloatArray:
        """(W, Y, YY) of points [start, stop): the cost of a constant v is W v^2 - 2 Y v + YY."""
        sums = self.prefix[:, stop] - self.prefix[:, start]
        return sums[[0, 3, 5]]

    def segment(self, left: FloatArray, right: FloatArray, start: IntArray, stop: IntArray) -> tuple[FloatArray, ...]:
        """(A, B, C, D, E, F) of the line from (left, vl) to (right, vr) over points [start, stop):
        its cost is A vl^2 + 2B vl vr + C vr^2 - 2D vl - 2E vr + F."""
        return line_terms(left, right, self.prefix[:, stop] - self.prefix[:, start])


def line_terms(left: FloatArray, right: FloatArray, sums: FloatArray) -> tuple[FloatArray, ...]:
    """`Moments.segment` from the points' summed moments (w, wt, wt^2, wy, wty, wy^2)."""
    weight, wt, wtt, wy, wty, wyy = sums
    width = right - left
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # (knots closer than the doubles resolve: NaN)
        su = (wt - left * weight) / width  # sum w u, with u = (t - left) / width
        suu = (wtt - 2 * left * wt + left * left * weight) / (width * width)
        syu = (wty - left * wy) / width
    return weight - 2 * su + suu, su - suu, suu, wy - syu, syu, wyy


def quadratic(moments: Moments, knots: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """H (..., S+1, S+1), g (..., S+1) and F (...) of knot sets `knots` (..., S+1)."""
    index = moments.split(knots)
    size = knots.shape[-1]
    at = moments.prefix[:, index]  # prefix sums at every knot: one gather serves all the sums
    a, b, c, d, e, f = line_terms(knots[..., :-1], knots[..., 1:], at[..., 1:] - at[..., :-1])
    w_left, y_left, yy_left = at[[0, 3, 5], ..., 0]  # points left of the first knot
    total = np.expand_dims(moments.prefix[[0, 3, 5], -1], tuple(range(1, knots.ndim)))
    w_right, y_right, yy_right = total - at[[0, 3, 5], ..., -1]  # points right of the last knot
    diag = np.zeros(knots.shape)
    diag[..., :-1] += a
    diag[..., 1:] += c
    diag[..., 0] += w_left
    diag[..., -1] += w_right
    hessian = np.zeros((*knots.shape, size))
    entries = hessian.reshape(*knots.shape[:-1], size * size)  # a view: strided slices, no fancy index
    entries[..., :: size + 1] = diag
    entries[..., 1 :: size + 1] = b  # (j, j + 1)
    entries[..., size :: size + 1] = b  # (j + 1, j)
    g = np.zeros(knots.shape)
    g[..., :-1] += d
    g[..., 1:] += e
    g[..., 0] += y_left
    g[..., -1] += y_right
    return hessian, g, f.sum(axis=-1) + yy_left + yy_right


def free_cost(moments: Moments) -> Cost:
    """The least-squares error of each knot set, knot values unconstrained (batched)."""

    def cost(knots: FloatArray) -> FloatArray:
        hessian, g, f = quadratic(moments, knots)
        values = least_squares_values(hessian, g)
        # Evaluated with the exact H: the ridge then costs O(RIDGE^2), not O(RIDGE).
        curvature = np.sum(values * (hessian @ values[..., None])[..., 0], axis=-1)
        return f - 2 * np.sum(g * values, axis=-1) + curvature

    return cost


def least_squares_values(hessian: FloatArray, g: FloatArray) -> FloatArray:
    """Least-squares knot values, batched; the ridge only matters for knots without data."""
    regularised = hessian + RIDGE * np.eye(g.shape[-1])
    # Knots closer than the doubles resolve overflow their segment's moments: such knot
    # sets get NaN values (and cost), which every search ranks last.
    unresolved: NDArray[np.bool_] = np.asarray(~(np.isfinite(regularised).all(axis=(-2, -1)) & np.isfinite(g).all(axis=-1)))
    if unresolved.any():
        regularised = np.where(unresolved[..., None, None], np.eye(g.shape[-1]), regularised)
        g = np.where(unresolved[..., None], 0.0, g)
    try:
        solved = np.linalg.solve(regularised, g[..., None])
    except np.linalg.LinAlgError:  # a knot set whose matrix is singular even with the ridge
        solved = np.linalg.pinv(regularised) @ g[..., None]
    values = solved[..., 0].astype(np.float64, copy=False)
    values[unresolved] = np.nan
    return values


def residual_cost(moments: Moments, y: FloatArray, w: FloatArray) -> Cost:
    """Like `free_cost`, but the error summed from the residuals themselves, O(n) per knot set:
    exact to rounding even when the fit is (nearly) exact and the moment formula cancels."""

    def cost(knots: FloatArray) -> FloatArray:
        hessian, g, _ = quadratic(moments, knots)
        values = least_squares_values(hessian, g)
        return np.array([np.dot(w, (y - np.interp(moments.t, k, v)) ** 2) for k, v in zip(knots, values)])

    return cost


def dynamic_program(moments: Moments, candidates: FloatArray, max_segments: int, beam: int = 1) -> list[FloatArray]:
    """Best knot sets over `candidates` (increasing) for 1..max_segments segments.

    The state is (last knot, its value v); the cost of the best curve so far, as a function
    of v, is a quadratic a v^2 - 2 b v + c. Adding a segment and minimising over the
    previous knot's value keeps it quadratic, so each transition is closed form. Different
    predecessors give different quadratics and the best one depends on v, so the exact
    state is their lower envelope. Each knot keeps up to `beam` pieces of it: the quadratics
    lowest at the minimisers of the `beam` most promising ones (exact when the envelope has
    at most that many pieces there; `refine` repairs the rest).
    """
    count = len(candidates)
    index = moments.split(candidates)
    before = np.arange(count)[:, None] < np.arange(count)[None, :]  # previous knot left of next
    width_ok = np.where(before, candidates[None, :], candidates[:, None] + 1.0)
    # Moments of the points between candidates i and j (i < j; zero otherwise): differences of
    # the prefix sums at the candidates, no gather from the full prefix array.
    at = np.ascontiguousarray(moments.prefix[:, index])  # else `sums` is laid out moment-last
    sums = at[:, None, :] - at[:, :, None]
    sums *= before
    seg_a, seg_b, seg_c, seg_d, seg_e, seg_f = line_terms(candidates[:, None], width_ok, sums)
    w_left, y_left, yy_left = moments.flat(np.zeros_like(index), index)
    w_right, y_right, yy_right = moments.flat(index, np.full_like(index, moments.size))

    a = np.ones((count, beam))
    b = np.zeros((count, beam))
    c = np.full((count, beam), np.inf)
    a[:, 0], b[:, 0], c[:, 0] = w_left + RIDGE, y_left, yy_left
    parents: list[IntArray] = []
    best: list[FloatArray] = []
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        for _ in range(max_segments):
            den = a[:, :, None] + seg_a[:, None, :] + RIDGE
            bb = b[:, :, None] + seg_d[:, None, :]
            new_a = np.maximum(seg_c[:, None, :] - seg_b[:, None, :] ** 2 / den, RIDGE).reshape(count * beam, count)
            new_b = (seg_e[:, None, :] - seg_b[:, None, :] * bb / den).reshape(count * beam, count)
            new_c = np.where(before[:, None, :], c[:, :, None] + seg_f[:, None, :] - bb * bb / den, np.inf)
            new_c = new_c.reshape(count * beam, count)

            finish = new_c + yy_right - (new_b + y_right) ** 2 / (new_a + w_right + RIDGE)
            flat_best = int(np.argmin(np.where(np.isnan(finish), np.inf, finish)))
            if not np.isfinite(finish.flat[flat_best]):
                break
            last_parent, last_knot = divmod(flat_best, count)
            best.append(candidates[_backtrack(parents, last_knot, last_parent, beam)])

            minimum = new_c - new_b * new_b / new_a
            minimum = np.where(np.isnan(minimum), np.inf, minimum)
            if beam == 1:
                chosen = np.argmin(minimum, axis=0)[None, :]
            else:
                top = np.argpartition(minimum, beam - 1, axis=0)[:beam]
                probes = np.take_along_axis(new_b / new_a, top, axis=0)
                values = new_a[:, None, :] * probes**2 - 2 * new_b[:, None, :] * probes + new_c[:, None, :]
                values = np.where(np.isnan(values), np.inf, values)
                chosen = np.sort(np.argmin(values, axis=0), axis=0)
            kept_c = np.take_along_axis(new_c, chosen, axis=0)
            if beam > 1:
                kept_c[1:][chosen[1:] == chosen[:-1]] = np.inf  # the same quadratic won twice
            a = np.take_along_axis(new_a, chosen, axis=0).T.copy()
            b = np.take_along_axis(new_b, chosen, axis=0).T.copy()
            c = kept_c.T.copy()
            parents.append(chosen.T.copy())
    return best


def _backtrack(parents: list[IntArray], knot: int, parent: int, beam: int) -> IntArray:
    """Knot indices of the solution whose last knot is `knot`, reached from flat `parent`."""
    knots = [knot]
    layer = len(parents)
    while True:
        previous, slot = divmod(parent, beam)
        knots.append(previous)
        if layer == 0:
            break
        layer -= 1
        parent = int(parents[layer][previous, slot])
    return np.array(knots[::-1])


def refine(
    moments: Moments,
    knots: FloatArray,
    candidates: FloatArray,
    cost: Cost,
    *,
    sweeps: int = 6,
    rounds: int = 4,
    data_points: bool = True,
    continuous: bool = True,
    near: int = 512,
) -> tuple[FloatArray, float]:
    """Coordinate descent: move one knot at a time to its best position between its
    neighbours. Discrete sweeps try every candidate, then every data point between the
    candidates around the knot (at most `near` of them, evenly spaced); then each knot tries a grid between its neighbouring data
    points and `polish` moves all knots jointly off the data grid; up to `rounds` times,
    while that gains. Returns the knots and their cost."""
    knots = knots.copy()
    best = [float(cost(knots[None, :])[0])]
    t = moments.t

    def try_positions(j: int, trials: FloatArray) -> float:
        """Move knot j to the best trial position if it lowers the cost; the gain."""
        low = knots[j - 1] if j > 0 else -np.inf
        high = knots[j + 1] if j + 1 < len(knots) else np.inf
        trials = trials[(trials > low) & (trials < high) & (trials >= t[0]) & (trials <= t[-1])]
        if trials.size == 0:
            return 0.0
        batch = np.repeat(knots[None, :], trials.size, axis=0)
        batch[:, j] = trials
        costs = cost(batch)
        costs[~np.isfinite(costs)] = np.inf  # (NaN: knots the doubles cannot resolve)
        pick = int(np.argmin(costs))
        gain = best[0] - float(costs[pick])
        if gain <= NOISE:
            return 0.0
        best[0] = float(costs[pick])
        knots[j] = trials[pick]
        return gain

    for _ in range(rounds):
        start = best[0]
        for _ in range(sweeps):
            moved = False
            for j in range(len(knots)):
                moved |= try_positions(j, candidates) > 0
                if data_points and len(t) > len(candidates):
                    moved |= try_positions(j, _points_near(t, candidates, knots[j], near)) > 0
            if not moved:
                break
        if not continuous:
            break
        # Off the data grid, one knot at a time (the error has kinks at data points, so
        # Newton alone cannot leave a knot sitting on one), then all knots jointly.
        for j in range(len(knots)):
            i = int(np.searchsorted(t, knots[j], side="left"))
            try_positions(j, np.linspace(t[max(i - 1, 0)], t[min(i + 1, len(t) - 1)], 17))
        knots, best[0] = polish(knots, cost, t[0], t[-1])
        if start - best[0] <= NOISE:
            break
    return knots, best[0]


def polish(
    knots: FloatArray,
    cost: Cost,
    low: float,
    high: float,
    *,
    iterations: int = 30,
    noise: float = NOISE,
    min_step: float = 1e-7,
) -> tuple[FloatArray, float]:
    """Newton's method on all knot positions at once, off the data grid.

    The error is smooth in the knot positions while no knot crosses a data point, so a
    Newton step from central differences, with a batched backtracking line search, converges
    in a few steps where moving one knot at a time crawls: neighbouring knots are coupled
    through the knot values. `noise` is the gain a
    step must make, `min_step` the smallest difference step (both set by the cost's precision).
    """
    current = float(cost(knots[None, :])[0])
    step = 1e-4
    for _ in range(iterations):
        # Knots sitting on an end of the data stay there (moving outward changes nothing).
        free = np.flatnonzero((knots > low) & (knots < high))
        size = len(free)
        if size == 0:
            break
        gaps = np.diff(np.r_[low, knots, high])
        h = np.minimum(step, np.maximum(np.minimum(gaps[:-1], gaps[1:])[free] / 4, 1e-12))
        directions = np.zeros((size, len(knots)))
        directions[np.arange(size), free] = h
        probes = [np.zeros(len(knots))]
        for i in range(size):
            probes += [directions[i], -directions[i]]
        pairs = [(i, j) for i in range(size) for j in range(i + 1, min(size, i + 1 + BAND))]
        for i, j in pairs:
            for si, sj in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
                probes.append(si * directions[i] + sj * directions[j])
        values = cost(knots[None, :] + np.array(probes))
        centre = values[0]
        plus, minus = values[1 : 1 + 2 * size : 2], values[2 : 2 + 2 * size : 2]
        gradient = (plus - minus) / (2 * h)
        hessian = np.diag((plus - 2 * centre + minus) / (h * h))
        corners = values[1 + 2 * size :].reshape(-1, 4)
        for (i, j), (pp, pm, mp, mm) in zip(pairs, corners):
            hessian[i, j] = hessian[j, i] = (pp - pm - mp + mm) / (4 * h[i] * h[j])
        if not (np.isfinite(hessian).all() and np.isfinite(gradient).all()):
            break  # knots closer than the doubles resolve: no reliable step from here
        # Levenberg damping keeps the step a descent direction when H is not positive.
        damping = max(0.0, -float(np.linalg.eigvalsh(hessian).min())) + 1e-12 * float(
            np.abs(np.diag(hessian)).max() + 1.0
        )
        delta = np.zeros(len(knots))
        try:
            delta[free] = -np.linalg.solve(hessian + damping * np.eye(size), gradient)
        except np.linalg.LinAlgError:  # damping lost in the rounding of huge curvatures (knots ~1e-300 apart)
            break
        trials = knots[None, :] + np.power(0.5, np.arange(12))[:, None] * delta[None, :]
        ordered = np.all(np.diff(trials, axis=1) > 0, axis=1) & (trials[:, 0] >= low) & (trials[:, -1] <= high)
        costs = cost(trials[ordered]) if ordered.any() else np.array([np.inf])
        costs[~np.isfinite(costs)] = np.inf
        pick = int(np.argmin(costs))
        if not costs[pick] < current - max(noise, 1e-12 * current):
            if step <= min_step:
                break
            step = max(step / 10, min_step)  # kinks at data points spoil wide differences
            continue
        trials = trials[ordered]
        moved = float(np.abs(trials[pick] - knots).max())
        knots, current = trials[pick], float(costs[pick])
        step = min(1e-4, max(moved, min_step))
    return knots, current


def _points_near(t: FloatArray, candidates: FloatArray, here: float, most: int) -> FloatArray:
    """Every data point between the candidates on either side of `here` (at most `most`,
    evenly spaced)."""
    below = int(np.searchsorted(candidates, here, side="left")) - 1
    above = int(np.searchsorted(candidates, here, side="right"))
    first = int(np.searchsorted(t, candidates[below] if below >= 0 else t[0], side="left"))
    last = int(np.searchsorted(t, candidates[above] if above < len(candidates) else t[-1], side="right"))
    points = t[first:last]
    if points.size > most:
        points = points[np.linspace(0, points.size - 1, most).astype(np.intp)]
    return points
