"""The Python backend: a standalone, black-formatted module, and the reader for it.

The emitted module has a scoring function with one line per term, e.g.

    def score(age: float, sex: str) -> float:
        return (
            -0.35
            + curve(age, [(18, 0.61), (25, 0.2), (46, -0.45)], missing=0)
            + table(sex, {"Female": -0.2, "Male": 0.05}, default=0)
        )

then, for a logistic or exp link, `probability` / `prediction`, then the runtime functions
it calls (copied from `python_runtime.py`). The reader parses the part above the runtime
marker with `grammars/python.lark`; it never imports or runs the file.
"""

from __future__ import annotations

import ast
import json
import keyword
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from lark import Token, Tree
from lark.exceptions import UnexpectedInput

from pwlc.backends.common import identifier, sum_stages
from pwlc.errors import ParseError, Source
from pwlc.grammar import TreeReader, parser, syntax_error
from pwlc.ir import (
    EDGE_SIDES,
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
from pwlc.numbers import shortest

SUFFIX = ".py"

RUNTIME_MARKER = "# --- pwlc runtime"
_TRAILER = (
    "Compiled by pwlc. Edit the numbers freely, then read this file back with\n"
    "`pwlc compile FILE.py -t pwl` (pwlc parses it; it never runs it). Call `{name}` with\n"
    "one value per input, or with numpy arrays to score a batch."
)
# What each prediction function is called, and the runtime function it applies.
_LINK_FUNCTIONS = {"logistic": ("probability", "logistic"), "exp": ("prediction", "exp")}
_TERM_HELPERS = {Curve: "curve", Step: "step", Table: "table", Grid: "grid"}
_AXIS_HELPERS = {StepAxis: "steps", KnotAxis: "knots", CategoryAxis: "categories"}
_RUNTIME_NEEDS = {
    "curve": ["_TRANSFORMS", "_is_batch", "_when_missing", "_curve_batch"],
    "step": ["_is_batch", "_when_missing"],
    "table": ["_is_batch", "_when_missing", "_category", "_distinct"],
    "grid": ["_is_batch", "_when_missing", "_category", "_distinct", "_cells", "_cells_batch", "_grid_batch", "_along"],
    "logistic": ["_is_batch"],
    "exp": ["_is_batch"],
}
_RESERVED = {"bisect", "math", "np", "numpy", "INPUT_NAMES", *_RUNTIME_NEEDS, *_AXIS_HELPERS.values(), "probability", "prediction"}


# --- printer ------------------------------------------------------------------------


def emit(model: Model, dialect: str | None = None) -> str:
    """Print `model` as a black-formatted, standalone Python module."""
    import black

    params = parameter_names(model)
    used: list[str] = []  # the runtime functions the terms call, filled in by _term
    summands = [_term(term, params, used) for term in model.terms]
    imports = ["import bisect"] if "step" in used else []  # the runtime's step searches with bisect
    lines = [f'"""{_docstring(model)}"""', "", *imports, "import math", ""]
    renamed = {params[i.name]: i.name for i in model.inputs if params[i.name] != i.name}
    if renamed:
        lines += ["# Inputs whose names are not Python identifiers: parameter -> input name.", f"INPUT_NAMES = {_dict_literal(renamed)}", ""]
    signature = ", ".join(f"{params[i.name]}: {'str' if i.kind == 'categorical' else 'float'}" for i in model.inputs)
    arguments = ", ".join(params[i.name] for i in model.inputs)
    what = "The log-odds" if model.link == "logistic" else "The log of the prediction" if model.link == "exp" else "The prediction"
    # A long sum is added up in stages, in order (rule 6): see common.SUM_STAGE.
    stages = sum_stages(summands)
    total = identifier("total", {*params.values(), model.name}, _RESERVED)
    lines += [f"def {model.name}({signature}) -> float:", f'    """{what}: the sum of one term per line."""']
    for k, stage in enumerate(stages):
        body = _sum(([total] if k else []) + stage)
        lines.append(f"    {'return' if k == len(stages) - 1 else total + ' ='} ({body})")
    if model.link in _LINK_FUNCTIONS:
        function, helper = _LINK_FUNCTIONS[model.link]
        used.append(helper)
        lines += [
            "",
            f"def {function}({signature}) -> float:",
            f'    """{helper}({model.name}(...)): the model\'s prediction."""',
            f"    return {helper}({model.name}({arguments}))",
        ]
    lines += ["", f"{RUNTIME_MARKER}: how the terms above are computed (not read back by pwlc) ---", "", runtime_source(used)]
    return black.format_str("\n".join(lines), mode=black.Mode())


def _sum(summands: list[str]) -> str:
    """`a + b - 0.3`: a negative number after the first summand is subtracted."""
    if not summands:
        return "0.0"
    text = summands[0]
    for summand in summands[1:]:
        text += f"\n        - {summand[1:]}" if summand.startswith("-") and summand[1:2].isdigit() else f"\n        + {summand}"
    return text


def _docstring(model: Model) -> str:
    trailer = _TRAILER.format(name=model.name)
    text = f"{model.doc}\n\n{trailer}" if model.doc else trailer
    return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"') + "\n"


def term_source(model: Model, term: Term) -> str:
    """The line of emitted Python that computes `term` (as printed before black)."""
    return _term(term, parameter_names(model), [])


def _term(term: Term, params: dict[str, str], used: list[str]) -> str:
    if isinstance(term, Constant):
        return shortest(term.value)
    helper = _TERM_HELPERS[type(term)]
    used.append(helper)
    if isinstance(term, Curve):
        args = [params[term.feature], "[" + ", ".join(f"({shortest(x)}, {shortest(y)})" for x, y in term.knots) + "]"]
        args += [f'fx="{term.fx}"'] if term.fx != "identity" else []
    elif isinstance(term, Step):
        pairs = ", ".join(f"({shortest(e)}, {shortest(v)})" for e, v in zip(term.edges, term.values[1:]))
        args = [params[term.feature], shortest(term.values[0]), f"[{pairs}]"]
        args += [] if term.at_edge == "upper" else [f'at_edge="{term.at_edge}"']
    elif isinstance(term, Table):
        entries = ", ".join(f"{_string(k)}: {shortest(v)}" for k, v in term.entries)
        args = [params[term.feature], "{" + entries + "}", f"default={shortest(term.default)}"]
    else:
        rows = "[" + ", ".join("[" + ", ".join(shortest(v) for v in row) + "]" for row in term.values) + "]"
        args = [params[term.a.feature], params[term.b.feature], _axis(term.a, used), _axis(term.b, used), rows]
    if term.missing is not None:
        args.append(f"missing={shortest(term.missing)}")
    if isinstance(term, Grid):
        for keyword, line in (("missing_a", term.missing_a), ("missing_b", term.missing_b)):
            if line is not None:
                args.append(f"{keyword}=[{', '.join(map(shortest, line))}]")
    return f"{helper}({', '.join(args)})"


def _axis(axis: Axis, used: list[str]) -> str:
    helper = _AXIS_HELPERS[type(axis)]
    used.append(helper)
    if isinstance(axis, StepAxis):
        side = "" if axis.at_edge == "upper" else f', at_edge="{axis.at_edge}"'
        return f"steps([{', '.join(map(shortest, axis.edges))}]{side})"
    if isinstance(axis, KnotAxis):
        return f"knots([{', '.join(map(shortest, axis.knots))}])"
    return f"categories([{', '.join(map(_string, axis.categories))}])"


def _string(text: str) -> str:
    # JSON escapes are valid Python escapes; an isolated surrogate needs Python's repr.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return repr(text)
    return json.dumps(text, ensure_ascii=False)


def _dict_literal(mapping: dict[str, str]) -> str:
    return "{" + ", ".join(f"{_string(k)}: {_string(v)}" for k, v in mapping.items()) + "}"


def parameter_names(model: Model) -> dict[str, str]:
    """A distinct Python identifier for each input (the name itself when it is one)."""
    taken = {model.name}
    names: dict[str, str] = {}
    for declared in model.inputs:
        name = declared.name
        if not (name.isidentifier() and name.isascii()) or keyword.iskeyword(name) or name in _RESERVED or name in taken:
            base = re.sub(r"\W", "_", name, flags=re.ASCII) or "input"
            base = base if base[0].isalpha() or base[0] == "_" else "_" + base
            base = base + "_" if keyword.iskeyword(base) or base in _RESERVED else base
            name, n = base, 2
            while name in taken or name in {i.name for i in model.inputs if i is not declared}:
                name, n = f"{base}_{n}", n + 1
        taken.add(name)
        names[declared.name] = name
    return names


@cache
def _runtime_functions() -> dict[str, str]:
    """Source text of each top-level definition in python_runtime.py, by name."""
    source = (Path(__file__).parent / "python_runtime.py").read_text(encoding="utf-8")
    found: dict[str, str] = {}
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.Assign)):
            name = node.name if isinstance(node, ast.FunctionDef) else node.targets[0].id  # type: ignore[attr-defined]
            found[name] = ast.get_source_segment(source, node) or ""
    return found


