"""prune: drop terms whose contribution is below a threshold, folding their average into
the intercept.

A term's contribution is its largest distance from its centre (the centre as in
fold-constants: data mean, or midrange without data), over the rows of the data or over
every input. Terms at or below `threshold` are dropped, smallest first, while the pass's
total score change stays within `tol` (default: `threshold`). A term whose `missing` is
None is never dropped: it makes a missing input give a missing score, which a constant
cannot.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from pwlc.errors import PwlcError
from pwlc.ir import Constant, Model, Term, exact_sum, is_valid_term
from pwlc.passes import Pass, register
from pwlc.passes.context import Budget, PassData, bounded_on
from pwlc.passes.fold import centre_of


@register
@dataclass(frozen=True)
class Prune(Pass):
    """Drop terms contributing at most `threshold`, within a total score change of `tol`."""

    name = "prune"
    threshold: float = 0.01
    tol: float | None = None  # None: the same as threshold
    over: str = "data"  # keep tol on the rows of the data, or for every input ("all")

    def __post_init__(self) -> None:
        bounded_on(self.over, None)
        for option, value in (("threshold", self.threshold), ("tol", self.tol)):
            if value is not None and not (value >= 0 and math.isfinite(value)):
                raise PwlcError(f"{option} must be a finite number >= 0, got {value!r}")

    @property
    def stated_error(self) -> float | None:
        return self.threshold if self.tol is None else self.tol

    def run(self, model: Model, data: PassData | None) -> Model:
        data = bounded_on(self.over, data)
        budget = Budget(model, data, self.stated_error or 0.0)
        candidates: list[tuple[float, int, Term]] = []
        for k, term in enumerate(model.terms):
            if isinstance(term, Constant) or term.missing is None:
                continue
            flat: Term = Constant(centre_of(term, data))
            contribution = budget.local_cost(k, flat)
            if contribution <= self.threshold:
                candidates.append((contribution, k, flat))
        dropped = [k for _, k, flat in sorted(candidates, key=lambda c: (c[0], c[1])) if budget.try_replace(k, flat)]
        if not dropped:
            return model
        # Dropped terms became constants: one intercept, first, unless summing the constants
        # in a new order moves a score past the tolerance by a rounding error.
        kept = budget.result()
        constants = [t.value for t in kept.terms if isinstance(t, Constant)]
        rest: list[Term] = [t for t in kept.terms if not isinstance(t, Constant)]
        compact = replace(model, terms=(Constant(exact_sum(constants)), *rest))
        if not is_valid_term(compact.terms[0]):  # the sum left the values' range
            return kept
        from pwlc.passes import measure

        within = measure(model, compact, None if data is None else data.raw)[0] <= budget.tol
        return compact if within else kept
