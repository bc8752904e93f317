"""Linear terms: slope * x for every x.

Compiled by pwlc. Edit the numbers freely, then read this file back with
`pwlc compile FILE.py -t pwl` (pwlc parses it; it never runs it). Call `risk` with
one value per input, or with numpy arrays to score a batch.
"""

import math


def risk(age: float, income: float, region: str) -> float:
    """The log-odds: the sum of one term per line."""
    return (
        -1.25
        + linear(age, 0.031)
        + linear(income, -2.5e-05, missing=0)
        + curve(age, [(18, 0.2), (70, -0.1)])
        + table(region, {"north": 0.4, "south": -0.1}, default=0)
    )


def probability(age: float, income: float, region: str) -> float:
    """logistic(risk(...)): the model's prediction."""
    return logistic(risk(age, income, region))


# --- pwlc runtime: checked, not read; if deleted, `pwlc fmt FILE.py` rewrites it ---


def _is_batch(x):
    return (
        x is not None
        and not isinstance(x, (str, bytes, int, float))
        and hasattr(x, "__len__")
    )


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
        f = {"identity": lambda v: v, "log": np.log, "log1p": np.log1p}.get(
            fx, lambda v: np.sign(v) * np.log1p(np.abs(v))
        )
        xi = x[inside]
        i = np.searchsorted(xs, xi, side="right") - 1
        t, tk = f(xi), f(xs)
        out[inside] = ys[i] + (ys[i + 1] - ys[i]) * ((t - tk[i]) / (tk[i + 1] - tk[i]))
    out[np.isnan(x)] = _when_missing(missing)
    return out


def _category(x):
    """Categories are strings: a bool (numpy's too) is "True"/"False", 3 and 3.0 are "3",
    other floats their repr, anything else str(x); None, NaN and pandas.NA are missing.
    """
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
    Values are told apart by type too: True == 1, yet they are the categories "True" and "1".
    """
    import numpy as np

    seen = {}
    where = np.fromiter(
        (seen.setdefault((v.__class__, v), len(seen)) for v in x),
        dtype=np.intp,
        count=len(x),
    )
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
        return np.array(
            [table(v, values, default, missing) for v in distinct], dtype=float
        )[where]
    key = _category(x)
    if key is None:
        return _when_missing(missing)
    return values.get(key, default)


def logistic(score):
    """The probability for a log-odds score: 1 / (1 + exp(-score))."""
    if _is_batch(score):
        import numpy as np

        with np.errstate(over="ignore"):
            return 1.0 / (1.0 + np.exp(-np.asarray(score, dtype=float)))
    return 1.0 / (1.0 + _exp(-score))


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