def runtime_source(used: list[str]) -> str:
    """The runtime functions `used` needs, helpers first, each once, in a stable order."""
    wanted = {name for helper in used for name in [*_RUNTIME_NEEDS.get(helper, []), helper]}
    return "\n\n\n".join(text for name, text in _runtime_functions().items() if name in wanted) + "\n"


# --- reader -------------------------------------------------------------------------


def read(text: str, filename: str = "<string>", dialect: str | None = None) -> Model:
    """Parse an emitted (and possibly hand-edited) module back into a model."""
    marker = text.find(RUNTIME_MARKER)
    source = text if marker < 0 else text[:marker]
    try:
        tree = parser("python.lark").parse(source)
    except UnexpectedInput as exc:
        raise syntax_error(exc, Source(source, filename)) from None
    return _Reader(text, filename).module(tree)


@dataclass
class _Call:
    """A call in the source: its function name, arguments and where it is."""

    name: str
    args: list[Any]
    kwargs: dict[str, Any]
    node: Tree
    keyword_nodes: dict[str, Token] = field(default_factory=dict)


# Each runtime function's parameters, in order, with defaults (a missing default: required).
_SIGNATURES: dict[str, list[tuple[str, Any]]] = {
    "curve": [("x", ...), ("knots", ...), ("fx", "identity"), ("missing", None)],
    "step": [("x", ...), ("first", ...), ("steps", ...), ("at_edge", "upper"), ("missing", None)],
    "table": [("x", ...), ("values", ...), ("default", 0.0), ("missing", None)],
    "grid": [("a", ...), ("b", ...), ("rows", ...), ("cols", ...), ("values", ...), ("missing", None), ("missing_a", None), ("missing_b", None)],
    "steps": [("edges", ...), ("at_edge", "upper")],
    "knots": [("positions", ...)],
    "categories": [("names", ...)],
}


