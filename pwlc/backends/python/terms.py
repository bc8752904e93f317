"""Reading a scoring function's sum of terms, with Python's own meaning for every piece.

- A call of a runtime function binds its arguments as Python does (by position, then by
  name, then the function's defaults, taken from `runtime.py` itself).
- A number is an int or a float as Python reads it; literal arithmetic (`0.1 + 0.1`,
  `(46.0 - 25.0) / 2`) is done here in Python, so it gives what the file computes. An int
  that is not exactly a double is refused: the runtime would use it exactly, pwlc rounded.
- The sum is added in order. Python adds ints exactly and pwlc in doubles, so the ints a
  sum may add before its first float must stay within 2**53 (where the two agree).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any

from pwlc.backends.python.names import AXIS_HELPERS, EXACT_INTEGERS, TERM_HELPERS
from pwlc.backends.python.runtime_copy import signature
from pwlc.backends.python.syntax import Call, Chain, Display, Expr, Function, Name, Node, Number, Parameter, Text, Unary
from pwlc.errors import ParseError, Span
from pwlc.ir import (
    EDGE_SIDES,
    TRANSFORMS,
    Axis,
    CategoryAxis,
    Constant,
    Curve,
    Grid,
    KnotAxis,
    Linear,
    Step,
    StepAxis,
    Table,
    Term,
    out_of_order,
)

Real = int | float
# Larger ints are refused as soon as arithmetic makes one: no model needs them, and Python's
# big-int arithmetic on them would grow without bound.
_HUGE = 2**1100


@dataclass(frozen=True)
class Default:
    """An argument left out of a call: the runtime function's default value."""

    value: Any


Argument = Expr | Default


# Why a term inside something else is refused: Python would compute that something first.
_GROUPED = {
    "Unary": "a term cannot stand behind a sign: add it as `+ curve(...)`, with its values negated for a minus",
    "*": "a term cannot be multiplied or divided: scale its values instead",
    "/": "a term cannot be multiplied or divided: scale its values instead",
    "Chain": "parentheses group these terms, so Python adds them first; pwlc adds terms one at a time, in order: remove the parentheses",
}


