"""C's constants and constant arithmetic, with the types and roundings gcc and clang use
(IEEE binary32 `float` and binary64 `double`, FLT_EVAL_METHOD 0, round to nearest even;
`int` 32 bits, `long long` 64; `long` 64 bits on Linux and macOS but 32 on Windows).

A value is read exactly as C reads it, or refused with what to write instead: an octal
`010` is 8; `0.1f` is 0.1 rounded to a float (directly from the decimal, not through a
double); `1 / 2` is 0; `1u - 2u` is 4294967295. Refused: long double (`L`), anything C
warns about (a constant that rounds to zero or overflows, an integer that is not a double),
undefined behaviour (signed overflow, division by zero), and integer arithmetic on `long`,
which changes with the platform.
"""

from __future__ import annotations

import math
import operator
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

# name -> (bits, signed, rank); `long` as on LP64, which `_check_portable` keeps honest
INTEGER_TYPES = {
    "int": (32, True, 1),
    "unsigned int": (32, False, 1),
    "long": (64, True, 2),
    "unsigned long": (64, False, 2),
    "long long": (64, True, 3),
    "unsigned long long": (64, False, 3),
}
FLOATING = ("float", "double")
MAX_DIGITS = 1000  # longer numbers are refused (a double needs 17 significant digits)


class LiteralError(Exception):
    """A constant C would read differently from what it looks like, or not at all."""


@dataclass(frozen=True)
class Value:
    type: str  # a key of INTEGER_TYPES, "float" or "double"
    value: int | float

    @property
    def is_integer(self) -> bool:
        return self.type in INTEGER_TYPES


PLAIN_DOUBLE = re.compile(r"(?:\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+")  # a decimal double
_DECIMAL_FLOAT = re.compile(r"((?:\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+)([fFlL]?)")
_HEX_FLOAT = re.compile(r"0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)([fFlL]?)")
_INTEGER = re.compile(r"(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)([uU]?(?:ll|LL|[lL])?|(?:ll|LL|[lL])[uU])")


def number(text: str) -> Value:
    """The value of a C numeric constant (a preprocessing number as written)."""
    if len(text) > MAX_DIGITS:
        raise LiteralError(f"a number of {len(text)} characters is not read; write at most 17 significant digits")
    if PLAIN_DOUBLE.fullmatch(text):  # the usual case: a decimal double
        return Value("double", _in_range(float(text), text, "double"))
    decimal = _DECIMAL_FLOAT.fullmatch(text)
    if decimal:
        digits, suffix = decimal.groups()
        return _floating(lambda: Fraction(digits), float(digits), suffix, text)
    hexadecimal = _HEX_FLOAT.fullmatch(text)
    if hexadecimal and (hexadecimal.group(1) or hexadecimal.group(2)):
        whole, fraction, exponent, suffix = hexadecimal.groups()
        mantissa = int((whole or "") + (fraction or ""), 16)
        power = int(exponent) - 4 * len(fraction or "")
        return _floating(lambda: mantissa * Fraction(2) ** power, _rough(mantissa, power), suffix, text)
    integer = _INTEGER.fullmatch(text)
    if integer:
        return _integer(integer.group(1), integer.group(2).lower(), text)
    if re.fullmatch(r"0[0-9]+", text):
        raise LiteralError(f"{text} is not a C number: a leading 0 makes it octal, and octal has no 8 or 9; write {text.lstrip('0')}")
    raise LiteralError(f"{text} is not a C number (write digits, a point and an exponent, like 1000.0 or 1e3)")


def _rough(mantissa: int, power: int) -> float:
    """mantissa * 2**power as a double, inf or 0.0 when far out of range."""
    magnitude = mantissa.bit_length() + power
    if not mantissa or magnitude < -1100:
        return 0.0
    try:
        return float(mantissa * Fraction(2) ** power) if magnitude <= 1100 else math.inf
    except OverflowError:
        return math.inf


def _floating(exact: Callable[[], Fraction], rough: float, suffix: str, text: str) -> Value:
    """A floating constant of value `exact()`, `rough` its value as a double (the exact
    value is only computed when that is finite and not zero, so `1e999999999f` is cheap)."""
    if suffix in ("l", "L"):
        raise LiteralError(f"{text} is a long double (L suffix), rounded differently on each platform; drop the {suffix}")
    kind = "float" if suffix else "double"
    if rough == 0.0 or math.isinf(rough):
        return Value(kind, _in_range(rough, text, kind))
    value = round_binary(exact(), 24, -126) if suffix else round_binary(exact(), 53, -1022)
    return Value(kind, _in_range(value, text, kind))


