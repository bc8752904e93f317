"""The SQL backend: one query over the user's table, built from sqlglot expressions so
every dialect sqlglot knows comes for free; and the reader, which parses SQL with sqlglot
and matches the tree back to the IR.

The query has up to three parts, read top to bottom:

    WITH "inputs" AS (                    -- each input cast once: DOUBLE or TEXT
      SELECT "id", CAST("age" AS DOUBLE) AS "age", CAST("sex" AS TEXT) AS "sex" FROM "people"
    ), "scores" AS (                      -- one CASE per term, added up
      SELECT "id",
        (-0.35)
        + CASE WHEN "age" IS NULL THEN NULL WHEN "age" <= 18.0 THEN 0.61 ... END
        + ... AS "score"
      FROM "inputs"
    )
    SELECT "id", "score", 1.0 / (1.0 + EXP(-"score")) AS "probability" FROM "scores"

A model of more than SUM_STAGE terms adds them up in stages, in order: a CTE per stage,
`SELECT *, <sum so far> + <next terms> AS "score_to_term_250"`, since SQLite and DuckDB
refuse an expression nested more than 1000 deep.

Missing inputs are NULL (a NaN stored in a DOUBLE column is a number to SQL engines: load
it as NULL). Casting categorical inputs to text makes INTEGER category columns compare as
their decimal digits, as the evaluator does; casting numeric inputs to DOUBLE keeps the
arithmetic in floating point on engines whose decimal literals would otherwise make it
DECIMAL. No dialect has log1p: it is written `LN(1.0 + x) - ((1.0 + x) - 1.0 - x) /
(1.0 + x)`, within about an ulp of the evaluator's log1p for every x.

The reader extracts a candidate term from each CASE, prints it again and compares the two
trees, so anything it cannot match exactly (including a knot value changed in only one of
the places it appears) is reported at its line and column.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, partial
from typing import Any

from pwlc.backends.common import SUM_STAGE, identifier, quoted, sum_stages, trailer_lines
from pwlc.errors import ParseError, Span, UnsupportedError
from pwlc.ir import (
    TRANSFORMS,
    Axis,
    CategoryAxis,
    Constant,
    Curve,
    Grid,
    Input,
    KnotAxis,
    Model,
    Step,
    StepAxis,
    Table,
    Term,
)
from pwlc.numbers import float_literal

SUFFIX = ".sql"
DEFAULT_DIALECT = "duckdb"
INPUTS_CTE = "inputs"
SCORES_CTE = "scores"
_PREDICTION_COLUMNS = {"logistic": "probability", "exp": "prediction"}
_TEXT_TYPES = {"TEXT", "VARCHAR", "CHAR", "NVARCHAR", "NCHAR", "STRING", "BPCHAR", "NAME"}

# sqlglot is imported inside functions (a light `import pwlc`); type names for hints only.
Expr = Any


@cache
def _exp() -> Any:
    from sqlglot import exp

    return exp


# --- building expressions -----------------------------------------------------------


def _number(value: float) -> Expr:
    """A float literal; a negative one parenthesised (`0--0.4` would start a comment)."""
    exp = _exp()
    text = float_literal(value)
    if text.startswith("-"):
        return exp.Paren(this=exp.Neg(this=exp.Literal.number(text[1:])))
    return exp.Literal.number(text)


def _column(name: str) -> Expr:
    exp = _exp()
    return exp.Column(this=exp.Identifier(this=name, quoted=True))


def _missing(value: float | None) -> Expr:
    return _exp().Null() if value is None else _number(value)


def _case(branches: list[tuple[Expr, Expr]], default: Expr) -> Expr:
    """CASE WHEN ... ELSE default END, or just `default` when there is no branch."""
    exp = _exp()
    if not branches:
        return default
    return exp.Case(ifs=[exp.If(this=cond, true=value) for cond, value in branches], default=default)


def _lerp(low: Expr, high: Expr, weight: Expr) -> Expr:
    """`low + (high - low) * weight`, in that order (rule 1)."""
    exp = _exp()
    return exp.Add(this=low, expression=exp.Mul(this=exp.Paren(this=exp.Sub(this=high, expression=low)), expression=weight))


_LOG1P_KNOT = "pwlc_log1p_knot"  # marks a knot's log1p in a built tree (see _mismatch)


def _log1p(x: Expr) -> Expr:
    """log1p(x) without a log1p function (no dialect has one): with u = 1 + x rounded,
    `LN(u) - (u - 1 - x) / u` puts back what rounding u lost, so it is accurate to about
    an ulp for tiny and for large x alike (`LN(1.0 + x)` alone gives 0 for x below 1e-16,
    and two such knots would divide 0 by 0). A knot k for which 1 + k is exact in doubles
    is written `LN(1.0 + k)`; the reader takes either form for any knot."""
    exp = _exp()
    knot = _as_number(x)
    if knot is not None and (1.0 + knot) - 1.0 == knot:
        short = exp.Ln(this=exp.Add(this=exp.Literal.number("1.0"), expression=x.copy()))
        short.meta[_LOG1P_KNOT] = knot
        return short

    def u() -> Expr:
        return exp.Paren(this=exp.Add(this=exp.Literal.number("1.0"), expression=x.copy()))

    lost = exp.Sub(this=exp.Sub(this=u(), expression=exp.Literal.number("1.0")), expression=x.copy())
    corrected = exp.Sub(this=exp.Ln(this=u().this), expression=exp.Div(this=exp.Paren(this=lost), expression=u(), typed=True))
    long = exp.Paren(this=corrected)
    if knot is not None:
        long.meta[_LOG1P_KNOT] = knot
    return long


def _log1p_forms(knot: float) -> list[Expr]:
    """Both ways a knot's log1p may be written: `LN(1.0 + k)` and the corrected one."""
    exp = _exp()
    x = _number(knot)
    one = exp.Literal.number("1.0")

    def u() -> Expr:
        return exp.Paren(this=exp.Add(this=one.copy(), expression=x.copy()))

    lost = exp.Sub(this=exp.Sub(this=u(), expression=one.copy()), expression=x.copy())
    corrected = exp.Sub(this=exp.Ln(this=u().this), expression=exp.Div(this=exp.Paren(this=lost), expression=u(), typed=True))
    return [exp.Ln(this=u().this), corrected]


