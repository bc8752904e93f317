"""Long step functions, as an EBM's bins and a tree ensemble's splits lower.

Compiled by pwlc. Edit the numbers freely, then read this file back with
`pwlc compile FILE.py -t pwl` (pwlc parses it; it never runs it). Call `score` with
one value per input, or with numpy arrays to score a batch.
"""

import bisect
import math


def score(age: float, debt_to_income: float) -> float:
    """The prediction: the sum of one term per line."""
    return (
        0.25
        + step(
            age,
            -0.9,
            [
                (18.5, -0.752),
                (20.5, -0.621),
                (22.5, -0.446),
                (24.5, -0.346),
                (26.5, -0.258),
                (28.5, -0.121),
                (30.5, -0.055),
                (32.5, 0.002),
                (34.5, 0.111),
                (36.5, 0.153),
                (38.5, 0.189),
                (40.5, 0.278),
                (42.5, 0.303),
                (44.5, 0.322),
                (46.5, 0.398),
                (48.5, 0.41),
                (50.5, 0.418),
                (52.5, 0.483),
                (54.5, 0.486),
                (56.5, 0.487),
                (58.5, 0.545),
                (60.5, 0.541),
                (62.5, 0.536),
                (64.5, 0.589),
                (66.5, 0.581),
                (68.5, 0.571),
                (70.5, 0.62),
                (72.5, 0.609),
                (74.5, 0.596),
                (76.5, 0.643),
            ],
            missing=0.05,
        )
        + step(
            debt_to_income,
            -0.55,
            [
                (2.5, -0.53),
                (5.25, -0.46),
                (8, -0.39),
                (10.75, -0.27),
                (13.5, -0.25),
                (16.25, -0.18),
                (19, -0.11),
                (21.75, 0.01),
                (24.5, 0.03),
                (27.25, 0.1),
                (30, 0.17),
                (32.75, 0.29),
                (35.5, 0.31),
                (38.25, 0.38),
                (41, 0.45),
                (43.75, 0.57),
                (46.5, 0.59),
                (49.25, 0.66),
                (52, 0.73),
                (54.75, 0.85),
            ],
            at_edge="lower",
        )
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
