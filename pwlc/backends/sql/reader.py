"""The reader: an emitted, maybe hand-edited, query back into a model, exactly or not at all.

The query is read as the engine runs it. `WITH a AS (...), b AS (...) SELECT ...` is a
chain of steps, each one SELECT over one source (the table, or an earlier step); a
step's columns are, by what they hold:

- a column of the table passed through (a key, carried to the result);
- an input: `CAST("x" AS DOUBLE) AS "x"` (or a text type), under its own name;
- DuckDB: a grid axis's bin number, a CASE that is not a term, in a step after the inputs
  (`bins.py`): a term reading it is read with the CASE in its place;
- the score: a sum of terms in order (`terms` / `read_terms`), or a sum that continues an
  earlier step's total (a long model is added up in stages);
- in the last step only, the prediction (the link applied to the score) and extra
  columns, which the reader checks (they name columns that exist, and neither aggregate
  nor multiply rows) and carries as text (`QueryOptions.extras`); they are no part of the
  model.

Anything else is refused at the construct, with what to write instead: a WHERE, JOIN,
GROUP BY, DISTINCT, LIMIT, UNION... (they change which rows are scored), a CAST to a type
that is not a double or text, an input computed any other way, a column the engine would
not find, a CTE the result does not use. Names are looked up as the dialect does (DuckDB
and SQLite ignore case). Tokens, parsing and positions: `source.py`.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Literal

from pwlc.backends.sql.bins import inline, is_bin_case
from pwlc.backends.sql.compare import mismatch
from pwlc.backends.sql.constants import KindRefusal, Refusal, is_double, number, strip
from pwlc.backends.sql.dialects import (
    Expr,
    column_key,
    identifier_key,
    is_double_type,
    is_text_type,
    rules,
    sqlglot_exp,
)
from pwlc.backends.sql.printer import PREDICTION_COLUMNS, check_transforms, render_sql
from pwlc.backends.sql.read_terms import TermReader
from pwlc.backends.sql.source import MAX_DEPTH, Source, collection_paused, deep_enough
from pwlc.backends.sql.summands import features, inferred_inputs, no_terms, sum_like
from pwlc.backends.sql.terms import Printing, link_expression
from pwlc.errors import ParseError, Span, UnsupportedError
from pwlc.ir import Input, Model, Multiclass, Term

# The clauses a step may not have, by sqlglot's name for them.
_CLAUSES = {
    "where": "WHERE",
    "group": "GROUP BY",
    "having": "HAVING",
    "order": "ORDER BY",
    "limit": "LIMIT",
    "offset": "OFFSET",
    "joins": "JOIN",
    "distinct": "DISTINCT",
    "qualify": "QUALIFY",
    "windows": "WINDOW",
    "laterals": "LATERAL",
    "sample": "TABLESAMPLE",
    "into": "INTO",
    "locks": "FOR UPDATE",
    "pivots": "PIVOT",
    "connect": "CONNECT BY",
    "prewhere": "PREWHERE",
    "settings": "SETTINGS",
    "cluster": "CLUSTER BY",
    "distribute": "DISTRIBUTE BY",
    "sort": "SORT BY",
    "match": "MATCH_RECOGNIZE",
    "for_": "FOR",
    "exclude": "EXCLUDE",
    "options": "OPTION",
    "format": "FORMAT",
    "hint": "a hint",
    "kind": "SELECT AS STRUCT/VALUE",
    "operation_modifiers": "a modifier",
}


@dataclass(frozen=True)
class QueryOptions:
    """How a query was emitted, beyond the model: what `emit` needs to print it the same."""

    dialect: str
    table: str
    keys: tuple[str, ...]
    extras: tuple[str, ...] = ()
    score_alias: str | None = None  # the score's name in the result, when renamed there


def read(text: str, filename: str = "<string>", dialect: str | None = None) -> Model | Multiclass:
    """Parse an emitted (and possibly hand-edited) query back into a model."""
    return _Reader(text, filename, dialect).read()[0]


def query_options(text: str, dialect: str | None = None) -> QueryOptions:
    """The dialect, input table, key columns and extra output columns of a query, so that
    re-printing a read file (`pwlc fmt`) keeps them: `emit(read(text), **vars(options))`."""
    return _Reader(text, "<string>", dialect).read()[1]


@dataclass
class _Column:
    """A column of a step, by what it holds (see the module docstring)."""

    name: str
    kind: Literal["raw", "input", "bin", "score", "prediction", "extra"]
    node: Expr
    input: Input | None = None
    summands: list[tuple[Expr, _Scope]] = field(default_factory=list)  # a score's terms, where they are read
    link: str | None = None
    of: _Column | None = None  # the score a prediction applies the link to
    identity: object = field(default_factory=object)  # the same column under another name
    origin: str = ""  # a score: the name it was computed under (the model's name)
    source: _Scope | None = None  # a bin number: the step its CASE reads


class _Scope:
    """The columns of one step, looked up as the dialect looks names up. The table's scope
    has any column asked for (pwlc cannot know the table): a raw column, read as it is."""

    def __init__(self, source: str, dialect: str, table: bool = False):
        self.source = source
        self.dialect = dialect
        self.table = table
        self.columns: dict[str, _Column] = {}
        self.reads: set[int] = set()  # the identities of the columns looked up

    def add(self, column: _Column, node: Expr) -> None:
        key = column_key(column.name, self.dialect)
        if key in self.columns:
            raise Refusal(f"a second column named {column.name!r} (the engine would not know which one a name means)", node)
        self.columns[key] = column

    def find(self, node: Expr) -> _Column:
        exp = sqlglot_exp()
        if isinstance(node, exp.Column) and node.table:
            raise Refusal(f"write the column without {node.table!r} in front: each step reads one source", node)
        key = identifier_key(node, self.dialect)
        if self.table and key not in self.columns:
            self.columns[key] = _Column(node.name, "raw", node)
        found = self.columns.get(key)
        if found is None:
            raise Refusal(f"there is no column {node.name!r} in {self.source} (the engine would stop here)", node)
        self.reads.add(id(found.identity))
        return found

    def scores(self) -> list[_Column]:
        return [c for c in self.columns.values() if c.kind == "score"]

    def has_inputs(self) -> bool:
        return any(c.kind == "input" for c in self.columns.values())


class _Reader(Source):
    """Reads the query: its steps, their columns, the model."""

    multiclass = False
    raw_passed: list[tuple[_Column, Expr]]  # the table's columns passed on uncast before the last step, and where
    last_reads: set[int]  # the identities of the columns the last step reads

    def read(self) -> tuple[Model | Multiclass, QueryOptions]:
        with collection_paused():
            statement = self.parse()
        try:
            with deep_enough(), _frozen():
                return self.query(statement)
        except Refusal as refusal:
            raise ParseError(refusal.message, self.span(refusal.node)) from None
        except RecursionError:
            raise self.fail(f"this query nests too deeply for pwlc to read (more than {MAX_DEPTH} levels)", 0) from None

    def query(self, statement: Expr) -> tuple[Model | Multiclass, QueryOptions]:
        exp = sqlglot_exp()
        if isinstance(statement, (exp.Union, exp.Intersect, exp.Except)):
            word = type(statement).__name__.upper()
            offset = self.keyword_before(statement.expression, word)
            raise ParseError(f"a {word} combines the rows of two queries: pwlc reads one SELECT; combine the results outside it", Span.at(self.text, self.filename, offset))
        if not isinstance(statement, exp.Select):
            raise Refusal("expected a SELECT query", statement)
        steps: dict[str, tuple[str, _Scope, Expr]] = {}  # CTE key -> (name, columns, its alias node)
        used: set[str] = set()
        self.raw_passed, self.last_reads = [], set()
        with_ = statement.args.get("with_")
        # A multiclass query (multiclass.py): its last CTE and SELECT are the softmax of the
        # classes' scores, compared with what pwlc writes (read_multiclass.py).
        # (a GREATEST elsewhere, e.g. in the inputs step, is read, and refused, where it is)
        ctes = with_.expressions if with_ is not None else []
        greatest = [node for node in statement.find_all(exp.Greatest) if not ctes or node.find_ancestor(exp.CTE) is not ctes[0]]
        self.multiclass = bool(greatest) and (len(ctes) < 2 or ctes[-1].find(exp.Greatest) is not None)
        if self.multiclass and (with_ is None or len(with_.expressions) < 2):
            raise Refusal("a multiclass query computes the class scores in a CTE, their softmax in the next one, and the probabilities last", statement)
        if with_ is not None:
            if with_.args.get("recursive"):
                raise Refusal("a RECURSIVE query: pwlc reads plain CTEs", with_)
            for cte in with_.expressions[:-1] if self.multiclass else with_.expressions:
                self.check_cte(cte)
                scope = self.step(cte.this, steps, used, final=False)
                key = identifier_key(cte.args["alias"].this, self.dialect)
                if key in steps:
                    raise Refusal(f"a second CTE named {cte.alias!r}", cte.args["alias"])
                steps[key] = (cte.alias, scope, cte.args["alias"])
        if self.multiclass:
            from pwlc.backends.sql.read_multiclass import read_multiclass

            return read_multiclass(self, statement, with_.expressions[-2], steps, used)  # type: ignore[union-attr]
        final = self.step(statement, steps, used, final=True)
        for key, (name, _, alias) in steps.items():
            if key not in used:
                raise Refusal(f"the CTE {name!r} is not used by the query's result: remove it", alias)
        return self.model(statement, final)

    def check_cte(self, cte: Expr) -> None:
        exp = sqlglot_exp()
        alias = cte.args["alias"]
        if alias.args.get("columns"):
            raise Refusal("a CTE with a column list renames its columns: name them in its SELECT instead", alias)
        if cte.args.get("materialized") is not None:
            raise Refusal("pwlc reads plain CTEs: remove MATERIALIZED", alias)
        if not isinstance(cte.this, exp.Select):
            raise Refusal("a CTE must be one SELECT", cte.this)

    def check_clauses(self, select: Expr, final: bool) -> None:
        for key, value in select.args.items():
            if value in (None, False, []) or key in ("expressions", "from_") or (key == "with_" and final):
                continue
            clause = _CLAUSES.get(key, key.upper())
            node = value[0] if isinstance(value, list) else value
            if not any(getattr(sub, "_meta", None) for sub in node.walk()):  # DISTINCT: before the first column
                node = select.expressions[0]
            offset = self.keyword_before(node, clause.split()[0])
            raise ParseError(
                f"pwlc does not read a {clause} here: it changes which rows are scored or what they hold."
                " Remove it, and apply it to the table before the query or to the query's result",
                Span.at(self.text, self.filename, offset),
            )

    def source(self, select: Expr, steps: dict[str, tuple[str, _Scope, Expr]], used: set[str]) -> _Scope:
        exp = sqlglot_exp()
        found = select.args.get("from_")
        if found is None:
            raise Refusal("a step needs FROM: the table, or an earlier step", select)
        table = found.this
        if not isinstance(table, exp.Table) or not isinstance(table.this, exp.Identifier):
            raise ParseError("pwlc reads FROM a table or an earlier step by its name: write a subquery as a CTE", Span.at(self.text, self.filename, self.keyword_before(table, "SELECT")))
        if table.args.get("alias") is not None:
            raise Refusal("pwlc reads FROM a table or step without an alias: remove it", table.args["alias"])
        for part in ("joins", "laterals", "pivots", "sample", "hints", "version", "when", "changes", "partition"):
            if table.args.get(part):
                raise Refusal(f"pwlc does not read a {part.rstrip('s').upper()} in FROM: it changes which rows are scored", table)
        key = identifier_key(table.this, self.dialect)
        if not table.args.get("db") and key in steps:
            if key in used:
                raise Refusal(f"{steps[key][0]!r} is read by a second step: pwlc reads a chain of steps, each read once", table)
            used.add(key)
            return steps[key][1]
        name = ".".join(part.name for part in table.parts)
        if self.table is not None and name != self.table:
            unread = [step for key, step in steps.items() if key not in used]
            if unread and not table.args.get("db"):  # a step renamed, not where it is read: the caret on the step
                raise Refusal(f"the step {unread[-1][0]!r} is read by no later step, and this one reads FROM {name!r} (line {self.span(table).line}), "
                              "which names no step: name them alike", unread[-1][2])
            raise Refusal(f"a second table {name!r}: the query reads {self.table!r}", table)
        self.table = name
        return _Scope(f"table {name!r}", self.dialect, table=True)

    def step(self, select: Expr, steps: dict[str, tuple[str, _Scope, Expr]], used: set[str], final: bool) -> _Scope:
        exp = sqlglot_exp()
        self.check_clauses(select, final)
        source = self.source(select, steps, used)
        out = _Scope("the step before" if not final else "the last step", self.dialect)
        if final:
            self.last_reads = source.reads
        computed = False  # whether this step computed its score already
        casts = any(isinstance(strip(p.this), exp.Cast) and isinstance(strip(p.this.this), exp.Column) for p in select.expressions if isinstance(p, exp.Alias))
        for projection in select.expressions:
            name = projection.alias if isinstance(projection, exp.Alias) else None
            value = strip(projection.this) if isinstance(projection, exp.Alias) else projection
            if isinstance(projection, exp.Star):
                self.star(projection, source, out, final)
            elif isinstance(value, exp.Column):
                self.passed(projection, value, name, source, out, final)
            elif name is None:
                if not final:
                    raise Refusal("name this column: `... AS name`", projection)
                out.add(_Column(f"<column {len(out.columns) + 1}>", "extra", self.checked_extra(projection, source)), projection)
            elif isinstance(value, exp.Cast) and isinstance(strip(value.this), exp.Column):
                out.add(self.input_column(value, name, source), projection)
            elif not final and not casts and is_bin_case(value):  # (a matrix reading it is refused outside DuckDB)
                out.add(_Column(name, "bin", value, source=source), projection)
            elif casts or (not final and not sum_like(value)):
                raise Refusal(
                    "pwlc reads an input as CAST(\"x\" AS DOUBLE) AS \"x\" (or a text type), not computed another way:"
                    " compute it in the table before the query (a missing input takes the term's own `WHEN \"x\" IS NULL` value)",
                    value,
                )
            else:
                computed = self.computed(projection, value, name, source, out, final, computed)
        return out

    def star(self, projection: Expr, source: _Scope, out: _Scope, final: bool) -> None:
        if final or any(projection.args.get(k) for k in ("except_", "replace", "rename", "ilike")):
            raise Refusal("list the result's columns by name" if final else "pwlc reads a plain `*`", projection)
        if source.table:
            raise Refusal("list the table's columns by name (pwlc cannot know them)", projection)
        for column in source.columns.values():
            out.add(column, projection)

    def passed(self, projection: Expr, value: Expr, name: str | None, source: _Scope, out: _Scope, final: bool) -> None:
        """A column passed on from the source, maybe renamed."""
        column = source.find(value)
        renamed = name is not None and column_key(name, self.dialect) != column_key(column.name, self.dialect)
        if renamed and column.kind == "prediction":
            raise Refusal(f"pwlc names the link column {column.name!r}: rename it outside the query", projection)
        if renamed and column.kind in ("raw", "input"):
            if not final:
                raise Refusal("rename a column of the table in the last SELECT only", projection)
            out.add(_Column(str(name), "extra", projection), projection)
        elif final and column.kind in ("input", "bin"):
            out.add(_Column(column.name, "extra", projection), projection)
        else:
            if column.kind == "raw" and not final:
                self.raw_passed.append((column, value))
            out.add(replace(column, name=name or column.name), projection)

    def computed(self, projection: Expr, value: Expr, name: str, source: _Scope, out: _Scope, final: bool, computed: bool) -> bool:
        """A column computed from the source: the score (or its continuation), the link, or
        (last step only) an extra. Returns whether the step has computed its score."""
        if self.multiclass and not final:  # a score per class, each its own sum
            out.add(_Column(name, "score", projection, summands=[(node, source) for node in self.summand_nodes(value)], origin=name), projection)
            return True
        scores = source.scores()
        if final and scores:
            alias = projection.args.get("alias") if isinstance(projection, sqlglot_exp().Alias) else None
            link = self.link(value, name, scores[-1], source, alias or value)
            if link is not None:
                out.add(_Column(name, "prediction", projection, link=link, of=scores[-1]), projection)
                return computed
        continued = self.continued(value, scores) if scores else None
        if not computed and (continued is not None or not scores):
            summands = [(node, source) for node in self.summand_nodes(value)[1 if continued is not None else 0 :]]
            out.add(_Column(name, "score", projection, summands=(continued or []) + summands, origin=name), projection)
            return True
        if not final:
            raise Refusal("a step computes one sum of terms; compute other columns in the last SELECT", projection)
        out.add(_Column(name, "extra", self.checked_extra(projection, source)), projection)
        return computed

    def input_column(self, cast: Expr, name: str, source: _Scope) -> _Column:
        column = source.find(strip(cast.this))
        if column.kind != "raw":
            raise Refusal("cast the table's own column", cast.this)
        if identifier_key(sqlglot_exp().Identifier(this=name, quoted=True), self.dialect) != identifier_key(strip(cast.this), self.dialect):
            raise Refusal(f"an input is cast under its own name: write CAST({strip(cast.this).sql(dialect=self.dialect)} AS ...) AS the same name", cast.this)
        written = self.cast_type(cast)
        if is_double_type(written, self.dialect):
            kind = "numeric"
        elif is_text_type(written, self.dialect):
            kind = "categorical"
        else:
            known = sorted(rules(self.dialect).doubles | rules(self.dialect).texts)
            raise Refusal(
                f"pwlc reads an input cast to a double (to compute in doubles) or to text (to compare categories as text), not to {written}:"
                f" write one of {', '.join(known)}",
                cast,
            )
        return _Column(name, "input", cast, Input(name, kind, span=self.span(cast)))  # type: ignore[arg-type]

    def link(self, value: Expr, name: str, score: _Column, source: _Scope, alias: Expr) -> str | None:
        """The link `value` applies to `score`, as pwlc prints it or without the guarded
        ends; None when it is not a link. A column named like pwlc's link column must be
        one exactly: it is refused where it differs."""
        exp = sqlglot_exp()
        named = {column_key(column, self.dialect): link for link, column in PREDICTION_COLUMNS.items()}
        reserved = named.get(column_key(name, self.dialect))
        columns = list(value.find_all(exp.Column))
        scores = {column_key(score.name, self.dialect)}
        if not isinstance(value, (exp.Case, exp.Div, exp.Exp)) or not columns or any(identifier_key(c, self.dialect) not in scores or c.table for c in columns):
            if reserved:
                raise Refusal(f"the link column must apply the link to the score {score.name!r} alone", value)
            return None
        value = value.copy()
        for column in value.find_all(exp.Column):
            column.set("this", exp.Identifier(this=score.name, quoted=True))
        best = None
        for link in [reserved] if reserved else list(PREDICTION_COLUMNS):
            for guarded in (True, False):
                found = mismatch(value, link_expression(link, score.name, Printing(self.dialect), guarded), self.dialect)
                if found is None:
                    if name != PREDICTION_COLUMNS[link]:
                        raise Refusal(f"pwlc names the link column {PREDICTION_COLUMNS[link]!r}: rename it outside the query", alias)
                    return link
                best = best or found
        if reserved and best is not None:
            raise Refusal(f"this does not read as the {reserved} link pwlc writes, which has `{render_sql(best[1], self.dialect)}` here", best[0])
        return None

    def continued(self, value: Expr, scores: list[_Column]) -> list[tuple[Expr, _Scope]] | None:
        """The terms of the earlier total a sum starts from, None when it starts otherwise."""
        exp = sqlglot_exp()
        first = self.summand_nodes(value)[0]
        if not isinstance(first, exp.Column):
            return None
        by_key = {identifier_key(exp.Identifier(this=s.name, quoted=True), self.dialect): s for s in scores}
        found = by_key.get(identifier_key(first, self.dialect))
        return None if found is None else list(found.summands)

    def summand_nodes(self, node: Expr) -> list[Expr]:
        """`a + b - c + d` as [a, b, -c, d]: only a number may be subtracted (x - c is x + (-c)
        in doubles); the order of the additions is the order of the terms."""
        exp = sqlglot_exp()
        out: list[Expr] = []
        node = strip(node)
        while isinstance(node, (exp.Add, exp.Sub)):
            right = node.expression
            if isinstance(node, exp.Sub):
                if number(right, self.dialect) is None:
                    raise Refusal("only a number may be subtracted; add the term instead", right)
                right = exp.Neg(this=right)
            out.append(right)
            node = strip(node.this)
        out.append(node)
        return out[::-1]

    def checked_extra(self, projection: Expr, source: _Scope) -> Expr:
        """An extra output column: its names must exist, and it must keep one row a row."""
        exp = sqlglot_exp()
        for node in projection.walk():
            if isinstance(node, (exp.Select, exp.Subquery)):
                raise ParseError("pwlc does not read a subquery in the result: compute it outside the query", Span.at(self.text, self.filename, self.keyword_before(node, "SELECT")))
            if isinstance(node, exp.AggFunc) and not isinstance(node.parent, exp.Window):
                raise Refusal("an aggregate makes one row of many: compute it outside the query", node)
            if isinstance(node, (exp.Explode, exp.Unnest, exp.Anonymous)):
                raise Refusal("pwlc cannot tell that this function keeps one row a row: compute it outside the query", node)
        for node in projection.find_all(exp.Column):
            source.find(node)
        return projection

    # -- the model --

    def model(self, statement: Expr, final: _Scope) -> tuple[Model, QueryOptions]:
        scores = final.scores()
        if not scores:
            raise Refusal("no score column found in the result (expected `<sum of terms> AS score`)", statement)
        score = scores[-1]
        predictions = [c for c in final.columns.values() if c.kind == "prediction"]
        if len(predictions) > 1:
            raise Refusal("only one link column may follow the score", predictions[1].node)
        if predictions and (predictions[0].of is None or predictions[0].of.identity is not score.identity):
            raise Refusal(f"the link column must apply the link to the score {score.name!r}", predictions[0].node)
        if not score.origin.isidentifier():
            raise Refusal(f"the score column {score.origin!r} must be an identifier (it names the model)", score.node)
        inputs = [column.input for column in final_inputs(score) if column.input is not None]
        kinds = {i.name: i.kind for i in inputs}
        terms = self.terms(score, kinds, link=predictions[0].link if predictions else None)
        declared = {i.name for i in inputs}
        for term in terms:
            for feature in features(term):
                if declared and feature not in declared:
                    raise Refusal(f"a term reads {feature!r}, which is not among the inputs: cast it in the inputs step", score.node)
        if not inputs:
            inputs = inferred_inputs(terms)
        keys = tuple(c.name for c in final.columns.values() if c.kind == "raw")
        self.check_passed(inputs, self.last_reads)
        extras = tuple(c.node.sql(dialect=self.dialect) for c in final.columns.values() if c.kind in ("extra", "input") and c is not score)
        link = predictions[0].link if predictions else "identity"
        model = Model(tuple(inputs), tuple(terms), link, score.origin, self.header.doc, span=self.span(score.node))  # type: ignore[arg-type]
        alias = score.name if score.name != score.origin else None
        return model, QueryOptions(self.dialect, self.table or "input", keys, extras, alias)

    def check_passed(self, inputs: list[Input], carried: set[int]) -> None:
        """A column of the table passed on uncast must be an input or reach the result (by
        the identities in `carried`): one that no term reads and the result drops makes the
        query need a column the model does not have (the engine stops on a table without
        it). The caret on the last step that passes it on: where it stopped being carried."""
        names = {column_key(i.name, self.dialect) for i in inputs}
        last: dict[int, tuple[_Column, Expr]] = {}
        for column, node in self.raw_passed:
            if id(column.identity) not in carried and column_key(column.name, self.dialect) not in names:
                last[id(column.identity)] = (column, node)
        if not last:
            return
        column, node = next(iter(last.values()))
        name = column.node.sql(dialect=self.dialect)
        since = f" (since line {self.span(column.node).line})" if column.node is not node else ""
        raise Refusal(
            f"{column.name!r} is passed on without a cast{since}, and neither a term nor the result reads it: the query would stop"
            f" on a table without that column, which the model does not name. Remove it, carry it on to the last SELECT (a key),"
            f" or keep it as an input: CAST({name} AS DOUBLE) AS {name} (or a text type) in the inputs step",
            node,
        )

    def terms(self, score: _Column, kinds: Mapping[str, str], link: str | None) -> list[Term]:
        if len(score.summands) == 1 and no_terms(score.summands[0][0], score.node, self.dialect):
            return []
        running = None
        for node, _ in score.summands:
            double = is_double(node, self.dialect)
            if running is False and not double:
                raise Refusal("the engine adds this term to the one before in exact decimals, not in doubles: write their numbers as pwlc does", node)
            running = bool(running) or double
        if link is not None and not running:
            raise Refusal("the engine computes this score as an exact decimal, and the link from it: write its numbers as pwlc does", score.summands[0][0])
        out = []
        casts = {column.input.name: column.node for column in final_inputs(score) if column.input is not None}
        for node, scope in score.summands:
            node = inline(node, partial(self.bin_case, scope=scope), self.position)
            reader = TermReader(self.dialect, partial(self.input_name, scope=scope), self.position, self.case_comment, self.span)
            try:
                term = reader.term(node, kinds)
            except KindRefusal as refusal:
                if refusal.feature not in casts or self.read_as_cast(refusal.feature, score, kinds):
                    raise
                raise Refusal(refusal.at_cast(self.span(refusal.node).line), casts[refusal.feature]) from None
            _check_read_transform(term, node, self.dialect)
            out.append(term)
        return out

    def read_as_cast(self, feature: str, score: _Column, kinds: Mapping[str, str]) -> bool:
        """Whether a term of the score reads `feature` as its cast says."""
        for node, scope in score.summands:
            try:
                node = inline(node, partial(self.bin_case, scope=scope), self.position)
                term = TermReader(self.dialect, partial(self.input_name, scope=scope), self.position, self.case_comment, self.span).term(node, kinds)
            except Refusal:
                continue
            if feature in features(term):
                return True
        return False

    def bin_case(self, node: Expr, scope: _Scope) -> Expr | None:
        """The CASE of the bin column `node` names in `scope` (None: not a bin column),
        refused unless each column it reads is the one the term reads under that name."""
        column = scope.columns.get(identifier_key(node, self.dialect))
        if column is None or column.kind != "bin" or column.source is None:
            return None
        exp = sqlglot_exp()
        for read in column.node.find_all(exp.Column):
            if column.source.find(read).identity is not scope.find(read).identity:
                raise Refusal(f"this bin number reads {read.name!r} as the terms do not: compute it from the inputs step's columns, passed on with *", read)
        return column.node

    def input_name(self, node: Expr, scope: _Scope) -> str:
        column = scope.find(node)
        if column.kind == "input":
            return column.name
        if column.kind == "raw" and not scope.has_inputs():
            return column.name
        if column.kind == "raw":
            cast = f"CAST({node.sql(dialect=self.dialect)} AS ...)"
            if column.node is not node:  # passed on by the inputs step: the caret where the cast is missing
                raise Refusal(f"the inputs step passes {column.name!r} on without a cast, and a term reads it (line {self.span(node).line}): "
                              f"write {cast} here, as pwlc does", column.node)
            raise Refusal(f"a term reads {column.name!r}, which the inputs step does not cast: add {cast} there", node)
        raise Refusal(f"a term reads {column.name!r}, which is not an input", node)

def final_inputs(score: _Column) -> list[_Column]:
    """The input columns of the steps the score's terms are read in, in order."""
    scopes = list({id(scope): scope for _, scope in score.summands}.values())
    found: dict[int, _Column] = {}
    for scope in scopes:
        for column in scope.columns.values():
            if column.kind == "input":
                found.setdefault(id(column.identity), column)
    return list(found.values())


def _check_read_transform(term: Term, node: Expr, dialect: str) -> None:
    """A curve whose SQL transform may not tell two knots apart divides by zero in SQL."""
    try:
        check_transforms(Model((), (term,)), dialect)
    except UnsupportedError as exc:
        raise Refusal(exc.message, node) from None


@contextmanager
def _frozen() -> Iterator[None]:
    """The parsed tree (millions of linked objects, alive while reading) out of the cyclic
    garbage collector's sight: each full collection would walk it again, and reading grew
    faster than the text. What reading builds and drops is still collected."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