def _transform(fx: str, x: Expr, low: float = -math.inf, high: float = math.inf) -> Expr:
    """fx(x) in SQL, for an input column or a knot (a number); x is known to lie in
    [low, high), which spares symlog1p its sign test in a segment on one side of 0."""
    exp = _exp()
    if fx == "identity":
        return x
    if fx == "log":
        return exp.Ln(this=x)
    if fx == "log1p":
        return _log1p(x)
    if fx == "symlog1p":  # sign(x) * log1p(|x|)
        value = _as_number(x)
        if value is not None:  # a knot: its sign is known
            low = high = value
        if low >= 0:
            return _log1p(x)
        if high <= 0 and (value is None or value < 0):
            return exp.Paren(this=exp.Neg(this=_log1p(_number(-value) if value is not None else exp.Paren(this=exp.Neg(this=x.copy())))))
        negative = exp.LT(this=x.copy(), expression=exp.Literal.number("0.0"))
        return _case([(negative, exp.Neg(this=_log1p(exp.Paren(this=exp.Neg(this=x.copy())))))], _log1p(x))
    raise UnsupportedError(f"unknown transform {fx!r}")


@dataclass(frozen=True)
class _Cell:
    """One branch of the CASE over an input: values between index lower and upper, at
    `weight` (None: exactly the value at `lower`). `condition` None is the ELSE branch."""

    condition: Expr | None
    lower: int
    upper: int
    weight: Expr | None


def _step_cells(x: Expr, edges: Sequence[float], at_edge: str) -> list[_Cell]:
    exp = _exp()
    compare = exp.LT if at_edge == "upper" else exp.LTE  # upper: a value on an edge goes up
    cells = [_Cell(compare(this=x.copy(), expression=_number(e)), k, k, None) for k, e in enumerate(edges)]
    return cells + [_Cell(None, len(edges), len(edges), None)]


def _category_cells(x: Expr, categories: Sequence[str]) -> list[_Cell]:
    exp = _exp()
    cells = [_Cell(exp.EQ(this=x.copy(), expression=exp.Literal.string(c)), k, k, None) for k, c in enumerate(categories)]
    return cells + [_Cell(None, len(categories), len(categories), None)]


def _knot_cells(x: Expr, knots: Sequence[float], fx: str = "identity") -> list[_Cell]:
    """Clamped below, one cell per segment (linear in fx), clamped above."""
    exp = _exp()
    last = len(knots) - 1
    cells = [_Cell(exp.LTE(this=x.copy(), expression=_number(knots[0])), 0, 0, None)]
    for i in range(last):
        t = _transform(fx, x.copy(), knots[i], knots[i + 1])
        t0, t1 = _transform(fx, _number(knots[i])), _transform(fx, _number(knots[i + 1]))
        ratio = exp.Div(this=exp.Paren(this=exp.Sub(this=t, expression=t0)), expression=exp.Paren(this=exp.Sub(this=t1, expression=t0.copy())), typed=True)
        weight = exp.Paren(this=ratio)
        cells.append(_Cell(exp.LT(this=x.copy(), expression=_number(knots[i + 1])), i, i + 1, weight))
    return cells + [_Cell(None, last, last, None)]


# A step of more edges is written in groups (see _step_case).
STEP_GROUPS_OVER = 16


def _step_case(x: Expr, step: Step) -> tuple[list[tuple[Expr, Expr]], Expr]:
    """A step's branches and ELSE: one branch a cell; over STEP_GROUPS_OVER edges, in groups of
    about sqrt(cells) cells, each group a CASE behind the edge that ends it. An engine walks a
    CASE branch by branch: ~2 sqrt(n) tests a row instead of ~n / 2 (n = 250: 16, not 125)."""
    cells = _step_cells(x, step.edges, step.at_edge)

    def value(cell: _Cell) -> Expr:
        return _number(step.values[cell.lower])

    if len(step.edges) <= STEP_GROUPS_OVER:
        return _cells_case(cells, value)
    size = math.isqrt(len(cells) - 1) + 1  # the ceiling of sqrt(cells)
    groups = [cells[start : start + size] for start in range(0, len(cells), size)]

    def group_case(group: list[_Cell]) -> Expr:
        return _case([(cell.condition, value(cell)) for cell in group[:-1]], value(group[-1]))

    return [(group[-1].condition, group_case(group)) for group in groups[:-1]], group_case(groups[-1])


def _cells_case(cells: list[_Cell], value: Callable[[_Cell], Expr]) -> tuple[list[tuple[Expr, Expr]], Expr]:
    branches = [(cell.condition, value(cell)) for cell in cells if cell.condition is not None]
    return branches, value(cells[-1])


def _axis_cells(axis: Axis) -> list[_Cell]:
    x = _column(axis.feature)
    if isinstance(axis, StepAxis):
        return _step_cells(x, axis.edges, axis.at_edge)
    if isinstance(axis, KnotAxis):
        return _knot_cells(x, axis.knots)
    return _category_cells(x, axis.categories)


