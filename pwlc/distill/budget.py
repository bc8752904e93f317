"""How many segments each curve gets when none is asked for: where they buy the most fidelity.

Every curve is fitted at 1..MAX_SEGMENTS segments (`pwlc.fit.fit_path`). A curve's error
at a count is its squared distance from the teacher's shape summed over the data rows (the
fit's weighted SSE, in score units), so the errors of all curves add up to the squared
distance of the distilled score from the teacher's, but for the cross terms between
curves. A budget of AVERAGE_SEGMENTS segments per curve is spent where it lowers that sum
the most: a curve the teacher draws straight keeps one segment, a wiggly one gets up to
MAX_SEGMENTS. Segments that would lower the sum by less than NEGLIGIBLE of the one-segment
curves' summed error are not spent (a curve already exact stays as it is).

The budget is what `segments=AVERAGE_SEGMENTS` uses (a curve with fewer distinct values
counts what it can take), so the default has at most as many knots. `pwlc.distill` keeps
the allocation only when its summed error, after the full knot search, is at most that of
AVERAGE_SEGMENTS for every curve with fewer segments, or at least MIN_GAIN below it; else
it takes AVERAGE_SEGMENTS for every curve. A smaller gain on the rows fitted is within what
held-out rows move by (measured on COMPAS: a reallocation 3.8% closer to the teacher on
the training rows was 0.2% further on the held-out rows), so the default is never further
from the teacher than `segments=AVERAGE_SEGMENTS` beyond that noise.

A total knot budget (`pwlc.distill(..., knots=N)`) is spent the same way over the knots
themselves (`allocate_knots`): a curve of s segments takes s + 1 knots, and a curve may
also be dropped (0 segments, no knot: its weighted mean joins the intercept), so a budget
below two knots a curve goes to the curves that buy the most and the rest become
constants. Every curve has one more option, one knot: a single step, its edge the knot
(the least-squares split of the teacher's shape; the teacher's own value where the input is
missing, which a dropped curve loses). It is exact for a two-valued input (a loan's 36 or
60 month term), where a curve takes two knots, and on Lending Club it buys most of what a
one-segment curve does for half its knots (benchmarks/results/replicate.md: the budget
reaches the teacher's interval with 7 of 16 knots, 10 before). `fewest_knots` answers the
other question: the fewest knots in all whose summed error is within a bound
(`pwlc.distill(..., score_tol=T)`).
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int16]

AVERAGE_SEGMENTS = 5
MAX_SEGMENTS = 10
NEGLIGIBLE = 1e-9
MIN_GAIN = 0.05
# Curves x (budget + 1) up to which the allocation is exact (its table: two bytes a cell).
EXACT_CELLS = 20_000_000


def allocate(errors: Sequence[Sequence[float]], budget: int) -> list[int]:
    """Segments per curve (at least 1, at most len(errors[j])) with a total of at most
    `budget` (at least one per curve), spent to lower sum_j errors[j][count_j - 1]; a
    segment that lowers it by less than NEGLIGIBLE of sum_j errors[j][0] is not spent.

    Exact (a dynamic program over the total spent) up to EXACT_CELLS curves x budget;
    beyond that, marginal analysis on each curve's lower convex hull (exact when every
    curve's gains shrink as its segments grow)."""
    if budget < len(errors):
        raise ValueError(f"a budget of {budget} cannot give {len(errors)} curves one segment each")
    penalty = NEGLIGIBLE * sum(max(path[0], 0.0) for path in errors)  # per segment spent
    if len(errors) * (budget + 1) <= EXACT_CELLS:
        return _exact(errors, budget, penalty)
    return _marginal(errors, budget, penalty)


def _exact(errors: Sequence[Sequence[float]], budget: int, penalty: float) -> list[int]:
    """min sum_j (errors[j][c_j - 1] + penalty c_j) over sum_j c_j <= budget."""
    costs = [list(range(1, len(path) + 1)) for path in errors]
    best, chosen = _table(errors, costs, budget, penalty)
    return [option + 1 for option in _trace(chosen, costs, int(np.argmin(best)))]  # the first minimum: the fewest segments


def _table(errors: Sequence[Sequence[float]], costs: Sequence[Sequence[int]], budget: int, penalty: float) -> tuple[FloatArray, IntArray]:
    """The dynamic program over the total spent: best[t], the least sum_j (errors[j][o_j] +
    penalty costs[j][o_j]) with sum_j costs[j][o_j] == t (inf where no choice costs t), and
    chosen[j, t], the option of curve j on that path."""
    best = np.full(budget + 1, np.inf)  # best[t]: the curves so far with t spent in all
    best[0] = 0.0
    chosen = np.zeros((len(errors), budget + 1), dtype=np.int16)
    for j, (path, cost) in enumerate(zip(errors, costs)):
        following = np.full(budget + 1, np.inf)
        for option, (error, spent) in enumerate(zip(path, cost)):
            if spent > budget:
                continue
            candidate = np.full(budget + 1, np.inf)
            candidate[spent:] = best[: budget + 1 - spent] + (error + penalty * spent)
            better = candidate < following
            following[better] = candidate[better]
            chosen[j, better] = option
        best = following
    return best, chosen


