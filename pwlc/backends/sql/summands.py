"""What a query's sums and terms hold, for the reader (reader.py): the shape of a sum, the
inputs a term reads, and the inputs of a query that reads its table directly."""

from __future__ import annotations

from pwlc.backends.sql.constants import number, strip
from pwlc.backends.sql.dialects import Expr, sqlglot_exp
from pwlc.ir import CategoryAxis, Curve, Grid, Input, Step, Table, Term


def sum_like(node: Expr) -> bool:
    """Whether `node` can be a sum of terms: additions of CASEs, columns and numbers."""
    exp = sqlglot_exp()
    node = strip(node)
    if isinstance(node, (exp.Add, exp.Sub)):
        return sum_like(node.this) and sum_like(node.expression)
    if isinstance(node, exp.Coalesce):  # a linear term with a value for a missing input
        return sum_like(node.this)
    if isinstance(node, exp.Mul) and any(isinstance(strip(side), exp.Column) for side in (node.this, node.expression)):
        return all(isinstance(strip(side), exp.Column) or number_like(side) for side in (node.this, node.expression))  # a linear term, SLOPE * x
    if isinstance(node, (exp.Mul, exp.Div)):
        return number_like(node)
    return isinstance(node, (exp.Case, exp.Column, exp.Neg, exp.Cast, exp.Literal))


def number_like(node: Expr) -> bool:
    """Whether `node` can be a number: literals, signs, casts, and products or quotients of
    them (SQLite's (w / 2^1000))."""
    exp = sqlglot_exp()
    node = strip(node)
    if isinstance(node, (exp.Mul, exp.Div)):
        return number_like(node.this) and number_like(node.expression)
    return isinstance(node, (exp.Literal, exp.Neg, exp.Cast))


def no_terms(node: Expr, projection: Expr, dialect: str) -> bool:
    """`0.0 /* no terms */`: the score of a model without terms (sqlglot attaches the
    comment to the number or to the column it names)."""
    comments = [comment for sub in node.walk() for comment in sub.comments or []] + list(projection.comments or [])
    return number(node, dialect) == 0.0 and any(comment.strip() == "no terms" for comment in comments)


def features(term: Term) -> tuple[str, ...]:
    if isinstance(term, Grid):
        return term.features
    return (term.feature,) if isinstance(term, (Curve, Step, Table)) else ()


def inferred_inputs(terms: list[Term]) -> list[Input]:
    """A query straight off the table: inputs in order of first use; a column compared with
    strings is categorical."""
    found: dict[str, str] = {}
    for term in terms:
        if isinstance(term, Table):
            found.setdefault(term.feature, "categorical")
        elif isinstance(term, (Curve, Step)):
            found.setdefault(term.feature, "numeric")
        elif isinstance(term, Grid):
            for axis in (term.a, term.b):
                found.setdefault(axis.feature, "categorical" if isinstance(axis, CategoryAxis) else "numeric")
    return [Input(name, kind) for name, kind in found.items()]  # type: ignore[arg-type]
