"""What passes share: the data they run on, the score-change measure, and the error budget
that keeps a lossy pass within its tolerance."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pwlc.errors import DataError, PwlcError
from pwlc.ir import Constant, Curve, Grid, Input, Model, Step, Table, Term, term_features
from pwlc.semantics import Column, FloatArray, evaluate, prepare_columns, term_values
from pwlc.testing import edge_grid


@dataclass(frozen=True)
class PassData:
    """The rows a pipeline runs on, read once: the model's input columns, the raw data (for
    label columns), and the target scores a refit aims at (the teacher's, or the scores of
    the pipeline's input model)."""

    raw: Any
    columns: dict[str, Column]
    rows: int
    target_scores: FloatArray

    @classmethod
    def from_data(cls, model: Model, data: Any, teacher: Any = None) -> PassData:
        columns, rows = prepare_columns(model, data)
        if teacher is None:
            target = evaluate(model, data, output="score")
        else:
            target = np.asarray(teacher, dtype=np.float64).ravel()
            if target.shape != (rows,):
                raise DataError(f"teacher scores have {target.size} values for {rows} rows of data")
        return cls(data, columns, rows, target)

    def column(self, name: str) -> NDArray[Any]:
        """A raw data column (e.g. labels) as an array."""
        try:
            values = self.raw[name]
        except (KeyError, IndexError):
            raise DataError(f"data has no column {name!r}") from None
        values = values.to_numpy() if hasattr(values, "to_numpy") else np.asarray(values)
        if len(values) != self.rows:
            raise DataError(f"column {name!r} has {len(values)} rows, expected {self.rows}")
        return values


def score_change(before: FloatArray, after: FloatArray) -> FloatArray:
    """|after - before| per row; 0 where both are missing, inf where only one is."""
    with np.errstate(invalid="ignore"):
        change = np.abs(after - before)
    both = np.isnan(before) & np.isnan(after)
    change[both] = 0.0
    change[np.isnan(change)] = math.inf
    return change


# --- the numbers of a term ---------------------------------------------------------------


def output_values(term: Term) -> list[float]:
    """Every value a term can contribute (missing included, when it is a number)."""
    if isinstance(term, Constant):
        return [term.value]
    if isinstance(term, Curve):
        values = list(term.ys)
    elif isinstance(term, Step):
        values = list(term.values)
    elif isinstance(term, Table):
        values = [v for _, v in term.entries] + [term.default]
    elif isinstance(term, Grid):
        values = [v for row in term.values for v in row]
    else:
        raise TypeError(type(term).__name__)
    return values + ([] if term.missing is None else [term.missing])


def with_output_values(term: Term, values: list[float]) -> Term:
    """`term` with its output values replaced, in the order `output_values` lists them."""
    values = [float(v) for v in values]
    if isinstance(term, Constant):
        return replace(term, value=values[0])
    missing = values.pop() if term.missing is not None else None
    if isinstance(term, Curve):
        return replace(term, ys=tuple(values), missing=missing)
    if isinstance(term, Step):
        return replace(term, values=tuple(values), missing=missing)
    if isinstance(term, Table):
        keys = [k for k, _ in term.entries]
        return replace(term, entries=tuple(zip(keys, values[:-1])), default=values[-1], missing=missing)
    if isinstance(term, Grid):
        width = term.b.size
        rows = tuple(tuple(values[i * width : (i + 1) * width]) for i in range(term.a.size))
        return replace(term, values=rows, missing=missing)
    raise TypeError(type(term).__name__)


def shift(term: Term, offset: float) -> Term:
    """`term` minus `offset` everywhere (missing included): add `offset` to the intercept."""
    return with_output_values(term, [v - offset for v in output_values(term)])


# --- error budget ------------------------------------------------------------------------

OVER = ("data", "all")


def bounded_on(over: str, data: PassData | None) -> PassData | None:
    """The data a lossy pass keeps its bound on: the rows given (`over=data`), or None for a
    bound over every input (`over=all`, and whenever no data is given)."""
    if over not in OVER:
        raise PwlcError(f"over must be 'data' or 'all', got {over!r}")
    return data if over == "data" else None



class Budget:
    """The score change a lossy pass has spent, checked against its tolerance `tol`.

    With data: the max over rows of |score(model now) - score(model at pass start)|; only
    the changed term is re-evaluated. Without data: the sum over terms of each term's
    largest change over every input, found on probe points (each knot and edge of the old
    and new term, ±1 ulp, midpoints, outside, missing, unseen): exact for curves (a
    difference of two curves is piecewise linear with knots among theirs, flat outside),
    steps and tables, and for grids over the cartesian product of both axes' probes.

    The check keeps a few ulps of the largest score in hand (`slack`), so that the bound
    also holds for the reference evaluator, which adds the terms in another order.
    """

    def __init__(self, model: Model, data: PassData | None, tol: float):
        self.model = model
        self.data = data
        self.tol = tol
        self.original = list(model.terms)
        self.terms = list(model.terms)
        if data is not None:
            self.values = [term_values(t, data.columns, data.rows) for t in self.terms]
            self.base = sum(self.values, np.zeros(data.rows))  # the score, kept up to date
            self.start = self.base.copy()
            largest = float(np.max(np.abs(self.start[np.isfinite(self.start)]), initial=0.0))
        else:
            self.term_spent = [0.0] * len(self.terms)
            largest = math.fsum(max(map(abs, output_values(t))) for t in self.terms)
        self.slack = 8 * np.finfo(np.float64).eps * (1.0 + largest)

    def within(self, total: float) -> bool:
        return total == 0.0 or total <= self.tol - self.slack

    def term_change(self, old: Term, new: Term) -> float:
        """The largest change of one term over every input (sup norm, via probes)."""
        features = term_features(old)
        declared = tuple(i for i in self.model.inputs if i.name in features)
        if not declared:  # a constant
            return float(score_change(term_values(old, {}, 1), term_values(new, {}, 1))[0])
        columns, rows = prepare_columns(Model(declared, ()), _probe_columns(declared, old, new))
        return float(score_change(term_values(old, columns, rows), term_values(new, columns, rows)).max())

    def local_cost(self, k: int, new: Term) -> float:
        """How much replacing term k by `new` changes that term alone (max over rows/inputs)."""
        if self.data is None:
            return self.term_change(self.terms[k], new)
        change = score_change(self.values[k], term_values(new, self.data.columns, self.data.rows))
        return float(change.max(initial=0.0))

    def try_replace(self, k: int, new: Term) -> bool:
        """Replace term k by `new` when the pass's total change stays within `tol`."""
        if self.data is None:
            spent = self.term_change(self.original[k], new)
            if not self.within(math.fsum(self.term_spent) - self.term_spent[k] + spent):
                return False
            self.term_spent[k] = spent
        else:
            values = term_values(new, self.data.columns, self.data.rows)
            score = self.base - self.values[k] + values
            if not self.within(float(score_change(self.start, score).max(initial=0.0))):
                return False
            self.base = score
            self.values[k] = values
        self.terms[k] = new
        return True

    def result(self) -> Model:
        return replace(self.model, terms=tuple(self.terms))


def _probe_columns(inputs: tuple[Input, ...], old: Term, new: Term) -> dict[str, list[Any]]:
    """Probe rows for a term's features (`inputs` are exactly those): the edge grids of both
    versions, as a cartesian product for a two-input term so that every cell corner is visited."""
    features = term_features(old)
    if not features:
        return {}
    grid = edge_grid(Model(inputs, (old, new)))
    probes = {name: list(dict.fromkeys(_key(v) for v in grid[name])) for name in features}
    probes = {name: [_unkey(v) for v in values] for name, values in probes.items()}
    if len(features) == 1:
        return probes
    first, second = features
    return {
        first: [x for x in probes[first] for _ in probes[second]],
        second: [y for _ in probes[first] for y in probes[second]],
    }


def _key(value: Any) -> Any:
    """Hashable form of a probe value that keeps -0.0 and NaN distinct from 0.0."""
    if isinstance(value, float):
        return ("f", value.hex()) if not math.isnan(value) else ("nan",)
    return ("v", value)


def _unkey(key: Any) -> Any:
    if key[0] == "f":
        return float.fromhex(key[1])
    if key[0] == "nan":
        return math.nan
    return key[1]
