"""Poisson-style model exercising fx = log, log1p, symlog1p.

Compiled by pwlc. Edit the numbers freely, then read this file back with
`pwlc compile FILE.py -t pwl` (pwlc parses it; it never runs it). Call `expected_count` with
one value per input, or with numpy arrays to score a batch.
"""

import math


def expected_count(
    dose: float, balance: float, delta: float, flat: float, unused: float
) -> float:
    """The log of the prediction: the sum of one term per line."""
    return (
        0.125
        + curve(dose, [(0.001, -2.5), (0.5, 0), (10, 1.25), (1000, 2)], fx="log")
        + curve(
            balance,
            [(-0.5, 1), (0, 0), (99, -1), (1000000, -3.5)],
            fx="log1p",
            missing=0,
        )
        + curve(
            delta,
            [(-1000, -2), (-1, -0.5), (0, 0), (2.5, 0.75), (50000, 1.5)],
            fx="symlog1p",
        )
        + curve(flat, [(3.5, 0.0625)], missing=-0.25)
    )


def prediction(
    dose: float, balance: float, delta: float, flat: float, unused: float
) -> float:
    """exp(expected_count(...)): the model's prediction."""
    return exp(expected_count(dose, balance, delta, flat, unused))


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
