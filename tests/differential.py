"""How the fuzzers judge an engine: its scores against the reference evaluator, in ulps.

`expected(model, columns)` is `pwlc.semantics.evaluate` plus an *envelope* around each
row's score and prediction; `ulps_outside(got, expected)` is how far an engine's result
lies outside that envelope, counted in units in the last place (0 inside it, inf where
NaN/NULL positions or infinities disagree). The fuzzers call a row off when it is more
than `TOLERANCE_ULPS` outside.

Why an envelope. The evaluator's arithmetic is exact IEEE double arithmetic, which every
engine repeats operation for operation, except for the libm functions: `log`, `log1p`
(curve transforms) and `exp` (links) are not correctly rounded, and numpy, glibc, SQLite,
DuckDB, PostgreSQL and the JVM may each return a neighbour of the others' result. One ulp
in a transform is amplified by the interpolation when two knots' transforms are close
(`(t - t0) / (t1 - t0)` with `t1 - t0` a few ulps), so no fixed tolerance is right: too
tight it flags correct engines, too loose it hides real errors elsewhere. Instead the
envelope is what the evaluator itself computes when every libm result may be off by one
ulp either way:

- a curve with a transform: each of t = fx(x), t0 = fx(x0), t1 = fx(x1) moved by -1, 0 or
  +1 ulp (27 combinations), through rule 1's formula in its order; the term's range is the
  smallest and largest result. If a combination makes `t1 - t0` zero or negative (knots
  whose transforms are a few ulps apart), that engine may honestly divide by zero: the
  term's range is then unbounded, and NaN (0/0, or an engine's NULL for x/0) is accepted
  in that row too;
- the score: the terms' lower ends summed in rule 6's order, and their upper ends (a
  rounded addition never decreases when an operand increases, so the true sum of any
  choice within the ranges lies between the two);
- the link: exp at each end of the score's range, moved one ulp outwards.

A model without transforms has a zero-width envelope for its score: the engine must match
the evaluator to `TOLERANCE_ULPS`, which absorbs nothing but an engine summing in another
order. Missing positions (NaN, NULL) must match exactly, as must infinities.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from itertools import product
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pwlc.ir import Curve, Model
from pwlc.semantics import apply_link, category_key, evaluate_terms, transform
from pwlc.testing import edge_grid

FloatArray = NDArray[np.float64]
Columns = dict[str, list[Any]]

TOLERANCE_ULPS = 4  # the target: no model off by more than 4 ulps


@dataclass(frozen=True)
class Expected:
    """The evaluator's score and prediction of each row, and the envelope around each."""

    score: FloatArray
    score_low: FloatArray
    score_high: FloatArray
    prediction: FloatArray
    prediction_low: FloatArray
    prediction_high: FloatArray
    nan_allowed: NDArray[np.bool_]  # rows where a transform one ulp off may divide by zero

    def take(self, rows: NDArray[np.bool_]) -> Expected:
        return Expected(*(getattr(self, name)[rows] for name in self.__dataclass_fields__))


def expected(model: Model, columns: Columns) -> Expected:
    """The evaluator's results on `columns` and the envelope described in the module doc."""
    terms = evaluate_terms(model, columns)
    low, high = terms.copy(), terms.copy()
    for k, term in enumerate(model.terms):
        if isinstance(term, Curve) and term.fx != "identity":
            low[:, k], high[:, k] = _curve_range(term, np.asarray(_numeric(columns[term.feature]), dtype=np.float64), terms[:, k])
    nan_allowed = np.isinf(low).any(axis=1) | np.isinf(high).any(axis=1)  # only an unbounded term is infinite
    score, score_low, score_high = (_ordered_sum(t) for t in (terms, low, high))
    # an overflowing sum (inf + -inf) can make a bound NaN where the score is not
    score_low = np.where(np.isnan(score_low) & ~np.isnan(score), -np.inf, score_low)
    score_high = np.where(np.isnan(score_high) & ~np.isnan(score), np.inf, score_high)
    prediction = apply_link(model.link, score)
    prediction_low, prediction_high = _link_range(model.link, score_low, score_high)
    return Expected(score, score_low, score_high, prediction, prediction_low, prediction_high, nan_allowed)


def _numeric(values: list[Any]) -> list[float]:
    return [math.nan if v is None else float(v) for v in values]


