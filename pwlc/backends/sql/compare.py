"""Comparing a term as written with the term pwlc would print: the first node that differs.

Two trees agree node by node: operators and functions by kind, columns by name, strings
exactly, numbers by the double the engine computes from them (`constants`). Parentheses
and a CAST to DOUBLE around a double do not matter. A step's CASE and a grid axis's bin
CASE agree however their branches are grouped (`in_line`).
"""

from __future__ import annotations

import math

from pwlc.backends.sql.constants import is_double, number, strip
from pwlc.backends.sql.dialects import Expr, sqlglot_exp
from pwlc.backends.sql.terms import BINS, LOG1P_KNOT, Printing, log1p_forms

Mismatch = tuple[Expr, Expr]


def mismatch(parsed: Expr, built: Expr, dialect: str, bins: bool = True) -> Mismatch | None:
    """The first node of `parsed` that differs from `built`, with the node it should have
    been (None when they match). Parentheses do not matter (the tree holds the order of
    operations); numbers match when the engine computes the same double from them."""
    exp = sqlglot_exp()
    if bins and built._meta and built.meta.get(BINS):
        return bins_mismatch(parsed, built, dialect)
    knot = built.meta.get(LOG1P_KNOT) if built._meta else None
    if knot is not None:  # a knot's log1p: either spelling will do
        forms = log1p_forms(knot, Printing(dialect))
        return None if any(mismatch(parsed, form, dialect) is None for form in forms) else (strip(parsed), built)
    parsed, built = _without_double_casts(parsed, dialect), strip(built)
    if isinstance(built, exp.Literal) and built.is_int:  # a bin or a list index: an integer
        found = strip(parsed)
        return None if isinstance(found, exp.Literal) and found.is_int and int(found.this) == int(built.this) else (parsed, built)
    a, b = number(parsed, dialect), number(built, dialect)
    if a is not None or b is not None:
        if a is not None and b is not None and a == b and math.copysign(1, a) == math.copysign(1, b):
            return None
        if type(parsed) is type(built) and isinstance(parsed, (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Neg)):
            # the same arithmetic: point at the number that differs
            return mismatch(parsed.this, built.this, dialect) or mismatch(parsed.args.get("expression") or parsed.this, built.args.get("expression") or built.this, dialect) or (parsed, built)
        return parsed, built
    if type(parsed) is not type(built):
        return parsed, built
    if isinstance(parsed, exp.Column):
        return None if parsed.name == built.name else (parsed, built)
    if isinstance(parsed, exp.Literal):
        return None if parsed.is_string == built.is_string and parsed.this == built.this else (parsed, built)
    # typed/safe say how a dialect divides integers and by zero: every operand here is a
    # double and no divisor is zero
    keys = {k for node in (parsed, built) for k, v in node.args.items() if v not in (None, False, []) and k not in ("typed", "safe")}
    for key in sorted(keys):
        left, right = parsed.args.get(key), built.args.get(key)
        lefts = left if isinstance(left, list) else [left]
        rights = right if isinstance(right, list) else [right]
        if len(lefts) != len(rights):
            return parsed, built
        for x, y in zip(lefts, rights):
            if isinstance(x, exp.Expression) and isinstance(y, exp.Expression):
                found = mismatch(x, y, dialect)
                if found is not None:
                    return found
            elif isinstance(x, exp.Expression) or isinstance(y, exp.Expression) or x != y:
                return parsed, built
    return None


def _without_double_casts(node: Expr, dialect: str) -> Expr:
    """`node` without parentheses, and without a CAST to DOUBLE of a double (what sqlglot
    writes around a division when it transpiles): the same value."""
    exp = sqlglot_exp()
    node = strip(node)
    while isinstance(node, exp.Cast) and node.to.is_type(exp.DataType.Type.DOUBLE) and number(node, dialect) is None and is_double(node.this, dialect):
        node = strip(node.this)
    return node


def in_line(branches: list[tuple[Expr, Expr]], default: Expr) -> tuple[list[tuple[Expr, Expr]], Expr]:
    """A long step's groups (see terms.step_case) read back in line: each group's branches,
    then its ELSE under the condition the group stands behind. Any grouping reads the same."""
    exp = sqlglot_exp()

    def grouped(value: Expr) -> Expr | None:
        value = strip(value)
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


def step_mismatch(parsed: Expr, built: Expr, dialect: str) -> Mismatch | None:
    """`mismatch` for a step's CASE, however its branches are grouped: both read in line."""

    def flat(case: Expr) -> tuple[list[tuple[Expr, Expr]], Expr]:
        first, *rest = strip(case).args["ifs"]
        branches, default = in_line([(branch.this, branch.args["true"]) for branch in rest], strip(case).args["default"])
        return [(first.this, first.args["true"]), *branches], default

    return _in_line_mismatch(parsed, *flat(parsed), *flat(built), dialect)


def bins_mismatch(parsed: Expr, built: Expr, dialect: str) -> Mismatch | None:
    """`mismatch` for a grid axis's bin CASE (terms.bin_expression), however it is grouped."""
    exp = sqlglot_exp()
    case = strip(parsed)
    if not isinstance(built, exp.Case) or not isinstance(case, exp.Case) or case.this is not None or not case.args.get("ifs") or case.args.get("default") is None:
        return mismatch(parsed, built, dialect, bins=False)

    def flat(case: Expr) -> tuple[list[tuple[Expr, Expr]], Expr]:
        return in_line([(branch.this, branch.args["true"]) for branch in case.args["ifs"]], case.args["default"])

    return _in_line_mismatch(parsed, *flat(case), *flat(built), dialect)


def _in_line_mismatch(
    parsed: Expr, parsed_branches: list[tuple[Expr, Expr]], parsed_default: Expr, built_branches: list[tuple[Expr, Expr]], built_default: Expr, dialect: str
) -> Mismatch | None:
    for (parsed_condition, parsed_value), (built_condition, built_value) in zip(parsed_branches, built_branches):
        found = mismatch(parsed_condition, built_condition, dialect) or mismatch(parsed_value, built_value, dialect)
        if found is not None:
            return found
    if len(parsed_branches) != len(built_branches):
        return (parsed_branches[len(built_branches)][0] if len(parsed_branches) > len(built_branches) else parsed), built_default
    return mismatch(parsed_default, built_default, dialect)
