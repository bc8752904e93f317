"""Printing numbers as the shortest text that reads back to the same double."""

from __future__ import annotations

import math


def shortest(value: float) -> str:
    """`repr` of the double, with integral values written without a fraction.

    `18.0` prints as `18`, `-0.0` keeps its sign as `-0.0`, `1e+22` stays `1e+22`. Every
    result reads back (float(text)) to exactly `value`.
    """
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"cannot print non-finite {value!r} as a literal")
    if value == 0.0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0"
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


def float_literal(value: float) -> str:
    """The shortest text that is a floating-point literal in C and SQL (`1.0`, never `1`)."""
    text = repr(float(value))
    if not math.isfinite(float(value)):
        raise ValueError(f"cannot print non-finite {value!r} as a literal")
    return text if any(c in text for c in ".en") else text + ".0"
