"""DuckDB's form of a long step: a binary search, one round of edges at a time.

    LIST_EXTRACT([v1, v2, ..., vP],
      LIST_REDUCE([[e512], [e256, e768], [e128, e384, e640, e896], ...],
        LAMBDA b, r : 2 * b - CAST(("x" < LIST_EXTRACT(r, b)) AS INT), 1))

The edges, padded to P - 1 = 2^K - 1 by repeating the last, are split into K rounds: round
k (from 0) lists the 2^k edges at the middles of its bins (`rounds`). `b` is x's bin among
2^k after k rounds, numbered from 1; a round halves it by the same test as the CASE
(`"x" < edge` for `at_edge = upper`, `<=` for `lower`: below the edge, the lower half
2b - 1; else the upper 2b). After K rounds b is x's cell among the padded edges, and the
values, padded to P by repeating the last, give the step's value there: a padded edge
equals the last edge, so x passes all of them or none, and every cell from n + 1 holds
the value above the last edge. The comparisons decide the cell, as in the CASE: the
score is the same double.

Why this form (DuckDB 2.0, threads=1, `benchmarks/peers.py --sql-forms`): DuckDB builds a
list literal again for every 2,048-row vector each time an expression reads it, at about
16 ns a row per 1,000 items, and a CASE costs about 1 ns a row for every branch some row of
the vector reaches. A step of n edges as a grouped CASE costs ~n ns a row when the data
spans its cells; one list of the edges searched by stride (the form before this one) read
the whole list in each of the K rounds (~200-300 ns for 1,021 edges); the rounds' lists
hold each edge once (~100-120 ns). Below SEARCH_OVER edges the grouped CASE is as fast.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from pwlc.backends.sql.constants import strip
from pwlc.backends.sql.dialects import Expr, column_key, sqlglot_exp

SEARCH_OVER = 256  # DuckDB writes a step of more edges as a search
LIST_EXTRACT = "LIST_EXTRACT"
LIST_REDUCE = "LIST_REDUCE"
BIN, ROUND = "b", "r"  # the lambda's arguments: the bin so far, a round's edges
T = TypeVar("T")


def rounds(edges: Sequence[float]) -> list[list[float]]:
    """The edges in K = len(edges).bit_length() rounds, padded to 2^K - 1 with the last:
    round k lists the edges at positions (2j + 1) * 2^(K - k - 1), j < 2^k (from 1)."""
    size = 1 << len(edges).bit_length()
    padded = [*edges, *[edges[-1]] * (size - 1 - len(edges))] if edges else []
    return [[padded[(2 * j + 1) * (size >> (k + 1)) - 1] for j in range(1 << k)] for k in range(len(edges).bit_length())]


def in_order(rounds: Sequence[Sequence[T]]) -> list[T]:
    """The padded edges (or their nodes) the rounds list, in order: `rounds`' inverse,
    padding included. Each round k lists 2^k items."""
    size = 1 << len(rounds)
    found: dict[int, T] = {}
    for k, line in enumerate(rounds):
        for j, edge in enumerate(line):
            found[(2 * j + 1) * (size >> (k + 1))] = edge
    return [found[position] for position in range(1, size)]


def padded_values(values: Sequence[float]) -> list[float]:
    """The values padded to 2^K (K rounds for len(values) - 1 edges) with the last."""
    size = 1 << (len(values) - 1).bit_length()
    return [*values, *[values[-1]] * (size - len(values))]


def arguments(feature: str) -> tuple[str, str]:
    """The lambda's argument names: `b` and `r`, each followed by `_` as often as it takes to
    differ from the input's name. DuckDB looks a name inside a lambda up among its arguments
    first, quoted or not, ignoring case: a step over an input "B" would read the argument."""
    names = []
    for name in (BIN, ROUND):
        while column_key(name, "duckdb") == column_key(feature, "duckdb"):
            name += "_"
        names.append(name)
    return names[0], names[1]


def search_expression(x: Expr, edges: Sequence[float], values: Sequence[float], at_edge: str, number: Callable[[float], Expr]) -> Expr:
    exp = sqlglot_exp()
    bin_, round_ = arguments(x.name)

    def name(text: str) -> Expr:
        return exp.Identifier(this={BIN: bin_, ROUND: round_}[text], quoted=False)

    below = exp.LT if at_edge == "upper" else exp.LTE  # upper: a value on an edge goes up
    edge = exp.Anonymous(this=LIST_EXTRACT, expressions=[name(ROUND), name(BIN)])
    lower_half = exp.Cast(this=exp.Paren(this=below(this=x.copy(), expression=edge)), to=exp.DataType.build("INT", dialect="duckdb"))
    body = exp.Sub(this=exp.Mul(this=exp.Literal.number(2), expression=name(BIN)), expression=lower_half)
    listed = exp.Array(expressions=[exp.Array(expressions=[number(e) for e in line]) for line in rounds(edges)])
    search = exp.Anonymous(this=LIST_REDUCE, expressions=[listed, exp.Lambda(this=body, expressions=[name(BIN), name(ROUND)]), exp.Literal.number(1)])
    return exp.Anonymous(this=LIST_EXTRACT, expressions=[exp.Array(expressions=[number(v) for v in padded_values(values)]), search])


@dataclass(frozen=True)
class SearchParts:
    """What a search holds: the values' list (its items), the rounds' lists (each round's
    node), the side and the whole node. The rest is compared with the printed form."""

    values: list[Expr]
    rounds: list[Expr]
    at_edge: str
    node: Expr


def search_parts(node: Expr | None) -> SearchParts | None:
    """The parts of `LIST_EXTRACT([values], LIST_REDUCE([[...], ...], LAMBDA ...: ... "x" < ... ...))`
    (None when `node` is not one)."""
    exp = sqlglot_exp()
    node = strip(node) if node is not None else None
    if not (isinstance(node, exp.Anonymous) and node.name.upper() == LIST_EXTRACT and len(node.expressions) == 2):
        return None
    values, search = strip(node.expressions[0]), strip(node.expressions[1])
    if isinstance(search, exp.Add):  # the one-list search of earlier files: `LIST_REDUCE(...) + 1` (refused, read_terms)
        search = strip(search.this)
    if not (isinstance(values, exp.Array) and isinstance(search, exp.Anonymous) and search.name.upper() == LIST_REDUCE and search.expressions):
        return None
    listed = strip(search.expressions[0])
    compare = next(search.find_all(exp.LT, exp.LTE), None)
    if not isinstance(listed, exp.Array) or compare is None:
        return None
    return SearchParts(list(values.expressions), list(listed.expressions), "upper" if isinstance(compare, exp.LT) else "lower", node)