class TermReader:
    """Reads summands for one scoring function whose parameters name the model's inputs."""

    def __init__(self, span: Callable[[Node], Span], inputs: dict[str, str], function: Function | None = None, witness: Function | None = None):
        self.span = span
        self.inputs = inputs  # parameter name -> input name
        # for carets: where each parameter is written, and the names the body reads
        self.parameters: Sequence[Parameter] = function.parameters if function is not None else ()
        self.read_names = names_in([*function.assigns, function.result]) if function is not None else set()
        # the link function's parameters: the names the inputs had before an edit of one signature
        self.witness = {p.name for p in witness.parameters} if witness is not None else set()
        self.used: list[str] = []  # the runtime functions the terms call
        self.integers: int | None = 0  # how far the sum's ints may add up (exactly); None after a float
        self.largest: tuple[int, Node] | None = None  # the sum's largest int so far, and the summand holding it

    def fail(self, message: str, node: Node) -> ParseError:
        return ParseError(message, self.span(node))

    # -- summands --

    def summands(self, expression: Expr) -> list[tuple[str, Expr]]:
        """`a + b - c` as signed summands, in order (a parenthesised group is one summand)."""
        if isinstance(expression, Chain) and expression.rest[0][0] in ("+", "-"):
            return [("+", expression.first)] + [(op, operand) for op, operand, _ in expression.rest]
        return [("+", expression)]

    def term(self, sign: str, node: Expr) -> Term:
        if isinstance(node, Call) and isinstance(node.function, Name) and node.function.id in TERM_HELPERS:
            if sign == "-":
                raise self.fail(f"a {node.function.id}() term cannot be subtracted: add it, with its values negated", node)
            term, returned = self.call_term(node.function.id, node)
        elif isinstance(node, Call):
            raise self.fail(f"{_called(node)}() is not a pwlc term: write terms as calls of {', '.join(TERM_HELPERS)}", node)
        elif _mentions_a_call(node):
            raise self.fail(_GROUPED.get(type(node).__name__ if not isinstance(node, Chain) else node.rest[0][0], _GROUPED["Chain"]), node)
        elif _mentions(node, set(self.inputs)):
            raise self.fail("an input outside a term call: write a linear term as linear(x, SLOPE), which gives None and NaN the term's missing value (SLOPE * x raises on None)", node)
        else:
            value = self.real(node, "a constant")
            # s - v is s + (-v) to the last bit in doubles (and exact in ints)
            term = Constant(-float(value) if sign == "-" else float(value), span=self.span(node))
            returned = [value]
        self.count_integers(returned, node)
        return term

    def count_integers(self, returned: list[Any], node: Node) -> None:
        """Python adds the ints a sum starts with exactly, pwlc in doubles: refuse where
        they could add up past 2**53 before the first float (where the two part)."""
        if self.integers is None:
            return
        integers = [abs(v) for v in returned if isinstance(v, int)]
        if not integers:
            self.integers = None  # this term always returns a float: the sum is a float on
            return
        self.integers += max(integers)
        if self.largest is None or max(integers) > self.largest[0]:
            self.largest = (max(integers), node)
        if self.integers > EXACT_INTEGERS:
            # at the summand with the largest int: most likely the edit that took the sum past 2**53
            raise self.fail(
                "Python adds integers exactly, pwlc adds doubles: these integers may add up past 2**53, where the two differ; write one of them as a float (e.g. 1.0, not 1)",
                self.largest[1],
            )

    # -- terms --

    def call_term(self, helper: str, call: Call) -> tuple[Term, list[Any]]:
        """The term a call of curve/step/table/grid computes, and the values it may return
        as they are (ints or floats)."""
        self.used.append(helper)
        span = self.span(call)
        arguments = self.bind(helper, call)
        missing = self.optional_real(arguments["missing"], "missing")
        returned: list[Any] = [math.nan if missing is None else missing]
        if helper == "curve":
            knots = self.pairs(arguments["knots"], "knots", "knot positions")
            fx = self.choice(arguments["fx"], TRANSFORMS, "fx")
            returned += [knots[0][1], knots[-1][1]] if knots else []
            term: Term = Curve(self.feature(arguments["x"], call), _floats(x for x, _ in knots), _floats(y for _, y in knots), fx, _float(missing), span=span)  # type: ignore[arg-type]
        elif helper == "step":
            first = self.real(arguments["first"], "first")
            pairs = self.pairs(arguments["steps"], "steps", "step edges")
            at_edge = self.choice(arguments["at_edge"], EDGE_SIDES, "at_edge")
            returned += [first, *(v for _, v in pairs)]
            term = Step(self.feature(arguments["x"], call), _floats(e for e, _ in pairs), _floats([first, *(v for _, v in pairs)]), at_edge, _float(missing), span=span)  # type: ignore[arg-type]
        elif helper == "linear":  # slope * float(x): a float for any number x
            slope = self.real(arguments["slope"], "slope")
            returned.append(float(slope))
            term = Linear(self.feature(arguments["x"], call), float(slope), _float(missing), span=span)
        elif helper == "table":
            entries = self.entries(arguments["values"])
            default = self.real(arguments["default"], "default")
            returned += [default, *(v for _, v in entries)]
            term = Table(self.feature(arguments["x"], call), tuple((k, float(v)) for k, v in entries), float(default), _float(missing), span=span)
        else:
            term = self.grid(call, arguments, _float(missing))
        return term, returned

    def grid(self, call: Call, arguments: dict[str, Argument], missing: float | None) -> Grid:
        a = self.axis(arguments["rows"], self.feature(arguments["a"], call), "rows")
        b = self.axis(arguments["cols"], self.feature(arguments["b"], call), "cols")
        rows = self.items(arguments["values"], "values (a list of rows)")
        values = tuple(_floats(self.reals(row, "a row of values")) for row in rows)
        lines = [None if self.is_none(arguments[k]) else _floats(self.reals(arguments[k], k)) for k in ("missing_a", "missing_b")]
        return Grid(a, b, values, missing, lines[0], lines[1], span=self.span(call))

    def axis(self, node: Argument, feature: str, what: str) -> Axis:
        if not (isinstance(node, Call) and isinstance(node.function, Name) and node.function.id in AXIS_HELPERS):
            raise self.fail(f"grid() {what} must be an axis: steps([...]), knots([...]) or categories([...])", _node(node))
        helper = node.function.id
        self.used.append(helper)
        arguments = self.bind(helper, node)
        if helper == "categories":
            return CategoryAxis(feature, tuple(self.text(item, "a category") for item in self.items(arguments["names"], "categories")))
        if helper == "knots":
            return KnotAxis(feature, _floats(self.reals(arguments["positions"], "knot positions", increasing=True)))
        edges = _floats(self.reals(arguments["edges"], "edges", increasing=True))
        return StepAxis(feature, edges, self.choice(arguments["at_edge"], EDGE_SIDES, "at_edge"))  # type: ignore[arg-type]

    def bind(self, helper: str, call: Call) -> dict[str, Argument]:
        """The arguments of a call, bound to the runtime function's parameters as Python
        binds them; a missing one takes the function's default."""
        parameters = list(signature(helper).parameters.values())
        names = [p.name for p in parameters]
        if len(call.args) > len(parameters):
            raise self.fail(f"{helper}() takes at most {len(parameters)} arguments ({', '.join(names)}); this one is extra", call.args[len(parameters)])
        bound: dict[str, Argument] = dict(zip(names, call.args))
        for keyword in call.keywords:
            if keyword.name not in names:
                raise self.fail(f"{helper}() has no argument {keyword.name!r} (it takes {', '.join(names)})", keyword)
            if keyword.name in bound:
                raise self.fail(f"{helper}() gets {keyword.name!r} twice (Python refuses the call): keep one", keyword)
            bound[keyword.name] = keyword.value
        for parameter in parameters:
            if parameter.name not in bound:
                if parameter.default is parameter.empty:
                    raise self.fail(f"{helper}() needs its argument {parameter.name!r}", call)
                bound[parameter.name] = Default(parameter.default)
        return bound

    # -- the pieces of a call --

    def feature(self, node: Argument, call: Call) -> str:
        renamed = self.renamed(node)
        if renamed is not None and isinstance(node, Name):
            if node.id in self.witness and renamed.name not in self.witness:  # renamed in the signature: the caret there
                raise self.fail(f"{_called(call)}() on line {node.line} reads `{node.id}`, and the link function takes `{node.id}` too, but this parameter is `{renamed.name}`, which no term reads: rename one to match the other", renamed)
            raise self.fail(f"{_called(call)}() reads one of the inputs, the parameters of this function; `{node.id}` is none (parameter `{renamed.name}`, line {renamed.line}, is read by no term): rename one to match the other", node)
        if not (isinstance(node, Name) and node.id in self.inputs):
            raise self.fail(f"{_called(call)}() reads one of the inputs, the parameters of this function ({', '.join(self.inputs) or 'none'})", _node(node, call))
        return self.inputs[node.id]

    def renamed(self, node: Argument) -> Parameter | None:
        """The parameter `node` most likely names under another name: one that no name in
        the function reads, spelled like `node` (one name holds the other, or close)."""
        if not isinstance(node, Name) or node.id in self.inputs or not self.parameters:
            return None
        for parameter in self.parameters:
            a, b = parameter.name.lower(), node.id.lower()
            if parameter.name not in self.read_names and (a in b or b in a or difflib.SequenceMatcher(None, a, b).ratio() >= 0.75):
                return parameter
        return None

    def pairs(self, node: Argument, what: str, positions: str) -> list[tuple[Real, Real]]:
        out, nodes = [], []
        for item in self.items(node, f"{what} (a list of (x, y) pairs)"):
            pair = self.items(item, f"each of the {what}, an (x, y) pair")
            if len(pair) != 2:
                raise self.fail(f"write each of the {what} as a pair (x, y) of two numbers", item)
            out.append((self.real(pair[0], what), self.real(pair[1], what)))
            nodes.append(pair[0])
        self.increasing([x for x, _ in out], nodes, positions)
        return out

    def increasing(self, values: list[Real], nodes: list[Expr], what: str) -> None:
        """Positions in order (`ir.verify`'s rule), refused at the one out of line."""
        found = out_of_order([float(v) for v in values])
        if found is not None:
            i, k = found
            raise self.fail(f"{what} must be strictly increasing ({float(values[i])!r} then {float(values[i + 1])!r}): move this one into order, or remove it", nodes[k])

    def entries(self, node: Argument) -> list[tuple[str, Real]]:
        if not (isinstance(node, Display) and node.kind == "dict"):
            raise self.fail('table() values are a dict written out, {"category": value, ...}', _node(node))
        out: dict[str, Real] = {}
        for key, value in zip(node.items[::2], node.items[1::2]):
            category = self.text(key, "a table key (a category)")
            if category in out:
                raise self.fail(f"category {category!r} appears twice (Python keeps only the last)", key)
            out[category] = self.real(value, "a table value")
        return list(out.items())

    def items(self, node: Argument, what: str) -> list[Expr]:
        if not (isinstance(node, Display) and node.kind in ("list", "tuple")):
            raise self.fail(f"expected {what}, written out in [...] or (...)", _node(node))
        return node.items

    def reals(self, node: Argument, what: str, increasing: bool = False) -> list[Real]:
        items = self.items(node, f"{what}, a list of numbers")
        values = [self.real(item, what) for item in items]
        if increasing:
            self.increasing(values, items, what)
        return values

    def text(self, node: Expr, what: str) -> str:
        if not isinstance(node, Text):
            raise self.fail(f"expected {what}: a string", node)
        return node.value

    def choice(self, node: Argument, allowed: tuple[str, ...], what: str) -> str:
        value = node.value if isinstance(node, Default) else self.text(node, what) if isinstance(node, Text) else None
        if value not in allowed:
            raise self.fail(f"{what} must be one of {', '.join(map(repr, allowed))}", _node(node))
        return str(value)

    def is_none(self, node: Argument) -> bool:
        return (node.value is None) if isinstance(node, Default) else isinstance(node, Name) and node.id == "None"

    def optional_real(self, node: Argument, what: str) -> Real | None:
        return None if self.is_none(node) else self.real(node, what)

    # -- numbers --

    def real(self, node: Argument, what: str) -> Real:
        """The value of a literal number or arithmetic on numbers, exactly as Python
        computes it; refused unless it is finite and (an int) exactly a double."""
        if isinstance(node, Default):
            return node.value  # type: ignore[no-any-return]
        value = self.arithmetic(node, what)
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail(f"{what}: this is {value!r} in Python; pwlc needs a finite number", node)
        if isinstance(value, int):
            try:
                exact = float(value) == value
            except OverflowError:
                exact = False
            if not exact:
                raise self.fail(f"{what}: the integer {value} is not exactly a double; write the double you mean, as a float", node)
        return value

    def arithmetic(self, node: Expr, what: str) -> Real:
        value: Real
        if isinstance(node, Number):
            value = node.value
        elif isinstance(node, Unary):
            inner = self.arithmetic(node.operand, what)
            value = -inner if node.op == "-" else +inner
        elif isinstance(node, Chain) and node.rest[0][0] != "|":
            value = self.arithmetic(node.first, what)
            for op, operand, where in node.rest:
                value = self.apply(op, value, self.arithmetic(operand, what), where)
                if isinstance(value, int) and abs(value) > _HUGE:
                    raise self.fail(f"{what}: this integer is far too large for a double", where)
        elif isinstance(node, Name) and node.id in ("True", "False"):
            raise self.fail(f"{what}: write the number ({int(node.id == 'True')}), not a bool", node)
        else:
            raise self.fail(f"expected a number for {what}", node)
        if isinstance(value, int) and abs(value) > _HUGE:
            raise self.fail(f"{what}: this integer is far too large for a double", node)
        return value

    def apply(self, op: str, left: Real, right: Real, where: Node) -> Real:
        try:
            if op == "+":
                return left + right
            if op == "-":
                return left - right
            if op == "*":
                return left * right
            return left / right
        except ZeroDivisionError:
            raise self.fail("division by zero (Python raises ZeroDivisionError): write the value you mean", where) from None
        except OverflowError:
            raise self.fail("the result is too large for a double (Python raises OverflowError): write the value you mean", where) from None