def _in_range(value: float, text: str, kind: str) -> float:
    """`value`, unless C rounds the constant to infinity or (from a nonzero one) to zero."""
    if math.isinf(value):
        raise LiteralError(f"{text} is too large for a {kind}")
    mantissa = re.split(r"[pP]" if text[:2] in ("0x", "0X") else r"[eE]", text[2:] if text[:2] in ("0x", "0X") else text)[0]
    if value == 0.0 and re.search(r"[1-9a-fA-F]", mantissa):
        raise LiteralError(f"{text} is too small for a {kind}: C rounds it to 0 (and warns); write 0.0")
    return value


def round_binary(exact: Fraction, precision: int, min_exponent: int) -> float:
    """`exact` rounded to nearest even in a binary format with `precision` bits and
    normal exponents from `min_exponent` (subnormals below); ±inf past the largest."""
    if exact < 0:  # round the magnitude: nearest-even is symmetric (C converts -16777217 to a float as -16777216)
        return -round_binary(-exact, precision, min_exponent)
    if exact == 0:
        return 0.0
    exponent = exact.numerator.bit_length() - exact.denominator.bit_length()
    if Fraction(2) ** exponent > exact:  # make 2**exponent <= exact < 2**(exponent + 1)
        exponent -= 1
    quantum = max(exponent, min_exponent) - (precision - 1)
    scaled = exact / Fraction(2) ** quantum
    whole, rest = divmod(scaled.numerator, scaled.denominator)
    if 2 * rest > scaled.denominator or (2 * rest == scaled.denominator and whole % 2):
        whole += 1
    max_exponent = -min_exponent + 1
    if whole * Fraction(2) ** quantum >= Fraction(2) ** (max_exponent + 1):
        return math.inf
    return math.ldexp(float(whole), quantum)


def _integer(digits: str, suffix: str, text: str) -> Value:
    base = 16 if digits[:2] in ("0x", "0X") else 8 if digits.startswith("0") and len(digits) > 1 else 10
    value = int(digits, base)
    if "l" in suffix and "ll" not in suffix:
        candidates = ["long", "long long"]
    elif "ll" in suffix:
        candidates = ["long long"]
    else:
        candidates = ["int", "long", "long long"]
    if "u" in suffix:
        candidates = [f"unsigned {name}" for name in candidates]
    elif base != 10:  # an octal or hexadecimal constant may take the unsigned type of each size
        candidates = [name for signed in candidates for name in (signed, f"unsigned {signed}")]
    for name in candidates:
        if value < 2 ** (INTEGER_TYPES[name][0] - INTEGER_TYPES[name][1]):
            return Value(name, value)
    raise LiteralError(f"{text} is too large for any C integer type")


# --- characters and strings -----------------------------------------------------------

_SIMPLE_ESCAPES = {"n": 10, "t": 9, "r": 13, "a": 7, "b": 8, "f": 12, "v": 11, "\\": 92, '"': 34, "'": 39, "?": 63}


def literal_bytes(body: str) -> bytes:
    """The bytes of the inside of a string literal or character constant: its characters
    as UTF-8 (the execution character set of gcc and clang), escapes as C reads them."""
    out = bytearray()
    i = 0
    while i < len(body):
        char = body[i]
        if char != "\\":
            out += _utf8(ord(char))
            i += 1
            continue
        escape = body[i + 1]
        if escape in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[escape])
            i += 2
        elif escape in "01234567":
            digits = re.match(r"[0-7]{1,3}", body[i + 1 :]).group(0)  # type: ignore[union-attr]
            out.append(_byte(int(digits, 8), "\\" + digits))
            i += 1 + len(digits)
        elif escape == "x":
            digits = re.match(r"[0-9A-Fa-f]*", body[i + 2 :]).group(0)  # type: ignore[union-attr]
            if not digits:
                raise LiteralError("\\x needs hex digits")
            out.append(_byte(int(digits, 16), "\\x" + digits))
            i += 2 + len(digits)
        elif escape in "uU":
            width = 4 if escape == "u" else 8
            digits = body[i + 2 : i + 2 + width]
            if not re.fullmatch(f"[0-9A-Fa-f]{{{width}}}", digits):
                raise LiteralError(f"\\{escape} needs {width} hex digits")
            point = int(digits, 16)
            if point < 0xA0 and point not in (0x24, 0x40, 0x60):
                raise LiteralError(f"\\{escape}{digits} names a basic character, which C forbids; write the character itself")
            out += _utf8(point)
            i += 2 + width
        else:
            raise LiteralError(f"unknown escape \\{escape}")
    return bytes(out)


def _byte(value: int, escape: str) -> int:
    if value > 0xFF:
        raise LiteralError(f"{escape} is out of the range of a byte")
    return value


