"""round: the shortest decimals for knot positions and values within a score-change tolerance.

Numbers are tried from the coarsest rounding to the finest, one precision level at a time
for the whole model (so no single number eats the budget at full precision before others
are tried coarsely), and a rounding is kept when the pass's total score change stays
within `tol` (see `Budget`). At level d (1..`digits`):
- a position (curve knot, step edge, grid axis knot or edge) is rounded to d significant
  digits of itself (an age knot 24.9871 becomes 25 at d=2), and only when its neighbours
  stay strictly apart (two knots never collapse) and the transform stays defined;
- a value (knot value, step value, table entry, default, missing, constant) is rounded to
  the decimal place of the d-th significant digit of the largest value in its term, so a
  term's values share their decimals (0.61, -0.4, 0.05 rather than 0.6127, -0.4, 0.0498).
A number not accepted at any level keeps its full precision.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

from pwlc.errors import PwlcError
from pwlc.ir import Curve, Grid, KnotAxis, Model, Step, StepAxis, Term
from pwlc.passes import Pass, register
from pwlc.passes.context import Budget, PassData, output_values, with_output_values


@register
@dataclass(frozen=True)
class Round(Pass):
    """Round numbers to the fewest significant digits (at most `digits`) within `tol`."""

    name = "round"
    tol: float = 1e-3
    digits: int = 6

    def __post_init__(self) -> None:
        if not (self.tol >= 0 and math.isfinite(self.tol)):
            raise PwlcError(f"tol must be a finite number >= 0, got {self.tol!r}")
        if not 1 <= self.digits <= 17:
            raise PwlcError(f"digits must be between 1 and 17, got {self.digits!r}")

    def run(self, model: Model, data: PassData | None) -> Model:
        budget = Budget(model, data, self.tol)
        settled: set[tuple[int, str, int]] = set()
        for level in range(1, self.digits + 1):
            for k in range(len(model.terms)):
                for slot, count, get, put in _slots(budget.terms[k]):
                    for i in range(count):
                        if (k, slot, i) in settled:
                            continue
                        term = budget.terms[k]
                        numbers = get(term)
                        rounded = _round_value(numbers, i, level) if slot == "values" else _round_position(numbers, i, level)
                        if rounded is None or rounded == numbers[i]:
                            if rounded is not None:
                                settled.add((k, slot, i))  # already this short
                            continue
                        candidate = put(term, numbers[:i] + [rounded] + numbers[i + 1 :])
                        if _positions_valid(candidate) and budget.try_replace(k, candidate):
                            settled.add((k, slot, i))
        return budget.result()


Getter = Callable[[Term], list[float]]
Putter = Callable[[Term, list[float]], Term]


def _slots(term: Term) -> list[tuple[str, int, Getter, Putter]]:
    """The groups of numbers of a term: (kind, how many, read them, write them back)."""
    slots: list[tuple[str, int, Getter, Putter]] = []
    if isinstance(term, Curve):
        slots.append(("xs", len(term.xs), lambda t: list(t.xs), lambda t, v: replace(t, xs=tuple(v))))
    elif isinstance(term, Step):
        slots.append(("edges", len(term.edges), lambda t: list(t.edges), lambda t, v: replace(t, edges=tuple(v))))
    elif isinstance(term, Grid):
        for side in ("a", "b"):
            axis = getattr(term, side)
            field = "knots" if isinstance(axis, KnotAxis) else "edges" if isinstance(axis, StepAxis) else None
            if field is not None:
                slots.append((
                    f"{side}.{field}",
                    len(getattr(axis, field)),
                    lambda t, s=side, f=field: list(getattr(getattr(t, s), f)),
                    lambda t, v, s=side, f=field: replace(t, **{s: replace(getattr(t, s), **{f: tuple(v)})}),
                ))
    slots.append(("values", len(output_values(term)), output_values, with_output_values))
    return slots


def _round_position(numbers: list[float], i: int, digits: int) -> float | None:
    """`numbers[i]` to `digits` significant digits, or None if that breaks the strict order."""
    rounded = float(f"{numbers[i]:.{digits - 1}e}") + 0.0
    if i > 0 and not rounded > numbers[i - 1]:
        return None
    if i + 1 < len(numbers) and not rounded < numbers[i + 1]:
        return None
    return rounded


def _round_value(numbers: list[float], i: int, digits: int) -> float:
    """`numbers[i]` to the decimal place of the `digits`-th significant digit of the largest."""
    scale = max(abs(v) for v in numbers)
    if scale == 0.0:
        return numbers[i]
    place = digits - 1 - math.floor(math.log10(scale))
    return float(round(numbers[i], place)) + 0.0  # + 0.0 turns -0.0 into 0.0


def _positions_valid(term: Term) -> bool:
    """Transforms stay defined at every knot (ordering is kept by `_round_position`)."""
    if isinstance(term, Curve) and term.fx == "log":
        return term.xs[0] > 0
    if isinstance(term, Curve) and term.fx == "log1p":
        return term.xs[0] > -1
    return True
