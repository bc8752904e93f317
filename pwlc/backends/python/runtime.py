"""The functions emitted Python modules call: copied, as source, into every emitted file.

The Python backend copies the top-level definitions a model uses (with those they call,
found in this file's own syntax tree), so emitted code runs with nothing but the standard
library. Where numpy is installed, a batch (arrays) is computed with it, and so are the
transforms and `exp` of one number: numpy's log1p, log and exp are what pwlc's evaluator
computes, and module math's may differ from them in the last bit. Each function
mirrors a rule of `pwlc.semantics`, which the tests check it against, row by row and on
batches. The reader checks that the copy in an edited file is still exactly this code.
Its signatures (parameters, defaults) are what the reader binds a call's arguments to.
"""

import bisect
import math


def _is_batch(x):
    return x is not None and not isinstance(x, (str, bytes, int, float)) and hasattr(x, "__len__")


def _when_missing(missing):
    return math.nan if missing is None else missing


def curve(x, knots, fx="identity", missing=None):
    """Linear in fx(x) between the knots (x, y), flat outside them; `missing` for NaN/None."""
    if _is_batch(x):
        return _curve_batch(x, knots, fx, missing)
    if x is None or x != x:
        return _when_missing(missing)
    if x <= knots[0][0]:
        return knots[0][1]
    if x >= knots[-1][0]:
        return knots[-1][1]
    f = _transform(fx)
    for (x0, y0), (x1, y1) in zip(knots, knots[1:]):
        if x < x1:
            return y0 + (y1 - y0) * _divide(f(x) - f(x0), f(x1) - f(x0))


def _transform(fx):
    """fx for one number, with numpy's log1p and log as pwlc and a batch compute them
    (the C library's, in module math, may differ in the last bit, and knots close
    together make that bit large); with module math's where numpy is not installed."""
    if fx == "identity":
        return float
    if fx == "log":
        return _numpy_or_math("log")
    log1p = _numpy_or_math("log1p")
    return log1p if fx == "log1p" else lambda v: math.copysign(log1p(abs(v)), v)


def _numpy_or_math(name):
    """numpy's function `name` for one number (giving a float), else module math's."""
    try:
        import numpy as np
    except ImportError:
        return getattr(math, name)
    function = getattr(np, name)
    return lambda v: float(function(v))


def _divide(a, b):
    """a / b as IEEE 754 (and numpy) divides: where b is 0, nan or an infinity, not an error."""
    if b:
        return a / b
    if a != a or not a:
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


def _curve_batch(x, knots, fx, missing):
    import numpy as np

    x = np.asarray(x, dtype=float)
    xs = np.array([k for k, _ in knots], dtype=float)
    ys = np.array([v for _, v in knots], dtype=float)
    out = np.where(x <= xs[0], ys[0], ys[-1])
    inside = (x > xs[0]) & (x < xs[-1])
    if inside.any():
        f = {"identity": lambda v: v, "log": np.log, "log1p": np.log1p}.get(fx, lambda v: np.sign(v) * np.log1p(np.abs(v)))
        xi = x[inside]
        i = np.searchsorted(xs, xi, side="right") - 1
        t, tk = f(xi), f(xs)
        out[inside] = ys[i] + (ys[i + 1] - ys[i]) * ((t - tk[i]) / (tk[i + 1] - tk[i]))
    out[np.isnan(x)] = _when_missing(missing)
    return out


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
        out = values[np.searchsorted(edges, x, side="right" if at_edge == "upper" else "left")]
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


def _category(x):
    """Categories are strings: a bool (numpy's too) is "True"/"False", 3 and 3.0 are "3",
    other floats their repr, anything else str(x); None, NaN and pandas.NA are missing."""
    if x is None or isinstance(x, str):
        return x
    kind = getattr(getattr(x, "dtype", None), "kind", "")  # numpy scalars
    if isinstance(x, bool) or kind == "b":
        return str(bool(x))
    if isinstance(x, int) or kind in ("i", "u"):
        return str(int(x))
    if isinstance(x, float) or kind == "f":
        if x != x:
            return None
        return str(int(x)) if x.is_integer() else repr(float(x))
    if type(x).__name__ == "NAType":
        return None
    return str(x)


