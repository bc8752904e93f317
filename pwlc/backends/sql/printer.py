"""The printer: a model as one query over the user's table.

    WITH "inputs" AS (                    -- each input cast once: a double or text
      SELECT "id", CAST("age" AS DOUBLE) AS "age", CAST("sex" AS TEXT) AS "sex" FROM "people"
    ), "scores" AS (                      -- one CASE per term, added up in order
      SELECT "id",
        (-0.35e0)
        + CASE WHEN "age" IS NULL THEN NULL WHEN "age" <= 18.0e0 THEN 0.61e0 ... END
        + ... AS "score"
      FROM "inputs"
    )
    SELECT "id", "score", <1 / (1 + EXP(-"score"))> AS "probability" FROM "scores"

A model of more than SUM_STAGE terms adds them up in stages, in order: a CTE per stage,
`SELECT *, <sum so far> + <next terms> AS "score_to_term_250"`, since SQLite and DuckDB
refuse an expression nested more than 1000 deep. Terms are sqlglot expressions
(`terms.py`); the layout around them (one WHEN a line, one term a line) is text.

Every name is quoted by sqlglot for the dialect, every category is a string literal
escaped for it, and a name or category holding NUL (which no SQL text can carry) is
refused: user text cannot leave its identifier or string.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from pwlc.backends.common import SUM_STAGE, sum_stages
from pwlc.backends.sql import guards
from pwlc.backends.sql.bins import BINS_CTE, BinColumns
from pwlc.backends.sql.dialects import Expr, check_dialect, column_key, number, rules, sqlglot_exp
from pwlc.backends.sql.header import header
from pwlc.backends.sql.terms import Printing, column, link_expression, term_expression
from pwlc.errors import UnsupportedError
from pwlc.ir import CategoryAxis, Curve, Grid, Model, Multiclass, Table

DEFAULT_DIALECT = "duckdb"
INPUTS_CTE = "inputs"
SCORES_CTE = "scores"
PREDICTION_COLUMNS = {"logistic": "probability", "exp": "prediction"}


def emit(
    model: Model | Multiclass, dialect: str | None = None, *, table: str = "input", keys: Sequence[str] = (), extras: Sequence[str] = (), score_alias: str | None = None
) -> str:
    """Print `model` as one query over `table`, carrying the `keys` columns through.

    `dialect` is any dialect sqlglot knows (default duckdb). `extras` (further output
    columns of the final SELECT, as SQL text) and `score_alias` (the score's name in the
    result) are what `query_options` found in a read file.
    """
    if isinstance(model, Multiclass):
        from pwlc.backends.sql.multiclass import emit_multiclass

        if extras or score_alias:
            raise UnsupportedError("a multiclass query carries no extra columns: compute them outside the query")
        return emit_multiclass(model, dialect, table, keys)
    dialect = dialect or DEFAULT_DIALECT
    check_dialect(dialect)
    check_text(model, dialect, table, keys)
    if rules(dialect).strict_floats:
        guards.check_strict(model, dialect)
    check_transforms(model, dialect)
    printer = _Printer(dialect)
    prediction = PREDICTION_COLUMNS.get(model.link)
    key_list = [printer.identifier(k) for k in keys]
    source = printer.table(table)
    # names the engine must not confuse with the columns or the table (it may ignore case)
    columns = {column_key(name, dialect) for name in [*(i.name for i in model.inputs), *keys, model.name, prediction or model.name]}
    ctes = {column_key(table.split(".")[-1], dialect)}

    def fresh(name: str, taken: set[str]) -> str:
        found, n = name, 2
        while column_key(found, dialect) in taken:
            found, n = f"{name}_{n}", n + 1
        taken.add(column_key(found, dialect))
        return found

    # DuckDB: the grids' bin numbers in columns of a bins step, each computed once (bins.py)
    bins = BinColumns(dialect, lambda name: fresh(name, columns)) if rules(dialect).lists and model.inputs else None
    p = Printing(dialect, bins=bins)
    summands = [term_expression(term, p) for term in model.terms]
    text = header(model.doc, dialect, table, rules(dialect).numbers, model.name, model.link, prediction, p.guards > 0, p.product_guards > 0)
    parts: list[str] = []
    if model.inputs:
        casts = [printer.cast(i.name, i.kind) for i in model.inputs]
        name = printer.identifier(fresh(INPUTS_CTE, ctes))
        parts.append(f"{name} AS (\n  SELECT\n{_listing(key_list + casts, 4)}\n  FROM {source}\n)")
        source = name
    if bins is not None and bins.items():
        numbers = [f"{printer.render(case, 4)} AS {printer.identifier(column)}" for column, case in bins.items()]
        name = printer.identifier(fresh(BINS_CTE, ctes))
        parts.append(f"{name} AS (\n  SELECT\n{_listing(['*', *numbers], 4)}\n  FROM {source}\n)")
        source = name
    # A long sum is carried through CTEs in stages, in order (rule 6), each stage's total
    # starting the next: see common.SUM_STAGE.
    stages = sum_stages(summands)
    running: str | None = None
    for done, stage in zip(range(SUM_STAGE, len(summands), SUM_STAGE), stages):
        total_column = printer.identifier(fresh(f"{model.name}_to_term_{done}", columns))
        total = printer.sum(stage, 4, first=running)
        name = printer.identifier(fresh(f"{model.name}_to_term_{done}", ctes))
        parts.append(f"{name} AS (\n  SELECT\n    *,\n{total}\n      AS {total_column}\n  FROM {source}\n)")
        running, source = total_column, name
    # indented by 2 inside the "scores" CTE; never re-indented as text (a string literal or
    # a quoted name may hold a newline)
    base = 2 if prediction else 0
    total = printer.sum(stages[-1], base + 4, first=running)
    keys_text = _listing(key_list, base + 2) + ",\n" if key_list else ""
    pad = " " * base
    extra_text = "".join(f",\n{pad}  {extra}" for extra in extras)
    score = printer.identifier(model.name)
    if prediction:
        scoring = f"{pad}SELECT\n{keys_text}{total}\n{pad}    AS {score}\n{pad}FROM {source}"
        name = printer.identifier(fresh(SCORES_CTE, ctes))
        parts.append(f"{name} AS (\n{scoring}\n)")
        link = printer.render(link_expression(model.link, model.name, p), 2)
        shown = f"{score} AS {printer.identifier(score_alias)}" if score_alias else score
        final = [*key_list, shown, f"{link} AS {printer.identifier(prediction)}", *extras]
        query = f"SELECT\n{_listing(final, 2)}\nFROM {name}"
    else:
        query = f"SELECT\n{keys_text}{total}\n    AS {score}{extra_text}\nFROM {source}"
    return text + ("WITH " + ", ".join(parts) + "\n" if parts else "") + query + ";\n"


def _listing(items: list[str], indent: int) -> str:
    return ",\n".join(" " * indent + item for item in items)


def check_text(model: Model, dialect: str, table: str, keys: Sequence[str], outputs: Sequence[str] = (), labels: Sequence[str] = ()) -> None:
    """Refuse names and categories the dialect cannot carry, or would confuse. `outputs` are
    the columns the query computes (by default the score and the link's), `labels` a
    multiclass model's class names."""
    inputs = [i.name for i in model.inputs]
    texts = [*(("input", n) for n in inputs), *(("key column", k) for k in keys), ("table", table), *(("class name", c) for c in labels), *_categories(model)]
    for what, text in texts:
        if "\x00" in text and not rules(dialect).holds_nul:
            raise UnsupportedError(f"{dialect} refuses a NUL character in its text, and the {what} {text!r} holds one: replace it")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise UnsupportedError(f"the {what} {text!r} is not valid Unicode text (it holds a lone surrogate)") from None
    if dialect == "bigquery" and any("." in name for name in inputs):
        raise UnsupportedError("BigQuery reads a `.` in a quoted name as a path: rename the inputs whose names hold one")
    if dialect != "sqlite" and "" in {*inputs, *keys}:
        raise UnsupportedError(f'{dialect} has no empty quoted name (only SQLite reads `""`): give the input or key a name')
    outputs = list(outputs) or [model.name, PREDICTION_COLUMNS.get(model.link, model.name)]
    boolean_names = [name for name in [*inputs, *keys, *outputs] if name.upper() in ("TRUE", "FALSE")]
    if dialect == "sqlite" and boolean_names:
        raise UnsupportedError(f'SQLite reads a column named {boolean_names[0]!r} as a boolean: rename that input, key or model')
    if model.link in PREDICTION_COLUMNS and model.name == outputs[1]:  # (names equal but for case: below)
        raise UnsupportedError(
            f"the model is named {model.name!r}, as the column its {model.link} link's value goes to, so the query would"
            " return two columns of that name: rename the model (`model NAME` in .pwl, name= in Python)"
        )
    for key in keys:
        if key in inputs or key in outputs:
            raise UnsupportedError(f"key column {key!r} is also an input or output of the model; carry it under another name")
    seen: dict[str, str] = {}
    for name in [*inputs, *keys, *dict.fromkeys(outputs)]:
        other = seen.setdefault(column_key(name, dialect), name)
        if other != name:
            raise UnsupportedError(
                f"{dialect} reads the names {other!r} and {name!r} as one column (it ignores case in names):"
                " rename one of them, or compile for a dialect that tells them apart (postgres, snowflake)"
            )


def _categories(model: Model) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for term in model.terms:
        if isinstance(term, Table):
            found += [("category", key) for key, _ in term.entries]
        elif isinstance(term, Grid):
            for axis in (term.a, term.b):
                if isinstance(axis, CategoryAxis):
                    found += [("category", key) for key in axis.categories]
    return found


def check_transforms(model: Model, dialect: str) -> None:
    """Refuse a curve whose knots the engine's transform may not tell apart (numpy's can):
    its interpolation would divide by zero (Spark and PostgreSQL stop the query there)."""
    own_log = rules(dialect).own_log
    # an LN an ulp off ours can move each of two knots' transforms one ulp towards the other
    fewest = 3 if own_log else 1
    for term in model.terms:
        if not isinstance(term, Curve) or term.fx == "identity":
            continue
        low = {"log": 0.0, "log1p": -1.0}.get(term.fx, -math.inf)
        if term.xs[0] > low and all(x < y for x, y in zip(term.xs, term.xs[1:])):  # (verify reports the others)
            values = [guards.sql_transform(term.fx, x) for x in term.xs]
            for (left, right), (t_left, t_right) in zip(zip(term.xs, term.xs[1:]), zip(values, values[1:])):
                apart = guards.ulps_apart(t_left, t_right)
                if apart >= fewest:
                    continue
                if own_log:
                    raise UnsupportedError(
                        f"{dialect}'s {term.fx} of knots {left!r} and {right!r} of {term.feature!r} may be the same double"
                        f" (its LN is Java's, at times an ulp off the C library's; here they are {apart} ulp apart), and the"
                        " query would stop on the division by zero: move the knots further apart"
                    )
                raise UnsupportedError(
                    f"the SQL's {term.fx} of knots {left!r} and {right!r} of {term.feature!r} is the same double"
                    " (numpy's differs in the last bit): move the knots further apart"
                )


def quote(name: str, dialect: str) -> str:
    """`name` as a quoted identifier of `dialect`."""
    return str(sqlglot_exp().Identifier(this=name, quoted=True).sql(dialect=dialect))


class _Printer:
    """Renders expressions for one dialect: one CASE branch a line, terms one a line."""

    def __init__(self, dialect: str):
        self.dialect = dialect

    def identifier(self, name: str) -> str:
        return quote(name, self.dialect)

    def table(self, name: str) -> str:
        return ".".join(self.identifier(part) for part in name.split("."))

    def cast(self, name: str, kind: str) -> str:
        exp = sqlglot_exp()
        to = exp.DataType.build("TEXT" if kind == "categorical" else "DOUBLE")
        return f"{exp.Cast(this=column(name), to=to).sql(dialect=self.dialect)} AS {self.identifier(name)}"

    def sql(self, node: Expr) -> str:
        return render_sql(node, self.dialect)

    def render(self, node: Expr, indent: int) -> str:
        """`node` as text; a CASE gets one WHEN a line, nested CASEs indented further; a
        grid's matrix one row a line, and the function around it one argument a line."""
        exp = sqlglot_exp()
        pad = " " * (indent + 2)
        if _spread(node):
            arguments = ",\n".join(pad + self.render(arg, indent + 2) for arg in node.expressions)
            return f"{node.name}(\n{arguments}\n{' ' * indent})"
        if isinstance(node, exp.Array) and node.expressions and all(isinstance(row, exp.Array) for row in node.expressions):
            rows = ",\n".join(pad + self.sql(row) for row in node.expressions)
            return f"[\n{rows}\n{' ' * indent}]"
        if not isinstance(node, exp.Case) or node.this is not None:
            return self.sql(node)
        lines = ["CASE" + "".join(f" /*{comment}*/" for comment in node.comments or [])]
        for branch in node.args.get("ifs") or []:
            value = self.render(branch.args["true"], indent + 4)
            lines.append(f"{pad}WHEN {self.sql(branch.this)} THEN {value}")
        lines.append(f"{pad}ELSE {self.render(node.args['default'], indent + 4)}")
        lines.append(" " * indent + "END")
        return "\n".join(lines)

    def sum(self, summands: list[Expr], indent: int, first: str | None = None) -> str:
        """One summand a line; `first` (a column holding the sum so far) leads when given.
        A model without terms scores 0, written so that it reads back without a term."""
        out = [" " * indent + first] if first is not None else []
        for summand in summands:
            prefix = "+ " if out else ""
            out.append(" " * indent + prefix + self.render(summand, indent + len(prefix)))
        return "\n".join(out) or " " * indent + f"{self.sql(_zero(self.dialect))} /* no terms */"


def _spread(node: Expr) -> bool:
    """Whether a function is written one argument a line: one of its arguments is a CASE, a
    list, or a function written so."""
    exp = sqlglot_exp()
    return isinstance(node, exp.Anonymous) and any(isinstance(arg, (exp.Case, exp.Array)) or _spread(arg) for arg in node.expressions)


def render_sql(node: Expr, dialect: str) -> str:
    """`node` as the dialect's text; where a double literal is a cast (PostgreSQL), it is
    written `0.61::float8`, not `CAST(0.61 AS DOUBLE PRECISION)`."""
    if rules(dialect).numbers == "cast":
        node = node.transform(_short_cast, copy=True)
    return str(node.sql(dialect=dialect))


def _zero(dialect: str) -> Expr:
    return number(0.0, dialect)


def _short_cast(node: Expr) -> Expr:
    exp = sqlglot_exp()
    if isinstance(node, exp.Cast) and isinstance(node.this, exp.Literal) and node.to.is_type(exp.DataType.Type.DOUBLE):
        return exp.Literal.number(f"{node.this.sql()}::float8")
    return node