def _mentions_a_call(node: Expr) -> bool:
    """Whether a summand that is not itself a term holds a call somewhere inside."""
    pending: list[Expr] = [node]
    while pending:
        item = pending.pop()
        if isinstance(item, Call):
            return True
        if isinstance(item, Unary):
            pending.append(item.operand)
        elif isinstance(item, Chain):
            pending += [item.first, *(operand for _, operand, _ in item.rest)]
    return False


def _mentions(node: Expr, names: set[str]) -> bool:
    """Whether a summand that is not a term reads one of `names` (the inputs)."""
    pending: list[Expr] = [node]
    while pending:
        item = pending.pop()
        if isinstance(item, Name) and item.id in names:
            return True
        if isinstance(item, Unary):
            pending.append(item.operand)
        elif isinstance(item, Chain):
            pending += [item.first, *(operand for _, operand, _ in item.rest)]
    return False


def names_in(nodes: list[Any]) -> set[str]:
    """Every name the syntax trees `nodes` read."""
    found: set[str] = set()
    pending = list(nodes)
    while pending:
        item = pending.pop()
        if isinstance(item, Name):
            found.add(item.id)
        elif isinstance(item, (list, tuple)):
            pending += item
        elif isinstance(item, Node):
            pending += [getattr(item, f.name) for f in fields(item)]
    return found


def _called(call: Call) -> str:
    return call.function.id if isinstance(call.function, Name) else "this call"



def _node(node: Argument, fallback: Node | None = None) -> Node:
    if isinstance(node, Default):
        assert fallback is not None
        return fallback
    return node


def _float(value: Real | None) -> float | None:
    return None if value is None else float(value)


def _floats(values: Any) -> tuple[float, ...]:
    return tuple(float(v) for v in values)