def _utf8(point: int) -> bytes:
    if point > 0x10FFFF or 0xD800 <= point <= 0xDFFF:
        raise LiteralError(f"U+{point:04X} is not a Unicode character")
    return chr(point).encode("utf-8")


def char_value(text: str) -> int:
    """The byte a character constant `'x'` stores in a char."""
    data = literal_bytes(text[1:-1])
    if len(data) != 1:
        raise LiteralError(f"{text} holds {len(data)} bytes; a character constant holds one")
    return data[0]


# --- arithmetic -----------------------------------------------------------------------


def to_float(value: float) -> float:
    """A double rounded to the nearest float (as a C conversion does)."""
    try:
        return float(struct.unpack("f", struct.pack("f", value))[0])
    except OverflowError:
        return math.inf


def convert(a: Value, target: str) -> Value:
    """`a` converted to type `target`, as C converts it (exact, or refused)."""
    if a.type == target:
        return a
    if target in FLOATING:
        if a.is_integer:
            rounded = float(a.value) if target == "double" else round_binary(Fraction(int(a.value)), 24, -126)
            if rounded != a.value:
                raise LiteralError(f"the integer {a.value} is not a {target} (C rounds it to {rounded!r}); write {rounded!r}")
            return Value(target, rounded)
        value = float(a.value) if target == "double" else to_float(float(a.value))
        if value != a.value:
            raise LiteralError(f"{a.value!r} is not a float: C would round it to {value!r}")
        return Value(target, value)
    bits, signed, _ = INTEGER_TYPES[target]
    if not a.is_integer:
        raise LiteralError(f"{a.value!r} is not an integer")
    if signed:
        if not -(2 ** (bits - 1)) <= int(a.value) < 2 ** (bits - 1):
            raise LiteralError(f"{a.value} does not fit in a {target}")
        return Value(target, a.value)
    return Value(target, int(a.value) % 2**bits)


def _common(a: Value, b: Value) -> str:
    """C's usual arithmetic conversions: the type both operands become."""
    for floating in ("double", "float"):
        if floating in (a.type, b.type):
            return floating
    if a.type == b.type:
        return a.type
    if INTEGER_TYPES[a.type][1] == INTEGER_TYPES[b.type][1]:
        return a.type if INTEGER_TYPES[a.type][2] >= INTEGER_TYPES[b.type][2] else b.type
    unsigned, signed = (a, b) if not INTEGER_TYPES[a.type][1] else (b, a)
    if INTEGER_TYPES[unsigned.type][2] >= INTEGER_TYPES[signed.type][2]:
        return unsigned.type
    if INTEGER_TYPES[signed.type][0] > INTEGER_TYPES[unsigned.type][0]:
        return signed.type
    return f"unsigned {signed.type}"


def _check_portable(*values: Value) -> None:
    if any(v.type in ("long", "unsigned long") for v in values):
        raise LiteralError(
            "integer arithmetic on a long (an l suffix, or an integer past 2147483647) depends on the platform; "
            "write the numbers as doubles (3000000000.0)"
        )


def _result(kind: str, value: int | float) -> Value:
    if kind in FLOATING:
        value = to_float(float(value)) if kind == "float" else float(value)
        if not math.isfinite(value):
            raise LiteralError(f"this overflows a {kind}")
        return Value(kind, value)
    bits, signed, _ = INTEGER_TYPES[kind]
    if signed and not -(2 ** (bits - 1)) <= int(value) < 2 ** (bits - 1):
        raise LiteralError(f"this overflows an {kind} (undefined behaviour in C); write the numbers as doubles")
    return Value(kind, int(value) % 2**bits if not signed else int(value))


def unary(op: str, a: Value) -> Value:
    """`-a` or `+a`."""
    if op == "+":
        return a
    _check_portable(a)
    return _result(a.type, -a.value)


_OPERATIONS: dict[str, Callable[[Any, Any], Any]] = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}


def binary(op: str, a: Value, b: Value) -> Value:
    """`a op b` for op in + - * /, in the type C computes it in."""
    if a.is_integer and b.is_integer:
        _check_portable(a, b)
    kind = _common(a, b)
    x, y = convert(a, kind).value, convert(b, kind).value
    if op == "/" and y == 0:
        raise LiteralError("division by zero")
    if kind in FLOATING:
        # a float operation rounded from the double one is the correctly rounded float (53 >= 2 * 24 + 2)
        return _result(kind, _OPERATIONS[op](x, y))
    x, y = int(x), int(y)
    if op == "/":
        quotient = abs(x) // abs(y)
        return _result(kind, quotient if (x < 0) == (y < 0) else -quotient)
    return _result(kind, _OPERATIONS[op](x, y))


def as_double(a: Value) -> float:
    """The double C stores for `a` where a double is expected."""
    return float(convert(a, "double").value)
