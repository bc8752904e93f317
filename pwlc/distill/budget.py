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
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import numpy as np

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
    best = np.full(budget + 1, np.inf)  # best[t]: the curves so far with t segments in all
    best[0] = 0.0
    chosen = np.zeros((len(errors), budget + 1), dtype=np.int16)
    for j, path in enumerate(errors):
        following = np.full(budget + 1, np.inf)
        for count, error in enumerate(path[:budget], start=1):
            candidate = np.full(budget + 1, np.inf)
            candidate[count:] = best[: budget + 1 - count] + (error + penalty * count)
            better = candidate < following
            following[better] = candidate[better]
            chosen[j, better] = count
        best = following
    total = int(np.argmin(best))  # the first minimum: the fewest segments
    counts = [0] * len(errors)
    for j in range(len(errors) - 1, -1, -1):
        counts[j] = int(chosen[j, total])
        total -= counts[j]
    return counts


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
