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
    the changed term is re-evaluated, and for a curve or step only on the rows between the
    knots the two versions share (`affected_rows`). Without data: the sum over terms of each term's
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
            self.sorted_rows: dict[str, tuple[NDArray[np.intp], FloatArray, NDArray[np.intp]]] = {}
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
        rows, values = self._new_values(k, new)
        return float(score_change(self.values[k][rows], values).max(initial=0.0))

    def try_replace(self, k: int, new: Term) -> bool:
        """Replace term k by `new` when the pass's total change stays within `tol`."""
        if self.data is None:
            spent = self.term_change(self.original[k], new)
            if not self.within(math.fsum(self.term_spent) - self.term_spent[k] + spent):
                return False
            self.term_spent[k] = spent
        else:
            rows, values = self._new_values(k, new)
            score = self.base[rows] - self.values[k][rows] + values
            if not self.within(float(score_change(self.start[rows], score).max(initial=0.0))):
                return False  # the other rows did not change and were within tol already
            self.base[rows] = score
            self.values[k][rows] = values
        self.terms[k] = new
        return True

    def _new_values(self, k: int, new: Term) -> tuple[Any, FloatArray]:
        """(rows where term k may change, the values of `new` there)."""
        assert self.data is not None
        rows = self.affected_rows(self.terms[k], new)
        if rows is None:
            return slice(None), term_values(new, self.data.columns, self.data.rows)
        feature = term_features(new)[0]
        column = np.asarray(self.data.columns[feature], dtype=np.float64)  # a curve's or step's: numeric
        return rows, term_values(new, {feature: column[rows]}, len(rows))

    def affected_rows(self, old: Term, new: Term) -> NDArray[np.intp] | None:
        """Rows of the data where two versions of a curve (same transform) or step (same
        edge side) can differ: between the last knot they share from the left and the first
        they share from the right (both included), plus missing rows if `missing` changed.
        None for other terms: every row."""
        assert self.data is not None
        if isinstance(old, Curve) and isinstance(new, Curve) and old.fx == new.fx:
            left, right = _differing_range(list(old.knots), list(new.knots))
        elif isinstance(old, Step) and isinstance(new, Step) and old.at_edge == new.at_edge:
            # A step as (edge, value from there on), the first value from -inf.
            left, right = _differing_range(
                list(zip((-math.inf, *old.edges), old.values)), list(zip((-math.inf, *new.edges), new.values))
            )
        else:
            return None
        order, ordered, missing_rows = self._sorted(old.feature)
        inside = order[np.searchsorted(ordered, left, "left") : np.searchsorted(ordered, right, "right")]
        if _same(old.missing, new.missing):
            return inside
        return np.concatenate([inside, missing_rows])

    def _sorted(self, feature: str) -> tuple[NDArray[np.intp], FloatArray, NDArray[np.intp]]:
        """Rows of a numeric column in increasing order (NaN left out), their values, NaN rows."""
        if feature not in self.sorted_rows:
            assert self.data is not None
            x = np.asarray(self.data.columns[feature], dtype=np.float64)
            order = np.argsort(x, kind="stable")
            present = int(np.count_nonzero(~np.isnan(x)))
            self.sorted_rows[feature] = (order[:present], x[order[:present]], order[present:])
        return self.sorted_rows[feature]

    def result(self) -> Model:
        return replace(self.model, terms=tuple(self.terms))


def _same(a: float | None, b: float | None) -> bool:
    return a is None and b is None or (a is not None and b is not None and a == b)


def _differing_range(old: list[tuple[float, float]], new: list[tuple[float, float]]) -> tuple[float, float]:
    """The x-range outside which two knot lists (x, y) describe the same function: from the
    last shared knot of their common prefix to the first of their common suffix."""
    prefix = 0
    while prefix < min(len(old), len(new)) and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(old), len(new)) - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    left = old[prefix - 1][0] if prefix else -math.inf
    right = old[len(old) - suffix][0] if suffix else math.inf
    return left, right


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
