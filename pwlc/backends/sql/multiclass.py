"""The printer of a multiclass model: one score column per class, then the softmax.

    WITH "inputs" AS (...), "scores" AS (      -- each class's sum of terms, in class order
      SELECT "id", <terms of setosa> AS "species_setosa", ... FROM "inputs"
    ), "softmax" AS (                          -- exp(score - the row's largest score)
      SELECT "id", "species_setosa", ...,
        EXP("species_setosa" - GREATEST("species_setosa", ...)) AS "exp_setosa", ...
      FROM "scores"
    )
    SELECT "id", "species_setosa", ...,
      "exp_setosa" / ("exp_setosa" + "exp_versicolor" + ...) AS "probability_setosa", ...
    FROM "softmax"

as rules M2-M4 of `pwlc.semantics` compute it: `score - max <= 0`, so no EXP overflows;
a NULL score makes the sum, hence every probability of its row, NULL (whether the
engine's GREATEST skips NULLs, as DuckDB's, PostgreSQL's and Spark's do, or returns NULL,
as SQLite's MAX(a, b, ...) does); a NaN score is the largest in every engine that has
NaN, so the row's probabilities are NaN. PostgreSQL stops a query where EXP rounds to 0:
there the exp is written `CASE WHEN d <= -745.13... THEN 0 ELSE EXP(d) END`.

Column names: `MODEL_CLASS` for a class's score, `exp_CLASS`, `probability_CLASS`; the
reader takes the classes from the probability columns and the model's name from the
scores.
"""

from __future__ import annotations

from collections.abc import Sequence

from pwlc.backends.common import SUM_STAGE
from pwlc.backends.sql import guards
from pwlc.backends.sql.dialects import Expr, check_dialect, column_key, rules, sqlglot_exp
from pwlc.backends.sql.header import comment, header
from pwlc.backends.sql.terms import EXP_ZERO_UP_TO, Printing, column, term_expression
from pwlc.errors import UnsupportedError
from pwlc.ir import Multiclass

EXP_PREFIX = "exp_"
PROBABILITY_PREFIX = "probability_"
SCORES_CTE, SOFTMAX_CTE = "scores", "softmax"


def score_column(name: str, label: str) -> str:
    return f"{name}_{label}"


def output_columns(model: Multiclass) -> list[str]:
    """Every column the query computes: the scores, the exps, the probabilities."""
    return [prefix + label if prefix else score_column(model.name, label) for prefix in ("", EXP_PREFIX, PROBABILITY_PREFIX) for label in model.classes]


def emit_multiclass(model: Multiclass, dialect: str | None, table: str, keys: Sequence[str]) -> str:
    """`model` as one query over `table`, carrying the `keys` columns through."""
    from pwlc.backends.sql.printer import DEFAULT_DIALECT, _listing, _Printer, check_text, check_transforms

    dialect = dialect or DEFAULT_DIALECT
    check_dialect(dialect)
    classes = model.class_models()
    for label, scores in zip(model.classes, classes):
        if len(scores.terms) > SUM_STAGE:
            raise UnsupportedError(
                f"class {label!r} has {len(scores.terms)} terms, and pwlc's SQL adds a class's terms in one expression of at most"
                f" {SUM_STAGE} (engines cap how deep an expression nests): make it smaller (compile -O2, distill --budget), or emit python or c"
            )
        check_text(scores, dialect, table, keys, outputs=output_columns(model), labels=model.classes)
        if rules(dialect).strict_floats:
            guards.check_strict(scores, dialect)
        check_transforms(scores, dialect)
    p = Printing(dialect)
    printer = _Printer(dialect)
    sums = [[term_expression(term, p) for term in scores.terms] for scores in classes]
    names = [score_column(model.name, label) for label in model.classes]
    lines = header(model.doc, dialect, table, rules(dialect).numbers, model.name, "identity", None, p.guards > 0)
    lines += comment(f"{score_column(model.name, 'CLASS')} is the score of each class; {PROBABILITY_PREFIX}CLASS its softmax.") + "\n"
    key_list = [printer.identifier(k) for k in keys]
    taken = {column_key(name, dialect) for name in [*(i.name for i in model.inputs), *keys, *output_columns(model), table.split(".")[-1]]}

    def fresh(name: str) -> str:
        found, n = name, 2
        while column_key(found, dialect) in taken:
            found, n = f"{name}_{n}", n + 1
        taken.add(column_key(found, dialect))
        return printer.identifier(found)

    parts: list[str] = []
    source = printer.table(table)
    if model.inputs:
        casts = [printer.cast(i.name, i.kind) for i in model.inputs]
        name = fresh("inputs")
        parts.append(f"{name} AS (\n  SELECT\n{_listing(key_list + casts, 4)}\n  FROM {source}\n)")
        source = name
    scored = [f"{printer.sum(summands, 4)}\n      AS {printer.identifier(name)}" for summands, name in zip(sums, names)]
    scores_cte = fresh(SCORES_CTE)
    keys_text = _listing(key_list, 4) + ",\n" if key_list else ""
    joined = ",\n".join(scored)
    parts.append(f"{scores_cte} AS (\n  SELECT\n{keys_text}{joined}\n  FROM {source}\n)")
    passed = [printer.identifier(name) for name in names]
    exps = [f"{printer.render(exp_expression(name, names, p), 4)} AS {printer.identifier(EXP_PREFIX + label)}" for name, label in zip(names, model.classes)]
    softmax_cte = fresh(SOFTMAX_CTE)
    parts.append(f"{softmax_cte} AS (\n  SELECT\n{_listing(key_list + passed + exps, 4)}\n  FROM {scores_cte}\n)")
    probabilities = [f"{printer.sql(probability_expression(label, model.classes))} AS {printer.identifier(PROBABILITY_PREFIX + label)}" for label in model.classes]
    query = f"SELECT\n{_listing(key_list + passed + probabilities, 2)}\nFROM {softmax_cte}"
    return lines + "WITH " + ", ".join(parts) + "\n" + query + ";\n"


def exp_expression(name: str, names: list[str], p: Printing) -> Expr:
    """exp(score - the row's largest score); where the dialect stops at an exp that rounds
    to 0, 0 there (a NaN difference goes on to EXP, giving NaN)."""
    exp = sqlglot_exp()
    largest = exp.Greatest(this=column(names[0]), expressions=[column(n) for n in names[1:]], ignore_nulls=p.dialect not in ("sqlite", "snowflake"))
    difference = exp.Sub(this=column(name), expression=largest)
    if not p.strict:
        return exp.Exp(this=difference)
    zero = exp.LTE(this=difference.copy(), expression=p.number(EXP_ZERO_UP_TO))
    return exp.Case(ifs=[exp.If(this=zero, true=p.number(0.0))], default=exp.Exp(this=difference.copy()))


def probability_expression(label: str, labels: tuple[str, ...]) -> Expr:
    """exp_CLASS over the sum of every class's exp, added in class order."""
    exp = sqlglot_exp()
    total: Expr = column(EXP_PREFIX + labels[0])
    for other in labels[1:]:
        total = exp.Add(this=total, expression=column(EXP_PREFIX + other))
    return exp.Div(this=column(EXP_PREFIX + label), expression=exp.Paren(this=total), typed=True)