def _ordered_sum(terms: FloatArray) -> FloatArray:
    total = np.zeros(terms.shape[0], dtype=np.float64)
    for k in range(terms.shape[1]):  # rule 6: in order, left to right
        total = total + terms[:, k]
    return total


def _curve_range(curve: Curve, x: FloatArray, values: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Rule 1 with each transform result moved by up to one ulp: the term's range per row."""
    xs = np.asarray(curve.xs, dtype=np.float64)
    ys = np.asarray(curve.ys, dtype=np.float64)
    low, high = values.copy(), values.copy()
    inside = ~np.isnan(x) & (x > xs[0]) & (x < xs[-1])
    if not inside.any():
        return low, high
    seg = np.searchsorted(xs, x[inside], side="right") - 1
    t, tk = transform(curve.fx, x[inside]), transform(curve.fx, xs)
    y0, y1 = ys[seg], ys[seg + 1]
    results = []
    unbounded = np.zeros(len(seg), dtype=bool)
    with np.errstate(all="ignore"):
        for dt, d0, d1 in product((-1, 0, 1), repeat=3):
            t_, t0, t1 = _moved(t, dt), _moved(tk[seg], d0), _moved(tk[seg + 1], d1)
            unbounded |= ~(t1 - t0 > 0)
            results.append(y0 + (y1 - y0) * ((t_ - t0) / (t1 - t0)))
    stacked = np.stack(results)
    low[inside] = np.where(unbounded, -np.inf, np.nanmin(stacked, axis=0))
    high[inside] = np.where(unbounded, np.inf, np.nanmax(stacked, axis=0))
    return low, high


def _moved(values: FloatArray, ulps: int) -> FloatArray:
    if ulps == 0:
        return values
    return np.nextafter(values, np.inf if ulps > 0 else -np.inf)


def _link_range(link: str, low: FloatArray, high: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The prediction's range over the score's range, exp allowed one ulp either way."""
    with np.errstate(all="ignore"):
        if link == "identity":
            return low, high
        if link == "exp":
            return np.nextafter(np.exp(low), -np.inf), np.nextafter(np.exp(high), np.inf)
        # logistic 1 / (1 + exp(-s)) increases with s and decreases with exp(-s)
        return 1.0 / (1.0 + np.nextafter(np.exp(-low), np.inf)), 1.0 / (1.0 + np.nextafter(np.exp(-high), -np.inf))


# --- distances ------------------------------------------------------------------------------


def ulps_between(a: FloatArray, b: FloatArray) -> FloatArray:
    """The number of doubles between a and b (0 when equal; -0.0 equals 0.0), as floats."""
    ka, kb = _ordered_bits(a), _ordered_bits(b)
    return np.where(ka > kb, ka - kb, kb - ka).astype(np.float64)


def _ordered_bits(x: FloatArray) -> NDArray[np.uint64]:
    """Doubles mapped to unsigned integers in the same order (adjacent doubles differ by 1)."""
    bits = np.asarray(x, dtype=np.float64).view(np.uint64)
    sign = np.uint64(1 << 63)
    magnitude = bits & ~sign
    return np.where(bits & sign, sign - magnitude, sign + magnitude)  # -0.0 and 0.0 meet at 2**63


def ulps_outside(got: FloatArray, value: FloatArray, low: FloatArray, high: FloatArray, nan_allowed: NDArray[np.bool_] | None = None) -> FloatArray:
    """How many ulps each result lies outside [low, high]: 0 inside; inf where one of got and
    the expected value is NaN and the other is not (but for a NaN where `nan_allowed`), or
    where an infinity is not matched."""
    got = np.asarray(got, dtype=np.float64)
    out = np.zeros(len(got), dtype=np.float64)
    got_nan, want_nan = np.isnan(got), np.isnan(value)
    out[got_nan != want_nan] = np.inf
    if nan_allowed is not None:
        out[got_nan & nan_allowed] = 0.0
    both = ~got_nan & ~want_nan
    with np.errstate(invalid="ignore"):
        below, above = both & (got < low), both & (got > high)
    for side, bound in ((below, low), (above, high)):
        if side.any():
            infinite = ~np.isfinite(got[side]) | ~np.isfinite(bound[side])
            out[side] = np.where(infinite, np.inf, ulps_between(got[side], bound[side]))
    return out


# --- the rows an engine is given -------------------------------------------------------------

SPECIAL_NUMBERS = [
    math.nan, math.inf, -math.inf, 0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, -2.2250738585072014e-308,
    1e-310, 1.7976931348623157e308, -1.7976931348623157e308, 1e300, -1e300, 1e-300, 2.0**1022, -(2.0**1022),
]


def random_columns(model: Model, rng: random.Random, rows: int, typed_categories: bool = False) -> Columns:
    """`rows` random rows: near the model's knots and edges (a few ulps off, between two),
    special numbers (NaN, ±inf, ±0, subnormals, the largest doubles), random bit patterns
    and magnitudes; categories, their case, prefix and "3"/"3.0" twins, unseen ones, None.
    With `typed_categories`, some categories are Python values that are not strings (3,
    3.0, True, numpy's bool and integers), as a DataFrame column may hold them: Python can
    be given those, the other engines take `as_text` of them."""
    probes = edge_grid(model)
    out: Columns = {}
    for declared in model.inputs:
        seen = [v for v in probes[declared.name] if v is not None]
        if declared.kind == "categorical":
            out[declared.name] = [_random_category(seen, rng, typed_categories) for _ in range(rows)]
        else:
            points = sorted({float(v) for v in seen if math.isfinite(v)})
            out[declared.name] = [_random_number(points, rng) for _ in range(rows)]
    return out


def _random_number(points: list[float], rng: random.Random) -> float | None:
    kind = rng.randrange(8)
    if kind == 0:
        return rng.choice([*SPECIAL_NUMBERS, None])
    if kind == 1:  # any bit pattern (NaN payloads included)
        return float(np.frombuffer(rng.getrandbits(64).to_bytes(8, "little"), dtype=np.float64)[0])
    if kind == 2:
        return rng.choice((-1.0, 1.0)) * 10.0 ** rng.uniform(-320, 308)
    if not points:
        return rng.uniform(-1e6, 1e6)
    point = rng.choice(points)
    if kind in (3, 4):  # a few ulps from a knot or edge
        for _ in range(rng.randint(1, 4)):
            point = math.nextafter(point, rng.choice((-math.inf, math.inf)))
        return point
    if kind == 5 and len(points) > 1:  # between two neighbours
        i = rng.randrange(len(points) - 1)
        return points[i] + (points[i + 1] - points[i]) * rng.random()
    return point


def _random_category(seen: list[str], rng: random.Random, typed: bool) -> Any:
    kind = rng.randrange(7 if typed else 6)
    if kind == 6:
        return rng.choice([3, 3.0, 3.5, -0.0, True, False, np.bool_(True), np.int64(3), np.float64(3.0), math.nan])
    if kind == 0 or not seen:
        return rng.choice([None, "", "<unseen>", "\x00", "ü", "3", "3.0", "NULL", "'"])
    category = rng.choice(seen)
    if kind == 1:  # its twin by case, by whitespace, by number spelling, or a prefix
        twins = [category.swapcase(), category.upper(), category.lower(), category + " ", " " + category, category[:-1], category + "\x00"]
        twins += [category.split("\x00")[0], str(float(category)) if category.isascii() and category.isdigit() else category]
        return rng.choice(twins)
    return category


def as_text(model: Model, columns: Columns) -> Columns:
    """Categorical columns with every value as the category it names (`category_key`):
    what a C string or an SQL text column holds."""
    return {name: [category_key(v) for v in values] if model.input(name).kind == "categorical" else values for name, values in columns.items()}


def nul_free(model: Model, columns: Columns) -> NDArray[np.bool_]:
    """The rows whose categories hold no NUL character: all a C `char *` or a PostgreSQL
    `text` value can carry (a category with NUL in it is not an input they can be given)."""
    rows = len(next(iter(columns.values()))) if columns else 0
    keep = np.ones(rows, dtype=bool)
    for declared in model.inputs:
        if declared.kind == "categorical":
            keep &= np.array([not (isinstance(v, str) and "\x00" in v) for v in columns[declared.name]], dtype=bool)
    return keep


def take_rows(columns: Columns, keep: NDArray[np.bool_]) -> Columns:
    return {name: [v for v, k in zip(values, keep) if k] for name, values in columns.items()}


def concat(a: Columns, b: Columns) -> Columns:
    return {name: list(a[name]) + list(b[name]) for name in a}
