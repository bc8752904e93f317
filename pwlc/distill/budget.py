"""How many segments each curve gets when none is asked for: where they buy the most fidelity.

Every curve is fitted at 1..MAX_SEGMENTS segments (`pwlc.fit.fit_path`). A curve's error
at a count is its squared distance from the teacher's shape summed over the data rows (the
fit's weighted SSE, in score units), so the errors of all curves add up to the squared
distance of the distilled score from the teacher's, but for the cross terms between
curves. A budget of AVERAGE_SEGMENTS segments per curve is spent where it lowers that sum
the most: a curve the teacher draws straight keeps one segment, a wiggly one gets up to
MAX_SEGMENTS. Segments that would lower the sum by less than NEGLIGIBLE of the one-segment
curves' summed error are not spent (a curve already exact stays as it is).

The sum is never above what AVERAGE_SEGMENTS for every curve gives (that allocation is
compared at the end), so the default is at least as faithful to the teacher, on the data
it was fitted to, as `segments=AVERAGE_SEGMENTS`, with at most as many knots.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

AVERAGE_SEGMENTS = 5
MAX_SEGMENTS = 10
NEGLIGIBLE = 1e-9


def allocate(errors: Sequence[Sequence[float]], budget: int) -> list[int]:
    """Segments per curve (at least 1, at most len(errors[j])) with a total of at most
    `budget` (at least one per curve), spent to lower sum_j errors[j][count_j - 1]."""
    counts = [1] * len(errors)
    scale = sum(max(path[0], 0.0) for path in errors)
    least_gain = NEGLIGIBLE * scale  # per segment
    left = budget - len(errors)
    # Marginal analysis on each curve's lower convex hull of (count, error): the steps with
    # the largest gain per segment first. Optimal at every budget a hull vertex reaches.
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
        if -rate <= least_gain:
            break
        if step > left:  # this curve cannot take its next hull step: the others still may
            continue
        counts[curve] += step
        left -= step
        push(curve, position + 1)
    # What the hull steps could not use: single moves off the hull, best gain per segment first.
    while left > 0:
        best: tuple[float, int, int] | None = None
        for curve, path in enumerate(errors):
            for extra in range(1, min(left, len(path) - counts[curve]) + 1):
                gain = (path[counts[curve] - 1] - path[counts[curve] + extra - 1]) / extra
                if gain > least_gain and (best is None or gain > best[0]):
                    best = (gain, curve, extra)
        if best is None:
            break
        counts[best[1]] += best[2]
        left -= best[2]
    uniform = [min(budget // max(len(errors), 1), len(path)) for path in errors]
    if _total(errors, uniform) < _total(errors, counts) - least_gain * budget:
        return uniform
    return counts


def _hull(path: Sequence[float]) -> list[tuple[int, float]]:
    """The lower convex hull of (count, error) from count 1, up to the smallest error."""
    last = min(range(len(path)), key=lambda k: (path[k], k))
    hull: list[tuple[int, float]] = []
    for count, error in ((k + 1, path[k]) for k in range(last + 1)):
        while len(hull) >= 2:
            (c0, e0), (c1, e1) = hull[-2], hull[-1]
            if (e1 - e0) * (count - c0) >= (error - e0) * (c1 - c0):  # hull[-1] is not below the chord
                hull.pop()
            else:
                break
        hull.append((count, error))
    return hull


def _total(errors: Sequence[Sequence[float]], counts: Sequence[int]) -> float:
    return sum(path[count - 1] for path, count in zip(errors, counts))
