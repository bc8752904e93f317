"""Reading one term back: a number, or a CASE matched to the term pwlc would print.

From a CASE the reader extracts the candidate terms it could be (a curve in each
transform, a step on either edge side, a table, a grid), prints each one again
(`terms.term_expression`) and compares the two trees node by node. A candidate is read
only when every node agrees: operators and functions by kind, columns by name, strings
exactly, and numbers by the double the engine computes from them (`constants`), so
`(46.0 - 25.0)` may stand for `(46.0e0 - 25.0e0)` but `(0.2 - 0.61)`, exact decimal
arithmetic, may not. Where no candidate agrees, the error points at the first node of the
best candidate (the one agreeing with the most text) that differs, and says what pwlc
expected there.

Before matching, a CASE is put in the form pwlc prints: `WHEN x IN ('a', 'b') THEN v` is
`WHEN x = 'a' THEN v WHEN x = 'b' THEN v` (the same rows take the same branch), and each
column is named as its input is declared (the engine may ignore case in names).

The nodes a term may hold, and what the reader takes each to mean (anything else differs
from every candidate, so it is refused):
- CASE WHEN: the first branch whose condition is true; a NULL condition is not true. The
  first branch is `x IS NULL`, so later comparisons never see a NULL input.
- `<`, `<=` between a double input and a double: IEEE comparison (a NaN is loaded as NULL).
- `=` between a text input and a string literal: code points, trailing spaces included, in
  SQLite, DuckDB, PostgreSQL (deterministic collation) and Spark; MySQL and SQL Server
  compare otherwise (README). IN (...) as above; a NULL in the list is refused.
- `+ - * /` with a double operand: IEEE doubles (`/` never by zero: knots differ, and a
  curve whose SQL transform ties two knots is refused); between two exact numbers: see
  `constants` (a division refused). `-x`: negation. Parentheses: grouping only.
- `LN`, `EXP`: the engine's libm. `CAST(... AS <8-byte double>)`: a number, or a no-op
  around a double (sqlglot writes one when it transpiles a division).
- Strings as the dialect unescapes them (sqlglot); columns as the dialect looks them up.
- DuckDB: `LIST_EXTRACT(list, i)` (from 1) in a grid's matrix, and a long step's binary
  search, `LIST_REDUCE` over the rounds' lists of edges with a `LAMBDA b, r : ...`
  (search.py), compared whole with the printed one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import replace

from pwlc.backends.sql.compare import Mismatch, in_line, mismatch, step_mismatch
from pwlc.backends.sql.constants import KindRefusal, Refusal, decimal_arithmetic, leftmost_number, number, strip
from pwlc.backends.sql.dialects import Expr, rules, sqlglot_exp
from pwlc.backends.sql.search import LIST_REDUCE, SearchParts, in_order, search_parts
from pwlc.backends.sql.terms import (
    LIST_EXTRACT,
    Cell,
    Printing,
    axis_cells,
    hidden_options,
    linear_expression,
    term_expression,
)
from pwlc.errors import Span
from pwlc.ir import TRANSFORMS, Axis, CategoryAxis, Constant, Curve, Grid, KnotAxis, Linear, Step, StepAxis, Table, Term


class TermReader:
    """Reads terms of one query: `resolve` names a column reference as its declared input
    (or refuses it), `position` gives a node's offset in the text, `comment` the comment
    after a CASE keyword."""

    def __init__(self, dialect: str, resolve: Callable[[Expr], str], position: Callable[[Expr], int], comment: Callable[[Expr], str | None], span: Callable[[Expr], Span]):
        self.dialect = dialect
        self.resolve = resolve
        self.position = position
        self.comment = comment
        self.span = span

    def number(self, node: Expr) -> float | None:
        return number(node, self.dialect)

    def term(self, node: Expr, kinds: Mapping[str, str]) -> Term:
        exp = sqlglot_exp()
        _check_constructs(node)
        value = self.number(node)
        if value is not None:
            return Constant(value, span=self.span(node))
        if isinstance(strip(node), (exp.Mul, exp.Coalesce)) or _guarded_product(node):
            return self.linear(node, kinds)
        case = strip(node)
        if not isinstance(case, exp.Case) or case.this is not None or not case.args.get("ifs"):
            raise Refusal("expected a number or a CASE WHEN ... END term", node)
        hidden = self.comment(case)
        case = self.normal_form(case)
        ifs = case.args["ifs"]
        lines: dict[str, Expr] = {}  # a grid's missing row/column, by the input missing
        while len(ifs) > 1 and (absent := _only_missing(ifs[0].this)) is not None:
            lines[absent] = ifs[0].args["true"]
            ifs = ifs[1:]
        first = ifs[0]
        condition = strip(first.this)
        missing = None if isinstance(strip(first.args["true"]), exp.Null) else self.number(first.args["true"])
        if missing is None and not isinstance(strip(first.args["true"]), exp.Null):
            raise Refusal("the value for a missing input must be a number or NULL", first.args["true"])
        branches = [(b.this, b.args["true"]) for b in ifs[1:]]
        default = case.args.get("default")
        if default is None:
            raise Refusal("a term's CASE needs an ELSE branch (the value above the last edge)", case)
        if isinstance(condition, exp.Is) and isinstance(condition.this, exp.Column):
            feature = condition.this.name
            search = search_parts(default) if not branches else None
            if search is not None:
                candidates = self.search_candidates(feature, search, missing)
            else:
                candidates = self.single_candidates(feature, kinds.get(feature), *in_line(branches, default), missing)
        elif isinstance(condition, exp.Or) and all(isinstance(strip(c), exp.Is) and isinstance(strip(c).this, exp.Column) for c in (condition.this, condition.expression)):
            a, b = (strip(c).this.name for c in (condition.this, condition.expression))
            candidates = self.grid_candidates(a, b, kinds, branches, default, missing, lines)
        else:
            raise Refusal('a term\'s CASE must start with `WHEN "x" IS NULL THEN ...` (or `"a" IS NULL OR "b" IS NULL` for a grid)', condition)
        if not candidates:
            raise Refusal("this CASE does not read as a curve, step, table or grid term", case)
        uses_ln = any(True for _ in case.find_all(exp.Ln))

        def rank(candidate: Term) -> tuple[bool, bool]:
            """Candidates the text looks like first: the one its comment names, a curve in
            a logarithm where the CASE takes one (and only there)."""
            looks = not isinstance(candidate, Curve) or (candidate.fx != "identity") == uses_ln
            return hidden_options(candidate) != hidden, not looks

        candidates.sort(key=rank)
        best: Mismatch | None = None
        kind = ""
        for candidate in candidates:
            found = self.first_mismatch(case, candidate)
            if found is None:
                return replace(candidate, span=self.span(case))  # type: ignore[type-var]
            # among the likeliest candidates, the one agreeing with the most text
            if best is None or (rank(candidate) == rank(candidates[0]) and self.position(found[0]) > self.position(best[0])):
                best, kind = found, type(candidate).__name__.lower()
        assert best is not None
        where, wanted = best
        hint = " (a number that appears more than once must change everywhere)" if self.number(where) is not None else ""
        if decimal_arithmetic(where, self.dialect):
            hint = " (the engine computes this in exact decimals, not in doubles as the model does: write the numbers as pwlc does)"
        if isinstance(wanted, sqlglot_exp().Literal) and wanted.is_int:  # a bin number: the engine indexes lists by it
            if kind == "grid":
                hint = " (the bins of a grid's axis are numbered 1, 2, ... in order, as integers: the engine indexes a list by them)"
            else:
                hint = " (a search starts in bin 1 and halves it each round, `2 * b - CAST((x < edge) AS INT)`: the engine indexes lists by it)"
        raise Refusal(f"this does not fit the {kind} read from this CASE, which has `{self.sql(wanted)}` here{hint}", where)

    def linear(self, node: Expr, kinds: Mapping[str, str]) -> Linear:
        """`SLOPE * x` (or `x * SLOPE`: one product either way), in `COALESCE(..., MISSING)`
        for a term with a value for a missing input, the product maybe in PostgreSQL's
        guards (the CASE's ELSE); compared with what pwlc prints, with or without them."""
        exp = sqlglot_exp()
        outer = strip(node)
        inner = strip(outer.this) if isinstance(outer, exp.Coalesce) else outer
        guarded = _guarded_product(inner)
        product = strip(inner.args["default"]) if guarded else inner
        shape = "a linear term is `SLOPE * x`, or `COALESCE(SLOPE * x, MISSING)` with a value for a missing input"
        if not isinstance(product, exp.Mul):
            raise Refusal(shape, product)
        sides = [strip(product.this), strip(product.expression)]
        columns = [side for side in sides if isinstance(side, exp.Column)]
        if len(columns) != 1:
            raise Refusal(f"{shape}: a number times one input column", product)
        column_first = sides[0] is columns[0]
        slope = self.number(sides[1] if column_first else sides[0])
        if slope is None:
            raise Refusal(f"{shape}: the slope must be a number", sides[1] if column_first else sides[0])
        feature = self.resolve(columns[0])
        if kinds.get(feature) != "numeric":
            raise KindRefusal(feature, "text", "a linear term reads a numeric input", "cast it to a double", columns[0])
        missing = None
        if isinstance(outer, exp.Coalesce):
            rest = outer.expressions
            missing = self.number(rest[0]) if len(rest) == 1 else None
            if missing is None:
                raise Refusal(f"{shape}: one number after the product", rest[0] if rest else outer)
        candidate = Linear(feature, slope, missing, span=self.span(outer))
        printings = [Printing(self.dialect)]
        if printings[0].strict:
            printings.append(Printing(self.dialect, guarded=False))
        found = [mismatch(self.normal_form(outer), linear_expression(candidate, printing, column_first), self.dialect) for printing in printings]
        differences = [difference for difference in found if difference is not None]
        if len(differences) < len(found):
            return candidate
        # the difference from the form the text has: guarded or bare
        where, wanted = differences[0] if guarded else differences[-1]
        hint = " (PostgreSQL's guards depend on the slope: delete the CASE around a changed product, or compile the model again)" if printings[0].strict else ""
        raise Refusal(f"this does not fit the linear term read here, which has `{self.sql(wanted)}` here{hint}", where)

    def sql(self, node: Expr) -> str:
        from pwlc.backends.sql.printer import render_sql

        return render_sql(node, self.dialect)

    def first_mismatch(self, case: Expr, candidate: Term) -> Mismatch | None:
        """Where `case` differs from `candidate` as pwlc prints it (with or without
        PostgreSQL's guards on weights; a grid as a matrix or as nested CASEs, the form
        the text has first); None when it does not."""
        printings = [Printing(self.dialect)]
        if printings[0].strict:
            printings.append(Printing(self.dialect, guarded=False))
        if isinstance(candidate, Grid) and printings[0].matrices:
            nested = Printing(self.dialect, matrix=False)
            printings = [printings[0], nested] if matrix_parts(case.args.get("default")) else [nested, printings[0]]
        if isinstance(candidate, Step) and rules(self.dialect).lists:  # a search or a CASE, the form the text has
            searched = len(case.args["ifs"]) == 1 and search_parts(case.args.get("default")) is not None
            printings = [Printing(self.dialect, search=searched), Printing(self.dialect, search=not searched)]
        first: Mismatch | None = None
        for printing in printings:
            built = term_expression(candidate, printing)
            found = step_mismatch(case, built, self.dialect) if isinstance(candidate, Step) else mismatch(case, built, self.dialect)
            if found is None:
                return None
            first = first or found
        return first

    def normal_form(self, case: Expr) -> Expr:
        """A copy of `case` with IN lists written as one branch per value and every column
        named as its input is declared."""
        exp = sqlglot_exp()
        nodes = list(case.walk())
        renamed = any(isinstance(n, exp.Column) and (self.resolve(n) != n.name or not n.this.args.get("quoted")) for n in nodes)
        if not renamed and not any(isinstance(n, exp.In) for n in nodes):
            return case  # already in normal form: no copy
        case = case.copy()
        for node in list(case.walk()):
            if isinstance(node, exp.Column):
                named = exp.Identifier(this=self.resolve(node), quoted=True)
                named.meta.update(node.this.meta if node.this._meta else {})
                node.set("this", named)
            elif isinstance(node, exp.Case):
                node.set("ifs", [branch for old in node.args.get("ifs") or [] for branch in _expanded(old)])
        return case

    # -- candidates --

    def single_candidates(self, feature: str, kind: str | None, branches: list[tuple[Expr, Expr]], default: Expr, missing: float | None) -> list[Term]:
        exp = sqlglot_exp()
        conditions = [strip(c) for c, _ in branches]
        values = [self.number(v) for _, v in branches]
        last = self.number(default)
        if last is None:
            raise Refusal("the ELSE value of a term must be a number", default)
        if kind == "categorical" or (conditions and all(isinstance(c, exp.EQ) for c in conditions)):
            if kind == "numeric":
                raise KindRefusal(feature, "a number", "a table compares it with text", "cast it to text", conditions[0])
            numeric = [c for c in conditions if isinstance(c, (exp.LT, exp.LTE, exp.GT, exp.GTE)) and self.number(c.expression) is not None]
            if numeric:
                raise KindRefusal(feature, "text", "this term compares it with numbers", "cast it to a double", numeric[0])
            return self.table_candidates(feature, conditions, values, last, missing)
        bounds: list[float] = []
        for condition in conditions:
            bound = self.number(condition.expression) if isinstance(condition, (exp.LT, exp.LTE, exp.GT, exp.GTE, exp.EQ, exp.NEQ)) else None
            if bound is None:
                raise Refusal(f'expected a comparison of "{feature}" with a number here', condition)
            bounds.append(bound)
        _check_increasing(feature, bounds, conditions)
        candidates: list[Term] = []
        if values and values[0] is not None and (len(values) == 1 or any(v is None for v in values[1:])):
            ys = [values[0]] + [leftmost_number(v, self.dialect) for _, v in branches[2:]] + ([last] if len(bounds) > 1 else [])
            if None not in ys and len(ys) == len(bounds) and (len(bounds) > 1 or last == values[0]):
                domain = {"log": 0.0, "log1p": -1.0}  # knots must lie above
                fxs = [fx for fx in TRANSFORMS if bounds[0] > domain.get(fx, -math.inf)]
                candidates += [Curve(feature, tuple(bounds), tuple(ys), fx, missing) for fx in fxs]  # type: ignore[arg-type]
        if None not in values:
            lower = sum(isinstance(c, exp.LTE) for c in conditions) > len(conditions) / 2
            sides = ("lower", "upper") if lower else ("upper", "lower")
            candidates += [Step(feature, tuple(bounds), (*values, last), side, missing) for side in sides]  # type: ignore[arg-type,misc]
        return candidates

    def search_candidates(self, feature: str, search: SearchParts, missing: float | None) -> list[Term]:
        """The step a binary search over its edges is (DuckDB's form of a long step, search.py):
        the edges from the rounds' lists, up to the first of the padding (the last edge
        repeated), and the values below them and above the last; the printed search of that
        step is then compared with the text, padding included."""
        exp = sqlglot_exp()
        if not rules(self.dialect).lists:
            raise Refusal(f"a step as a LIST_REDUCE search is DuckDB's form: {self.dialect} reads the CASE pwlc writes for it", search.node)
        if not search.rounds:
            raise Refusal("this search has no round of edges: write a step without edges as its value", search.node)
        lines = []
        for k, line in enumerate(search.rounds):
            items = strip(line)
            if not isinstance(items, exp.Array):
                raise Refusal("a search lists its edges in rounds, each a list: `[[e], [e, e], [e, e, e, e], ...]` (pwlc before"
                              " December 2026 searched one list of edges by strides: emit the model again)", line)
            if len(items.expressions) != 1 << k:
                raise Refusal(f"round {k + 1} of a search lists {1 << k} edges, in brackets (each round twice the one before: pwlc pads the edges to 2^rounds - 1 with the last)", line)
            lines.append(self.list_numbers(items.expressions))
        values = self.list_numbers(search.values)
        if len(values) != 1 << len(lines):
            raise Refusal(f"a search in {len(lines)} rounds picks one of {1 << len(lines)} values: list that many (pwlc pads them with the last)", search.node.expressions[0])
        padded, nodes = in_order(lines), in_order([strip(line).expressions for line in search.rounds])
        count = padded.index(padded[-1]) + 1
        edges = padded[:count]
        _check_increasing(feature, edges, nodes[:count])
        pads = f"pwlc pads a search's {count} edges to {len(padded)} with the last edge and its {count + 1} values to {len(values)} with the last value"
        for edge, node in zip(padded[count:], nodes[count:]):
            if edge != padded[-1]:
                raise Refusal(f"this edge is padding: it repeats the last edge, {padded[-1]!r} ({pads}: to add an edge, emit the edited model)", node)
        for value, node in zip(values[count:-1], search.values[count:-1]):
            if value != values[-1]:
                raise Refusal(f"this value is padding, never picked: it repeats the last value, {values[-1]!r} ({pads}: the value above the last edge is the list's last)", node)
        return [Step(feature, tuple(edges), (*values[:count], values[-1]), search.at_edge, missing)]  # type: ignore[arg-type]

    def list_numbers(self, items: list[Expr]) -> list[float]:
        found = [self.number(item) for item in items]
        for item, value in zip(items, found):
            if value is None:
                raise Refusal("each value and edge of a step's lists is a number", item)
        return found  # type: ignore[return-value]

    def table_candidates(self, feature: str, conditions: list[Expr], values: list[float | None], last: float, missing: float | None) -> list[Term]:
        exp = sqlglot_exp()
        entries: dict[str, float] = {}
        for condition, value in zip(conditions, values):
            if not (isinstance(condition, exp.EQ) and isinstance(condition.expression, exp.Literal) and condition.expression.is_string):
                raise Refusal(f"expected `\"{feature}\" = 'category'` here", condition)
            if value is None:
                raise Refusal("a table's value must be a number", condition)
            key = str(condition.expression.this)
            if key in entries:
                raise Refusal(f"category {key!r} is matched by a branch above: this one never applies; remove it", condition.expression)
            entries[key] = value
        return [Table(feature, tuple(entries.items()), last, missing)]

    def grid_candidates(
        self, a: str, b: str, kinds: Mapping[str, str], branches: list[tuple[Expr, Expr]], default: Expr, missing: float | None, lines: Mapping[str, Expr]
    ) -> list[Term]:
        exp = sqlglot_exp()
        parts = matrix_parts(default) if not branches else None
        if parts is not None and not Printing(self.dialect).matrices:
            raise Refusal(f"a grid as a LIST_EXTRACT matrix is DuckDB's form: {self.dialect} reads the nested CASE pwlc writes for it", default)
        if parts is not None:
            return self.matrix_candidates(a, b, kinds, *parts, missing, lines)
        a_values = [v for _, v in branches] + [default]
        inner = strip(a_values[0])
        # an axis with one cell has no CASE over it
        b_branches = [(i.this, i.args["true"]) for i in inner.args.get("ifs") or []] if isinstance(inner, exp.Case) else []
        candidates: list[Term] = []
        for axis_a in self.axis_candidates(a, kinds.get(a), [c for c, _ in branches]):
            for axis_b in self.axis_candidates(b, kinds.get(b), [c for c, _ in b_branches]):
                cells_a, cells_b = axis_cells(axis_a, Printing(self.dialect)), axis_cells(axis_b, Printing(self.dialect))
                if len(cells_a) != len(a_values):
                    continue
                grid = [[math.nan] * axis_b.size for _ in range(axis_a.size)]
                for cell_a, value_a in zip(cells_a, a_values):
                    for j, found in enumerate(self.line_values(value_a, cells_b)):
                        if not math.isnan(found):
                            grid[cell_a.lower][j] = found
                missing_a, missing_b = (self.line_values(lines[name], cells) if name in lines else None for name, cells in ((a, cells_b), (b, cells_a)))
                numbers = [v for row in grid for v in row] + list(missing_a or ()) + list(missing_b or ())
                if all(math.isfinite(v) for v in numbers):
                    candidates.append(Grid(axis_a, axis_b, tuple(tuple(row) for row in grid), missing, missing_a, missing_b))
        return candidates

    def matrix_candidates(
        self, a: str, b: str, kinds: Mapping[str, str], rows: Expr, bin_a: Expr, bin_b: Expr, missing: float | None, lines: Mapping[str, Expr]
    ) -> list[Term]:
        """The grids a matrix indexed by two bin numbers can be (see terms.matrix_expression)."""
        exp = sqlglot_exp()
        grid: list[tuple[float, ...]] = []
        for row in rows.expressions:
            if not isinstance(row, exp.Array):
                raise Refusal("each row of a grid's matrix is a list of numbers: [v1, v2, ...]", row)
            cells = []
            for item in row.expressions:
                value = self.number(item)
                if value is None:
                    raise Refusal("each cell of a grid's matrix is a number", item)
                cells.append(value)
            grid.append(tuple(cells))
        candidates: list[Term] = []
        for axis_a in self.axis_candidates(a, kinds.get(a), bin_conditions(bin_a)):
            if isinstance(axis_a, KnotAxis):
                continue
            if axis_a.size != len(grid):
                raise Refusal(f"this matrix has {len(grid)} rows, and the bins of {a!r} below it number {axis_a.size}: give each bin a row", rows)
            for axis_b in self.axis_candidates(b, kinds.get(b), bin_conditions(bin_b)):
                if isinstance(axis_b, KnotAxis):
                    continue
                for row, line in zip(rows.expressions, grid):
                    if len(line) != axis_b.size:
                        raise Refusal(f"this row has {len(line)} values, and the bins of {b!r} number {axis_b.size}: give each bin a value", row)
                cells_a, cells_b = axis_cells(axis_a, Printing(self.dialect)), axis_cells(axis_b, Printing(self.dialect))
                missing_a, missing_b = (self.line_values(lines[name], cells) if name in lines else None for name, cells in ((a, cells_b), (b, cells_a)))
                numbers = [v for row in grid for v in row] + list(missing_a or ()) + list(missing_b or ())
                if all(math.isfinite(v) for v in numbers):
                    candidates.append(Grid(axis_a, axis_b, tuple(grid), missing, missing_a, missing_b))
        return candidates

    def axis_candidates(self, feature: str, kind: str | None, conditions: list[Expr]) -> list[Axis]:
        exp = sqlglot_exp()
        conditions = [strip(c) for c in conditions]
        if kind == "categorical" or (conditions and all(isinstance(c, exp.EQ) for c in conditions)):
            if all(isinstance(c, exp.EQ) and isinstance(c.expression, exp.Literal) and c.expression.is_string for c in conditions):
                keys = [str(c.expression.this) for c in conditions]
                return [CategoryAxis(feature, tuple(keys))] if len(set(keys)) == len(keys) else []
            return []
        bounds = [self.number(c.expression) if isinstance(c, (exp.LT, exp.LTE)) else None for c in conditions]
        if None in bounds:
            return []
        _check_increasing(feature, bounds, conditions)  # type: ignore[arg-type]
        found: list[Axis] = [StepAxis(feature, tuple(bounds), side) for side in ("upper", "lower")]  # type: ignore[arg-type,misc]
        if bounds:
            found.append(KnotAxis(feature, tuple(bounds)))  # type: ignore[arg-type]
        return found

    def line_values(self, line: Expr, cells: list[Cell]) -> tuple[float, ...]:
        """A row of a grid (or its missing row or column) read from its CASE over the other
        axis: the value at the lower end of each cell (NaN where none can be read; the
        printed-again comparison reports it)."""
        exp = sqlglot_exp()
        case = strip(line)
        values = [i.args["true"] for i in case.args.get("ifs") or []] + [case.args.get("default")] if isinstance(case, exp.Case) and case.this is None else [line]
        size = max((cell.upper for cell in cells), default=0) + 1
        out = [math.nan] * size
        for cell, value in zip(cells, values):
            found = leftmost_number(value, self.dialect) if value is not None else None
            if found is not None:
                out[cell.lower] = found
        return tuple(out)


def _check_increasing(feature: str, bounds: list[float], conditions: list[Expr]) -> None:
    """Refuse, at a branch, edges or knots that do not go up (verify would, at the term): at
    the later of two out of order, unless only leaving out the earlier puts them in order."""
    for i in range(1, len(bounds)):
        if bounds[i] > bounds[i - 1]:
            continue
        earlier_fits = i + 1 < len(bounds) and not bounds[i + 1] > bounds[i - 1] and (i < 2 or bounds[i] > bounds[i - 2])
        at = i - 1 if earlier_fits else i
        raise Refusal(
            f"the edges (knots) of {feature!r} must increase from branch to branch: {bounds[i - 1]!r} then {bounds[i]!r}."
            " Keep them in order; to remove one, delete its branch",
            conditions[at],
        )


_CONSTRUCTS = (
    "Add Sub Mul Div Neg Paren Literal Null Column Identifier Case If Is Not And Or In"
    " LT LTE GT GTE EQ NEQ Ln Exp Cast TryCast DataType DataTypeParam Var Array Anonymous Lambda"
).split()


def _check_constructs(node: Expr) -> None:
    """Refuse, at it, the first construct no term pwlc prints holds (a function, a
    subquery...): no candidate could match it, and the caret belongs there."""
    exp = sqlglot_exp()
    allowed = {getattr(exp, name) for name in _CONSTRUCTS}
    top = strip(node)
    for sub in node.walk(bfs=False):
        if type(sub) in allowed and not (isinstance(sub, exp.Anonymous) and sub.name.upper() not in (LIST_EXTRACT, LIST_REDUCE)):
            continue
        if sub is top and isinstance(sub, exp.Coalesce):  # a linear term with a value for a missing input
            continue
        if isinstance(sub, exp.Abs) and _guarded_product(top if not isinstance(top, exp.Coalesce) else strip(top.this)):
            continue  # PostgreSQL's guards on a linear term (compared whole with pwlc's)
        if isinstance(sub, (exp.Subquery, exp.Select)):
            name = "a subquery"
        else:
            name = f"{sub.sql_name() if not isinstance(sub, exp.Anonymous) else sub.name}(...)" if isinstance(sub, exp.Func) else sub.key.upper()
        raise Refusal(
            f"pwlc does not read {name} in a term: a term is a number, a linear term (SLOPE * x, or COALESCE(SLOPE * x,"
            " MISSING)), or a CASE of comparisons, numbers and pwlc's arithmetic (+ - * /, LN, EXP); write the number it computes instead",
            sub,
        )


def _guarded_product(node: Expr) -> bool:
    """Whether `node` is a CASE whose first condition is on `ABS(x)`: a linear term in
    PostgreSQL's guards (every other term's CASE starts with `x IS NULL`)."""
    exp = sqlglot_exp()
    node = strip(node)
    if not isinstance(node, exp.Case) or not node.args.get("ifs"):
        return False
    condition = strip(node.args["ifs"][0].this)
    return isinstance(condition, (exp.LT, exp.GT)) and isinstance(strip(condition.this), exp.Abs)


def matrix_parts(node: Expr | None) -> tuple[Expr, Expr, Expr] | None:
    """The matrix and the two bin CASEs of `LIST_EXTRACT(LIST_EXTRACT([[...]], a), b)`."""
    exp = sqlglot_exp()

    def extract(node: Expr | None) -> tuple[Expr, Expr] | None:
        node = strip(node) if node is not None else None
        if isinstance(node, exp.Anonymous) and node.name.upper() == LIST_EXTRACT and len(node.expressions) == 2:
            return strip(node.expressions[0]), node.expressions[1]
        return None

    outer = extract(node)
    inner = extract(outer[0]) if outer is not None else None
    if outer is None or inner is None or not isinstance(inner[0], exp.Array):
        return None
    return inner[0], inner[1], outer[1]


def bin_conditions(node: Expr) -> list[Expr]:
    """The conditions of a bin CASE (grouped or not) in order; none for a single bin."""
    exp = sqlglot_exp()
    case = strip(node)
    if not isinstance(case, exp.Case) or case.this is not None or not case.args.get("ifs") or case.args.get("default") is None:
        return []
    branches, _ = in_line([(branch.this, branch.args["true"]) for branch in case.args["ifs"]], case.args.get("default"))
    return [condition for condition, _ in branches]


def _expanded(branch: Expr) -> list[Expr]:
    """`WHEN x IN (a, b) THEN v` as `WHEN x = a THEN v`, `WHEN x = b THEN v`."""
    exp = sqlglot_exp()
    condition = strip(branch.this)
    if not isinstance(condition, exp.In) or condition.args.get("query") or condition.args.get("unnest") or condition.args.get("field"):
        return [branch]
    out = []
    for item in condition.expressions:
        if isinstance(strip(item), exp.Null):
            raise Refusal("NULL in an IN list never matches; remove it (a missing input has its own branch)", item)
        out.append(exp.If(this=exp.EQ(this=condition.this.copy(), expression=item), true=branch.args["true"].copy()))
    return out


def _only_missing(condition: Expr) -> str | None:
    """The input named by `"a" IS NULL AND NOT "b" IS NULL` (a grid's missing-row branch)."""
    exp = sqlglot_exp()
    condition = strip(condition)
    if not isinstance(condition, exp.And):
        return None
    absent, present = strip(condition.this), strip(condition.expression)
    if isinstance(present, exp.Not) and isinstance(absent, exp.Is) and isinstance(absent.this, exp.Column) and isinstance(strip(present.this), exp.Is):
        return str(absent.this.name)
    return None
