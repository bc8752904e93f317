"""C constants as the reader reads them, against what gcc and clang compute: random literal
forms (decimal, hexadecimal floats, octal and hexadecimal integers, every suffix) and
constant arithmetic on them, compiled into a static array and printed back bit for bit."""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pwlc.backends.c import literals
from pwlc.backends.c.lex import tokenize
from pwlc.backends.c.literals import LiteralError, round_binary
from pwlc.backends.c.parse import Parser
from pwlc.backends.c.values import Values
from pwlc.errors import ParseError
from tests.c_harness import require_compiler

PROGRAM = """\
#include <stdio.h>
static const double values[] = {
%s
};
int main(void)
{
    size_t i;
    for (i = 0; i < sizeof values / sizeof values[0]; i++)
        printf("%%a\\n", values[i]);
    return 0;
}
"""


def reads(expression: str) -> float | None:
    """The double the reader takes `expression` for, or None when it refuses it."""
    tokens = tokenize(expression, "<literal>")
    parser = Parser(tokens)
    try:
        node = parser.expression()
        if parser.i != len(tokens):
            return None
        return Values(tokens).double(node)
    except ParseError:
        return None


def compiled(expressions: list[str], compiler: str, tmp: Path, std: str) -> list[float]:
    """The doubles `compiler` stores for the expressions (warnings are errors)."""
    source = tmp / "literals.c"
    source.write_text(PROGRAM % ",\n".join(f"    {e}" for e in expressions), encoding="utf-8")
    binary = tmp / f"literals-{compiler}"
    built = subprocess.run([compiler, std, "-Wall", "-Wextra", "-Werror", "-pedantic", "-o", str(binary), str(source)], capture_output=True, text=True)
    assert built.returncode == 0, f"{compiler} {std} warns about what the reader accepted:\n{built.stderr}"
    return [float.fromhex(line) for line in subprocess.run([str(binary)], capture_output=True, text=True, check=True).stdout.split()]


finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300)


@st.composite
def literal(draw: st.DrawFn) -> str:
    """A positive C constant in one of the forms C has."""
    value = abs(draw(finite))
    form = draw(st.sampled_from(["repr", "exponent", "point", "f", "F", "hex", "hexf", "int", "octal", "hexint", "suffix", "digits"]))
    if form == "repr":
        return repr(value)
    if form == "exponent":
        return f"{value:.{draw(st.integers(1, 20))}e}".replace("e", draw(st.sampled_from(["e", "E"])))
    if form == "point":
        text = f"{value:.{draw(st.integers(0, 6))}f}"
        return text if "." in text else text + "."
    if form in ("f", "F"):
        return f"{value:.{draw(st.integers(1, 12))}g}" + ("" if "." in f"{value:.12g}" or "e" in f"{value:.12g}" else ".") + form
    if form in ("hex", "hexf"):
        return value.hex() + ("f" if form == "hexf" else "")
    # integers near where a float (2**24) or a double (2**53) stops holding every integer
    near_limits = st.sampled_from([2**24, 2**53]).flatmap(lambda limit: st.integers(limit - 3, limit + 3))
    number = draw(st.integers(0, 2**64 - 1) | st.integers(0, 2**20) | near_limits)
    if form == "int":
        return str(number)
    if form == "octal":
        return "0" + oct(number)[2:]
    if form == "hexint":
        return hex(number)
    if form == "suffix":
        return str(number) + draw(st.sampled_from(["u", "U", "l", "L", "ul", "LU", "ll", "ULL", "llu"]))
    return "0" * draw(st.integers(0, 3)) + str(number) + draw(st.sampled_from(["", ".", ".0", "e0", "E+1"]))


@st.composite
def expression(draw: st.DrawFn, depth: int = 0) -> str:
    if depth > 2 or draw(st.booleans()):
        text = draw(literal())
        return f"-{text}" if draw(st.booleans()) else text
    left, right = draw(expression(depth + 1)), draw(expression(depth + 1))
    text = f"{left} {draw(st.sampled_from('+-*/'))} {right}"
    return f"({text})" if draw(st.booleans()) else text


@pytest.mark.parametrize("compiler", ["gcc", "clang"])
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(expression(), min_size=10, max_size=30))
# a negative int converted to a float was not rounded, so the reader took this for what clang refuses
@example(["0x0.0p+0f + -16777217", "0x0.0p+0f + -16777216", "1.0f * 16777217", "-16777219 * 1.0f", "0.0 + -9007199254740993"])
def test_accepted_constants_are_what_the_compilers_store(tmp_path_factory: pytest.TempPathFactory, compiler: str, expressions: list[str]) -> None:
    require_compiler(compiler)
    accepted = [(e, reads(e)) for e in expressions]
    accepted = [(e, v) for e, v in accepted if v is not None]
    if not accepted:
        return
    tmp = tmp_path_factory.mktemp("literals")
    for std in ("-std=c99", "-std=gnu17"):
        stored = compiled([e for e, _ in accepted], compiler, tmp, std)
        for (text, value), got in zip(accepted, stored):
            assert value is not None and (got == value and math.copysign(1, got) == math.copysign(1, value)), f"{compiler} {std}: {text} is {got!r}, pwlc read {value!r}"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0.1f", 0.10000000149011612),
        ("16777217.0f", 16777216.0),  # ties to even
        ("3.4028235677973366e38f", 3.4028234663852886e38),  # rounds down to FLT_MAX
        ("1.4e-45f", 1.401298464324817e-45),  # the least float
        ("0x1.fffffffffffff8p0", 2.0),  # a hex float past a double's digits, rounded to even
        ("0x1.0000000000000bp0", 1.0000000000000002),
        ("4.9406564584124654e-324", 5e-324),
        ("2.4703282292062328e-324", 5e-324),  # just above half the least double
        ("0x7fffffff", 2147483647.0),
        ("0xffffffffu", 4294967295.0),
        ("0777", 511.0),
    ],
)
def test_constants_round_as_c_rounds_them(text: str, value: float) -> None:
    assert reads(text) == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2.4703282292062327e-324", "too small for a double"),
        ("3.4028236e38f", "too large for a float"),
        ("0x1p1024", "too large for a double"),
        ("18446744073709551616", "too large for any C integer type"),
        ("1.5L", "long double"),
        ("0x1.8", "is not a C number"),
        ("1e", "is not a C number"),
        ("9", None),
    ],
)
def test_constants_c_refuses_or_warns_about(text: str, message: str | None) -> None:
    if message is None:
        assert literals.number(text).value == 9
        return
    with pytest.raises(LiteralError, match=message):
        literals.number(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0x0.0p+0f + -16777217", r"the integer -16777217 is not a float \(C rounds it to -16777216.0\); write -16777216.0"),
        ("-16777219 * 1.0f", r"the integer -16777219 is not a float \(C rounds it to -16777220.0\)"),
        ("1.0 * -9007199254740993LL", r"the integer -9007199254740993 is not a double"),
    ],
)
def test_integers_a_float_operation_would_round_are_refused(text: str, message: str) -> None:
    tokens = tokenize(text, "<literal>")
    with pytest.raises(ParseError, match=message):
        Values(tokens).double(Parser(tokens).expression())


def test_round_binary_agrees_with_python_on_doubles() -> None:
    from fractions import Fraction

    for text in ["0.1", "1e-320", "123456789.123456789", "2.2250738585072011e-308", "1.7976931348623157e308"]:
        assert round_binary(Fraction(text), 53, -1022) == float(text)