def hidden_options(term: Term) -> str | None:
    """What the SQL of a degenerate term cannot show, kept in a comment after its CASE: the
    edge side of a step (axis) without edges, that a one-knot curve or grid axis is one
    (the same SQL as a step at one edge with equal values), and the transform where the
    SQL cannot tell it."""
    if isinstance(term, Step) and not term.edges and term.at_edge != "upper":
        return f"at_edge = {term.at_edge}"
    if isinstance(term, Curve) and (len(term.xs) == 1 or (term.fx == "symlog1p" and term.xs[0] >= 0)):
        return f"fx = {term.fx}"  # (symlog1p on knots >= 0 is log1p)
    if isinstance(term, Grid):
        parts = []
        for label, axis in (("a", term.a), ("b", term.b)):
            if isinstance(axis, StepAxis) and not axis.edges and axis.at_edge != "upper":
                parts.append(f"{label}: at_edge = {axis.at_edge}")
            elif isinstance(axis, KnotAxis) and len(axis.knots) == 1:
                parts.append(f"{label}: knots")
        return "; ".join(parts) or None
    return None


def term_expression(term: Term) -> Expr:
    """The sqlglot expression of one term: a number, or one CASE."""
    expression = _term_expression(term)
    hidden = hidden_options(term)
    if hidden is not None:
        expression.add_comments([f" {hidden} "])
    return expression


def _term_expression(term: Term) -> Expr:
    exp = _exp()
    if isinstance(term, Constant):
        return _number(term.value)
    if isinstance(term, Grid):
        a, b = _column(term.a.feature), _column(term.b.feature)
        either_missing = exp.Or(this=exp.Is(this=a, expression=exp.Null()), expression=exp.Is(this=b, expression=exp.Null()))
        a_cells, b_cells = _axis_cells(term.a), _axis_cells(term.b)

        def along(line: Sequence[float], cell: _Cell) -> Expr:
            low = _number(line[cell.lower])
            return low if cell.weight is None else _lerp(low, _number(line[cell.upper]), cell.weight.copy())

        def inner(a_cell: _Cell) -> Expr:
            def value(b_cell: _Cell) -> Expr:
                low = along(term.values[a_cell.lower], b_cell)
                if a_cell.weight is None:
                    return low
                return _lerp(exp.Paren(this=low), exp.Paren(this=along(term.values[a_cell.upper], b_cell)), a_cell.weight.copy())

            return _case(*_cells_case(b_cells, value))

        # only one input missing: its missing row (column), read along the other axis
        lines = []
        for absent, present, line, cells in ((a, b, term.missing_a, b_cells), (b, a, term.missing_b, a_cells)):
            if line is not None:
                only = exp.And(this=exp.Is(this=absent.copy(), expression=exp.Null()), expression=exp.Not(this=exp.Is(this=present.copy(), expression=exp.Null())))
                lines.append((only, _case(*_cells_case(cells, partial(along, line)))))
        branches, default = _cells_case(a_cells, inner)
        return _case([*lines, (either_missing, _missing(term.missing)), *branches], default)
    x = _column(term.feature)
    is_missing = (exp.Is(this=x.copy(), expression=exp.Null()), _missing(term.missing))
    if isinstance(term, Curve):
        ys = term.ys

        def curve_value(cell: _Cell) -> Expr:
            low = _number(ys[cell.lower])
            return low if cell.weight is None else _lerp(low, _number(ys[cell.upper]), cell.weight)

        branches, default = _cells_case(_knot_cells(x, term.xs, term.fx), curve_value)
    elif isinstance(term, Step):
        branches, default = _step_case(x, term)
    elif isinstance(term, Table):
        values = [v for _, v in term.entries] + [term.default]
        branches, default = _cells_case(_category_cells(x, [k for k, _ in term.entries]), lambda cell: _number(values[cell.lower]))
    else:
        raise UnsupportedError(f"the SQL backend cannot print a {type(term).__name__}")
    return _case([is_missing, *branches], default)


def _link_expression(link: str, score: str) -> Expr:
    """The prediction from the score column. PostgreSQL raises an error where EXP
    overflows or underflows, so the ends are written out: the logistic is 0.0 below -709
    (where EXP(-s) would overflow; the exact value is below 1e-307) and 1.0 above 745
    (exact in doubles); exp(s) is 0.0 below -745 (exact: EXP gives 0 there)."""
    exp = _exp()
    s = _column(score)
    zero, one = exp.Literal.number("0.0"), exp.Literal.number("1.0")
    if link == "logistic":
        formula = exp.Div(this=one, expression=exp.Paren(this=exp.Add(this=one.copy(), expression=exp.Exp(this=exp.Neg(this=s)))), typed=True)
        low = exp.LT(this=s.copy(), expression=_number(-709.0))
        high = exp.GT(this=s.copy(), expression=_number(745.0))
        return _case([(low, zero), (high, one.copy())], formula)
    return _case([(exp.LT(this=s.copy(), expression=_number(-745.0)), zero)], exp.Exp(this=s))


# --- printer ------------------------------------------------------------------------