def _distinct(x):
    """The distinct values of a batch in order of appearance, and the index of each row's.
    Values are told apart by type too: True == 1, yet they are the categories "True" and "1"."""
    import numpy as np

    seen = {}
    where = np.fromiter((seen.setdefault((v.__class__, v), len(seen)) for v in x), dtype=np.intp, count=len(x))
    return [v for _, v in seen], where


def linear(x, slope, missing=None):
    """slope * x, beyond any range too (an infinite x gives an infinity); `missing` for NaN/None."""
    if _is_batch(x):
        import numpy as np

        x = np.asarray(x, dtype=float)
        with np.errstate(over="ignore"):
            out = slope * x
        out[np.isnan(x)] = _when_missing(missing)
        return out
    if x is None or x != x:
        return _when_missing(missing)
    return slope * float(x)


def table(x, values, default=0.0, missing=None):
    """`values[category]`, `default` for a category not listed, `missing` for None/NaN."""
    if _is_batch(x):
        import numpy as np

        distinct, where = _distinct(x)  # look each distinct value up once
        return np.array([table(v, values, default, missing) for v in distinct], dtype=float)[where]
    key = _category(x)
    if key is None:
        return _when_missing(missing)
    return values.get(key, default)


def steps(edges, at_edge="upper"):
    """A grid axis cut at `edges` (a value on an edge goes to the `at_edge` side)."""
    return ("steps", edges, at_edge)


def knots(positions):
    """A grid axis interpolated linearly between `positions`, flat outside them."""
    return ("knots", positions)


def categories(names):
    """A grid axis over categories; the cell after the last is for unseen categories."""
    return ("categories", names)


def _cells(axis, x):
    """(lower cell, upper cell, weight of the upper cell) of x on a grid axis."""
    kind, points = axis[0], axis[1]
    if kind == "categories":
        key = _category(x)
        cell = points.index(key) if key in points else len(points)
        return cell, cell, 0.0
    if kind == "steps":
        cell = sum(1 for edge in points if x > edge or (x == edge and axis[2] == "upper"))
        return cell, cell, 0.0
    if x <= points[0]:
        return 0, 0, 0.0
    if x >= points[-1]:
        return len(points) - 1, len(points) - 1, 0.0
    i = next(i for i in range(len(points) - 1) if x < points[i + 1])
    return i, i + 1, (x - points[i]) / (points[i + 1] - points[i])


def grid(a, b, rows, cols, values, missing=None, missing_a=None, missing_b=None):
    """`values[i][j]` for the cell i of `a` on axis `rows` and j of `b` on axis `cols`;
    bilinear between knots (along `b` first, then `a`). When only `a` is missing, the row
    `missing_a` is read along `cols` (only `b`: the column `missing_b` along `rows`);
    `missing` when both are, or when that row or column is not given."""
    if _is_batch(a) or _is_batch(b):
        return _grid_batch(a, b, rows, cols, values, missing, missing_a, missing_b)
    a_missing, b_missing = _category(a) is None, _category(b) is None
    if a_missing and not b_missing and missing_a is not None:
        return _along(missing_a, *_cells(cols, b))
    if b_missing and not a_missing and missing_b is not None:
        return _along(missing_b, *_cells(rows, a))
    if a_missing or b_missing:
        return _when_missing(missing)
    i0, i1, wa = _cells(rows, a)
    j0, j1, wb = _cells(cols, b)
    row0 = _along(values[i0], j0, j1, wb)
    row1 = _along(values[i1], j0, j1, wb)
    return row0 + (row1 - row0) * wa


def _grid_batch(a, b, rows, cols, values, missing, missing_a, missing_b):
    """grid for arrays: the same arithmetic, on every row at once."""
    import numpy as np

    i0, i1, wa, a_missing = _cells_batch(rows, a)
    j0, j1, wb, b_missing = _cells_batch(cols, b)
    values = np.asarray(values, dtype=float)
    row0 = values[i0, j0] + (values[i0, j1] - values[i0, j0]) * wb
    row1 = values[i1, j0] + (values[i1, j1] - values[i1, j0]) * wb
    out = np.where(a_missing | b_missing, _when_missing(missing), row0 + (row1 - row0) * wa)
    if missing_a is not None:
        out = np.where(a_missing & ~b_missing, _along(np.asarray(missing_a, dtype=float), j0, j1, wb), out)
    if missing_b is not None:
        out = np.where(b_missing & ~a_missing, _along(np.asarray(missing_b, dtype=float), i0, i1, wa), out)
    return out


