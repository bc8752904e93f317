"""The reader of a multiclass query (`multiclass.py` prints it).

The steps up to the scores are read as any query's (`reader.py`), except that the step
computing the scores holds one sum of terms per class. The classes are named by the
last SELECT's `probability_CLASS` columns, in order; the model by the score columns,
`MODEL_CLASS`. The softmax step and the last SELECT are then compared with what pwlc
writes for the model read, node by node: a difference is refused where it is, with what
pwlc writes there (the probabilities are not terms to edit, and a softmax that drifts
from the scores would not be the model's).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pwlc.backends.sql.compare import mismatch
from pwlc.backends.sql.constants import Refusal
from pwlc.backends.sql.dialects import Expr, column_key, identifier_key, sqlglot_exp
from pwlc.backends.sql.multiclass import PROBABILITY_PREFIX, emit_multiclass, score_column
from pwlc.errors import PwlcError
from pwlc.ir import Input, Multiclass, Term

if TYPE_CHECKING:
    from pwlc.backends.sql.reader import QueryOptions, _Reader, _Scope


def read_multiclass(reader: _Reader, statement: Expr, scores_cte: Expr, steps: dict[str, tuple[str, _Scope, Expr]], used: set[str]) -> tuple[Multiclass, QueryOptions]:
    from pwlc.backends.sql.reader import QueryOptions, final_inputs

    exp = sqlglot_exp()
    scores_key = identifier_key(scores_cte.args["alias"].this, reader.dialect)
    for key, (name, _, alias) in steps.items():
        if key != scores_key and key not in used:
            raise Refusal(f"the CTE {name!r} is not used by the query's result: remove it", alias)
    scope = steps[scores_key][1]
    scores = scope.scores()
    reader.check_clauses(statement, final=True)
    labels = [(p.alias[len(PROBABILITY_PREFIX) :], p) for p in statement.expressions if isinstance(p, exp.Alias) and p.alias.startswith(PROBABILITY_PREFIX)]
    if len(labels) != len(scores) or not scores:
        raise Refusal(
            f"{len(scores)} class scores in {steps[scores_key][0]!r} but {len(labels)} {PROBABILITY_PREFIX}CLASS columns here: a multiclass query has one of each per class",
            labels[len(scores)][1] if len(labels) > len(scores) else statement,
        )
    first_label, first = labels[0][0], scores[0]
    suffix = "_" + first_label
    if not first.origin.endswith(suffix) or not first.origin[: -len(suffix)].isidentifier():
        raise Refusal(f"pwlc names the score of class {first_label!r} `MODEL{suffix}` (the model's name, then the class), as {labels[0][1].alias!r} names the class", _alias(first.node))
    name = first.origin[: -len(suffix)]
    inputs: dict[str, Input] = {}
    terms: list[tuple[Term, ...]] = []
    for (label, _), score in zip(labels, scores):
        if score.origin != score_column(name, label):
            raise Refusal(f"pwlc names the score of class {label!r} {score_column(name, label)!r}, in the order of the {PROBABILITY_PREFIX}CLASS columns", _alias(score.node))
        for column in final_inputs(score):
            if column.input is not None:
                inputs.setdefault(column.input.name, column.input)
    kinds = {i.name: i.kind for i in inputs.values()}
    for score in scores:
        terms.append(tuple(reader.terms(score, kinds, link="softmax")))
    keys = tuple(c.name for c in scope.columns.values() if c.kind == "raw")
    spans = tuple(reader.span(node) for _, node in labels)
    model = Multiclass(tuple(inputs.values()), tuple(label for label, _ in labels), tuple(terms), name, reader.header.doc, span=reader.span(first.node), class_spans=spans)
    _compare_softmax(reader, statement, model, keys)
    return model, QueryOptions(reader.dialect, reader.table or "input", keys)


def _compare_softmax(reader: _Reader, statement: Expr, model: Multiclass, keys: tuple[str, ...]) -> None:
    """The softmax step and the last SELECT must be what pwlc writes for `model`."""
    import sqlglot

    try:
        text = emit_multiclass(model, reader.dialect, reader.table or "input", keys)
    except PwlcError as error:
        raise Refusal(error.message, statement) from None
    expected = sqlglot.parse_one(text, read=reader.dialect)
    parsed_softmax, built_softmax = statement.args["with_"].expressions[-1], expected.args["with_"].expressions[-1]
    reader.check_clauses(parsed_softmax.this, final=False)
    for parsed, built in ((parsed_softmax.this, built_softmax.this), (statement, expected)):
        found = _differs(parsed, built, reader.dialect)
        if found is not None:
            node, wanted = found
            raise Refusal(f"this differs from the softmax pwlc writes for these classes, which has `{wanted.sql(dialect=reader.dialect)}` here: edit the terms of the classes only (or regenerate the file)", node)


def _differs(parsed: Expr, built: Expr, dialect: str) -> tuple[Expr, Expr] | None:
    """The first projection (or the FROM) of `parsed` that differs from `built`."""
    exp = sqlglot_exp()
    ours, theirs = parsed.expressions, built.expressions
    for k, projection in enumerate(ours):
        if k >= len(theirs):
            raise Refusal("a multiclass query's result is its keys, the class scores and their probabilities: compute other columns outside the query", projection)
        if isinstance(projection, exp.Alias) != isinstance(theirs[k], exp.Alias) or column_key(projection.alias_or_name, dialect) != column_key(theirs[k].alias_or_name, dialect):
            return projection, theirs[k]
        found = mismatch(projection.this if isinstance(projection, exp.Alias) else projection, theirs[k].this if isinstance(theirs[k], exp.Alias) else theirs[k], dialect)
        if found is not None:
            return found
    if len(ours) < len(theirs):
        return parsed, theirs[len(ours)]
    source, wanted = parsed.args.get("from_"), built.args.get("from_")
    if source is None or wanted is None or identifier_key(source.this.this, dialect) != identifier_key(wanted.this.this, dialect):
        return (source or parsed), wanted
    return None


def _alias(node: Expr) -> Expr:
    """Where a column's name is written (the node itself when it has no alias)."""
    alias = node.args.get("alias") if isinstance(node, sqlglot_exp().Alias) else None
    return alias if alias is not None else node