def emit(model: Model, dialect: str | None = None, *, table: str = "input", keys: Sequence[str] = ()) -> str:
    """Print `model` as one SQL query over `table`, carrying the `keys` columns through.

    `dialect` is any dialect sqlglot knows (default duckdb).
    """
    from sqlglot.dialects.dialect import Dialect

    dialect = dialect or DEFAULT_DIALECT
    try:
        Dialect.get_or_raise(dialect)
    except ValueError as exc:
        raise UnsupportedError(f"unknown SQL dialect {dialect!r}: {exc}") from None
    inputs = {i.name for i in model.inputs}
    if dialect == "bigquery" and any("." in name for name in inputs):
        raise UnsupportedError("BigQuery reads a `.` in a quoted name as a path: rename the inputs whose names hold one")
    if dialect != "sqlite" and "" in inputs | set(keys):
        raise UnsupportedError(f'{dialect} has no empty quoted name (only SQLite reads `""`): give the input or key a name')
    if dialect == "sqlite" and any(name.upper() in ("TRUE", "FALSE") for name in inputs):
        raise UnsupportedError('SQLite reads a column "TRUE" or "FALSE" as a boolean: rename that input')
    outputs = {model.name, _PREDICTION_COLUMNS.get(model.link, model.name)}
    for key in keys:
        if key in inputs or key in outputs:
            raise UnsupportedError(f"key column {key!r} is also an input or output of the model; carry it under another name")
    printer = _Printer(dialect)
    key_list = [printer.identifier(k) for k in keys]
    source = printer.table(table)
    header = _header(model, dialect, table)
    parts: list[str] = []
    if model.inputs:
        casts = [f"CAST({printer.identifier(i.name)} AS {printer.type_name(i.kind)}) AS {printer.identifier(i.name)}" for i in model.inputs]
        parts.append(f"{printer.identifier(INPUTS_CTE)} AS (\n  SELECT\n{_listing(key_list + casts, 4)}\n  FROM {source}\n)")
        source = printer.identifier(INPUTS_CTE)
    # A long sum is carried through CTEs in stages, in order (rule 6), each stage's total
    # starting the next: see common.SUM_STAGE.
    summands = [term_expression(term) for term in model.terms]
    stages = sum_stages(summands)
    taken = inputs | outputs | set(keys)
    running: str | None = None
    for done, stage in zip(range(SUM_STAGE, len(summands), SUM_STAGE), stages):
        column = identifier(f"{model.name}_to_term_{done}", taken)
        taken.add(column)
        total = printer.sum(stage, 4, first=running)
        parts.append(f"{printer.identifier(column)} AS (\n  SELECT\n    *,\n{total}\n      AS {printer.identifier(column)}\n  FROM {source}\n)")
        running = source = printer.identifier(column)
    # indented by 2 inside the "scores" CTE; never re-indented as text (a string literal or
    # a quoted name may hold a newline)
    base = 2 if model.link in _PREDICTION_COLUMNS else 0
    total = printer.sum(stages[-1], base + 4, first=running)
    keys_text = _listing(key_list, base + 2) + ",\n" if key_list else ""
    pad = " " * base
    scoring = f"{pad}SELECT\n{keys_text}{total}\n{pad}    AS {printer.identifier(model.name)}\n{pad}FROM {source}"
    if model.link in _PREDICTION_COLUMNS:
        parts.append(f"{printer.identifier(SCORES_CTE)} AS (\n{scoring}\n)")
        link = printer.render(_link_expression(model.link, model.name), 2)
        final = [*key_list, printer.identifier(model.name), f"{link} AS {printer.identifier(_PREDICTION_COLUMNS[model.link])}"]
        query = f"SELECT\n{_listing(final, 2)}\nFROM {printer.identifier(SCORES_CTE)}"
    else:
        query = scoring
    text = ("WITH " + ", ".join(parts) + "\n" if parts else "") + query
    return header + text + ";\n"


def _listing(items: list[str], indent: int) -> str:
    return ",\n".join(" " * indent + item for item in items)


def _header(model: Model, dialect: str, table: str) -> str:
    lines = [*model.doc.split("\n"), ""] if model.doc else []
    lines += trailer_lines(SUFFIX)
    lines += [
        "",
        f"Dialect: {dialect}. Reads table {quoted(table)}: one row per case, one column per input;",
        "a NULL input is missing (load NaN as NULL). Categorical inputs are compared as text.",
    ]
    if model.link in _PREDICTION_COLUMNS:
        lines.append(f"{model.name} is the {'log-odds' if model.link == 'logistic' else 'log of the prediction'}; {_PREDICTION_COLUMNS[model.link]} applies the link.")
    return "".join(f"-- {line}".rstrip() + "\n" for line in lines)


class _Printer:
    """Renders expressions for one dialect: one CASE branch a line, terms one a line."""

    def __init__(self, dialect: str):
        self.dialect = dialect

    def identifier(self, name: str) -> str:
        return str(_exp().Identifier(this=name, quoted=True).sql(dialect=self.dialect))

    def table(self, name: str) -> str:
        exp = _exp()
        parts = [exp.Identifier(this=p, quoted=True) for p in name.split(".")]
        return ".".join(p.sql(dialect=self.dialect) for p in parts)

    def type_name(self, kind: str) -> str:
        return str(_exp().DataType.build("TEXT" if kind == "categorical" else "DOUBLE").sql(dialect=self.dialect))

    def render(self, node: Expr, indent: int) -> str:
        """`node` as text; a CASE gets one WHEN a line, nested CASEs indented further."""
        exp = _exp()
        if not isinstance(node, exp.Case) or node.this is not None:
            return str(node.sql(dialect=self.dialect))
        pad = " " * (indent + 2)
        lines = ["CASE" + "".join(f" /*{comment}*/" for comment in node.comments or [])]
        for branch in node.args.get("ifs") or []:
            value = self.render(branch.args["true"], indent + 4)
            lines.append(f"{pad}WHEN {branch.this.sql(dialect=self.dialect)} THEN {value}")
        lines.append(f"{pad}ELSE {self.render(node.args['default'], indent + 4)}")
        lines.append(" " * indent + "END")
        return "\n".join(lines)

    def sum(self, summands: list[Expr], indent: int, first: str | None = None) -> str:
        """One summand a line; `first` (a column holding the sum so far) leads when given."""
        out = [" " * indent + first] if first is not None else []
        for summand in summands:
            prefix = "+ " if out else ""
            out.append(" " * indent + prefix + self.render(summand, indent + len(prefix)))
        return "\n".join(out) or " " * indent + "0.0"


