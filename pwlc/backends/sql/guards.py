"""Where PostgreSQL would stop a query that another engine computes.

PostgreSQL raises "value out of range: underflow" where a double division or product of
nonzero operands rounds to zero. In a segment the weight `(t - t0) / (t1 - t0)` does so
just above a knot at (or near) 0, and `(y1 - y0) * w` where the values differ by almost
nothing. Both happen only in a run of inputs at the start of the segment, over which the
value is `y0 + (y1 - y0) * 0`; `weight_limit` finds the last input of that run, so the
printed weight can be 0 up to it (`terms._weight`). The search repeats the SQL's own
arithmetic in Python doubles (`sql_transform`), the same IEEE operations the engine does.

A linear term's product `slope * x` rounds to 0 for the tiniest inputs when |slope| <= 0.5
and overflows for the largest when |slope| > 1; `product_limits` finds where, so the printed
term can give the same ±0 or ±inf there without the product (`terms.linear_expression`).

`check_strict` refuses, for such a dialect, a model whose sum can overflow.
"""

from __future__ import annotations

import math
import struct
import sys
from collections.abc import Callable

from pwlc.errors import UnsupportedError
from pwlc.ir import Constant, Curve, Linear, Model, Step, Table, Term


def _ln(x: float) -> float:
    """`LN` as the engine computes it (NaN off its domain, where engines disagree)."""
    return math.log(x) if x > 0 else -math.inf if x == 0 else math.nan


def sql_log1p(x: float) -> float:
    """The SQL's log1p (`terms.log1p`) in Python doubles."""
    u = 1.0 + x
    return _ln(u) - ((u - 1.0) - x) / u


def sql_transform(fx: str, x: float) -> float:
    """fx(x) as the printed SQL computes it (with the libm `LN` of this machine)."""
    if fx == "identity":
        return x
    if fx == "log":
        return _ln(x)
    if fx == "log1p":
        return _ln(1.0 + x) if (1.0 + x) - 1.0 == x else sql_log1p(x)
    if fx == "symlog1p":
        return sql_transform("log1p", x) if x >= 0 else -sql_transform("log1p", -x)
    raise ValueError(fx)


def _ordinal(x: float) -> int:
    """Doubles in order as integers (-0.0 and 0.0 one apart)."""
    bits = struct.unpack("<q", struct.pack("<d", x))[0]
    return bits if bits >= 0 else -(bits & 0x7FFFFFFFFFFFFFFF) - 1


def ulps_apart(low: float, high: float) -> int:
    """How many doubles `high` lies above `low` (negative when below)."""
    return _ordinal(high) - _ordinal(low)


def _from_ordinal(n: int) -> float:
    bits = n if n >= 0 else (-(n + 1)) | -0x8000000000000000
    return float(struct.unpack("<d", struct.pack("<q", bits))[0])


def weight_limit(fx: str, low: float, high: float, difference: float | None) -> float | None:
    """The largest input in (low, high) up to which the weight of this segment is 0 or
    makes `difference` times it 0, when PostgreSQL would stop on one of those inputs (a
    nonzero numerator divided to 0, or a nonzero product rounded to 0); None when none
    would. `difference` None: only the weight itself."""
    t0, t1 = sql_transform(fx, low), sql_transform(fx, high)
    span = t1 - t0
    if not (math.isfinite(span) and span > 0):
        return None  # not a segment pwlc prints (the reader compares it, then refuses it)

    def numerator(x: float) -> float:
        return sql_transform(fx, x) - t0

    def zero(x: float) -> bool:  # grows false with x
        weight = numerator(x) / span
        return weight == 0.0 or (difference is not None and difference != 0.0 and difference * weight == 0.0)

    first = math.nextafter(low, math.inf)
    if first >= high or not zero(first):
        return None
    end = math.nextafter(high, -math.inf)
    limit = end if zero(end) else _last(zero, first, end)
    # below the limit the numerator only grows: if it is 0 there, nothing rounded to 0
    return limit if numerator(limit) != 0.0 else None


def product_limits(slope: float) -> tuple[float | None, float | None]:
    """For `slope * x`: the least |x| whose product does not round to 0, and the largest
    |x| whose product is finite; None for a limit no finite x reaches (PostgreSQL stops
    below the first and above the second, where the evaluator gives ±0 and ±inf)."""
    magnitude = abs(slope)
    low = None
    if magnitude * 5e-324 == 0.0:  # |slope| <= 0.5; its product with 1.0 is not 0 (rule 10)
        low = _last(lambda x: magnitude * x != 0.0, 1.0, 5e-324)
    high = None
    if math.isinf(magnitude * sys.float_info.max):  # |slope| > 1; its product with 1.0 is finite
        high = _last(lambda x: math.isfinite(magnitude * x), 1.0, sys.float_info.max)
    return low, high


def _last(fine: Callable[[float], bool], first: float, beyond: float) -> float:
    """The last double from `first` (fine) towards `beyond` (not fine) that is fine, for a
    `fine` that turns once between them: a bisection over the doubles in order."""
    good, bad = _ordinal(first), _ordinal(beyond)
    while abs(good - bad) > 1:
        middle = (good + bad) // 2
        if fine(_from_ordinal(middle)):
            good = middle
        else:
            bad = middle
    return _from_ordinal(good)


# Terms adding up to this much cannot overflow, partial sums included.
_SAFE_SUM = 2.0**1023


def check_strict(model: Model, dialect: str) -> None:
    """Refuse what PostgreSQL would stop on whatever the input: a sum of terms that can
    overflow. (A difference of two knots or two values cannot: rules 8 and 9 of
    `pwlc.semantics` keep both within ±2**1022.)"""
    bound = sum(_largest(term) for term in model.terms)  # inf when it overflows: refused
    if bound >= _SAFE_SUM:
        raise UnsupportedError(
            f"{dialect} stops a query where a sum overflows, and the terms of this model can add up to {bound:.3g}:"
            " scale the model down, or compile it for DuckDB, SQLite or Spark, which return infinity there"
        )


def _largest(term: Term) -> float:
    """The largest magnitude the term can contribute."""
    if isinstance(term, Linear):  # unbounded: a sum overflowing through it stops PostgreSQL (README)
        values: list[float] = [term.missing or 0.0]
    elif isinstance(term, Constant):
        values = [term.value]
    elif isinstance(term, Curve):
        values = [*term.ys, term.missing or 0.0]
    elif isinstance(term, Step):
        values = [*term.values, term.missing or 0.0]
    elif isinstance(term, Table):
        values = [v for _, v in term.entries] + [term.default, term.missing or 0.0]
    else:
        values = [v for row in term.values for v in row] + list(term.missing_a or ()) + list(term.missing_b or ()) + [term.missing or 0.0]
    return max(abs(v) for v in values)
