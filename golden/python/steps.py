"""Step functions from an EBM and from boosted stumps.

Compiled by pwlc. Edit the numbers freely, then read this file back with
`pwlc compile FILE.py -t pwl` (pwlc parses it; it never runs it). Call `raw_score` with
one value per input, or with numpy arrays to score a batch.
"""

import bisect
import math


def raw_score(income: float, debt_ratio: float, months_since_default: float) -> float:
    """The prediction: the sum of one term per line."""
    return (
        12.5
        + step(
            income,
            -1.25,
            [(20000, -0.5), (35000.5, 0), (80000, 0.875), (150000, 1.5)],
            missing=-0.75,
        )
        + step(
            debt_ratio, 0.3, [(0.2, 0.1), (0.35, -0.2), (0.5, -0.9)], at_edge="lower"
        )
        + step(months_since_default, -1, [], at_edge="lower", missing=0.4)
    )


# --- pwlc runtime: checked, not read; if deleted, `pwlc fmt FILE.py` rewrites it ---


def _is_batch(x):
    return (
        x is not None
        and not isinstance(x, (str, bytes, int, float))
        and hasattr(x, "__len__")
    )


def _when_missing(missing):
    return math.nan if missing is None else missing


def step(x, first, steps, at_edge="upper", missing=None):
    """`first` below the first edge, then each (edge, value) from that edge on.

    A value equal to an edge takes the value above the edge when at_edge="upper" and the
    one below it when at_edge="lower"; `missing` for NaN/None.
    """
    if _is_batch(x):
        import numpy as np

        x = np.asarray(x, dtype=float)
        edges = np.array([e for e, _ in steps], dtype=float)
        values = np.array([first] + [v for _, v in steps], dtype=float)
        out = values[
            np.searchsorted(edges, x, side="right" if at_edge == "upper" else "left")
        ]
        out[np.isnan(x)] = _when_missing(missing)
        return out
    if x is None or x != x:
        return _when_missing(missing)
    # How many edges lie below x, by binary search on the edges: an edge equal to x counts
    # as below it when at_edge="upper" (bisect_right) and as above it otherwise.
    search = bisect.bisect_right if at_edge == "upper" else bisect.bisect_left
    below = search(steps, x, key=_edge)
    return first if below == 0 else steps[below - 1][1]


def _edge(step):
    return step[0]