# --- reader -------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryOptions:
    """How a query was emitted, beyond the model: what `emit` needs to print it the same."""

    dialect: str
    table: str
    keys: tuple[str, ...]


def query_options(text: str, dialect: str | None = None) -> QueryOptions:
    """The dialect, input table and key columns of an emitted query, so that re-printing a
    read file (`pwlc fmt`) keeps them: `emit(read(text), **vars(query_options(text)))`."""
    import sqlglot

    exp = _exp()
    declared = re.search(r"^--\s*Dialect:\s*(\w+)", text, flags=re.MULTILINE)
    dialect = dialect or (declared.group(1) if declared else DEFAULT_DIALECT)
    with _sqlglot_quiet():
        statement = sqlglot.parse_one(text, read=dialect)
    ctes = {cte.alias for cte in statement.find_all(exp.CTE)}
    tables = [t for t in statement.find_all(exp.Table) if t.name not in ctes]
    table = ".".join(part.name for part in tables[0].parts) if tables else "input"
    keys = tuple(p.name for p in statement.expressions if isinstance(p, exp.Column))
    score_columns = {a.alias for a in statement.find_all(exp.Alias)}
    return QueryOptions(dialect, table, tuple(k for k in keys if k not in score_columns))


def read(text: str, filename: str = "<string>", dialect: str | None = None) -> Model:
    """Parse an emitted (and possibly hand-edited) query back into a model."""
    import sqlglot
    from sqlglot.errors import ParseError as SqlglotParseError
    from sqlglot.errors import TokenError

    declared = re.search(r"^--\s*Dialect:\s*(\w+)", text, flags=re.MULTILINE)
    dialect = dialect or (declared.group(1) if declared else DEFAULT_DIALECT)
    try:
        with _sqlglot_quiet():
            statements = [s for s in sqlglot.parse(text, read=dialect) if s is not None]
    except SqlglotParseError as exc:
        error = exc.errors[0] if exc.errors else {}
        line, col = int(error.get("line") or 1), int(error.get("col") or 1)
        message = str(error.get("description") or exc).splitlines()[0]
        source = "" if declared or dialect != DEFAULT_DIALECT else " (no `-- Dialect: NAME` header line, so read as duckdb)"
        raise ParseError(f"not valid {dialect} SQL{source}: {message}", Span.of_line(text, filename, line, col)) from None
    except TokenError as exc:
        raise ParseError(f"not valid {dialect} SQL: {exc}", Span.of_line(text, filename, 1, 1)) from None
    except ValueError as exc:
        raise UnsupportedError(f"unknown SQL dialect {dialect!r}: {exc}") from None
    if len(statements) != 1:
        raise ParseError(f"expected one SELECT statement, found {len(statements)}", Span.of_line(text, filename, 1, 1))
    return _Reader(text, filename, dialect).query(statements[0])


@contextmanager
def _sqlglot_quiet() -> Iterator[None]:
    """sqlglot logs a warning for text it cannot parse; pwlc reports that itself, once."""
    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _strip(node: Expr) -> Expr:
    exp = _exp()
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def _as_number(node: Expr) -> float | None:
    """The value of a (possibly negated, parenthesised) numeric literal, else None."""
    exp = _exp()
    node = _strip(node)
    if isinstance(node, exp.Neg):
        inner = _as_number(node.this)
        return None if inner is None else -inner
    if isinstance(node, exp.Literal) and not node.is_string:
        try:
            value = float(node.this)
        except ValueError:
            return None
        return value if math.isfinite(value) else None  # 1e999: not a number a model can hold
    return None


def _leftmost_number(node: Expr) -> float | None:
    """The first number in `a + (b - a) * w` (the value at the lower end of a cell)."""
    exp = _exp()
    node = _strip(node)
    while isinstance(node, (exp.Add, exp.Sub, exp.Mul, exp.Div)):
        node = _strip(node.this)
    return _as_number(node)


def _mismatch(parsed: Expr, built: Expr) -> tuple[Expr, Expr] | None:
    """The first node of `parsed` that differs from `built`, with the node it should have
    been (None when they match).

    Parentheses, identifier quoting and number spelling (`1` vs `1.0`) do not matter.
    """
    exp = _exp()
    knot = built.meta.get(_LOG1P_KNOT) if built._meta else None
    if knot is not None:  # a knot's log1p: either spelling will do
        return None if any(_mismatch(parsed, form) is None for form in _log1p_forms(knot)) else (_bare(parsed), built)
    parsed, built = _bare(parsed), _bare(built)
    a, b = _as_number(parsed), _as_number(built)
    if a is not None or b is not None:
        return None if a == b else (parsed, built)
    if type(parsed) is not type(built):
        return parsed, built
    if isinstance(parsed, exp.Column):
        return None if parsed.name == built.name else (parsed, built)
    if isinstance(parsed, exp.Literal):
        return None if parsed.this == built.this else (parsed, built)
    # typed/safe say how a dialect divides; every operand here is a float either way
    keys = {k for node in (parsed, built) for k, v in node.args.items() if v not in (None, False, []) and k not in ("typed", "safe")}
    for key in sorted(keys):
        left, right = parsed.args.get(key), built.args.get(key)
        lefts = left if isinstance(left, list) else [left]
        rights = right if isinstance(right, list) else [right]
        if len(lefts) != len(rights):
            return parsed, built
        for x, y in zip(lefts, rights):
            if isinstance(x, exp.Expression) and isinstance(y, exp.Expression):
                found = _mismatch(x, y)
                if found is not None:
                    return found
            elif isinstance(x, exp.Expression) or isinstance(y, exp.Expression) or x != y:
                return parsed, built
    return None


