"""DuckDB's form of a long step: a binary search over a list of its edges.

    LIST_EXTRACT([v0, v1, ..., vn],
      LIST_REDUCE([512, 256, ..., 1], LAMBDA b, s : b + s * CAST((b + s <= n AND "x" >= LIST_EXTRACT([e1, ..., en], b + s)) AS INT), 0)
      + 1)

`b` counts the edges at or below x (strictly below for `at_edge = lower`, written `>`): each
stride s adds s when the edge s further on is still at or below x. The edges increase, so
that count is the index of x's cell, and the value is the step's value there: the cell the
CASE picks, by the same comparisons. DuckDB evaluates a CASE branch by branch over each
2,048-row vector, and every branch some row of the vector reaches costs about 1 ns a row,
so a step of n edges as a CASE (even grouped) costs ~n ns a row when the data spans its
cells; the search costs ~log2(n) list lookups a row (Lending Club's 1,021-edge steps:
0.7-1.2 us a row as a grouped CASE, 0.23-0.36 us as a search; `benchmarks/peers.py
--sql-forms`). Below SEARCH_OVER edges the grouped CASE is as fast or faster.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pwlc.backends.sql.constants import strip
from pwlc.backends.sql.dialects import Expr, sqlglot_exp

SEARCH_OVER = 256  # DuckDB writes a step of more edges as a search
LIST_EXTRACT = "LIST_EXTRACT"
LIST_REDUCE = "LIST_REDUCE"
COUNT, STRIDE = "b", "s"  # the lambda's arguments: the count so far, the stride


def strides(edges: int) -> list[int]:
    """The halving strides that reach any count from 0 to `edges`: 2^k, ..., 2, 1."""
    return [1 << k for k in reversed(range(edges.bit_length()))]


def search_expression(x: Expr, edges: Sequence[float], values: Sequence[float], at_edge: str, number: Callable[[float], Expr]) -> Expr:
    exp = sqlglot_exp()

    def name(text: str) -> Expr:
        return exp.Identifier(this=text, quoted=False)

    def count_plus_stride() -> Expr:
        return exp.Add(this=name(COUNT), expression=name(STRIDE))

    compare = exp.GTE if at_edge == "upper" else exp.GT  # upper: a value on an edge goes up
    edge = exp.Anonymous(this=LIST_EXTRACT, expressions=[exp.Array(expressions=[number(e) for e in edges]), count_plus_stride()])
    inside = exp.LTE(this=count_plus_stride(), expression=exp.Literal.number(len(edges)))
    crossed = exp.Cast(this=exp.Paren(this=exp.And(this=inside, expression=compare(this=x.copy(), expression=edge))), to=exp.DataType.build("INT", dialect="duckdb"))
    body = exp.Add(this=name(COUNT), expression=exp.Mul(this=name(STRIDE), expression=crossed))
    search = exp.Anonymous(
        this=LIST_REDUCE,
        expressions=[exp.Array(expressions=[exp.Literal.number(s) for s in strides(len(edges))]), exp.Lambda(this=body, expressions=[name(COUNT), name(STRIDE)]), exp.Literal.number(0)],
    )
    index = exp.Add(this=search, expression=exp.Literal.number(1))
    return exp.Anonymous(this=LIST_EXTRACT, expressions=[exp.Array(expressions=[number(v) for v in values]), index])


@dataclass(frozen=True)
class SearchParts:
    """What a search holds: the values' list, the edges' list (their nodes) and the side."""

    values: list[Expr]
    edges: list[Expr]
    at_edge: str
    node: Expr


def search_parts(node: Expr | None) -> SearchParts | None:
    """The parts of `LIST_EXTRACT([values], LIST_REDUCE(..., LAMBDA ...: ... LIST_EXTRACT([edges], ...) ...) + 1)`
    (None when `node` is not one); the rest is compared with the printed form."""
    exp = sqlglot_exp()
    node = strip(node) if node is not None else None
    if not (isinstance(node, exp.Anonymous) and node.name.upper() == LIST_EXTRACT and len(node.expressions) == 2):
        return None
    values, index = strip(node.expressions[0]), strip(node.expressions[1])
    search = strip(index.this) if isinstance(index, exp.Add) else None
    if not (isinstance(values, exp.Array) and isinstance(search, exp.Anonymous) and search.name.upper() == LIST_REDUCE):
        return None
    compare = next((c for c in search.find_all(exp.GTE, exp.GT) if isinstance(strip(c.expression), exp.Anonymous)), None)
    edges = strip(compare.expression).expressions[0] if compare is not None and strip(compare.expression).expressions else None
    if compare is None or not isinstance(strip(edges), exp.Array):
        return None
    return SearchParts(list(values.expressions), list(strip(edges).expressions), "upper" if isinstance(compare, exp.GTE) else "lower", node)
