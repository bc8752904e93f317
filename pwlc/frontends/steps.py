"""Exact step functions out of trees and bins, shared by the frontends.

A tree ensemble restricted to one feature, a binning transformer, a piecewise-constant
spline: each is constant between some thresholds. `merged_step` turns such a function
into the exact `Step`, given the thresholds and which side of each one a value exactly on
it falls to; `lowest_reaching` finds the float64 threshold in the input's own units when
the library compares after a monotone map (a scaler, a rounding to float32).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

import numpy as np
from numpy.typing import NDArray

from pwlc.ir import EdgeSide, Step
from pwlc.semantics import FloatArray

LARGEST = float(np.finfo(np.float64).max)
_SIGN = np.uint64(0x8000_0000_0000_0000)
IntArray = NDArray[np.int64]


def merged_step(name: str, edges: Iterable[float], at_edge: EdgeSide, total: Callable[[FloatArray], FloatArray], missing: float | None) -> Step:
    """The exact `Step` of a function that can change only at `edges`.

    `total(x)` gives the function at each x (vectorized). Bins whose neighbours have the same
    value are merged.
    """
    ordered = sorted({float(e) for e in edges if math.isfinite(e)})
    values = [float(v) for v in total(representatives(ordered, at_edge))]
    kept = [k for k in range(len(ordered)) if values[k] != values[k + 1]]  # edges that change the sum
    return Step(name, tuple(ordered[k] for k in kept), (*(values[k] for k in kept), values[-1]), at_edge=at_edge, missing=missing)


def representatives(edges: Sequence[float], at_edge: EdgeSide) -> FloatArray:
    """One value in each bin between sorted `edges`. With `at_edge="lower"` a value on an
    edge belongs to the bin below it (trees: `x <= t` goes left), so each bin is represented
    by its upper end and the last by the double after the last edge; with `"upper"` by its
    lower end and the first by the double before the first edge. Never infinity: several
    libraries refuse infinite inputs."""
    if not edges:
        return np.zeros(1)
    if at_edge == "lower":
        return np.array([*edges, math.nextafter(edges[-1], math.inf)])
    return np.array([math.nextafter(edges[0], -math.inf), *edges])


def lowest_reaching(forward: Callable[[FloatArray], FloatArray], targets: Iterable[float]) -> FloatArray:
    """For each target t, the smallest float64 x with `forward(x) >= t`.

    `forward` must be non-decreasing over the finite doubles (a positive scaling, a
    rounding to float32); it is called about 64 times on arrays of candidates. A target
    that no finite x reaches gives +inf; one that every finite x reaches gives the lowest
    finite double.
    """
    wanted = np.asarray(list(targets), dtype=np.float64)
    low = np.full(wanted.shape, _order(np.array(-LARGEST)), dtype=np.int64)  # forward(low) < t, once checked
    high = np.full(wanted.shape, _order(np.array(LARGEST)), dtype=np.int64)  # forward(high) >= t
    reached_at_lowest = forward(np.full(wanted.shape, -LARGEST)) >= wanted
    never = ~(forward(np.full(wanted.shape, LARGEST)) >= wanted)
    searching = ~(reached_at_lowest | never)
    while True:
        gap = (high.astype(np.uint64) - low.astype(np.uint64)) & np.where(searching, ~np.uint64(0), np.uint64(0))
        if not (gap > 1).any():
            break
        middle = (low.astype(np.uint64) + (gap >> np.uint64(1))).astype(np.int64)
        reached = forward(_unorder(middle)) >= wanted
        step = searching & (gap > 1)
        high = np.where(step & reached, middle, high)
        low = np.where(step & ~reached, middle, low)
    out = _unorder(high)
    out[reached_at_lowest] = -LARGEST
    out[never] = math.inf
    return out


def float32_rounding(x: FloatArray) -> FloatArray:
    """x rounded to float32 (as numpy converts an input array), back in float64."""
    with np.errstate(over="ignore"):
        return np.asarray(x, dtype=np.float64).astype(np.float32).astype(np.float64)


def _order(x: FloatArray) -> IntArray:
    """float64 -> int64 keys in the same order (-0.0 and 0.0 share a key)."""
    bits = np.asarray(x, dtype=np.float64).view(np.int64)
    return np.where(bits < 0, -(bits & np.int64(0x7FFF_FFFF_FFFF_FFFF)), bits)


def _unorder(keys: IntArray) -> FloatArray:
    keys = np.asarray(keys, dtype=np.int64)
    bits = np.where(keys < 0, (-keys).astype(np.uint64) | _SIGN, keys.astype(np.uint64))
    return bits.view(np.float64)