def _in_line(branches: list[tuple[Expr, Expr]], default: Expr) -> tuple[list[tuple[Expr, Expr]], Expr]:
    """A long step's groups (see _step_case) read back in line: each group's branches, then
    its ELSE under the condition the group stands behind. Any grouping reads the same."""
    exp = _exp()

    def grouped(value: Expr) -> Expr | None:
        value = _strip(value)
        return value if isinstance(value, exp.Case) and value.this is None and value.args.get("default") is not None else None

    flat: list[tuple[Expr, Expr]] = []
    for condition, value in branches:
        group = grouped(value)
        if group is None:
            flat.append((condition, value))
        else:
            flat += [(branch.this, branch.args["true"]) for branch in group.args["ifs"]] + [(condition, group.args["default"])]
    last = grouped(default)
    if last is not None:
        flat += [(branch.this, branch.args["true"]) for branch in last.args["ifs"]]
        default = last.args["default"]
    return flat, default


def _step_mismatch(parsed: Expr, built: Expr) -> tuple[Expr, Expr] | None:
    """_mismatch for a step's CASE, however its branches are grouped: both read in line."""

    def in_line(case: Expr) -> tuple[list[tuple[Expr, Expr]], Expr]:
        first, *rest = _bare(case).args["ifs"]
        branches, default = _in_line([(branch.this, branch.args["true"]) for branch in rest], _bare(case).args["default"])
        return [(first.this, first.args["true"]), *branches], default

    (parsed_branches, parsed_default), (built_branches, built_default) = in_line(parsed), in_line(built)
    if len(parsed_branches) != len(built_branches):
        return parsed, built
    for (parsed_condition, parsed_value), (built_condition, built_value) in zip(parsed_branches, built_branches):
        found = _mismatch(parsed_condition, built_condition) or _mismatch(parsed_value, built_value)
        if found is not None:
            return found
    return _mismatch(parsed_default, built_default)


def _bare(node: Expr) -> Expr:
    """`node` without parentheses and without CASTs to a floating type: every value in a
    term is a float already (sqlglot adds such casts when it transpiles a division)."""
    exp = _exp()
    node = _strip(node)
    while isinstance(node, exp.Cast) and node.to.is_type(*exp.DataType.FLOAT_TYPES):
        node = _strip(node.this)
    return node


def _position(node: Expr) -> int | None:
    """The text offset where `node` starts: the first of its positioned descendants."""
    starts = [int(sub._meta["start"]) for sub in node.walk() if getattr(sub, "_meta", None) and "start" in sub._meta]
    return min(starts) if starts else None


