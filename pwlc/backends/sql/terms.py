"""One term as one sqlglot expression (a number or a CASE), and the link.

The arithmetic repeats `pwlc.semantics` in the same order: a curve segment is
`y0 + (y1 - y0) * ((fx(x) - fx(x0)) / (fx(x1) - fx(x0)))`, a grid interpolates along `b`
in two rows, then along `a`. Every number is a double literal of the dialect
(`dialects.number`). The reader builds a candidate term, prints it here again and
compares the two trees, so this module is the one definition of what a term looks like.

DuckDB (`Rules.lists`) writes a grid without knot axes as its matrix of values, indexed by
each input's bin number: `LIST_EXTRACT(LIST_EXTRACT([[...], ...], <bin of a>), <bin of b>)`,
each bin a CASE like a step's with values 1, 2, ... An engine tests the conditions of the
two axes once, not a CASE over b's cells in each of a's (an EBM pair of 46 x 25 edges: 1.6 us
a row as nested CASEs, 0.12 us as a matrix). The values are the same doubles, picked by the
same comparisons, so the score is the same; other dialects keep the nested CASE. The
printer puts each bin CASE in a column of a bins step that the matrices index (`bins.py`,
`Printing.bins`): pairs over one input share it. A step of more than SEARCH_OVER edges
is, on DuckDB, a binary search over lists of its edges, one a round (`search.py`).

PostgreSQL stops the whole query where a division or a product rounds a nonzero result
to zero (an input 5e-324 above a knot at 0, a segment whose values differ by 1e-320):
for that dialect a weight that can round to zero in a way that stops the query is written
`CASE WHEN x <= limit THEN 0.0 ELSE <weight> END` (`guards.weight_limit`), which computes
the same value, since below the limit the product is zero anyway.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from pwlc.backends.sql import guards
from pwlc.backends.sql.bins import BinColumns
from pwlc.backends.sql.dialects import Expr, number, printed_value, rules, sqlglot_exp
from pwlc.backends.sql.search import LIST_EXTRACT, SEARCH_OVER, search_expression
from pwlc.errors import UnsupportedError
from pwlc.ir import Axis, Constant, Curve, Grid, KnotAxis, Linear, Step, StepAxis, Table, Term

LOG1P_KNOT = "pwlc_log1p_knot"  # marks a knot's log1p in a built tree (either spelling reads)
BINS = "pwlc_bins"  # marks a grid axis's bin CASE in a built tree (any grouping reads)


@dataclass
class Printing:
    """How terms are printed: the dialect, whether weights carry PostgreSQL's guard
    (`guards` and `product_guards` count the guards written on weights and on linear terms),
    whether grids may be matrices, and whether a step is a binary search (`search.py`; None:
    where the dialect has lists, over SEARCH_OVER edges; the reader tries either form).
    `bins`: where a matrix reads its bin numbers from columns of the bins step (`bins.py`);
    None prints each bin CASE inline (the reader's form, after it puts the columns back)."""

    dialect: str
    guarded: bool = True
    guards: int = 0
    product_guards: int = 0
    matrix: bool = True
    search: bool | None = None
    bins: BinColumns | None = None

    @property
    def matrices(self) -> bool:
        return self.matrix and rules(self.dialect).lists

    def searches(self, step: Step) -> bool:
        if not rules(self.dialect).lists or not step.edges:
            return False
        return len(step.edges) > SEARCH_OVER if self.search is None else self.search

    def number(self, value: float) -> Expr:
        return number(value, self.dialect)

    @property
    def strict(self) -> bool:
        return self.guarded and rules(self.dialect).strict_floats


def column(name: str) -> Expr:
    exp = sqlglot_exp()
    return exp.Column(this=exp.Identifier(this=name, quoted=True))


def _case(branches: list[tuple[Expr, Expr]], default: Expr) -> Expr:
    """CASE WHEN ... ELSE default END, or just `default` when there is no branch."""
    exp = sqlglot_exp()
    if not branches:
        return default
    return exp.Case(ifs=[exp.If(this=cond, true=value) for cond, value in branches], default=default)


def _lerp(low: Expr, high: Expr, weight: Expr) -> Expr:
    """`low + (high - low) * weight`, in that order (rule 1)."""
    exp = sqlglot_exp()
    return exp.Add(this=low, expression=exp.Mul(this=exp.Paren(this=exp.Sub(this=high, expression=low.copy())), expression=weight))


def _one(p: Printing) -> Expr:
    return p.number(1.0)


def log1p(x: Expr, p: Printing) -> Expr:
    """log1p(x) without a log1p function (no dialect has one): with u = 1 + x rounded,
    `LN(u) - ((u - 1) - x) / u` puts back what rounding u lost: within 1 ulp of numpy's
    log1p everywhere, the same bits for 72% (|x| ~ 1e-8) to 100% (x > 1e6) of inputs
    (`LN(1 + x)` alone gives 0 for x below 1e-16). A knot k for which 1 + k is exact in
    doubles is written `LN(1 + k)`; the reader takes either form for any knot."""
    exp = sqlglot_exp()
    knot = printed_value(x)
    if knot is not None and (1.0 + knot) - 1.0 == knot:
        short = exp.Ln(this=exp.Add(this=_one(p), expression=x.copy()))
        short.meta[LOG1P_KNOT] = knot
        return short
    long = _corrected_log1p(x, p)
    if knot is not None:
        long.meta[LOG1P_KNOT] = knot
    return long


def _corrected_log1p(x: Expr, p: Printing) -> Expr:
    exp = sqlglot_exp()

    def u() -> Expr:
        return exp.Paren(this=exp.Add(this=_one(p), expression=x.copy()))

    lost = exp.Sub(this=exp.Sub(this=u(), expression=_one(p)), expression=x.copy())
    corrected = exp.Sub(this=exp.Ln(this=u().this), expression=exp.Div(this=exp.Paren(this=lost), expression=u(), typed=True))
    return exp.Paren(this=corrected)


def log1p_forms(knot: float, p: Printing) -> list[Expr]:
    """Both ways a knot's log1p may be written: `LN(1 + k)` and the corrected one."""
    exp = sqlglot_exp()
    x = p.number(knot)
    return [exp.Ln(this=exp.Add(this=_one(p), expression=x.copy())), _corrected_log1p(x, p)]


def transform(fx: str, x: Expr, p: Printing, low: float = -math.inf, high: float = math.inf) -> Expr:
    """fx(x) in SQL, for an input column or a knot (a number); x is known to lie in
    [low, high), which spares symlog1p its sign test in a segment on one side of 0."""
    exp = sqlglot_exp()
    if fx == "identity":
        return x
    if fx == "log":
        return exp.Ln(this=x)
    if fx == "log1p":
        return log1p(x, p)
    if fx == "symlog1p":  # sign(x) * log1p(|x|)
        value = printed_value(x)
        if value is not None:  # a knot: its sign is known
            low = high = value
        if low >= 0:
            return log1p(x, p)
        if high <= 0 and (value is None or value < 0):
            inside = p.number(-value) if value is not None else exp.Paren(this=exp.Neg(this=x.copy()))
            return exp.Paren(this=exp.Neg(this=log1p(inside, p)))
        negative = exp.LT(this=x.copy(), expression=p.number(0.0))
        return _case([(negative, exp.Neg(this=log1p(exp.Paren(this=exp.Neg(this=x.copy())), p)))], log1p(x, p))
    raise UnsupportedError(f"unknown transform {fx!r}")


@dataclass(frozen=True)
class Cell:
    """One branch of the CASE over an input: values between index lower and upper, at
    `weight` (None: exactly the value at `lower`). `condition` None is the ELSE branch.
    `weight_of` builds the weight for the difference of the two values it interpolates
    (PostgreSQL's guard depends on it)."""

    condition: Expr | None
    lower: int
    upper: int
    weight_of: Callable[[float | None], Expr] | None = None


def step_cells(x: Expr, edges: Sequence[float], at_edge: str, p: Printing) -> list[Cell]:
    exp = sqlglot_exp()
    compare = exp.LT if at_edge == "upper" else exp.LTE  # upper: a value on an edge goes up
    cells = [Cell(compare(this=x.copy(), expression=p.number(e)), k, k) for k, e in enumerate(edges)]
    return cells + [Cell(None, len(edges), len(edges))]


def category_cells(x: Expr, categories: Sequence[str]) -> list[Cell]:
    exp = sqlglot_exp()
    cells = [Cell(exp.EQ(this=x.copy(), expression=exp.Literal.string(c)), k, k) for k, c in enumerate(categories)]
    return cells + [Cell(None, len(categories), len(categories))]


def knot_cells(x: Expr, knots: Sequence[float], p: Printing, fx: str = "identity") -> list[Cell]:
    """Clamped below, one cell per segment (linear in fx), clamped above."""
    exp = sqlglot_exp()
    last = len(knots) - 1
    cells = [Cell(exp.LTE(this=x.copy(), expression=p.number(knots[0])), 0, 0)]
    for i in range(last):
        cells.append(Cell(exp.LT(this=x.copy(), expression=p.number(knots[i + 1])), i, i + 1, partial(_weight, x, knots[i], knots[i + 1], fx, p)))
    return cells + [Cell(None, last, last)]


def _weight(x: Expr, low: float, high: float, fx: str, p: Printing, difference: float | None) -> Expr:
    """`((fx(x) - fx(low)) / (fx(high) - fx(low)))`; for PostgreSQL 0 up to the input at
    which it would round to zero or make `difference` times it round to zero."""
    exp = sqlglot_exp()
    t = transform(fx, x.copy(), p, low, high)
    t0, t1 = transform(fx, p.number(low), p), transform(fx, p.number(high), p)
    ratio = exp.Div(this=exp.Paren(this=exp.Sub(this=t, expression=t0)), expression=exp.Paren(this=exp.Sub(this=t1, expression=t0.copy())), typed=True)
    limit = guards.weight_limit(fx, low, high, difference) if p.strict else None
    if limit is None:
        return exp.Paren(this=ratio)
    p.guards += 1
    return exp.Paren(this=_case([(exp.LTE(this=x.copy(), expression=p.number(limit)), p.number(0.0))], ratio))


# A step of more edges is written in groups (see step_case).
STEP_GROUPS_OVER = 16


def step_case(x: Expr, step: Step, p: Printing) -> tuple[list[tuple[Expr, Expr]], Expr]:
    """A step's branches and ELSE (see `grouped_case`)."""
    return grouped_case(step_cells(x, step.edges, step.at_edge, p), lambda cell: p.number(step.values[cell.lower]))


def grouped_case(cells: list[Cell], value: Callable[[Cell], Expr]) -> tuple[list[tuple[Expr, Expr]], Expr]:
    """The branches and ELSE over a step's cells: one branch a cell; over STEP_GROUPS_OVER
    edges, in groups of about sqrt(cells) cells, each group a CASE behind the edge that ends
    it. An engine walks a CASE branch by branch: ~2 sqrt(n) tests a row instead of ~n / 2
    (n = 250: 16, not 125)."""
    if len(cells) - 1 <= STEP_GROUPS_OVER:
        return cells_case(cells, value)
    size = math.isqrt(len(cells) - 1) + 1  # the ceiling of sqrt(cells)
    groups = [cells[start : start + size] for start in range(0, len(cells), size)]

    def group_case(group: list[Cell]) -> Expr:
        return _case([(cell.condition, value(cell)) for cell in group[:-1]], value(group[-1]))

    return [(group[-1].condition, group_case(group)) for group in groups[:-1]], group_case(groups[-1])


def cells_case(cells: list[Cell], value: Callable[[Cell], Expr]) -> tuple[list[tuple[Expr, Expr]], Expr]:
    branches = [(cell.condition, value(cell)) for cell in cells if cell.condition is not None]
    return branches, value(cells[-1])


def axis_cells(axis: Axis, p: Printing) -> list[Cell]:
    x = column(axis.feature)
    if isinstance(axis, StepAxis):
        return step_cells(x, axis.edges, axis.at_edge, p)
    if isinstance(axis, KnotAxis):
        return knot_cells(x, axis.knots, p)
    return category_cells(x, axis.categories)


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


def term_expression(term: Term, p: Printing) -> Expr:
    """The sqlglot expression of one term: a number, or one CASE."""
    expression = _term_expression(term, p)
    hidden = hidden_options(term)
    if hidden is not None:
        expression.add_comments([f" {hidden} "])
    return expression


def _missing(value: float | None, p: Printing) -> Expr:
    return sqlglot_exp().Null() if value is None else p.number(value)


def _term_expression(term: Term, p: Printing) -> Expr:
    exp = sqlglot_exp()
    if isinstance(term, Constant):
        return p.number(term.value)
    if isinstance(term, Grid):
        return _grid_expression(term, p)
    if isinstance(term, Linear):
        return linear_expression(term, p)
    x = column(term.feature)
    is_missing = (exp.Is(this=x.copy(), expression=exp.Null()), _missing(term.missing, p))
    if isinstance(term, Curve):
        ys = term.ys

        def curve_value(cell: Cell) -> Expr:
            low = p.number(ys[cell.lower])
            if cell.weight_of is None:
                return low
            return _lerp(low, p.number(ys[cell.upper]), cell.weight_of(ys[cell.upper] - ys[cell.lower]))

        branches, default = cells_case(knot_cells(x, term.xs, p, term.fx), curve_value)
    elif isinstance(term, Step) and p.searches(term):
        return _case([is_missing], search_expression(x, term.edges, term.values, term.at_edge, p.number))
    elif isinstance(term, Step):
        branches, default = step_case(x, term, p)
    elif isinstance(term, Table):
        values = [v for _, v in term.entries] + [term.default]
        branches, default = cells_case(category_cells(x, [k for k, _ in term.entries]), lambda cell: p.number(values[cell.lower]))
    else:
        raise UnsupportedError(f"the SQL backend cannot print a {type(term).__name__}")
    return _case([is_missing, *branches], default)


def linear_expression(term: Linear, p: Printing, column_first: bool = False) -> Expr:
    """`slope * x`, no CASE: a NULL input gives NULL, the missing score. With a value for a
    missing input, `COALESCE(slope * x, missing)` (x is NULL exactly when the product is).
    `column_first`: `x * slope`, the same product (the reader takes either order). For
    PostgreSQL, inputs whose product would round to 0 or overflow (`guards.product_limits`)
    take `±0.0 * x` or `±Infinity * x` instead: the same value, which it computes."""
    exp = sqlglot_exp()

    def times(factor: Expr) -> Expr:
        factors = [factor, column(term.feature)]
        return exp.Mul(this=factors[column_first], expression=factors[not column_first])

    product = times(p.number(term.slope))
    low, high = guards.product_limits(term.slope) if p.strict else (None, None)
    if low is not None or high is not None:
        p.product_guards += 1
        size = exp.Abs(this=column(term.feature))
        branches = []
        if low is not None:
            branches.append((exp.LT(this=size, expression=p.number(low)), times(p.number(math.copysign(0.0, term.slope)))))
        if high is not None:
            infinity = exp.Cast(this=exp.Literal.string("Infinity" if term.slope > 0 else "-Infinity"), to=exp.DataType.build("DOUBLE"))
            branches.append((exp.GT(this=size.copy(), expression=p.number(high)), times(infinity)))
        product = _case(branches, product)
    return product if term.missing is None else exp.Coalesce(this=product, expressions=[p.number(term.missing)])


def _grid_expression(term: Grid, p: Printing) -> Expr:
    exp = sqlglot_exp()
    a, b = column(term.a.feature), column(term.b.feature)
    either_missing = exp.Or(this=exp.Is(this=a, expression=exp.Null()), expression=exp.Is(this=b, expression=exp.Null()))
    a_cells, b_cells = axis_cells(term.a, p), axis_cells(term.b, p)

    def along(line: Sequence[float], cell: Cell) -> Expr:
        low = p.number(line[cell.lower])
        if cell.weight_of is None:
            return low
        return _lerp(low, p.number(line[cell.upper]), cell.weight_of(line[cell.upper] - line[cell.lower]))

    def inner(a_cell: Cell) -> Expr:
        def value(b_cell: Cell) -> Expr:
            low = along(term.values[a_cell.lower], b_cell)
            if a_cell.weight_of is None:
                return low
            high = along(term.values[a_cell.upper], b_cell)
            # the rows' difference is a constant only when b picks one cell of each row
            difference = term.values[a_cell.upper][b_cell.lower] - term.values[a_cell.lower][b_cell.lower] if b_cell.weight_of is None else None
            return _lerp(exp.Paren(this=low), exp.Paren(this=high), a_cell.weight_of(difference))

        return _case(*cells_case(b_cells, value))

    # only one input missing: its missing row (column), read along the other axis
    lines = []
    for absent, present, line, cells in ((a, b, term.missing_a, b_cells), (b, a, term.missing_b, a_cells)):
        if line is not None:
            only = exp.And(this=exp.Is(this=absent.copy(), expression=exp.Null()), expression=exp.Not(this=exp.Is(this=present.copy(), expression=exp.Null())))
            lines.append((only, _case(*cells_case(cells, partial(along, line)))))
    branches: list[tuple[Expr, Expr]] = []
    if p.matrices and not isinstance(term.a, KnotAxis) and not isinstance(term.b, KnotAxis):
        default = matrix_expression(term, p)
    else:
        branches, default = cells_case(a_cells, inner)
    return _case([*lines, (either_missing, _missing(term.missing, p)), *branches], default)


def matrix_expression(term: Grid, p: Printing) -> Expr:
    """`LIST_EXTRACT(LIST_EXTRACT(values, bin of a), bin of b)`: DuckDB's lists count from 1.
    Each bin is its CASE, or with `p.bins` a column of the bins step holding it."""
    exp = sqlglot_exp()
    rows = exp.Array(expressions=[exp.Array(expressions=[p.number(v) for v in row]) for row in term.values])

    def bin_number(axis: Axis) -> Expr:
        case = bin_expression(axis, p)
        return case if p.bins is None else p.bins.column(axis, case)

    row = exp.Anonymous(this=LIST_EXTRACT, expressions=[rows, bin_number(term.a)])
    return exp.Anonymous(this=LIST_EXTRACT, expressions=[row, bin_number(term.b)])


def bin_expression(axis: Axis, p: Printing) -> Expr:
    """The bin number of a row's input on a step or category axis, from 1: a CASE with the
    conditions of a step (grouped as a step's) or a table."""
    cells = axis_cells(axis, p)

    def value(cell: Cell) -> Expr:
        return sqlglot_exp().Literal.number(cell.lower + 1)

    case = _case(*(grouped_case(cells, value) if isinstance(axis, StepAxis) else cells_case(cells, value)))
    case.meta[BINS] = True
    return case


# exp(x) is finite up to this x and exactly 0 from the next one below -745.13 (IEEE doubles)
EXP_FINITE_UP_TO = 709.782712893384
EXP_ZERO_UP_TO = -745.1332191019412


def link_expression(link: str, score: str, p: Printing, guarded: bool = True) -> Expr:
    """The prediction from the score column, `1 / (1 + exp(-s))` or `exp(s)` as the
    evaluator computes them. PostgreSQL stops the query where EXP overflows or rounds to
    0, so those ends are written out with the values the formula has there: the logistic
    is 0.0 where exp(-s) overflows and 1.0 above s = 745 (1 + exp(-s) is 1 from s = 37);
    exp(s) is 0.0 where it rounds to 0, and infinite (PostgreSQL only) where it overflows.
    A NaN score falls through to the formula (`_above`)."""
    exp = sqlglot_exp()
    s = column(score)
    one = _one(p)
    if link == "logistic":
        formula = exp.Div(this=one, expression=exp.Paren(this=exp.Add(this=one.copy(), expression=exp.Exp(this=exp.Neg(this=s)))), typed=True)
        if not guarded:
            return formula
        low = exp.LT(this=s.copy(), expression=p.number(-EXP_FINITE_UP_TO))
        high = _above(s, 745.0, p)
        return _case([(low, p.number(0.0)), (high, one.copy())], formula)
    formula = exp.Exp(this=s)
    if not guarded:
        return formula
    branches = [(exp.LTE(this=s.copy(), expression=p.number(EXP_ZERO_UP_TO)), p.number(0.0))]
    if rules(p.dialect).strict_floats:
        infinity = exp.Cast(this=exp.Literal.string("Infinity"), to=exp.DataType.build("DOUBLE"))
        branches.append((_above(s, EXP_FINITE_UP_TO, p), infinity))
    return _case(branches, formula)


def _above(s: Expr, bound: float, p: Printing) -> Expr:
    """`-s < -bound`: `s > bound` for every number, and false for a NaN score (two linear
    terms at opposite infinities), which DuckDB, PostgreSQL and Spark order above every
    number, so that a NaN score goes on to the formula, which gives NaN as the evaluator."""
    exp = sqlglot_exp()
    return exp.LT(this=exp.Neg(this=s.copy()), expression=p.number(-bound))
