"""Knot values for fixed knots: least squares, optionally with shape constraints.

Constraints act on the knot-to-knot differences d_j = v_j - v_{j-1}: monotone means every
d_j has one sign, a slope bound means d_j / (t_j - t_{j-1}) lies in [low, high], bitonic
means the signs change once (every turning knot is tried). The problem is a small
box-constrained quadratic program, solved exactly by an active-set method.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pwlc.errors import UnsupportedError
from pwlc.semantics import FloatArray

SHAPES = ("none", "increasing", "decreasing", "bitonic")


@dataclass(frozen=True)
class Shape:
    """A shape constraint; slopes are in normalised units (dv per unit of normalised t)."""

    mono: str = "none"  # one of SHAPES
    slope_low: float = -np.inf
    slope_high: float = np.inf

    @property
    def free(self) -> bool:
        return self.mono == "none" and self.slope_low == -np.inf and self.slope_high == np.inf


def admits(shape: Shape, knots: FloatArray, values: FloatArray) -> bool:
    """Whether knot values already satisfy the shape (then they are its optimum too: the
    problem is convex and its unconstrained minimiser is feasible)."""
    steps = np.diff(values)
    slopes = steps / np.diff(knots)
    if (slopes < shape.slope_low).any() or (slopes > shape.slope_high).any():
        return False
    if shape.mono == "increasing":
        return bool((steps >= 0).all())
    if shape.mono == "decreasing":
        return bool((steps <= 0).all())
    if shape.mono == "bitonic":
        signs = np.sign(steps[steps != 0])
        return int(np.count_nonzero(signs[1:] != signs[:-1])) <= 1
    return True


def box_qp(hessian: FloatArray, g: FloatArray, low: FloatArray, high: FloatArray) -> FloatArray:
    """argmin z'Hz - 2g'z subject to low <= z <= high, H symmetric positive definite.

    Primal active set: solve for the free variables with the others held at their bounds;
    step back to the first bound crossed if the solution leaves the box; release the bound
    whose multiplier has the wrong sign when none is crossed. Finite for a convex QP.
    """
    size = len(g)
    z = np.clip(np.zeros(size), low, high)
    at_low, at_high = z <= low, z >= high
    scale = max(1.0, float(np.abs(g).max(initial=0.0)))
    for _ in range(10 * size + 20):
        free = ~(at_low | at_high)
        target = z.copy()
        if free.any():
            rows = hessian[free]
            target[free] = np.linalg.solve(rows[:, free], g[free] - rows[:, ~free] @ z[~free])
        outside = free & ((target < low) | (target > high))
        if outside.any():
            step = target - z
            with np.errstate(divide="ignore", invalid="ignore"):
                room = np.where(step < 0, (low - z) / step, (high - z) / step)
            room = np.where(outside, room, np.inf)
            first = int(np.argmin(room))
            z = z + max(0.0, min(1.0, float(room[first]))) * step
            z[first] = low[first] if step[first] < 0 else high[first]
            at_low[first], at_high[first] = step[first] < 0, step[first] > 0
            continue
        z = target
        gradient = hessian @ z - g
        wrong = np.where(at_low, -gradient, 0.0) + np.where(at_high, gradient, 0.0)
        worst = int(np.argmax(wrong))
        if wrong[worst] <= 1e-13 * scale:
            return z
        at_low[worst] = at_high[worst] = False
    return z


def difference_bounds(shape: Shape, widths: FloatArray) -> list[tuple[FloatArray, FloatArray]]:
    """Bounds on (v_0, d_1..d_S) for each sign pattern the shape allows."""
    free_start = np.array([-np.inf])
    slope_low = shape.slope_low * widths
    slope_high = shape.slope_high * widths
    patterns: list[FloatArray] = []  # +1: d >= 0, -1: d <= 0, 0: either
    segments = len(widths)
    if shape.mono == "increasing":
        patterns.append(np.ones(segments))
    elif shape.mono == "decreasing":
        patterns.append(-np.ones(segments))
    elif shape.mono == "bitonic":
        for turn in range(segments + 1):
            rising = np.arange(segments) < turn
            patterns.append(np.where(rising, 1.0, -1.0))
            patterns.append(np.where(rising, -1.0, 1.0))
    else:
        patterns.append(np.zeros(segments))
    bounds = []
    for sign in patterns:
        low = np.maximum(slope_low, np.where(sign > 0, 0.0, -np.inf))
        high = np.minimum(slope_high, np.where(sign < 0, 0.0, np.inf))
        bounds.append((np.r_[free_start, low], np.r_[-free_start, high]))
    return bounds


def constrained_values(
    hessian: FloatArray, g: FloatArray, f: float, knots: FloatArray, shape: Shape
) -> tuple[FloatArray, float]:
    """Knot values minimising v'Hv - 2g'v + f under `shape`, and that minimum."""
    if shape.free:
        values: FloatArray = np.linalg.lstsq(hessian, g, rcond=None)[0].astype(np.float64)
        return values, float(f - 2 * g @ values + values @ hessian @ values)
    size = len(g)
    cumulative = np.tril(np.ones((size, size)))  # v = P z with z = (v_0, d_1, ..., d_S)
    h_z = cumulative.T @ hessian @ cumulative + 1e-14 * np.trace(hessian) * np.eye(size)
    g_z = cumulative.T @ g
    best_values, best_cost = np.zeros(size), np.inf
    for low, high in difference_bounds(shape, np.diff(knots)):
        if (low > high).any():
            continue
        z = box_qp(h_z, g_z, low, high)
        cost = float(f - 2 * g_z @ z + z @ h_z @ z)
        if cost < best_cost:
            best_values, best_cost = np.asarray(cumulative @ z, dtype=np.float64), cost
    if not np.isfinite(best_cost):
        raise UnsupportedError(
            f"fit: no curve satisfies mono={shape.mono!r} with the given slope bounds; widen the bounds to allow slopes of that sign, or use mono='none'"
        )
    return best_values, best_cost
