"""What each SQL dialect makes of the text pwlc writes, in one table.

- **Numbers.** A model computes in doubles. DuckDB, Spark, Snowflake, Trino, MySQL and SQL
  Server read `0.61` as an exact DECIMAL and `0.61e0` as a double; PostgreSQL (and Redshift)
  read both as an exact NUMERIC, so a double is written `0.61::float8`; SQLite and BigQuery
  read `0.61` as a double already. Arithmetic between two exact literals, `(0.2 - 0.61)`,
  would otherwise be exact decimal arithmetic, not the model's.
- **SQLite before 3.43** turns about one decimal literal in 2,000 into a neighbouring double
  (its conversion rounds twice, through an 80-bit long double) and most literals below
  1e-290 (they take a second, inexact division by 1e308). `sqlite_literal` writes such a
  number so that every SQLite reads it exactly: with 18 digits, or as `(w / 2^1000)`.
- **Identifiers.** DuckDB and SQLite compare even quoted names ignoring ASCII case; Spark,
  BigQuery, MySQL, SQL Server, Trino and Redshift ignore case too; PostgreSQL, Snowflake and
  Oracle compare quoted names exactly. `same_column` says which names are one column.
- **CAST types.** The type names that hold an 8-byte double or any text unchanged (a FLOAT
  is 4 bytes in DuckDB, Spark and MySQL; a CHAR(n) pads or cuts).
- **Logarithms.** Most engines call the C library's `log`, as numpy does; Spark calls Java's
  StrictMath.log, which at times returns the neighbouring double (LN(205.99999999999994) is
  5.327876168789581 there, 5.32787616878958 in glibc).
- **Float errors.** PostgreSQL stops the whole query where a double operation overflows,
  rounds a nonzero result to zero, or divides by zero; the other engines follow IEEE 754.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from typing import Any, Literal

from pwlc.errors import UnsupportedError
from pwlc.numbers import float_literal

Expr = Any  # a sqlglot expression (sqlglot is imported inside functions: a light `import pwlc`)
NumberStyle = Literal["plain", "exponent", "cast"]
Folding = Literal["exact", "ascii", "unicode"]


@cache
def sqlglot_exp() -> Any:
    from sqlglot import exp

    return exp


@dataclass(frozen=True)
class Rules:
    """The facts pwlc relies on for one dialect."""

    name: str
    numbers: NumberStyle  # how a double literal is written (see the module docstring)
    quoted_case: Folding  # how two quoted names are compared
    unquoted_case: Literal["lower", "upper", "same"]  # what an unquoted name folds to
    doubles: frozenset[str]  # CAST type names holding an 8-byte double
    texts: frozenset[str]  # CAST type names holding any text unchanged
    strict_floats: bool = False  # overflow, underflow to zero and x/0 stop the query
    holds_nul: bool = False  # a quoted name or string may hold NUL (PostgreSQL and SQLite refuse it)
    tested: bool = False  # pwlc runs its output on this engine in its tests
    lists: bool = False  # LIST_EXTRACT([...], i): a grid is printed as a matrix indexed by bins (terms.py)
    colon_casts: bool = False  # the engine reads `x::type` (sqlglot parses it in every dialect)
    own_log: bool = False  # LN is not the C library's (Spark's is Java's StrictMath): at times an ulp off this machine's


def _names(*names: str) -> frozenset[str]:
    return frozenset(names)


_RULES = {
    rules.name: rules
    for rules in (
        Rules("sqlite", "plain", "ascii", "same", _names("REAL", "DOUBLE", "DOUBLE PRECISION", "FLOAT"), _names("TEXT", "VARCHAR", "CLOB"), tested=True),
        Rules("duckdb", "exponent", "ascii", "same", _names("DOUBLE", "FLOAT8", "DOUBLE PRECISION"), _names("TEXT", "VARCHAR", "STRING"), holds_nul=True, tested=True, lists=True, colon_casts=True),
        Rules("postgres", "cast", "exact", "lower", _names("DOUBLE PRECISION", "FLOAT8", "FLOAT"), _names("TEXT", "VARCHAR"), strict_floats=True, tested=True, colon_casts=True),
        Rules("spark", "exponent", "unicode", "same", _names("DOUBLE"), _names("STRING"), holds_nul=True, tested=True, colon_casts=True, own_log=True),
        Rules("databricks", "exponent", "unicode", "same", _names("DOUBLE"), _names("STRING"), colon_casts=True, own_log=True),
        Rules("bigquery", "plain", "unicode", "same", _names("FLOAT64"), _names("STRING")),
        Rules("snowflake", "exponent", "exact", "upper", _names("DOUBLE", "DOUBLE PRECISION", "FLOAT", "FLOAT8"), _names("VARCHAR", "TEXT", "STRING"), colon_casts=True),
        Rules("redshift", "cast", "unicode", "same", _names("DOUBLE PRECISION", "FLOAT8"), _names("VARCHAR(MAX)"), strict_floats=True, colon_casts=True),
        Rules("oracle", "exponent", "exact", "upper", _names("DOUBLE PRECISION"), _names("CLOB")),
        Rules("mysql", "exponent", "unicode", "same", _names("DOUBLE"), _names("CHAR")),
    )
}


def rules(dialect: str) -> Rules:
    """The rules of `dialect`; a dialect not listed gets conservative ones (exponent
    literals, names compared ignoring case, only the type names pwlc itself writes)."""
    known = _RULES.get(dialect)
    if known is not None:
        return known
    exp = sqlglot_exp()
    double, text = (exp.DataType.build(name).sql(dialect=dialect) for name in ("DOUBLE", "TEXT"))
    return Rules(dialect, "exponent", "unicode", "same", _names(double.upper()), _names(text.upper()))


def check_dialect(dialect: str) -> None:
    from sqlglot.dialects.dialect import Dialect

    try:
        Dialect.get_or_raise(dialect)
    except ValueError as exc:
        raise UnsupportedError(f"unknown SQL dialect {dialect!r}: {exc}") from None


# --- identifiers ----------------------------------------------------------------------------


def _ascii_lower(name: str) -> str:
    return name.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def column_key(name: str, dialect: str, quoted: bool = True) -> str:
    """The name `dialect` looks a column up by: two names with one key are one column."""
    found = rules(dialect)
    if not quoted:
        if found.unquoted_case == "lower":
            return _ascii_lower(name)
        if found.unquoted_case == "upper":
            return name.translate(_ASCII_UPPER)
    if found.quoted_case == "ascii":
        return _ascii_lower(name)
    if found.quoted_case == "unicode":
        return name.lower()
    return name


_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def identifier_key(node: Expr, dialect: str) -> str:
    """`column_key` of a parsed identifier or column, quoted or not."""
    exp = sqlglot_exp()
    identifier = node.this if isinstance(node, exp.Column) else node
    return column_key(identifier.name, dialect, bool(identifier.args.get("quoted")))


# --- numbers --------------------------------------------------------------------------------


VALUE = "pwlc_value"  # the double a printed number stands for, kept on its node


def number(value: float, dialect: str) -> Expr:
    """`value` as an expression `dialect` reads as exactly this double; a negative one is
    parenthesised (`0--0.4` would start a comment)."""
    exp = sqlglot_exp()
    node = _positive_number(abs(value), rules(dialect).numbers, dialect)
    if math.copysign(1.0, value) < 0:
        node = exp.Paren(this=exp.Neg(this=node))
    node.meta[VALUE] = value
    return node


def printed_value(node: Expr) -> float | None:
    """The double a number printed by `number` stands for (None for anything else)."""
    meta = node._meta if hasattr(node, "_meta") else None
    return meta.get(VALUE) if meta else None


def _positive_number(value: float, style: NumberStyle, dialect: str) -> Expr:
    exp = sqlglot_exp()
    if dialect == "sqlite":
        text = sqlite_literal(value)
        if text is not None:
            return exp.Literal.number(text)
        # below 1e-290: w / 2^1000, both read exactly, divided exactly
        return exp.Paren(this=exp.Div(this=exp.Literal.number(sqlite_literal(value * 2.0**1000)), expression=exp.Literal.number(_TWO_TO_1000), typed=True))
    text = float_literal(value)
    if style == "exponent" and "e" not in text:
        return exp.Literal.number(text + "e0")
    if style == "cast":
        return exp.Cast(this=exp.Literal.number(text), to=exp.DataType.build("DOUBLE"))
    return exp.Literal.number(text)


_TWO_TO_1000 = f"{2.0**1000:.18g}"


def sqlite_literal(value: float) -> str | None:
    """The shortest decimal text for positive `value` that SQLite reads as exactly `value`
    in every version, or None when there is none (below about 1e-290)."""
    for text in (float_literal(value), f"{value:.17g}", f"{value:.18g}"):
        if sqlite_reads_exactly(text):
            return text if any(c in text for c in ".e") else text + ".0"
    return None


@cache
def sqlite_reads_exactly(text: str) -> bool:
    """Whether every SQLite turns decimal `text` into the double nearest to it.

    SQLite 3.43 and later round correctly. Before, the text is read as an integer s (at
    most 19 digits) times 10^p; s * 10^p is computed in an 80-bit long double and rounded
    again to a double: right when the text lies within 0.49 ulp of its double (the long
    double carries 11 more bits; the powers of ten it builds lose a few), wrong near a
    midpoint. A |p| over 307 takes a further, inexact step through 1e308: never trusted.
    """
    mantissa, _, exponent = text.lower().lstrip("+-").partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    significant = digits.rstrip("0")
    if not significant:
        return True  # zero
    power = int(exponent or 0) - len(fraction) + (len(digits) - len(significant))
    if len(significant) > 18 or abs(power) > 307:
        return False
    exact = Fraction(int(significant)) * Fraction(10) ** power
    value = float(exact)
    if not math.isfinite(value) or value == 0.0:
        return False
    return abs(exact - Fraction(value)) <= Fraction(49, 100) * Fraction(math.ulp(value))


def literal_is_double(text: str, dialect: str) -> bool:
    """Whether `dialect` types the number literal `text` as a double (otherwise it is an
    exact DECIMAL/NUMERIC or INTEGER)."""
    style = rules(dialect).numbers
    lowered = text.lower()
    if style == "plain":
        return "." in lowered or "e" in lowered
    if style == "exponent":
        return "e" in lowered
    return False


def is_double_type(written: str, dialect: str) -> bool:
    """Whether a CAST to the type `written` (as in the source) holds an 8-byte double."""
    return " ".join(written.upper().split()) in rules(dialect).doubles


def is_text_type(written: str, dialect: str) -> bool:
    """Whether a CAST to the type `written` keeps any text unchanged."""
    return " ".join(written.upper().split()) in rules(dialect).texts