def _trace(chosen: IntArray, costs: Sequence[Sequence[int]], total: int) -> list[int]:
    """The option of each curve on the best path that spends `total`."""
    options = [0] * len(costs)
    for j in range(len(costs) - 1, -1, -1):
        options[j] = int(chosen[j, total])
        total -= costs[j][options[j]]
    return options


# --- a total knot budget ----------------------------------------------------------------


def knot_costs(errors: Sequence[Sequence[float]]) -> list[list[int]]:
    """Knots of each option of each curve: option s is s segments, s + 1 knots, and option 0
    (the curve dropped, its mean folded into the intercept) none."""
    return [[segments + 1 if segments else 0 for segments in range(len(path))] for path in errors]


def allocate_knots(errors: Sequence[Sequence[float]], knots: int, costs: Sequence[Sequence[int]] | None = None) -> list[int]:
    """Segments per curve (0: dropped) with at most `knots` knots in all, spent to lower
    sum_j errors[j][s_j] (errors[j][s]: curve j's error with s segments; [0]: dropped).
    Exact: the dynamic program over the knots spent. Knots that lower the sum by less than
    NEGLIGIBLE of the dropped curves' summed error are not spent. `costs`: the knots of
    each option instead of `knot_costs` (the returned indices are then options)."""
    if knots < 0:
        raise ValueError(f"a budget of {knots} knots")
    costs = knot_costs(errors) if costs is None else costs
    penalty = NEGLIGIBLE * sum(max(path[0], 0.0) for path in errors)
    best, chosen = _table(errors, costs, knots, penalty)
    return _trace(chosen, costs, int(np.argmin(best)))


def fewest_knots(errors: Sequence[Sequence[float]], error: float, costs: Sequence[Sequence[int]] | None = None) -> list[int]:
    """Segments per curve (0: dropped) with the fewest knots in all whose summed error is
    at most `error` (errors and `costs` as in `allocate_knots`); the least error when none
    reaches it."""
    costs = knot_costs(errors) if costs is None else costs
    best, chosen = _table(errors, costs, sum(max(cost) for cost in costs), 0.0)
    within = np.flatnonzero(best <= error)
    return _trace(chosen, costs, int(within[0]) if within.size else int(np.argmin(best)))


def _marginal(errors: Sequence[Sequence[float]], budget: int, penalty: float) -> list[int]:
    """Hull steps with the largest gain per segment first, then single moves off the hulls
    for what the steps could not use."""
    counts = [1] * len(errors)
    left = budget - len(errors)
    hulls = [_hull(path) for path in errors]
    queue: list[tuple[float, int, int]] = []  # (-gain per segment, curve, hull position)

    def push(curve: int, position: int) -> None:
        hull = hulls[curve]
        if position + 1 < len(hull):
            (c0, e0), (c1, e1) = hull[position], hull[position + 1]
            heapq.heappush(queue, (-(e0 - e1) / (c1 - c0), curve, position))

    for curve in range(len(errors)):
        push(curve, 0)
    while queue and left > 0:
        rate, curve, position = heapq.heappop(queue)
        step = hulls[curve][position + 1][0] - hulls[curve][position][0]
        if -rate <= penalty:
            break
        if step > left:  # this curve cannot take its next hull step: the others still may
            continue
        counts[curve] += step
        left -= step
        push(curve, position + 1)
    while left > 0:
        best: tuple[float, int, int] | None = None
        for curve, path in enumerate(errors):
            for extra in range(1, min(left, len(path) - counts[curve]) + 1):
                gain = (path[counts[curve] - 1] - path[counts[curve] + extra - 1]) / extra
                if gain > penalty and (best is None or gain > best[0]):
                    best = (gain, curve, extra)
        if best is None:
            break
        counts[best[1]] += best[2]
        left -= best[2]
    return counts


def _hull(path: Sequence[float]) -> list[tuple[int, float]]:
    """The lower convex hull of (count, error) from count 1, up to the smallest error."""
    last = min(range(len(path)), key=lambda k: (path[k], k))
    hull: list[tuple[int, float]] = []
    for count, error in ((k + 1, path[k]) for k in range(last + 1)):
        while len(hull) >= 2:
            (c0, e0), (c1, e1) = hull[-2], hull[-1]
            chord = e0 + (error - e0) * (c1 - c0) / (count - c0)
            if e1 > chord + 1e-12 * max(abs(e0), abs(error)):  # hull[-1] is above the chord
                hull.pop()  # (points on it stay, to rounding: steps of one segment fill a budget best)
            else:
                break
        hull.append((count, error))
    return hull