class _Reader:
    def __init__(self, text: str, filename: str, dialect: str):
        self.text = text
        self.filename = filename
        self.dialect = dialect

    def span(self, node: Expr) -> Span:
        offset = _position(node)
        return Span.at(self.text, self.filename, offset) if offset is not None else Span.of_line(self.text, self.filename, 1, 1)

    def fail(self, message: str, node: Expr) -> ParseError:
        return ParseError(message, self.span(node))

    def query(self, statement: Expr) -> Model:
        exp = _exp()
        if not isinstance(statement, exp.Select):
            raise self.fail("expected a SELECT query", statement)
        selects = list(statement.find_all(exp.Select))
        inputs: list[Input] | None = None
        sums: dict[str, tuple[Expr, Expr]] = {}  # column -> (sum, its projection)
        link, link_of = "identity", None
        for select in selects:
            for projection in select.expressions:
                if not isinstance(projection, exp.Alias):
                    continue
                value, name = _strip(projection.this), projection.alias
                if isinstance(value, exp.Cast):
                    inputs = (inputs or []) + [self.input(value, name)]
                elif self.is_link(value) is not None:
                    if link != "identity":
                        raise self.fail("only one link column may follow the score", projection)
                    link, link_of = self.is_link(value)  # type: ignore[misc]
                elif name in sums:
                    raise self.fail(f"a second column named {name!r}", projection)
                else:
                    sums[name] = (value, projection)
        # A long sum is written in stages (see `emit`): a stage's column leads the next sum.
        leading = [self.summands(value)[0] for value, _ in sums.values()]
        continued = {first.name for first in leading if isinstance(first, exp.Column)}
        finals = [name for name in sums if name not in continued]
        if not finals:
            raise self.fail("no score column found (expected `<sum of terms> AS score`)", statement)
        if len(finals) > 1:
            raise self.fail(f"expected one score column, found a second ({finals[1]!r})", sums[finals[1]][1])
        name = finals[0]
        total, where = sums[name]
        if link_of is not None and link_of != name:
            raise self.fail(f"the link column must be computed from {name!r}", statement)
        if not name.isidentifier():
            raise self.fail(f"the score column {name!r} must be an identifier (it names the model)", where)
        kinds = {i.name: i.kind for i in inputs or []}
        terms = [self.term(summand, kinds) for summand in self.all_summands(total, sums)]
        if inputs is None:
            inputs = self.inferred_inputs(terms)
        return Model(tuple(inputs), tuple(terms), link, name, self.doc(), span=self.span(where))  # type: ignore[arg-type]

    def case_comment(self, case: Expr) -> str | None:
        """The comment right after a CASE keyword (sqlglot may attach it to another node)."""
        if case.comments:
            return " ".join(c.strip() for c in case.comments)
        # Walk back from the first WHEN over `CASE /*comment*/ WHEN (`, by offsets: a search
        # or a copy of all the text before each term would make reading quadratic.
        text = self.text
        end = self._skip_back(_position(case) or 0, " \t\r\n(")
        if text[max(end - 4, 0) : end].upper() != "WHEN":
            return None
        end = self._skip_back(end - 4, " \t\r\n")
        if text[max(end - 2, 0) : end] != "*/":
            return None
        opening = text.rfind("/*", 0, end - 2)
        keyword = self._skip_back(opening, " \t\r\n")
        if opening < 0 or text[max(keyword - 4, 0) : keyword].upper() != "CASE":
            return None
        return text[opening + 2 : end - 2].strip()

    def _skip_back(self, end: int, characters: str) -> int:
        """The offset where the run of `characters` ending at `end` starts."""
        while end > 0 and self.text[end - 1] in characters:
            end -= 1
        return end

    def doc(self) -> str:
        lines: list[str] = []
        for line in self.text.lstrip().splitlines():
            if not line.startswith("--"):
                break
            lines.append(line[3:] if line.startswith("-- ") else line[2:])
        first = trailer_lines(SUFFIX)[0]
        return "\n".join(lines[: lines.index(first)]).strip() if first in lines else ""

    def input(self, cast: Expr, name: str) -> Input:
        type_name = cast.args["to"].this.name if hasattr(cast.args["to"].this, "name") else str(cast.args["to"].this)
        kind = "categorical" if type_name.upper() in _TEXT_TYPES else "numeric"
        return Input(name, kind, span=self.span(cast))  # type: ignore[arg-type]

    def is_link(self, value: Expr) -> tuple[str, str] | None:
        exp = _exp()
        columns = list(value.find_all(exp.Column))
        if len({c.name for c in columns}) != 1 or not isinstance(value, (exp.Case, exp.Div, exp.Exp)):
            return None
        for link in _PREDICTION_COLUMNS:
            plain = _link_expression(link, columns[0].name).args["default"]  # without the guarded ends
            if any(_mismatch(value, form) is None for form in (_link_expression(link, columns[0].name), plain)):
                return link, columns[0].name
        return None

    def all_summands(self, total: Expr, sums: Mapping[str, tuple[Expr, Expr]]) -> list[Expr]:
        """The summands of `total`, with a leading stage column replaced by its own sum."""
        exp = _exp()
        out: list[Expr] = []
        seen: set[str] = set()
        while True:
            summands = self.summands(total)
            out = summands[1:] + out
            first = summands[0]
            if not isinstance(first, exp.Column) or first.name not in sums:
                return [first, *out]
            if first.name in seen:
                raise self.fail(f"the sum in {first.name!r} refers back to itself", first)
            seen.add(first.name)
            total = sums[first.name][0]

    def summands(self, node: Expr) -> list[Expr]:
        exp = _exp()
        out: list[Expr] = []
        node = _strip(node)
        while isinstance(node, (exp.Add, exp.Sub)):
            right = node.expression
            if isinstance(node, exp.Sub):
                value = _as_number(right)
                if value is None:
                    raise self.fail("only a number may be subtracted; add the term instead", right)
                right = _number(-value)
            out.append(right)
            node = _strip(node.this)
        out.append(node)
        return out[::-1]

    def inferred_inputs(self, terms: list[Term]) -> list[Input]:
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

    # -- terms --

    def term(self, node: Expr, kinds: Mapping[str, str]) -> Term:
        exp = _exp()
        value = _as_number(node)
        if value is not None:
            return Constant(value, span=self.span(node))
        case = _strip(node)
        if not isinstance(case, exp.Case) or case.this is not None or not case.args.get("ifs"):
            raise self.fail("expected a number or a CASE WHEN ... END term", node)
        ifs = case.args["ifs"]
        lines: dict[str, Expr] = {}  # a grid's missing row/column, by the input missing
        while len(ifs) > 1 and (absent := _only_missing(ifs[0].this)) is not None:
            lines[absent] = ifs[0].args["true"]
            ifs = ifs[1:]
        first = ifs[0]
        condition = _strip(first.this)
        missing = None if isinstance(_strip(first.args["true"]), exp.Null) else _as_number(first.args["true"])
        if missing is None and not isinstance(_strip(first.args["true"]), exp.Null):
            raise self.fail("the value for a missing input must be a number or NULL", first.args["true"])
        branches = [(b.this, b.args["true"]) for b in ifs[1:]]
        default = case.args.get("default")
        if default is None:
            raise self.fail("a term's CASE needs an ELSE branch (the value above the last edge)", case)
        if isinstance(condition, exp.Is) and isinstance(condition.this, exp.Column):
            feature = condition.this.name
            candidates = self.single_candidates(feature, kinds.get(feature), *_in_line(branches, default), missing)
        elif isinstance(condition, exp.Or) and all(isinstance(_strip(c), exp.Is) for c in (condition.this, condition.expression)):
            a, b = (_strip(c).this.name for c in (condition.this, condition.expression))
            candidates = self.grid_candidates(a, b, kinds, branches, default, missing, lines)
        else:
            raise self.fail('a term\'s CASE must start with `WHEN "x" IS NULL THEN ...` (or `"a" IS NULL OR "b" IS NULL` for a grid)', condition)
        span = self.span(case)
        hidden = self.case_comment(case)
        candidates.sort(key=lambda candidate: hidden_options(candidate) != hidden)
        first_mismatch: tuple[Expr, Expr] | None = None
        for candidate in candidates:
            built = term_expression(candidate)
            found = _step_mismatch(case, built) if isinstance(candidate, Step) else _mismatch(case, built)
            if found is None:
                return _with_span(candidate, span)
            first_mismatch = first_mismatch or found
        if first_mismatch is None:
            raise self.fail("this CASE does not read as a curve, step, table or grid term", case)
        what = type(candidates[0]).__name__.lower()
        where, wanted = first_mismatch
        raise self.fail(
            f"this does not fit the {what} read from this CASE, which has `{wanted.sql(dialect=self.dialect)}` here"
            " (a number that appears more than once must change everywhere)",
            where,
        )

    def single_candidates(self, feature: str, kind: str | None, branches: list[tuple[Expr, Expr]], default: Expr, missing: float | None) -> list[Term]:
        exp = _exp()
        conditions = [_strip(c) for c, _ in branches]
        values = [_as_number(v) for _, v in branches]
        last = _as_number(default)
        candidates: list[Term] = []
        if last is None:
            return candidates
        if kind == "categorical" or (conditions and all(isinstance(c, exp.EQ) and isinstance(c.expression, exp.Literal) and c.expression.is_string for c in conditions)):
            if all(isinstance(c, exp.EQ) and isinstance(c.expression, exp.Literal) for c in conditions) and None not in values:
                entries = tuple((c.expression.this, v) for c, v in zip(conditions, values))
                candidates.append(Table(feature, entries, last, missing))  # type: ignore[arg-type]
            return candidates
        bounds = [_as_number(c.expression) if isinstance(c, (exp.LT, exp.LTE)) else None for c in conditions]
        if None in bounds:
            return candidates
        ops = [type(c) for c in conditions]
        if ops and ops[0] is exp.LTE and all(op is exp.LT for op in ops[1:]) and values[0] is not None:
            ys = [values[0]] + [_leftmost_number(v) for _, v in branches[2:]] + ([last] if len(bounds) > 1 else [])
            if None not in ys and len(ys) == len(bounds) and (len(bounds) > 1 or last == values[0]):
                candidates += [Curve(feature, tuple(bounds), tuple(ys), fx, missing) for fx in TRANSFORMS]  # type: ignore[arg-type]
        if None not in values:
            for side, op in (("upper", exp.LT), ("lower", exp.LTE)):
                if all(o is op for o in ops):
                    candidates.append(Step(feature, tuple(bounds), (*values, last), side, missing))  # type: ignore[arg-type]
        return candidates

    def grid_candidates(
        self, a: str, b: str, kinds: Mapping[str, str], branches: list[tuple[Expr, Expr]], default: Expr, missing: float | None, lines: Mapping[str, Expr]
    ) -> list[Term]:
        exp = _exp()
        a_values = [v for _, v in branches] + [default]
        inner = _strip(a_values[0])
        # an axis with one cell has no CASE over it
        b_branches = [(i.this, i.args["true"]) for i in inner.args.get("ifs") or []] if isinstance(inner, exp.Case) else []
        candidates: list[Term] = []
        for axis_a in self.axis_candidates(a, kinds.get(a), [c for c, _ in branches]):
            for axis_b in self.axis_candidates(b, kinds.get(b), [c for c, _ in b_branches]):
                cells_a, cells_b = _axis_cells(axis_a), _axis_cells(axis_b)
                if len(cells_a) != len(a_values):
                    continue
                grid = [[math.nan] * axis_b.size for _ in range(axis_a.size)]
                for cell_a, value_a in zip(cells_a, a_values):
                    for j, number in enumerate(_line_values(value_a, cells_b)):
                        if not math.isnan(number):
                            grid[cell_a.lower][j] = number
                missing_a, missing_b = (_line_values(lines[name], cells) if name in lines else None for name, cells in ((a, cells_b), (b, cells_a)))
                numbers = [v for row in grid for v in row] + list(missing_a or ()) + list(missing_b or ())
                if all(math.isfinite(v) for v in numbers):
                    candidates.append(Grid(axis_a, axis_b, tuple(tuple(row) for row in grid), missing, missing_a, missing_b))
        return candidates

    def axis_candidates(self, feature: str, kind: str | None, conditions: list[Expr]) -> list[Axis]:
        exp = _exp()
        conditions = [_strip(c) for c in conditions]
        if kind == "categorical" or (conditions and all(isinstance(c, exp.EQ) for c in conditions)):
            if all(isinstance(c, exp.EQ) and isinstance(c.expression, exp.Literal) and c.expression.is_string for c in conditions):
                return [CategoryAxis(feature, tuple(c.expression.this for c in conditions))]
            return []
        bounds = [_as_number(c.expression) if isinstance(c, (exp.LT, exp.LTE)) else None for c in conditions]
        if None in bounds:
            return []
        ops = [type(c) for c in conditions]
        found: list[Axis] = []
        for side, op in (("upper", exp.LT), ("lower", exp.LTE)):
            if all(o is op for o in ops):
                found.append(StepAxis(feature, tuple(bounds), side))  # type: ignore[arg-type]
        if ops and ops[0] is exp.LTE and all(o is exp.LT for o in ops[1:]):
            found.append(KnotAxis(feature, tuple(bounds)))  # type: ignore[arg-type]
        return found


