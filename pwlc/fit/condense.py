"""The paper's linear condensing: the points between two neighbouring cuts become at most
two weighted points with the same W, sum wx, sum wx^2, sum wy and sum wxy.

For any line, the squared error on the two points differs from the error on the
originals by a constant (the residual of the interval's own regression line), so every
curve whose knots are all cuts has, on the condensed data, the error it has on the full
data minus the same `offset`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pwlc.fit.data import as_vector
from pwlc.ir import Transform
from pwlc.semantics import FloatArray, transform


@dataclass(frozen=True)
class Condensed:
    """Condensed points (sorted by x) and the error they leave out for every curve."""

    x: FloatArray
    y: FloatArray
    w: FloatArray
    offset: float


def inverse_transform(fx: str, t: FloatArray) -> FloatArray:
    """Raw x from transformed t: the inverse of `pwlc.semantics.transform`."""
    if fx == "identity":
        return t
    if fx == "log":
        return np.exp(t)
    if fx == "log1p":
        return np.expm1(t)
    if fx == "symlog1p":
        return np.sign(t) * np.expm1(np.abs(t))
    raise ValueError(f"unknown transform {fx!r}")


def condense_sorted(t: FloatArray, y: FloatArray, w: FloatArray, cuts: FloatArray) -> Condensed:
    """Condense points sorted by t (positive weights) between `cuts` (increasing), in t units.

    Both points of an interval lie inside the range of its own data, so a curve whose knots
    are cuts evaluates them on the same line as the originals.
    """
    region = np.searchsorted(cuts, t, side="right")
    opens = np.flatnonzero(np.r_[True, region[1:] != region[:-1]])
    closes = np.r_[opens[1:], len(t)] - 1
    weight = np.add.reduceat(w, opens)
    mean_t = np.add.reduceat(w * t, opens) / weight
    mean_y = np.add.reduceat(w * y, opens) / weight
    owner = np.repeat(np.arange(len(opens)), np.diff(np.r_[opens, len(t)]))
    dt, dy = t - mean_t[owner], y - mean_y[owner]
    var = np.add.reduceat(w * dt * dt, opens) / weight
    cov = np.add.reduceat(w * dt * dy, opens) / weight
    spread = var > 0
    slope = np.divide(cov, var, out=np.zeros_like(var), where=spread)
    offset = float(np.dot(w, (dy - slope[owner] * dt) ** 2))

    # Two points at mean - below and mean + above with below * above = var, both inside the
    # data range [t_first, t_last] (possible: var <= (mean - first) (last - mean)).
    room_below = np.maximum(mean_t - t[opens], 0.0)
    room_above = np.maximum(t[closes] - mean_t, 0.0)
    sd = np.sqrt(var)
    below, above = sd.copy(), sd.copy()
    with np.errstate(divide="ignore", invalid="ignore"):  # rounding: var > 0 with no room
        _place_pair(var, spread, room_below, room_above, below, above)
    spread &= (below > 0) & (above > 0) & np.isfinite(below) & np.isfinite(above)
    below, above = np.where(spread, below, 0.0), np.where(spread, above, 0.0)

    w_low = np.where(spread, weight * above / np.where(spread, below + above, 1.0), weight)
    w_high = weight - w_low
    t_low = mean_t - below
    t_high = mean_t + above
    y_low = mean_y + slope * (t_low - mean_t)
    y_high = mean_y + slope * (t_high - mean_t)
    keep_high = spread & (w_high > 0)
    ts = np.concatenate([t_low, t_high[keep_high]])
    ys = np.concatenate([y_low, y_high[keep_high]])
    ws = np.concatenate([w_low, w_high[keep_high]])
    order = np.argsort(ts, kind="stable")
    return Condensed(ts[order], ys[order], ws[order], offset)


def _place_pair(
    var: FloatArray,
    spread: np.ndarray,
    room_below: FloatArray,
    room_above: FloatArray,
    below: FloatArray,
    above: FloatArray,
) -> None:
    """Shrink the side that has no room to the data's edge and stretch the other (in place)."""
    sd = np.sqrt(var)
    short_below = spread & (sd > room_below)
    short_above = spread & ~short_below & (sd > room_above)
    below[short_below] = room_below[short_below]
    above[short_below] = var[short_below] / room_below[short_below]
    above[short_above] = room_above[short_above]
    below[short_above] = var[short_above] / room_above[short_above]


def condense(x: Any, y: Any, w: Any = None, *, cuts: Any, fx: Transform = "identity") -> Condensed:
    """Condense data (x finite) between `cuts` (raw x units, increasing), linear in fx(x).

    The result is in raw x units. For every curve (`pwlc.Curve` with this fx) whose knots are
    all cuts: sum w (y - curve(x))^2 over the data == the same over the result + offset.
    """
    xa, ya = as_vector(x, "x"), as_vector(y, "y")
    wa = np.ones_like(xa) if w is None else as_vector(w, "w")
    positive = wa > 0
    xa, ya, wa = xa[positive], ya[positive], wa[positive]
    order = np.argsort(xa, kind="stable")
    t = transform(fx, xa[order])
    result = condense_sorted(t, ya[order], wa[order], transform(fx, as_vector(cuts, "cuts")))
    return Condensed(inverse_transform(fx, result.x), result.y, result.w, result.offset)
