"""DuckDB's bins step: each grid axis's bin number computed once, in a column the grids index.

    WITH "inputs" AS (...), "bins" AS (
      SELECT
        *,
        CASE WHEN "age" < 20.5e0 THEN 1 WHEN "age" < 21.5e0 THEN 2 ... ELSE 47 END AS "age_bin",
        CASE WHEN "race" = 'African-American' THEN 1 ... ELSE 7 END AS "race_bin"
      FROM "inputs"
    ), "scores" AS (
      SELECT ... + CASE WHEN "age" IS NULL OR "race" IS NULL THEN 0.0e0
                        ELSE LIST_EXTRACT(LIST_EXTRACT([[...], ...], "age_bin"), "race_bin") END ...

An EBM's pairs over one input share its bins (COMPAS: age in 3 pairs, Lending Club:
total_credit_limit in 5), and DuckDB evaluates a CASE repeated in several terms once per
term: computing it once makes COMPAS's exact query 1.38x faster (0.367 -> 0.266 s CPU on 1M
rows, threads=1, median of 3 interleaved, identical scores) and Lending Club's 1.11x (its
long steps dominate). The bin CASE is the one `terms.bin_expression` prints inline, with
the same comparisons, so every row takes the same cell.

Reading, the reader keeps a bins step's columns (a CASE that is not a term: `is_bin_case`)
and puts each one's CASE back where a term reads the column (`inline`), then reads the
term as if it were printed inline: the engine computes the same values either way, since a
column of an earlier step is its expression over the same row, provided it reads the same
inputs (the reader checks that each column the CASE reads is the one the term reads).
"""

from __future__ import annotations

from collections.abc import Callable

from pwlc.backends.sql.constants import strip
from pwlc.backends.sql.dialects import Expr, sqlglot_exp
from pwlc.ir import Axis

BINS_CTE = "bins"


class BinColumns:
    """The bin columns of one query, in the order the grids first ask for them: one per
    distinct bin CASE, named `<input>_bin` (`fresh` makes the name unique)."""

    def __init__(self, dialect: str, fresh: Callable[[str], str]):
        self.dialect = dialect
        self.fresh = fresh
        self.columns: dict[str, tuple[str, Expr]] = {}  # the CASE's text -> (column name, CASE)

    def column(self, axis: Axis, case: Expr) -> Expr:
        """A reference to the column holding `case`, the bin number of `axis`."""
        exp = sqlglot_exp()
        if not isinstance(case, exp.Case):  # an axis without cuts: bin 1, written as it is
            return case
        key = case.sql(dialect=self.dialect)
        if key not in self.columns:
            self.columns[key] = (self.fresh(f"{axis.feature}_bin"), case)
        return exp.Column(this=exp.Identifier(this=self.columns[key][0], quoted=True))

    def items(self) -> list[tuple[str, Expr]]:
        return list(self.columns.values())


def is_bin_case(node: Expr) -> bool:
    """Whether `node` is a bin number: a CASE that tests no missing input (a term's first
    branch does: `"x" IS NULL`, `"a" IS NULL OR "b" IS NULL`) and whose results read no
    column (PostgreSQL's guarded linear term, `CASE WHEN ABS("x") < ... THEN 0.0 * "x" ...`,
    does). Its conditions and numbers are checked where a grid reads it, against the bin
    CASE pwlc prints there."""
    exp = sqlglot_exp()
    case = strip(node)
    if not isinstance(case, exp.Case) or case.this is not None or not case.args.get("ifs"):
        return False
    if any(isinstance(sub, exp.Is) for sub in case.args["ifs"][0].this.walk()):
        return False
    return _reads_no_column(case)


def _reads_no_column(result: Expr | None) -> bool:
    """Whether a result reads no column: a number, or a CASE (a group of bins) of such."""
    exp = sqlglot_exp()
    result = strip(result) if result is not None else None
    if isinstance(result, exp.Case) and result.this is None:
        return all(_reads_no_column(branch.args["true"]) for branch in result.args.get("ifs") or []) and _reads_no_column(result.args.get("default"))
    return result is None or not any(True for _ in result.find_all(exp.Column))


def inline(node: Expr, bin_of: Callable[[Expr], Expr | None], position: Callable[[Expr], int]) -> Expr:
    """`node` with each column that `bin_of` finds to be a bin column replaced, in place, by
    a copy of its CASE. The copy keeps its place in the bins step (a refusal inside it
    points there); the nodes around it keep theirs (`position`, taken before, is pinned on
    them: a node's place is where its first positioned part is)."""
    exp = sqlglot_exp()
    found = [(column, case) for column in node.find_all(exp.Column) if (case := bin_of(column)) is not None]
    around = {id(sub): sub for column, _ in found for sub in _ancestors(column, node)}
    places = {key: position(sub) for key, sub in around.items()}
    for key, sub in around.items():
        sub.meta["start"] = places[key]
    for column, case in found:
        if column is node:
            return case.copy()
        column.replace(case.copy())
    return node


def _ancestors(column: Expr, top: Expr) -> list[Expr]:
    out = []
    sub = column.parent
    while sub is not None:
        out.append(sub)
        if sub is top:
            break
        sub = sub.parent
    return out
