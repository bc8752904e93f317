"""Numbers in a query as the engine computes them: the reader's arithmetic.

A constant expression (literals, parentheses, unary minus, + - * /, a CAST to a double)
is evaluated with the dialect's types (`dialects.literal_is_double`): two doubles
combine in doubles (Python's floats: the same IEEE operations); a double and an exact
DECIMAL/NUMERIC/INTEGER combine in doubles once the exact one is rounded to a double; two
exact numbers add, subtract and multiply exactly. So `(46.0 - 25.0)` in DuckDB is the
exact 21, which is also what the model's `46.0 - 25.0` in doubles gives, while
`(0.2 - 0.61)` is the exact -0.41, not the model's -0.41000000000000003: the reader
compares what the engine computes with what the model computes and refuses where they
differ. A division of two exact numbers is refused (SQLite, PostgreSQL and SQL Server
truncate integers; PostgreSQL rounds NUMERIC quotients to a scale of its choosing).

`is_double` says whether an expression's SQL type is a double: the engine adds two terms
that are not in exact decimal arithmetic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from pwlc.backends.sql.dialects import (
    Expr,
    literal_is_double,
    printed_value,
    sqlglot_exp,
    sqlite_literal,
    sqlite_reads_exactly,
)


class Refusal(Exception):
    """A construct the reader cannot read exactly: `node` is where, `message` why."""

    def __init__(self, message: str, node: Expr):
        super().__init__(message)
        self.message = message
        self.node = node


class KindRefusal(Refusal):
    """A term that reads an input as the other kind than its cast in the inputs step:
    refused at the cast when no other term reads the input as cast (the cast most likely
    is the edit), else at the term."""

    def __init__(self, feature: str, cast_to: str, used_as: str, fix: str, node: Expr):
        super().__init__(f'{used_as}, and "{feature}" is cast to {cast_to} in the inputs step: read another input here, or {fix} there', node)
        self.feature, self.cast_to, self.used_as, self.fix = feature, cast_to, used_as, fix

    def at_cast(self, line: int) -> str:
        return f'"{self.feature}" is cast to {self.cast_to} here, and {self.used_as} on line {line}: {self.fix} here, or change that term'


@dataclass(frozen=True)
class Value:
    """A constant as the engine holds it: a double, or an exact number (`exact` set)
    that becomes `double` (the nearest double) where it meets a double."""

    double: float
    exact: Fraction | None = None
    arithmetic: bool = False  # computed from two exact numbers (a decimal operation)


def strip(node: Expr) -> Expr:
    exp = sqlglot_exp()
    while isinstance(node, exp.Paren):
        node = node.this
    return node


_MEMO = "pwlc_constant"  # a node's value, kept on it: the reader asks for it more than once


def constant(node: Expr, dialect: str) -> Value | None:
    """The value of a constant expression, None when `node` is not one (it reads a column,
    calls a function...). Raises `Refusal` where the engine's arithmetic cannot be read."""
    node = strip(node)
    printed = printed_value(node)
    if printed is not None:  # a number pwlc built
        return Value(printed)
    meta = node._meta
    if meta and _MEMO in meta:
        return meta[_MEMO]  # type: ignore[no-any-return]
    found = _constant(node, dialect)
    node.meta[_MEMO] = found
    return found


def _constant(node: Expr, dialect: str) -> Value | None:
    exp = sqlglot_exp()
    if isinstance(node, exp.Neg):
        inner = constant(node.this, dialect)
        if inner is None:
            return None
        return Value(-inner.double, None if inner.exact is None else -inner.exact, inner.arithmetic)
    if isinstance(node, exp.Literal):
        return None if node.is_string else _literal(node, dialect)
    if isinstance(node, exp.Cast):
        inner = constant(node.this, dialect)
        if inner is None:
            return None
        if not node.to.is_type(exp.DataType.Type.DOUBLE):
            raise Refusal(f"a number cast to {node.to.sql(dialect=dialect)} is not a double; cast it to DOUBLE, or write it as pwlc does", node)
        return Value(inner.double)
    if isinstance(node, (exp.Add, exp.Sub, exp.Mul, exp.Div)):
        left, right = constant(node.this, dialect), constant(node.expression, dialect)
        if left is None or right is None:
            return None
        return _arithmetic(node, left, right, dialect)
    return None


def _literal(node: Expr, dialect: str) -> Value:
    found, problem = _literal_text(str(node.this), dialect)
    if problem is not None:
        raise Refusal(problem, node)
    return found  # type: ignore[return-value]


