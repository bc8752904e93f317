"""What passes share: the data they run on, the score-change measure, and the error budget
that keeps a lossy pass within its tolerance."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from pwlc.errors import DataError, PwlcError
from pwlc.ir import (
    Constant,
    Curve,
    Grid,
    Input,
    Linear,
    Model,
    Step,
    Table,
    Term,
    exact_sum,
    is_valid_term,
    term_features,
)
from pwlc.semantics import Column, FloatArray, prepare_columns, term_values, transform
from pwlc.testing import edge_grid


@dataclass(frozen=True)
class SortedColumn:
    """A numeric column condensed for range queries: the rows where it is present, in
    increasing order of value (ties in any order), their values, and the NaN rows."""

    order: NDArray[np.intp]
    values: FloatArray
    missing: NDArray[np.intp]
    _transformed: dict[str, FloatArray] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, x: FloatArray) -> SortedColumn:
        order = np.argsort(x)  # NaN last; unstable is fine: equal values are interchangeable
        present = int(np.count_nonzero(~np.isnan(x)))
        return cls(order[:present], x[order[:present]], order[present:])

    def values_of(self, term: Curve | Step, at: slice | NDArray[np.intp] = slice(None)) -> FloatArray:
        """The term at sorted positions `at` (see `sorted_values`); a transform of the
        column is computed once, not per candidate."""
        if isinstance(term, Step) or term.fx == "identity":
            return sorted_values(term, self.values[at])
        if term.fx not in self._transformed:
            self._transformed[term.fx] = transform(term.fx, self.values)
        return sorted_values(term, self.values[at], self._transformed[term.fx][at])


@dataclass(frozen=True)
class PassData:
    """The rows a pipeline runs on, read once: the model's input columns, the raw data (for
    label columns), and optionally the teacher's scores for them.

    It also keeps what every pass would otherwise recompute per row: each numeric column
    sorted once (`sorted_column`), and the scores of the last two models it was asked for
    (`score`), so a pass starts from the scores the previous pass was measured with.
    """

    raw: Any
    columns: dict[str, Column]
    rows: int
    teacher: FloatArray | None = None
    model: Model | None = None  # the pipeline's input model: the refit target without a teacher
    _cache: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_data(cls, model: Model, data: Any, teacher: Any = None) -> PassData:
        columns, rows = prepare_columns(model, data)
        target = None
        if teacher is not None:
            target = np.asarray(teacher, dtype=np.float64).ravel()
            if target.shape != (rows,):
                raise DataError(f"teacher scores have {target.size} values for {rows} rows of data")
        return cls(data, columns, rows, target, model)

    @property
    def target_scores(self) -> FloatArray:
        """What a refit aims at: the teacher's scores, or the input model's (computed once)."""
        if self.teacher is not None:
            return self.teacher
        if self.model is None:
            raise PwlcError("these rows carry neither teacher scores nor a model to score them with")
        return self.score(self.model)

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

    def sorted_column(self, feature: str) -> SortedColumn:
        """A numeric column sorted once per pipeline (passes share it)."""
        key = ("sorted", feature)
        if key not in self._cache:
            self._cache[key] = SortedColumn.of(np.asarray(self.columns[feature], dtype=np.float64))
        return self._cache[key]  # type: ignore[no-any-return]

    def term_values(self, term: Term) -> FloatArray:
        """`semantics.term_values` on these rows, bitwise equal; a curve or step is evaluated
        segment by segment on its sorted column, which is several times faster."""
        if not isinstance(term, (Curve, Step)):
            return term_values(term, self.columns, self.rows)
        column = self.sorted_column(term.feature)
        out = np.empty(self.rows)
        out[column.order] = column.values_of(term)
        out[column.missing] = math.nan if term.missing is None else term.missing
        return out

    def score(self, model: Model) -> FloatArray:
        """The model's score on these rows, summed term by term in order as
        `semantics.evaluate` does (bitwise equal). Do not modify the array: it is cached."""
        key = ("score", model.terms)
        if key not in self._cache:
            score = np.zeros(self.rows)
            with np.errstate(over="ignore", invalid="ignore"):  # as the evaluator: a sum may reach ±inf
                for term in model.terms:
                    score = score + self.term_values(term)
            scores = [k for k in self._cache if k[0] == "score"]
            for old in scores[: max(0, len(scores) - 1)]:  # keep this one and the latest before it
                del self._cache[old]
            self._cache[key] = score
        return self._cache[key]  # type: ignore[no-any-return]


def sorted_values(term: Curve | Step, x: FloatArray, t: FloatArray | None = None) -> FloatArray:
    """`semantics.term_values` of a curve or step at increasing, non-missing `x`, bitwise
    equal to it: each segment (bin) is a contiguous slice of `x`, computed with the
    evaluator's own formula on that slice (in place: the same operations, fewer arrays).
    `t`: `transform(term.fx, x)`, when the caller has it."""
    out = np.empty(x.size)
    if isinstance(term, Step):
        side: Literal["left", "right"] = "left" if term.at_edge == "upper" else "right"  # where a bin starts
        bounds = [0, *np.searchsorted(x, term.edges, side).tolist(), x.size]
        for value, begin, end in zip(term.values, bounds[:-1], bounds[1:]):
            out[begin:end] = value
        return out
    xs = np.asarray(term.xs, dtype=np.float64)
    ys = np.asarray(term.ys, dtype=np.float64)
    starts = np.searchsorted(x, xs, "left").tolist()  # first x >= each knot
    below = int(np.searchsorted(x, xs[0], "right"))  # x <= xs[0]
    out[:below] = ys[0]
    out[starts[-1] :] = ys[-1]  # x >= xs[-1]
    tk = xs if term.fx == "identity" else transform(term.fx, xs)  # (transform's own shortcut, without its overhead)
    for i in range(len(xs) - 1):
        begin, end = max(starts[i], below), starts[i + 1]
        if begin < end:  # xs[i] <= x < xs[i+1]: ys[i] + (ys[i+1] - ys[i]) * ((t - tk[i]) / (tk[i+1] - tk[i]))
            piece = out[begin:end]
            np.subtract(transform(term.fx, x[begin:end]) if t is None else t[begin:end], tk[i], out=piece)
            piece /= tk[i + 1] - tk[i]
            piece *= ys[i + 1] - ys[i]
            piece += ys[i]
    return out


def score_change(before: FloatArray, after: FloatArray) -> FloatArray:
    """|after - before| per row; 0 where both are missing or equal (the same infinity
    too: a linear term's score at x = inf), inf where only one is missing."""
    with np.errstate(invalid="ignore", over="ignore"):
        change = np.abs(after - before)
    both = (np.isnan(before) & np.isnan(after)) | (before == after)
    change[both] = 0.0
    change[np.isnan(change)] = math.inf
    return change


# --- the numbers of a term ---------------------------------------------------------------


def output_values(term: Term) -> list[float]:
    """Every value a term can contribute (missing included, when it is a number); of a
    linear term only its `missing` (its `slope * x` is every value)."""
    if isinstance(term, Constant):
        return [term.value]
    if isinstance(term, Linear):
        return [] if term.missing is None else [term.missing]
    if isinstance(term, Curve):
        values = list(term.ys)
    elif isinstance(term, Step):
        values = list(term.values)
    elif isinstance(term, Table):
        values = [v for _, v in term.entries] + [term.default]
    elif isinstance(term, Grid):  # the cells, then the missing-a row and missing-b column
        values = [v for row in term.values for v in row] + list(term.missing_a or ()) + list(term.missing_b or ())
    else:
        raise TypeError(type(term).__name__)
    return values + ([] if term.missing is None else [term.missing])


def with_output_values(term: Term, values: list[float]) -> Term:
    """`term` with its output values replaced, in the order `output_values` lists them."""
    values = [float(v) for v in values]
    if isinstance(term, Constant):
        return replace(term, value=values[0])
    missing = values.pop() if term.missing is not None else None
    if isinstance(term, Linear):
        return replace(term, missing=missing)
    if isinstance(term, Curve):
        return replace(term, ys=tuple(values), missing=missing)
    if isinstance(term, Step):
        return replace(term, values=tuple(values), missing=missing)
    if isinstance(term, Table):
        keys = [k for k, _ in term.entries]
        return replace(term, entries=tuple(zip(keys, values[:-1])), default=values[-1], missing=missing)
    if isinstance(term, Grid):
        width, cells = term.b.size, term.a.size * term.b.size
        rows = tuple(tuple(values[i * width : (i + 1) * width]) for i in range(term.a.size))
        row_a = None if term.missing_a is None else tuple(values[cells : cells + width])
        cells += 0 if row_a is None else width
        column_b = None if term.missing_b is None else tuple(values[cells : cells + term.a.size])
        return replace(term, values=rows, missing=missing, missing_a=row_a, missing_b=column_b)
    raise TypeError(type(term).__name__)


def shift(term: Term, offset: float) -> Term:
    """`term` minus `offset` everywhere (missing included): add `offset` to the intercept.
    (A linear term cannot be shifted: `slope * x - offset` is no linear term.)"""
    if isinstance(term, Linear):
        raise TypeError("a linear term cannot be shifted")
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

    With data: the max over rows of |score(model now) - score(model at pass start)|, kept
    per row in `change` (NaN where the score is missing, as it must stay). Two versions of
    a curve (same transform) or step (same edge side) differ only between the knots they
    share (`_span`): a contiguous range of the sorted column, plus the missing rows if
    `missing` changed. A candidate there is checked without approximation, cheapest first:
    1. at witness rows, the data points nearest each knot or edge of either version: the
       change of the term is linear in fx(x) between knots (constant within bins), so its
       largest size `s` over the range is at one of them; any witness over `tol` rejects;
    2. a row can only go over `tol` if the change it already has exceeds `tol - s` (less a
       few ulps for rounding): only those rows are computed;
    3. an accepted candidate updates its range.
    Other terms (tables, grids, a term replaced by a constant) are checked on every row.

    Without data: the sum over terms of each term's largest change over every input, found on
    probe points (each knot and edge of the old and new term, ±1 ulp, midpoints, outside,
    missing, unseen): exact for curves (a difference of two curves is piecewise linear with
    knots among theirs, flat outside), steps and tables, and for grids over the cartesian
    product of both axes' probes.

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
            start = data.score(model)
            self.change = np.where(np.isnan(start), math.nan, 0.0)
            largest = float(np.max(np.abs(start[np.isfinite(start)]), initial=0.0))
        else:
            self.term_spent = [0.0] * len(self.terms)
            largest = exact_sum(_largest_output(t) for t in self.terms)
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
        span = self._span(self.terms[k], new)
        if span is None:
            return float(score_change(self.data.term_values(self.terms[k]), self.data.term_values(new)).max(initial=0.0))
        witnesses = span.witnesses()
        cost = float(np.max(np.abs(span.column.values_of(span.new, witnesses) - span.column.values_of(span.old, witnesses)), initial=0.0))
        if span.missing.size:
            cost = max(cost, abs(span.new.missing - span.old.missing))  # type: ignore[operator]
        return cost

    def try_replace(self, k: int, new: Term) -> bool:
        """Replace term k by `new` when the pass's total change stays within `tol` (and
        `new` is a valid term: a candidate may move two knots' transforms together)."""
        if not is_valid_term(new):
            return False
        if self.data is None:
            spent = self.term_change(self.original[k], new)
            if not self.within(exact_sum(self.term_spent) - self.term_spent[k] + spent):
                return False
            self.term_spent[k] = spent
        elif not self._try_on_data(k, new):
            return False
        self.terms[k] = new
        return True

    def _try_on_data(self, k: int, new: Term) -> bool:
        assert self.data is not None
        span = self._span(self.terms[k], new)
        if span is None:
            return self._try_everywhere(k, new)
        old, new, change, column = span.old, span.new, self.change, span.column
        # 1. Witness rows, computed exactly as the full check would.
        witnesses = span.witnesses()
        old_w, new_w = column.values_of(old, witnesses), column.values_of(new, witnesses)
        if not self.within(_worst((change[column.order[witnesses]] - old_w) + new_w)):
            return False
        missing_after = None
        if span.missing.size:  # a changed missing value: a constant change on those rows
            missing_after = (change[span.missing] - old.missing) + new.missing  # type: ignore[operator]
            if not self.within(_worst(missing_after)):
                return False
        # 2. Rows whose change so far leaves room for less than the term's largest change.
        largest = float(np.max(np.abs(new_w - old_w), initial=0.0))
        rounding = 32 * np.finfo(np.float64).eps * (1.0 + self.tol + _largest_output(old) + _largest_output(new))
        threshold = self.tol - self.slack - largest - rounding
        at = slice(span.lo, span.hi)
        rows = column.order[at]
        before = change[rows]
        checked = False
        if threshold > 0:
            with np.errstate(invalid="ignore"):
                close = np.flatnonzero(np.abs(before) > threshold)
            if 2 * close.size < rows.size:  # else checking every row is as cheap
                close_at = close + span.lo
                if not self.within(_worst((before[close] - column.values_of(old, close_at)) + column.values_of(new, close_at))):
                    return False
                checked = True
        # 3. Every row of the range (checked here, if step 2 did not).
        after = before  # (before - old) + new, in place
        after -= column.values_of(old, at)
        after += column.values_of(new, at)
        if not checked and not self.within(_worst(after)):
            return False
        change[rows] = after
        if missing_after is not None:
            change[span.missing] = missing_after
        return True

    def _try_everywhere(self, k: int, new: Term) -> bool:
        """The check on every row, for terms without a sorted range (tables, grids, ...)."""
        assert self.data is not None
        old_values, new_values = self.data.term_values(self.terms[k]), self.data.term_values(new)
        flips = np.flatnonzero(np.isnan(old_values) != np.isnan(new_values))
        if flips.size and not self._others_missing(k, flips):
            return False  # a score would become missing, or stop being missing
        with np.errstate(invalid="ignore"):
            after = (self.change - old_values) + new_values  # NaN exactly where the score stays missing
        unchanged = np.isinf(old_values) & (old_values == new_values)  # a linear term's infinity: inf - inf is no change
        after[unchanged] = self.change[unchanged]
        if not self.within(_worst(after)):
            return False
        self.change = after
        return True

    def _others_missing(self, k: int, rows: NDArray[np.intp]) -> bool:
        """Whether some term other than k is missing at each of `rows`."""
        assert self.data is not None
        columns = {name: take_rows(column, rows) for name, column in self.data.columns.items()}
        missing = np.zeros(rows.size, dtype=bool)
        for j, term in enumerate(self.terms):
            if j != k:
                missing |= np.isnan(term_values(term, columns, rows.size))
        return bool(missing.all())

    def _span(self, old: Term, new: Term) -> _Span | None:
        """Where two versions of a curve (same transform) or step (same edge side) can
        differ: the sorted rows from the last knot they share from the left to the first
        they share from the right (both included), plus the missing rows if `missing`
        changed. None for other terms, or when one version has a missing value and the
        other not (every row is checked then)."""
        assert self.data is not None
        if isinstance(old, Curve) and isinstance(new, Curve) and old.fx == new.fx:
            left, right = _differing_range(list(old.knots), list(new.knots))
            breaks = old.xs + new.xs
        elif isinstance(old, Step) and isinstance(new, Step) and old.at_edge == new.at_edge:
            # A step as (edge, value from there on), the first value from -inf.
            left, right = _differing_range(
                list(zip((-math.inf, *old.edges), old.values)), list(zip((-math.inf, *new.edges), new.values))
            )
            breaks = old.edges + new.edges
        else:
            return None
        if (old.missing is None) != (new.missing is None):
            return None
        column = self.data.sorted_column(old.feature)
        lo, hi = int(np.searchsorted(column.values, left, "left")), int(np.searchsorted(column.values, right, "right"))
        missing = column.missing if not _same(old.missing, new.missing) else column.missing[:0]
        return _Span(old, new, column, lo, hi, missing, breaks)

    def affected_rows(self, old: Term, new: Term) -> NDArray[np.intp] | None:
        """Rows where two versions of a term can differ (see `_span`); None: every row."""
        span = self._span(old, new)
        return None if span is None else np.concatenate([span.column.order[span.lo : span.hi], span.missing])

    def result(self) -> Model:
        return replace(self.model, terms=tuple(self.terms))


@dataclass(frozen=True)
class _Span:
    """Sorted positions lo..hi-1 of a column, the missing rows, and the knots in between."""

    old: Curve | Step
    new: Curve | Step
    column: SortedColumn
    lo: int
    hi: int
    missing: NDArray[np.intp]
    breaks: tuple[float, ...]

    def witnesses(self) -> NDArray[np.intp]:
        """Sorted positions of the data points nearest each break, on either side, and
        the ends of the span: the extreme points of every piece between breaks."""
        values = self.column.values
        breaks = np.asarray(self.breaks, dtype=np.float64)
        first, past = np.searchsorted(values, breaks, "left"), np.searchsorted(values, breaks, "right")
        positions = np.concatenate([first - 1, first, past - 1, past, [self.lo, self.hi - 1]])
        return np.unique(positions[(positions >= self.lo) & (positions < self.hi)])


def _worst(change: FloatArray) -> float:
    """The largest |change|; NaN rows (missing before and after) count as no change."""
    return float(np.max(np.abs(change), initial=0.0, where=~np.isnan(change)))


def _largest_output(term: Term) -> float:
    return max(map(abs, output_values(term)), default=0.0)


def take_rows(column: Column, rows: NDArray[np.intp]) -> Column:
    if isinstance(column, list):
        return [column[i] for i in rows]
    return column[rows]


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
