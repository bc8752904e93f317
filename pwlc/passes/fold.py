"""fold-constants: one intercept, centred terms, no flat terms, one term per feature.

Exact up to float rounding (a few ulps from moving offsets into the intercept). Steps:

1. Terms on the same feature merge into one: two curves with the same transform into one
   curve on the union of their knots (their sum is piecewise linear there, flat outside);
   two steps with the same `at_edge` into one step on the union of edges; two tables into
   one table. Terms that cannot merge exactly (curves with different transforms, a curve
   and a step, steps with different `at_edge`) stay apart, and so do linear terms: `(a +
   b) * x` is `a * x + b * x` only up to rounding, and near the end of the doubles one
   side may round to ±inf where the other does not. Grids are left as they are.
2. Centring convention: each term is shifted so that its mean contribution over the rows
   of the data is zero (rows where it is missing excluded), as EBM does; without data,
   so that its largest and smallest values are opposite (midrange zero). The shift goes
   into the intercept; `missing` and `default` values shift with the term. (A shift that
   would take a value out of the IR's range, ±2**1022, is not made; neither is a merge.)
   A linear term is not centred: `slope * x - c` is no linear term.
3. A term that contributes one value for every input (a flat curve, a step whose values
   are all equal, a table whose entries, default and missing agree) becomes part of the
   intercept — unless its `missing` is None, since it then turns missing inputs into a
   missing score.
4. All constants are summed into one intercept, first; a zero intercept is dropped (and
   a sum beyond ±2**1022 stays as its parts).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from pwlc.ir import MAX_VALUE, Constant, Curve, Grid, Linear, Model, Step, Table, Term, exact_sum, is_valid_term
from pwlc.passes import Pass, register
from pwlc.passes.context import PassData, output_values, shift
from pwlc.semantics import curve_values, step_values


@register
@dataclass(frozen=True)
class FoldConstants(Pass):
    """Sum constants, merge same-feature terms, centre every term, drop flat terms."""

    name = "fold-constants"
    centre: bool = True

    def run(self, model: Model, data: PassData | None) -> Model:
        intercept: list[float] = []
        terms: list[Term] = []
        for term in merge_same_feature(model.terms):
            if isinstance(term, Constant):
                intercept.append(term.value)
                continue
            if self.centre and not isinstance(term, Linear):  # (slope * x - c is no linear term)
                offset = centre_of(term, data)
                shifted = shift(term, offset) if offset != 0.0 else term
                if shifted is not term and is_valid_term(shifted):  # (shifting may leave the values' range)
                    term = shifted
                    intercept.append(offset)
            flat = flat_value(term)
            if flat is not None:
                intercept.append(flat)
            else:
                terms.append(term)
        total = exact_sum(intercept)
        head: list[Term] = [Constant(total)] if total != 0.0 else []
        if abs(total) > MAX_VALUE:  # beyond the values' range: the parts stay apart
            head = [Constant(part) for part in intercept]
        return replace(model, terms=tuple(head + terms))


def merge_same_feature(terms: tuple[Term, ...]) -> list[Term]:
    """Merge every term into the first earlier term on the same feature it merges with exactly."""
    out: list[Term] = []
    for term in terms:
        for i, earlier in enumerate(out):
            merged = merge_pair(earlier, term)
            if merged is not None:
                out[i] = merged
                break
        else:
            out.append(term)
    return out


def merge_pair(a: Term, b: Term) -> Term | None:
    """The single valid term equal to `a + b`, or None when there is none of the same kind
    (or it would not be valid: two knots whose transforms coincide, a sum out of range)."""
    merged = _merged(a, b)
    return merged if merged is not None and is_valid_term(merged) else None


def _merged(a: Term, b: Term) -> Term | None:
    if isinstance(a, Grid) or isinstance(b, Grid) or isinstance(a, Constant) or isinstance(b, Constant):
        return None
    if a.feature != b.feature:
        return None
    missing = None if a.missing is None or b.missing is None else a.missing + b.missing
    if isinstance(a, Curve) and isinstance(b, Curve) and a.fx == b.fx:
        xs = np.array(sorted(set(a.xs) | set(b.xs)), dtype=np.float64)
        ys = curve_values(a, xs) + curve_values(b, xs)
        return Curve(a.feature, tuple(float(x) for x in xs), tuple(float(y) for y in ys), a.fx, missing, a.span)
    if isinstance(a, Step) and isinstance(b, Step) and a.at_edge == b.at_edge:
        edges = sorted(set(a.edges) | set(b.edges))
        inside = _bin_representatives(edges, a.at_edge)
        values = step_values(a, inside) + step_values(b, inside)
        return Step(a.feature, tuple(edges), tuple(float(v) for v in values), a.at_edge, missing, a.span)
    if isinstance(a, Table) and isinstance(b, Table):
        first, second = a.lookup(), b.lookup()
        keys = list(first) + [k for k in second if k not in first]
        entries = tuple((k, first.get(k, a.default) + second.get(k, b.default)) for k in keys)
        return Table(a.feature, entries, a.default + b.default, missing, a.span)
    return None


def _bin_representatives(edges: list[float], at_edge: str) -> np.ndarray:
    """One x inside each bin of a step: an edge belongs to the bin on its `at_edge` side."""
    if at_edge == "upper":  # bins [e_{k-1}, e_k): e_{k-1} is in bin k
        points = [-math.inf] + edges
    else:  # bins (e_{k-1}, e_k]: e_k is in bin k
        points = edges + [math.inf]
    return np.array(points, dtype=np.float64)


def centre_of(term: Term, data: PassData | None) -> float:
    """The offset that centres `term` (see the module docstring for the convention)."""
    if data is not None and data.rows:
        values = data.term_values(term)
        finite = values[np.isfinite(values)]
        if finite.size:
            with np.errstate(over="ignore"):
                mean = float(np.mean(finite))
            return mean if math.isfinite(mean) else 2 * float(np.mean(finite / 2))  # values near ±2**1022
    spread = output_values(term)
    if term.missing is not None:  # type: ignore[union-attr]
        spread = spread[:-1]
    return (max(spread) + min(spread)) / 2 if spread else 0.0


def flat_value(term: Term) -> float | None:
    """The one value a term contributes for every input, or None if it varies (or can be missing)."""
    if isinstance(term, Linear) or term.missing is None:  # type: ignore[union-attr]
        return None
    values = set(output_values(term))
    return values.pop() if len(values) == 1 else None
