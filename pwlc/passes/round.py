"""round: the shortest decimals for knot positions and values within a score-change tolerance.

Numbers are tried from the coarsest rounding to the finest, one precision level at a time
for the whole model (so no single number eats the budget at full precision before others
are tried coarsely), cheapest first within a level, and a rounding is kept when the pass's total score change stays
within `tol` (see `Budget`). At level d (1..`digits`):
- a position (curve knot, step edge, grid axis knot or edge) is rounded to d significant
  digits of itself (an age knot 24.9871 becomes 25 at d=2), and only when its neighbours
  stay strictly apart (two knots never collapse, in x or in fx(x)) and the transform
  stays defined;
- a value (knot value, step value, table entry, default, missing, constant) is rounded to
  the decimal place of the d-th significant digit of the largest value in its term, so a
  term's values share their decimals (0.61, -0.4, 0.05 rather than 0.6127, -0.4, 0.0498),
  and only within the range every value must keep (`pwlc.ir.MAX_VALUE`).
- a linear term's slope is rounded to d significant digits of itself (0.03112 becomes 0.031
  at d=2). Its change, slope difference times x, is unbounded over every input: only a
  bound on the rows of the data lets it move (`over=all` keeps every slope as it is).
A first level at 12 digits removes float noise. A number not accepted at any level keeps
its full precision (after that clean-up).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from pwlc.errors import PwlcError
from pwlc.ir import Curve, Grid, KnotAxis, Linear, Model, Step, StepAxis, Term, is_valid_term
from pwlc.passes import Pass, register
from pwlc.passes.context import Budget, PassData, bounded_on, output_values, with_output_values

NOISE_DIGITS = 12


@register
@dataclass(frozen=True)
class Round(Pass):
    """Round numbers to the fewest significant digits (at most `digits`) within `tol`."""

    name = "round"
    tol: float = 1e-3
    digits: int = 6
    over: str = "data"  # keep tol on the rows of the data, or for every input ("all")

    def __post_init__(self) -> None:
        bounded_on(self.over, None)
        if not (self.tol >= 0 and math.isfinite(self.tol)):
            raise PwlcError(f"tol must be a finite number >= 0, got {self.tol!r}")
        if not 1 <= self.digits <= 17:
            raise PwlcError(f"digits must be between 1 and 17, got {self.digits!r}")

    def run(self, model: Model, data: PassData | None) -> Model:
        data = bounded_on(self.over, data)
        budget = Budget(model, data, self.tol)
        settled: set[tuple[int, str, int]] = set()
        # Level 12 first: float noise from earlier arithmetic (0.07500000000000001) goes for
        # almost nothing, before coarse roundings spend the budget.
        # A term's noise goes in one try when the budget allows it (it nearly always does:
        # the same model as one try per number, at a fraction of the cost on many rows).
        denoised: set[int] = set()
        for k, term in enumerate(budget.terms):
            clean = _all_rounded(term, NOISE_DIGITS)
            if clean is not term and budget.try_replace(k, clean):
                denoised.add(k)
        for level in [NOISE_DIGITS, *range(1, self.digits + 1)]:
            # Cheapest roundings first, so the budget goes to the numbers that need it least.
            tries: list[tuple[float, int, str, int]] = []
            for k, term in enumerate(budget.terms):
                if level == NOISE_DIGITS and k in denoised:
                    continue
                for slot in slots(term):
                    for i in range(len(read_slot(term, slot))):
                        if (k, slot, i) in settled:
                            continue
                        candidate = _rounded(term, slot, i, level)
                        if candidate is None:
                            continue
                        if candidate is term:
                            if level != NOISE_DIGITS:
                                settled.add((k, slot, i))  # already this short
                        else:
                            tries.append((budget.local_cost(k, candidate), k, slot, i))
            for _, k, slot, i in sorted(tries):
                candidate = _rounded(budget.terms[k], slot, i, level)
                if candidate is not None and candidate is not budget.terms[k] and budget.try_replace(k, candidate):
                    if level != NOISE_DIGITS:
                        settled.add((k, slot, i))
        return budget.result()


def slots(term: Term) -> list[str]:
    """Names of a term's groups of numbers: positions ("xs", "edges", "a.knots", ...) and "values"."""
    if isinstance(term, Curve):
        return ["xs", "values"]
    if isinstance(term, Step):
        return ["edges", "values"]
    if isinstance(term, Linear):  # the slope is rounded to significant digits of itself, like a position
        return ["slope", "values"]
    if isinstance(term, Grid):
        axes = [f"{side}.{_axis_field(getattr(term, side))}" for side in ("a", "b")]
        return [name for name in axes if not name.endswith(".")] + ["values"]
    return ["values"]


def _axis_field(axis: object) -> str:
    return "knots" if isinstance(axis, KnotAxis) else "edges" if isinstance(axis, StepAxis) else ""


def read_slot(term: Term, slot: str) -> list[float]:
    if slot == "values":
        return output_values(term)
    if isinstance(term, Linear) and slot == "slope":
        return [term.slope]
    owner: object = term
    for part in slot.split("."):
        owner = getattr(owner, part)
    return list(owner)  # type: ignore[call-overload]


def write_slot(term: Term, slot: str, numbers: list[float]) -> Term:
    if slot == "values":
        return with_output_values(term, numbers)
    if isinstance(term, Linear) and slot == "slope":
        return replace(term, slope=numbers[0])
    if "." in slot:
        side, name = slot.split(".")
        return replace(term, **{side: replace(getattr(term, side), **{name: tuple(numbers)})})  # type: ignore[arg-type]
    return replace(term, **{slot: tuple(numbers)})  # type: ignore[arg-type]


def _rounded(term: Term, slot: str, i: int, digits: int) -> Term | None:
    """`term` with number i of `slot` rounded at this level; `term` itself if that changes
    nothing; None if the rounding is not allowed (knots would collapse or leave the domain)."""
    numbers = read_slot(term, slot)
    value = _round_value(numbers, i, digits) if slot == "values" else _round_position(numbers, i, digits)
    if value is None:
        return None
    if value == numbers[i]:
        return term
    candidate = write_slot(term, slot, numbers[:i] + [value] + numbers[i + 1 :])
    return candidate if is_valid_term(candidate) else None


def _all_rounded(term: Term, digits: int) -> Term:
    """`term` with every number rounded at this level where allowed, one after another."""
    for slot in slots(term):
        for i in range(len(read_slot(term, slot))):
            rounded = _rounded(term, slot, i, digits)
            term = term if rounded is None else rounded
    return term


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