def _cells_batch(axis, x):
    """_cells of each value of a batch, as arrays (lower, upper, weight), and which are missing."""
    import numpy as np

    kind, points = axis[0], axis[1]
    if kind == "categories":
        distinct, where = _distinct(np.atleast_1d(np.asarray(x, dtype=object)))
        cell = np.array([_cells(axis, v)[0] for v in distinct], dtype=np.intp)[where]
        missing = np.array([_category(v) is None for v in distinct], dtype=bool)[where]
        return cell, cell, np.zeros(len(cell)), missing
    x = np.atleast_1d(np.asarray(x, dtype=float))
    points = np.asarray(points, dtype=float)
    if kind == "steps":
        cell = np.searchsorted(points, x, side="right" if axis[2] == "upper" else "left")
        return cell, cell, np.zeros(len(x)), np.isnan(x)
    # knots: clamped to the end knots, as _cells does one value at a time
    inside = (x > points[0]) & (x < points[-1])
    lower = np.where(x >= points[-1], len(points) - 1, np.maximum(np.searchsorted(points, x, side="right") - 1, 0))
    upper = np.where(inside, lower + 1, lower)
    span = np.where(inside, points[upper] - points[lower], 1.0)  # 1.0: no division by zero outside
    return lower, upper, np.where(inside, (x - points[lower]) / span, 0.0), np.isnan(x)


def _along(line, lower, upper, weight):
    """Linear between two cells of a grid row (or column)."""
    return line[lower] + (line[upper] - line[lower]) * weight


def per_row(total, *inputs):
    """`total` once per row when the inputs are a batch: a sum of constants is one number,
    and a batch's caller wants one score per row."""
    if not _is_batch(total):
        for x in inputs:
            if _is_batch(x):
                import numpy as np

                return np.full(len(x), total, dtype=float)
    return total


def logistic(score):
    """The probability for a log-odds score: 1 / (1 + exp(-score))."""
    if _is_batch(score):
        import numpy as np

        with np.errstate(over="ignore"):
            return 1.0 / (1.0 + np.exp(-np.asarray(score, dtype=float)))
    return 1.0 / (1.0 + _exp(-score))


def exp(score):
    """exp(score), inf past the largest double."""
    if _is_batch(score):
        import numpy as np

        with np.errstate(over="ignore"):
            return np.exp(np.asarray(score, dtype=float))
    return _exp(score)


def _exp(v):
    """exp(v) for one number as numpy computes it (module math's where numpy is not
    installed: it may differ in the last bit), inf past the largest double."""
    try:
        import numpy as np
    except ImportError:
        try:
            return math.exp(v)
        except OverflowError:
            return math.inf
    with np.errstate(over="ignore"):
        return float(np.exp(v))


def by_class(scores):
    """The classes' scores as given, {class: score} in class order; for a batch, an array
    of n rows by one column per class, in that order."""
    if any(_is_batch(s) for s in scores.values()):
        import numpy as np

        columns = np.broadcast_arrays(*[np.asarray(s, dtype=float) for s in scores.values()])
        return np.stack(columns, axis=1)
    return scores


def softmax(scores):
    """The probability of each class, as pwlc's evaluator computes it: exp(s - max) for
    each score s (no exp overflows), over their sum in class order. A missing score makes
    every probability missing; +inf, or every score -inf, makes them NaN (inf - inf)."""
    if not isinstance(scores, dict):
        import numpy as np

        scores = np.asarray(scores, dtype=float)
        with np.errstate(over="ignore", invalid="ignore"):
            shifted = np.exp(scores - np.max(scores, axis=1, keepdims=True))
            total = np.zeros(len(scores))
            for k in range(scores.shape[1]):
                total = total + shifted[:, k]
            return shifted / total[:, None]
    if any(s != s for s in scores.values()):
        return dict.fromkeys(scores, math.nan)
    top = max(scores.values())
    shifted = {label: _exp(s - top) for label, s in scores.items()}
    total = 0.0
    for e in shifted.values():
        total = total + e
    return {label: e / total for label, e in shifted.items()}