def _only_missing(condition: Expr) -> str | None:
    """The input named by `"a" IS NULL AND NOT "b" IS NULL` (a grid's missing-row branch)."""
    exp = _exp()
    condition = _strip(condition)
    if not isinstance(condition, exp.And):
        return None
    absent, present = _strip(condition.this), _strip(condition.expression)
    if isinstance(present, exp.Not) and isinstance(absent, exp.Is) and isinstance(absent.this, exp.Column) and isinstance(_strip(present.this), exp.Is):
        return str(absent.this.name)
    return None


def _line_values(line: Expr, cells: list[_Cell]) -> tuple[float, ...]:
    """A row of a grid (or its missing row or column) read from its CASE over the other
    axis: the value at the lower end of each cell (NaN where none can be read; the
    printed-again comparison reports it)."""
    exp = _exp()
    case = _strip(line)
    values = [i.args["true"] for i in case.args.get("ifs") or []] + [case.args.get("default")] if isinstance(case, exp.Case) and case.this is None else [line]
    size = max((cell.upper for cell in cells), default=0) + 1
    out = [math.nan] * size
    for cell, value in zip(cells, values):
        number = _leftmost_number(value) if value is not None else None
        if number is not None:
            out[cell.lower] = number
    return tuple(out)


def _with_span(term: Term, span: Span) -> Term:
    from dataclasses import replace

    return replace(term, span=span)
