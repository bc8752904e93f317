"""Shrinking a failing model to a small reproducer, on the IR itself.

`shrink(model, still_fails)` tries smaller models one edit at a time — a term removed, an
unused input dropped, a knot, edge, entry or grid cell removed, a name, doc or link made
plain, a number made short — and keeps each that is still valid (`verify`, and within the
decided rules the strategies keep) and still fails, until no edit helps or the time budget
is spent. The result is printed as Python that builds the model (`reproducer`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from pwlc.errors import VerifyError
from pwlc.ir import (
    CategoryAxis,
    Constant,
    Curve,
    Grid,
    Input,
    KnotAxis,
    Model,
    Step,
    StepAxis,
    Table,
    Term,
    term_features,
    verify,
)
from tests.strategies import MAX_VALUE, strictly_transformed


def shrink(model: Model, still_fails: Callable[[Model], bool], budget: float = 60.0) -> Model:
    """The smallest model reachable by single shrinking edits that still fails."""
    deadline = time.monotonic() + budget
    current = model
    improved = True
    while improved and time.monotonic() < deadline:
        improved = False
        for candidate in _candidates(current):
            if time.monotonic() > deadline:
                break
            if candidate != current and valid(candidate) and _fails(still_fails, candidate):
                current, improved = candidate, True
                break
    return current


def _fails(still_fails: Callable[[Model], bool], model: Model) -> bool:
    try:
        return still_fails(model)
    except Exception:  # noqa: BLE001 - a candidate the predicate cannot judge does not reproduce
        return False


def valid(model: Model) -> bool:
    """verify() passes, and the decided rules hold (values within 2**1022, curve knots
    with strictly increasing transforms)."""
    try:
        verify(model)
    except VerifyError:
        return False
    for term in model.terms:
        if any(abs(v) > MAX_VALUE for v in _values(term)):
            return False
        if isinstance(term, Curve) and strictly_transformed(term.fx, list(term.xs)) != list(term.xs):
            return False
    return True


def _values(term: Term) -> list[float]:
    if isinstance(term, Constant):
        return [term.value]
    if isinstance(term, Curve):
        return [*term.ys, *([term.missing] if term.missing is not None else [])]
    if isinstance(term, Step):
        return [*term.values, *([term.missing] if term.missing is not None else [])]
    if isinstance(term, Table):
        return [v for _, v in term.entries] + [term.default] + ([term.missing] if term.missing is not None else [])
    out = [v for row in term.values for v in row] + [*(term.missing_a or ()), *(term.missing_b or ())]
    return out + ([term.missing] if term.missing is not None else [])


# --- the edits ---------------------------------------------------------------------------------


def _candidates(model: Model) -> Iterator[Model]:
    terms = list(model.terms)
    for k in reversed(range(len(terms))):  # whole terms first: the biggest step
        yield replace(model, terms=tuple(terms[:k] + terms[k + 1 :]))
    used = {f for term in terms for f in term_features(term)}
    unused = tuple(i for i in model.inputs if i.name not in used)
    if unused:
        yield replace(model, inputs=tuple(i for i in model.inputs if i.name in used))
        for declared in unused:
            yield replace(model, inputs=tuple(i for i in model.inputs if i is not declared))
    if model.link != "identity":
        yield replace(model, link="identity")
    if model.doc:
        yield replace(model, doc="")
        half = len(model.doc) // 2
        yield from (replace(model, doc=doc) for doc in (model.doc[:half], model.doc[half:], *_shorter(model.doc)[:-2]) if doc)
    if model.name != "score":
        yield replace(model, name="score")
    for k, term in enumerate(terms):
        for smaller in _smaller_terms(term):
            yield replace(model, terms=tuple(terms[:k] + [smaller] + terms[k + 1 :]))
    for k, declared in enumerate(model.inputs):
        plain = "abcdefghijklmnopqrstuvwxyz"[k % 26] + ("" if k < 26 else str(k))
        if declared.name != plain and plain not in {i.name for i in model.inputs}:
            yield _renamed(model, declared.name, plain)
    for k, term in enumerate(terms):
        for simpler in _simpler_numbers(term):
            yield replace(model, terms=tuple(terms[:k] + [simpler] + terms[k + 1 :]))
    for k, term in enumerate(terms):
        for simpler in _simpler_categories(term):
            yield replace(model, terms=tuple(terms[:k] + [simpler] + terms[k + 1 :]))


def _renamed(model: Model, old: str, new: str) -> Model:
    def name(n: str) -> str:
        return new if n == old else n

    def term(t: Term) -> Term:
        if isinstance(t, Grid):
            return replace(t, a=replace(t.a, feature=name(t.a.feature)), b=replace(t.b, feature=name(t.b.feature)))
        if isinstance(t, Constant):
            return t
        return replace(t, feature=name(t.feature))

    return replace(model, inputs=tuple(Input(name(i.name), i.kind) for i in model.inputs), terms=tuple(term(t) for t in model.terms))


def _without(values: tuple[Any, ...], k: int) -> tuple[Any, ...]:
    return values[:k] + values[k + 1 :]


def _smaller_terms(term: Term) -> Iterator[Term]:
    if not isinstance(term, Constant) and getattr(term, "missing", None) is not None:
        yield replace(term, missing=None)
    if isinstance(term, Curve):
        if term.fx != "identity":
            yield replace(term, fx="identity")
        for k in range(len(term.xs)):
            if len(term.xs) > 1:
                yield replace(term, xs=_without(term.xs, k), ys=_without(term.ys, k))
    elif isinstance(term, Step):
        for k in range(len(term.edges)):
            for dropped in (k, k + 1):  # the edge and the value on either side of it
                yield replace(term, edges=_without(term.edges, k), values=_without(term.values, dropped))
    elif isinstance(term, Table):
        for k in range(len(term.entries)):
            yield replace(term, entries=_without(term.entries, k))
    elif isinstance(term, Grid):
        if term.missing_a is not None:
            yield replace(term, missing_a=None)
        if term.missing_b is not None:
            yield replace(term, missing_b=None)
        yield from _smaller_grids(term)


def _smaller_grids(grid: Grid) -> Iterator[Grid]:
    """The grid with one cell of axis a (a row) or of axis b (a column) removed."""
    for k in range(grid.a.size):
        axis = _axis_without(grid.a, k)
        if axis is not None:
            missing_b = None if grid.missing_b is None else _without(grid.missing_b, k)
            yield replace(grid, a=axis, values=_without(grid.values, k), missing_b=missing_b)
    for k in range(grid.b.size):
        axis = _axis_without(grid.b, k)
        if axis is not None:
            missing_a = None if grid.missing_a is None else _without(grid.missing_a, k)
            yield replace(grid, b=axis, values=tuple(_without(row, k) for row in grid.values), missing_a=missing_a)


def _axis_without(axis: StepAxis | KnotAxis | CategoryAxis, cell: int) -> StepAxis | KnotAxis | CategoryAxis | None:
    if isinstance(axis, StepAxis):
        return replace(axis, edges=_without(axis.edges, min(cell, len(axis.edges) - 1))) if axis.edges else None
    if isinstance(axis, KnotAxis):
        return replace(axis, knots=_without(axis.knots, cell)) if len(axis.knots) > 1 else None
    return replace(axis, categories=_without(axis.categories, cell)) if cell < len(axis.categories) else None


def _short_numbers(value: float) -> list[float]:
    """Plainer numbers near `value`: 0, ±1, then fewer significant digits."""
    out = [0.0, 1.0, -1.0]
    if math.isfinite(value) and value != 0.0:
        out += [float(f"{value:.{digits}g}") for digits in (1, 3, 6)]
    return [v for v in out if v != value]


def _simpler_numbers(term: Term) -> Iterator[Term]:
    if isinstance(term, Constant):
        for v in _short_numbers(term.value):
            yield Constant(v)
    elif isinstance(term, Curve):
        for k in range(len(term.xs)):
            for v in _short_numbers(term.ys[k]):
                yield replace(term, ys=term.ys[:k] + (v,) + term.ys[k + 1 :])
            for v in _short_numbers(term.xs[k]):
                yield replace(term, xs=term.xs[:k] + (v,) + term.xs[k + 1 :])
    elif isinstance(term, Step):
        for k in range(len(term.values)):
            for v in _short_numbers(term.values[k]):
                yield replace(term, values=term.values[:k] + (v,) + term.values[k + 1 :])
        for k in range(len(term.edges)):
            for v in _short_numbers(term.edges[k]):
                yield replace(term, edges=term.edges[:k] + (v,) + term.edges[k + 1 :])
    elif isinstance(term, Table):
        for v in _short_numbers(term.default):
            yield replace(term, default=v)
        for k, (key, value) in enumerate(term.entries):
            for v in _short_numbers(value):
                yield replace(term, entries=term.entries[:k] + ((key, v),) + term.entries[k + 1 :])
    elif isinstance(term, Grid):
        for i, row in enumerate(term.values):
            for j, value in enumerate(row):
                for v in _short_numbers(value)[:3]:
                    yield replace(term, values=term.values[:i] + (row[:j] + (v,) + row[j + 1 :],) + term.values[i + 1 :])


def _shorter(text: str) -> list[str]:
    """`text` with one character less (the others kept), or plain."""
    out = [text[:i] + text[i + 1 :] for i in range(min(len(text), 12))]
    return out + [c for c in ("a", "b") if c != text]


def _simpler_categories(term: Term) -> Iterator[Term]:
    if isinstance(term, Table):
        for k, (key, value) in enumerate(term.entries):
            for new in _shorter(key):
                yield replace(term, entries=term.entries[:k] + ((new, value),) + term.entries[k + 1 :])
    elif isinstance(term, Grid):
        for side in ("a", "b"):
            axis = getattr(term, side)
            if isinstance(axis, CategoryAxis):
                for k, category in enumerate(axis.categories):
                    for new in _shorter(category):
                        yield replace(term, **{side: replace(axis, categories=axis.categories[:k] + (new,) + axis.categories[k + 1 :])})


def reproducer(model: Model) -> str:
    """Python that builds `model` (the IR's reprs are constructor calls)."""
    return "from pwlc.ir import *\nmodel = " + repr(model)