class _Reader(TreeReader):
    # -- module structure --

    def module(self, tree: Tree) -> Model:
        doc = ""
        renamed: dict[str, str] = {}
        functions: list[Tree] = []
        for node in tree.children:
            if node.data == "docstring" and not functions and not doc:
                doc = self.docstring(node)
            elif node.data == "assign":
                renamed = self.input_names(node)
            elif node.data == "funcdef":
                functions.append(node)
            elif node.data == "import_stmt":
                continue
            else:
                raise self.fail("expected a function definition", node)
        if not functions:
            raise ParseError("no scoring function found (expected `def score(...): return ...`)", self.source.span(1, 1))
        name, inputs, terms = self.score_function(functions[0], renamed)
        link = "identity"
        for extra in functions[1:]:
            if link != "identity":
                raise self.fail("only one prediction function may follow the scoring function", extra)
            link = self.link_function(extra, name, [i.name for i in inputs], renamed)
        return Model(tuple(inputs), tuple(terms), link, name, doc, span=self.span(functions[0]))  # type: ignore[arg-type]

    def docstring(self, node: Tree) -> str:
        text = self.literal(node.children[0])
        if not isinstance(text, str):
            raise self.fail("expected a string", node)
        text = text.strip()
        for name in {m.group(1) for m in re.finditer(r"Call `(\w+)`", text)}:
            trailer = _TRAILER.format(name=name)
            if text.endswith(trailer):
                return text[: -len(trailer)].strip()
        return text

    def input_names(self, node: Tree) -> dict[str, str]:
        target, value = node.children
        if target != "INPUT_NAMES":
            raise self.fail(f"unexpected assignment to {str(target)!r} (only INPUT_NAMES may be set here)", target)
        mapping = self.value(value)
        if not isinstance(mapping, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
            raise self.fail("INPUT_NAMES must map parameter names to input names (strings)", value)
        return mapping

    def score_function(self, node: Tree, renamed: dict[str, str]) -> tuple[str, list[Input], list[Term]]:
        name = str(node.children[0])
        params = [c for c in node.children[1:] if isinstance(c, Tree) and c.data == "param"]
        inputs: list[Input] = []
        for param in params:
            kind = "numeric"
            if len(param.children) > 1:
                kinds = {str(t.children[0]) for t in param.children[1].children} - {"None", "Optional"}
                if kinds == {"str"}:
                    kind = "categorical"
                elif kinds not in ({"float"}, {"int"}, {"float", "int"}):
                    raise self.fail(f"parameter annotation must be float or str, got {' | '.join(sorted(kinds))}", param.children[1])
            inputs.append(Input(renamed.get(str(param.children[0]), str(param.children[0])), kind, span=self.span(param)))  # type: ignore[arg-type]
        self.params = {str(p.children[0]): i.name for p, i in zip(params, inputs)}
        return name, inputs, [self.term(sign, value) for sign, value in self.staged_summands(node)]

    def staged_summands(self, function: Tree) -> list[tuple[str, Tree | Token]]:
        """The summands of the returned sum; a sum written in stages (`total = (...)`, then
        `total = (total + ...)`, ..., `return (total + ...)`) is joined back into one."""
        stages = [c for c in function.children if isinstance(c, Tree) and c.data == "stage"]
        out: list[tuple[str, Tree | Token]] = []
        total: str | None = None
        for target, expression in [(stage.children[0], stage.children[1]) for stage in stages] + [(None, function.children[-1])]:
            summands = self.summands(expression)
            if total is not None:
                first = summands[0][1] if summands else expression
                if not summands or summands[0][0] != "+" or self.value(first) != _Name(total):
                    raise self.fail(f"this sum must start from `{total}`, the total so far", first)
                summands = summands[1:]
            out += summands
            if target is not None:
                if total is not None and str(target) != total:
                    raise self.fail(f"expected `{total} = ...`: a sum in stages keeps one total", target)
                if str(target) in self.params:
                    raise self.fail(f"{str(target)!r} is an input: the total needs a name of its own", target)
                total = str(target)
        return out

    def link_function(self, node: Tree, score_name: str, inputs: list[str], renamed: dict[str, str]) -> str:
        expression = node.children[-1]
        call = self.value(expression)
        links = {helper: link for link, (_, helper) in _LINK_FUNCTIONS.items()}
        if not isinstance(call, _Call) or call.name not in links or len(call.args) != 1 or not isinstance(call.args[0], _Call) or call.args[0].name != score_name:
            raise self.fail(f"expected `return logistic({score_name}(...))` or `return exp({score_name}(...))`", expression)
        return links[call.name]

    # -- the sum of terms --

    def summands(self, node: Tree | Token) -> list[tuple[str, Tree | Token]]:
        """Flatten `a + b - c` (with any parentheses) into signed summands."""
        if isinstance(node, Tree) and node.data == "sum":
            out: list[tuple[str, Tree | Token]] = []
            sign = "+"
            for child in node.children:
                if isinstance(child, Token) and child.type == "ADD_OP":
                    sign = str(child)
                else:
                    out += [(_combine(sign, s), n) for s, n in self.summands(child)]
            return out
        if isinstance(node, Tree) and node.data == "signed":
            operator, inner = node.children
            return [(_combine(str(operator), s), n) for s, n in self.summands(inner)]
        return [("+", node)]

    def term(self, sign: str, node: Tree | Token) -> Term:
        value = self.value(node)
        if isinstance(value, float):
            return Constant(-value if sign == "-" else value, span=self.span(node))
        if not isinstance(value, _Call) or value.name not in ("curve", "step", "table", "grid"):
            raise self.fail("expected a number or a call of curve, step, table or grid", node)
        if sign == "-":
            raise self.fail(f"a {value.name}() term cannot be subtracted; negate its values instead", node)
        arguments = self.bind(value)
        span = self.span(node)
        missing = self.optional_number(arguments["missing"], value)
        if value.name == "curve":
            knots = self.pairs(arguments["knots"], value, "knots")
            fx = self.choice(arguments["fx"], TRANSFORMS, value, "fx")
            return Curve(self.feature(arguments["x"], value), tuple(k for k, _ in knots), tuple(v for _, v in knots), fx, missing, span=span)  # type: ignore[arg-type]
        if value.name == "step":
            pairs = self.pairs(arguments["steps"], value, "steps")
            at_edge = self.choice(arguments["at_edge"], EDGE_SIDES, value, "at_edge")
            first = self.number(arguments["first"], value, "first")
            return Step(self.feature(arguments["x"], value), tuple(e for e, _ in pairs), (first, *(v for _, v in pairs)), at_edge, missing, span=span)  # type: ignore[arg-type]
        if value.name == "table":
            entries = arguments["values"]
            if not isinstance(entries, dict):
                raise self.fail("table() values must be a dict of category: value", value.node)
            checked = tuple((self.category(k, value), self.number(v, value, "a table value")) for k, v in entries.items())
            return Table(self.feature(arguments["x"], value), checked, self.number(arguments["default"], value, "default"), missing, span=span)
        rows = arguments["values"]
        if not isinstance(rows, list) or not all(isinstance(r, (list, tuple)) for r in rows):
            raise self.fail("grid() values must be a list of rows of numbers", value.node)
        matrix = tuple(tuple(self.number(v, value, "a grid value") for v in row) for row in rows)
        a = self.axis(arguments["rows"], self.feature(arguments["a"], value), value)
        b = self.axis(arguments["cols"], self.feature(arguments["b"], value), value)
        lines = [None if arguments[k] is None else self.numbers(arguments[k], value, k) for k in ("missing_a", "missing_b")]
        return Grid(a, b, matrix, missing, lines[0], lines[1], span=span)

    def axis(self, value: Any, feature: str, call: _Call) -> Axis:
        if not isinstance(value, _Call) or value.name not in ("steps", "knots", "categories"):
            raise self.fail("a grid axis must be steps([...]), knots([...]) or categories([...])", call.node)
        arguments = self.bind(value)
        if value.name == "categories":
            names = arguments["names"]
            if not isinstance(names, list):
                raise self.fail("categories() takes a list of strings", value.node)
            return CategoryAxis(feature, tuple(self.category(n, value) for n in names))
        points = arguments["edges" if value.name == "steps" else "positions"]
        numbers = self.numbers(points, value, "an axis position")
        if value.name == "knots":
            return KnotAxis(feature, numbers)
        return StepAxis(feature, numbers, self.choice(arguments["at_edge"], EDGE_SIDES, value, "at_edge"))  # type: ignore[arg-type]

    # -- checked pieces of a call --

    def bind(self, call: _Call) -> dict[str, Any]:
        """Match a call's arguments to its runtime function's parameters."""
        signature = _SIGNATURES[call.name]
        names = [n for n, _ in signature]
        if len(call.args) > len(signature):
            raise self.fail(f"{call.name}() takes at most {len(signature)} arguments, got {len(call.args)}", call.node)
        bound = dict(zip(names, call.args))
        for key, value in call.kwargs.items():
            if key not in names:
                raise self.fail(f"{call.name}() has no argument {key!r} (it takes {', '.join(names)})", call.keyword_nodes[key])
            if key in bound:
                raise self.fail(f"{call.name}() got argument {key!r} twice", call.keyword_nodes[key])
            bound[key] = value
        for key, default in signature:
            if key not in bound:
                if default is ...:
                    raise self.fail(f"{call.name}() is missing its argument {key!r}", call.node)
                bound[key] = default
        return bound

    def feature(self, value: Any, call: _Call) -> str:
        if not isinstance(value, _Name) or value.name not in self.params:
            raise self.fail(f"{call.name}() must read one of the parameters ({', '.join(self.params)})", call.node)
        return self.params[value.name]

    def pairs(self, value: Any, call: _Call, what: str) -> list[tuple[float, float]]:
        if not isinstance(value, list) or not all(isinstance(p, tuple) and len(p) == 2 for p in value):
            raise self.fail(f"{call.name}() {what} must be a list of (x, y) pairs", call.node)
        return [(self.number(x, call, what), self.number(y, call, what)) for x, y in value]

    def number(self, value: Any, call: _Call, what: str) -> float:
        if not isinstance(value, float):
            raise self.fail(f"{call.name}(): {what} must be a number", call.node)
        return value

    def numbers(self, value: Any, call: _Call, what: str) -> tuple[float, ...]:
        if not isinstance(value, list):
            raise self.fail(f"{call.name}(): {what} must be a list of numbers", call.node)
        return tuple(self.number(v, call, what) for v in value)

    def optional_number(self, value: Any, call: _Call) -> float | None:
        return None if value is None or (isinstance(value, _Name) and value.name == "None") else self.number(value, call, "missing")

    def category(self, value: Any, call: _Call) -> str:
        if not isinstance(value, str):
            raise self.fail(f"{call.name}(): categories must be strings", call.node)
        return value

    def choice(self, value: Any, allowed: tuple[str, ...], call: _Call, what: str) -> str:
        if value not in allowed:
            raise self.fail(f"{call.name}(): {what} must be one of {', '.join(map(repr, allowed))}", call.node)
        return str(value)

    # -- literal values --

    def value(self, node: Tree | Token) -> Any:
        """The value of an expression: float, str, list, tuple, dict, _Name or _Call."""
        if isinstance(node, Token):
            raise self.fail(f"unexpected {str(node)!r}", node)
        kind = node.data
        if kind == "number":
            return self.literal_number(node.children[0])  # type: ignore[arg-type]
        if kind == "string":
            return self.literal(node)
        if kind in ("sum", "signed"):
            summands = self.summands(node)
            if len(summands) != 1:
                written = self.source.text[node.meta.start_pos : node.meta.end_pos] if isinstance(node, Tree) else str(node)
                raise self.fail(f"expected one value here, not the sum `{written}` (a missing comma?)", node)
            sign, inner = summands[0]
            operand = self.value(inner)
            if sign == "-":
                if not isinstance(operand, float):
                    raise self.fail("a sign can only stand before a number here", node)
                return -operand
            return operand
        if kind == "dotted":
            return _Name(".".join(str(t) for t in node.children))
        if kind == "list":
            return [self.value(c) for c in node.children if c is not None]
        if kind == "tuple":
            return tuple(self.value(c) for c in node.children if c is not None)
        if kind == "dict":
            out: dict[Any, Any] = {}
            for pair in node.children:
                if pair is None:
                    continue
                key = self.value(pair.children[0])
                if not isinstance(key, str):
                    raise self.fail("dict keys must be strings", pair)
                if key in out:
                    raise self.fail(f"key {key!r} appears twice", pair)
                out[key] = self.value(pair.children[1])
            return out
        if kind == "call":
            return self.call(node)
        raise self.fail("unexpected expression", node)

    def call(self, node: Tree) -> _Call:
        function = ".".join(str(t) for t in node.children[0].children)
        call = _Call(function, [], {}, node)
        for arg in node.children[1:]:
            if arg is None:
                continue
            if isinstance(arg, Tree) and arg.data == "kwarg":
                key = str(arg.children[0])
                if key in call.kwargs:
                    raise self.fail(f"{function}() got argument {key!r} twice", arg)
                call.kwargs[key] = self.value(arg.children[1])
                call.keyword_nodes[key] = arg.children[0]  # type: ignore[assignment]
            elif call.kwargs:
                raise self.fail("positional argument after a keyword argument", arg)
            else:
                call.args.append(self.value(arg))
        return call

    def literal_number(self, token: Token) -> float:
        value = float(str(token).replace("_", ""))
        if value in (float("inf"), float("-inf")):
            raise self.fail(f"number {str(token)} is too large for a double", token)
        return value

    def literal(self, node: Tree | Token) -> Any:
        """A string literal (or adjacent literals), decoded without running anything."""
        tokens = node.children if isinstance(node, Tree) else [node]
        try:
            return "".join(ast.literal_eval(str(t)) for t in tokens)
        except (ValueError, SyntaxError, TypeError):
            raise self.fail("expected a text string", tokens[0]) from None


@dataclass(frozen=True)
class _Name:
    name: str


def _combine(outer: str, inner: str) -> str:
    return "-" if (outer == "-") != (inner == "-") else "+"
