"""merge-segments: fewer knots, edges and table entries, within a score-change tolerance.

Candidates, each replacing one term by a simpler one:
- a curve without one of its knots (the other knots keep their values; dropping an end
  knot makes the curve flat from its new end knot);
- a step without one of its edges, the two bins taking the midpoint of their values
  (exact when they were equal: adjacent equal steps merge);
- a table without one of its entries, which then takes the default (exact when the entry
  equals the default).
Grids and constants are left as they are.

Greedy: every round takes the candidate that changes its own term least (so collinear
knots and equal steps go first, at zero cost), and accepts it if the pass's total score
change stays within `tol` (see `Budget`); a rejected candidate is not tried again until
its term changes. Values of the remaining knots are not re-solved: run `refit` after it
for that.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, replace

from pwlc.errors import PwlcError
from pwlc.ir import Curve, Model, Step, Table, Term
from pwlc.passes import Pass, register
from pwlc.passes.context import Budget, PassData, bounded_on


@register
@dataclass(frozen=True)
class MergeSegments(Pass):
    """Drop knots (collinear first, then the least useful) while the score change stays within `tol`."""

    name = "merge-segments"
    tol: float = 1e-3
    over: str = "data"  # keep tol on the rows of the data, or for every input ("all")

    def __post_init__(self) -> None:
        bounded_on(self.over, None)
        if not (self.tol >= 0 and math.isfinite(self.tol)):
            raise PwlcError(f"tol must be a finite number >= 0, got {self.tol!r}")

    def run(self, model: Model, data: PassData | None) -> Model:
        data = bounded_on(self.over, data)
        budget = Budget(model, data, self.tol)
        # Heap of (own cost, term index, version of that term, candidate).
        versions = [0] * len(model.terms)
        heap: list[tuple[float, int, int, int, Term]] = []
        counter = 0

        def push_candidates(k: int) -> None:
            nonlocal counter
            for candidate in simplifications(budget.terms[k]):
                heapq.heappush(heap, (budget.local_cost(k, candidate), counter, k, versions[k], candidate))
                counter += 1

        for k in range(len(model.terms)):
            push_candidates(k)
        while heap:
            _, _, k, version, candidate = heapq.heappop(heap)
            if version != versions[k]:
                continue  # stale: the term changed since this candidate was made
            if budget.try_replace(k, candidate):
                versions[k] += 1
                push_candidates(k)
        return budget.result()


def simplifications(term: Term) -> list[Term]:
    """Every term one knot, edge or entry simpler than `term`."""
    if isinstance(term, Curve) and len(term.xs) > 1:
        return [
            replace(term, xs=term.xs[:i] + term.xs[i + 1 :], ys=term.ys[:i] + term.ys[i + 1 :])
            for i in range(len(term.xs))
        ]
    if isinstance(term, Step) and term.edges:
        out: list[Term] = []
        for i in range(len(term.edges)):
            left, right = term.values[i], term.values[i + 1]
            merged = left if left == right else (left + right) / 2
            values = term.values[:i] + (merged,) + term.values[i + 2 :]
            out.append(replace(term, edges=term.edges[:i] + term.edges[i + 1 :], values=values))
        return out
    if isinstance(term, Table):
        return [replace(term, entries=term.entries[:i] + term.entries[i + 1 :]) for i in range(len(term.entries))]
    return []
