"""The .pwl text format: pwlc's own readable, diffable form of a model.

One declaration a line (a grid takes a small block), knots as `x: y` pairs, `#` comments.
The grammar is `grammars/pwl.lark`; printer and reader live here side by side.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator

from lark import Token, Tree
from lark.exceptions import UnexpectedInput

from pwlc.errors import Source
from pwlc.grammar import TreeReader, parser, syntax_error
from pwlc.ir import (
    EDGE_SIDES,
    INPUT_KINDS,
    LINKS,
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

SUFFIX = ".pwl"

_KEYWORDS = {"model", "input", "constant", "curve", "step", "table", "grid", "x", "values", "categories", "steps", "knots"}


# --- printer ------------------------------------------------------------------------


def emit(model: Model, dialect: str | None = None) -> str:
    """Print `model` as .pwl text."""
    options = [] if model.link == "identity" else [f"link = {model.link}"]
    header = f"model {_name(model.name)}{_options(options)}"
    if model.doc:
        header += f" {_string(model.doc)}"
    lines = ["# pwlc model: `pwlc compile FILE.pwl -t python|c|sql:DIALECT` prints it as code.", header, ""]
    lines += [f"input {_name(i.name)} : {i.kind}" for i in model.inputs]
    lines.append("")
    lines += [_term(term) for term in model.terms]
    return "\n".join(lines) + "\n"


def _term(term: Term) -> str:
    if isinstance(term, Constant):
        return f"constant {shortest(term.value)}"
    if isinstance(term, Curve):
        opts = [] if term.fx == "identity" else [f"fx = {term.fx}"]
        body = ", ".join(f"{shortest(x)}: {shortest(y)}" for x, y in term.knots)
        return f"curve {_name(term.feature)}{_options(opts + _missing(term.missing))} {{ {body} }}"
    if isinstance(term, Step):
        opts = [f"at_edge = {term.at_edge}"] + _missing(term.missing)
        body = ", ".join([shortest(term.values[0])] + [f"{shortest(e)}: {shortest(v)}" for e, v in zip(term.edges, term.values[1:])])
        return f"step {_name(term.feature)}{_options(opts)} {{ {body} }}"
    if isinstance(term, Table):
        opts = [f"default = {shortest(term.default)}"] + _missing(term.missing)
        body = ", ".join(f"{_string(k)}: {shortest(v)}" for k, v in term.entries)
        return f"table {_name(term.feature)}{_options(opts)} {{ {body} }}"
    if isinstance(term, Grid):
        rows = ",\n    ".join(_numbers(row) for row in term.values)
        lines = [_axis(term.a), _axis(term.b), f"values [\n    {rows}\n  ]"]
        for axis, line in ((term.a, term.missing_a), (term.b, term.missing_b)):
            if line is not None:
                lines.append(f"missing {_name(axis.feature)} {_numbers(line)}")
        body = ",\n  ".join(lines)
        return f"grid {_name(term.a.feature)} x {_name(term.b.feature)}{_options(_missing(term.missing))} {{\n  {body}\n}}"
    raise TypeError(f"unknown term {type(term).__name__}")


def _axis(axis: Axis) -> str:
    if isinstance(axis, StepAxis):
        return f"{_name(axis.feature)}: steps (at_edge = {axis.at_edge}) {_numbers(axis.edges)}"
    if isinstance(axis, KnotAxis):
        return f"{_name(axis.feature)}: knots {_numbers(axis.knots)}"
    return f"{_name(axis.feature)}: categories [{', '.join(_string(c) for c in axis.categories)}]"


def _numbers(values: tuple[float, ...]) -> str:
    return "[" + ", ".join(shortest(v) for v in values) + "]"


def _missing(value: float | None) -> list[str]:
    return [] if value is None else [f"missing = {shortest(value)}"]


def _options(options: list[str]) -> str:
    return f" ({', '.join(options)})" if options else ""


def _string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _name(name: str) -> str:
    """A bare word when it can be one, else a quoted string."""
    if name.isascii() and name.isidentifier() and name not in _KEYWORDS and name not in INPUT_KINDS:
        return name
    return _string(name)


# --- reader -------------------------------------------------------------------------


def read(text: str, filename: str = "<string>", dialect: str | None = None) -> Model:
    """Parse .pwl text into a model (not yet verified; `pwlc.read` verifies)."""
    try:
        tree = parser("pwl.lark").parse(text)
    except UnexpectedInput as exc:
        raise syntax_error(exc, Source(text, filename)) from None
    return _Reader(text, filename).model(tree)


class _Reader(TreeReader):
    def model(self, tree: Tree) -> Model:
        name, link, doc = "score", "identity", ""
        inputs: list[Input] = []
        terms: list[Term] = []
        for node in tree.children:
            if node.data == "header":
                name, link, doc = self.header(node)
            elif node.data == "input":
                inputs.append(self.input(node))
            else:
                terms.append(self.term(node))
        return Model(tuple(inputs), tuple(terms), link, name, doc, span=self.source.span(1, 1))  # type: ignore[arg-type]

    def header(self, node: Tree) -> tuple[str, str, str]:
        name = self.name(node.children[0])
        opts: dict[str, Tree | Token] = {}
        doc = ""
        for child in node.children[1:]:
            if isinstance(child, Tree) and child.data == "options":
                opts = self.options(child, {"link"})
            else:
                doc = self.string(child)
        link = self.word(opts["link"], LINKS, "link") if "link" in opts else "identity"
        return name, link, doc

    def input(self, node: Tree) -> Input:
        name_node, kind = node.children
        return Input(self.name(name_node), self.word(kind, INPUT_KINDS, "input kind"), span=self.span(node))  # type: ignore[arg-type]

    def term(self, node: Tree) -> Term:
        builders: dict[str, Callable[[Tree], Term]] = {
            "constant": lambda n: Constant(self.number(n.children[0]), span=self.span(n)),
            "curve": self.curve,
            "step": self.step,
            "table": self.table,
            "grid": self.grid,
        }
        return builders[node.data](node)

    def curve(self, node: Tree) -> Curve:
        feature, opts, rest = self.split(node, {"fx", "missing"})
        pairs = [self.pair(p) for p in rest]
        fx = self.word(opts["fx"], TRANSFORMS, "transform") if "fx" in opts else "identity"
        return Curve(
            feature,
            tuple(x for x, _ in pairs),
            tuple(y for _, y in pairs),
            fx,  # type: ignore[arg-type]
            self.optional_number(opts.get("missing")),
            span=self.span(node),
        )

    def step(self, node: Tree) -> Step:
        feature, opts, rest = self.split(node, {"at_edge", "missing"})
        first, *pairs = rest
        edges = tuple(self.pair(p)[0] for p in pairs)
        values = (self.number(first), *(self.pair(p)[1] for p in pairs))
        at_edge = self.word(opts["at_edge"], EDGE_SIDES, "at_edge") if "at_edge" in opts else "upper"
        return Step(feature, edges, values, at_edge, self.optional_number(opts.get("missing")), span=self.span(node))  # type: ignore[arg-type]

    def table(self, node: Tree) -> Table:
        feature, opts, rest = self.split(node, {"default", "missing"})
        entries = tuple((self.string(e.children[0]), self.number(e.children[1])) for e in rest)
        default = self.number(opts["default"]) if "default" in opts else 0.0
        return Table(feature, entries, default, self.optional_number(opts.get("missing")), span=self.span(node))

    def grid(self, node: Tree) -> Grid:
        a_name, b_name = self.name(node.children[0]), self.name(node.children[1])
        opts: dict[str, Tree | Token] = {}
        rest = node.children[2:]
        if isinstance(rest[0], Tree) and rest[0].data == "options":
            opts = self.options(rest[0], {"missing"})
            rest = rest[1:]
        a, b, matrix = self.axis(rest[0]), self.axis(rest[1]), rest[2]
        for axis, wanted, axis_node in ((a, a_name, rest[0]), (b, b_name, rest[1])):
            if axis.feature != wanted:
                raise self.fail(f"axis names {axis.feature!r} but this grid is over {a_name!r} x {b_name!r}", axis_node)
        values = tuple(self.numbers(row) for row in matrix.children)
        lines: dict[str, tuple[float, ...]] = {}
        for line in rest[3:]:
            feature = self.name(line.children[0])
            if feature not in (a_name, b_name):
                raise self.fail(f"`missing {feature}` names no axis of this grid ({a_name!r} x {b_name!r})", line)
            if feature in lines:
                raise self.fail(f"`missing {feature}` is given twice", line)
            lines[feature] = self.numbers(line.children[1])
        missing = self.optional_number(opts.get("missing"))
        return Grid(a, b, values, missing, lines.get(a_name), lines.get(b_name), span=self.span(node))

    def axis(self, node: Tree) -> Axis:
        feature = self.name(node.children[0])
        if node.data == "category_axis":
            return CategoryAxis(feature, tuple(self.string(s) for s in node.children[1].children))
        kind = self.word(node.children[1], ("steps", "knots"), "axis kind")
        values = self.numbers(node.children[-1])
        if kind == "knots":
            if node.data == "axis_with_option":
                raise self.fail("a knots axis takes no options", node.children[2])
            return KnotAxis(feature, values)
        at_edge = "upper"
        if node.data == "axis_with_option":
            opts = self.options(Tree("options", [node.children[2]], node.children[2].meta), {"at_edge"})
            at_edge = self.word(opts["at_edge"], EDGE_SIDES, "at_edge")
        return StepAxis(feature, values, at_edge)  # type: ignore[arg-type]

    # -- pieces --

    def split(self, node: Tree, allowed: set[str]) -> tuple[str, dict[str, Tree | Token], list[Tree]]:
        """(feature, options, remaining children) of a term node."""
        feature = self.name(node.children[0])
        rest = list(node.children[1:])
        opts: dict[str, Tree | Token] = {}
        if rest and isinstance(rest[0], Tree) and rest[0].data == "options":
            opts = self.options(rest.pop(0), allowed)
        return feature, opts, rest

    def options(self, node: Tree, allowed: set[str]) -> dict[str, Tree | Token]:
        found: dict[str, Tree | Token] = {}
        for option in node.children:
            key, value = option.children
            if key not in allowed:
                raise self.fail(f"unknown option {str(key)!r} (expected {' or '.join(sorted(allowed))})", key)
            if key in found:
                raise self.fail(f"option {str(key)!r} given twice", key)
            found[str(key)] = value
        return found

    def pair(self, node: Tree) -> tuple[float, float]:
        return self.number(node.children[0]), self.number(node.children[1])

    def numbers(self, node: Tree) -> tuple[float, ...]:
        return tuple(self.number(n) for n in node.children)

    def number(self, node: Tree | Token) -> float:
        if isinstance(node, Token) and node.type == "NAME":
            raise self.fail(f"expected a number, got {str(node)!r}", node)
        tokens = list(_tokens(node))
        sign = -1.0 if tokens[0] == "-" else 1.0
        value = sign * float(tokens[-1].replace("_", ""))
        if not math.isfinite(value):
            raise self.fail(f"number {tokens[-1]!s} is too large for a double", node)
        return value

    def optional_number(self, node: Tree | Token | None) -> float | None:
        return None if node is None else self.number(node)

    def word(self, node: Tree | Token, allowed: tuple[str, ...], what: str) -> str:
        if not isinstance(node, Token) or node.type != "NAME" or str(node) not in allowed:
            raise self.fail(f"unknown {what} {''.join(_tokens(node))!r} (expected {', '.join(allowed)})", node)
        return str(node)

    def name(self, node: Tree | Token) -> str:
        return self.string(node) if isinstance(node, Tree) else str(node)

    def string(self, node: Tree | Token) -> str:
        token = node.children[0] if isinstance(node, Tree) else node
        try:
            value = json.loads(str(token))
        except json.JSONDecodeError as exc:
            raise self.fail(f"bad string escape ({exc.msg})", token) from None
        assert isinstance(value, str)
        return value


def _tokens(node: Tree | Token) -> Iterator[str]:
    if isinstance(node, Token):
        yield str(node)
    else:
        for child in node.children:
            yield from _tokens(child)