@lru_cache(maxsize=65536)
def _literal_text(text: str, dialect: str) -> tuple[Value | None, str | None]:
    """A number literal's value, or why it cannot be read (cached: knots repeat)."""
    try:
        double = float(text)
    except ValueError:
        return None, f"`{text}` is not a number pwlc reads"
    if not math.isfinite(double):
        return None, f"`{text}` is beyond the largest double"
    if literal_is_double(text, dialect):
        if dialect == "sqlite" and not sqlite_reads_exactly(text):
            better = sqlite_literal(abs(double))
            hint = f"write `{better}`" if better else "write it as pwlc does (a quotient by 2^1000)"
            return None, f"SQLite before 3.43 reads `{text}` as a neighbouring double: {hint}"
        return Value(double), None
    digits = len(text.lower().partition("e")[0].replace(".", "").replace("-", "").strip("0"))
    if digits > 17:
        return None, f"`{text}` has more than 17 digits: the engine may round it to a double differently; write at most 17"
    return Value(double, Fraction(text)), None


def _arithmetic(node: Expr, left: Value, right: Value, dialect: str) -> Value:
    exp = sqlglot_exp()
    if left.exact is not None and right.exact is not None:
        if isinstance(node, exp.Div):
            raise Refusal("a division of two exact numbers (DECIMAL or INTEGER) depends on the engine; write them as doubles, as pwlc does", node)
        exact = left.exact + right.exact if isinstance(node, exp.Add) else left.exact - right.exact if isinstance(node, exp.Sub) else left.exact * right.exact
        return Value(float(exact), exact, arithmetic=True)
    a, b = left.double, right.double
    try:
        result = a + b if isinstance(node, exp.Add) else a - b if isinstance(node, exp.Sub) else a * b if isinstance(node, exp.Mul) else a / b
    except ZeroDivisionError:
        raise Refusal("a division by zero", node) from None
    if not math.isfinite(result):
        raise Refusal("this arithmetic overflows a double", node)
    return Value(result)


def number(node: Expr, dialect: str) -> float | None:
    """The double a constant expression is, where it meets a double (None: not one)."""
    found = constant(node, dialect)
    return None if found is None else found.double


def leftmost_number(node: Expr, dialect: str) -> float | None:
    """The first number in `a + (b - a) * w` (the value at the lower end of a cell)."""
    exp = sqlglot_exp()
    node = strip(node)
    while isinstance(node, (exp.Add, exp.Sub, exp.Mul, exp.Div)) and constant(node, dialect) is None:
        node = strip(node.this)
    return number(node, dialect)


def decimal_arithmetic(node: Expr, dialect: str) -> bool:
    """Whether `node` holds arithmetic the engine does on exact numbers (for a hint)."""
    exp = sqlglot_exp()
    for sub in node.walk():
        if isinstance(sub, (exp.Add, exp.Sub, exp.Mul)):
            try:
                found = constant(sub, dialect)
            except Refusal:
                continue
            if found is not None and found.arithmetic:
                return True
    return False


def is_double(node: Expr, dialect: str) -> bool:
    """Whether the engine types `node` (a term or a sum, over double inputs) as a double
    rather than an exact number: a column, a double literal or cast, any arithmetic with
    one of them, a CASE or COALESCE with one such branch, an item of a list holding one."""
    exp = sqlglot_exp()
    node = strip(node)
    if isinstance(node, exp.Column):
        return True
    if isinstance(node, exp.Neg):
        return is_double(node.this, dialect)
    if isinstance(node, exp.Literal):
        return not node.is_string and literal_is_double(str(node.this), dialect)
    if isinstance(node, exp.Cast):
        return bool(node.to.is_type(exp.DataType.Type.DOUBLE))
    if isinstance(node, (exp.Add, exp.Sub, exp.Mul, exp.Div)):
        return is_double(node.this, dialect) or is_double(node.expression, dialect)
    if isinstance(node, exp.Case):
        values = [branch.args["true"] for branch in node.args.get("ifs") or []] + [node.args.get("default")]
        return any(value is not None and is_double(value, dialect) for value in values)
    if isinstance(node, exp.Coalesce):  # a linear term with a value for a missing input
        return any(is_double(value, dialect) for value in [node.this, *node.expressions])
    if isinstance(node, exp.Anonymous) and node.name.upper() == "LIST_EXTRACT" and node.expressions:  # DuckDB: an item of a list
        return is_double(node.expressions[0], dialect)
    if isinstance(node, exp.Array):  # a list of doubles (a grid's matrix: a list of them)
        return any(is_double(item, dialect) for item in node.expressions)
    return isinstance(node, (exp.Ln, exp.Exp))
