"""Printing a model as .pwl text."""

from __future__ import annotations

import json
import re

from pwlc.ir import (
    INPUT_KINDS,
    Axis,
    Constant,
    Curve,
    Grid,
    KnotAxis,
    Linear,
    Model,
    Multiclass,
    Step,
    StepAxis,
    Table,
    Term,
)
from pwlc.numbers import shortest

KEYWORDS = {"model", "input", "constant", "curve", "step", "table", "grid", "linear", "x", "values", "categories", "steps", "knots"}

# Characters a string never holds raw, though JSON would allow them: C1 controls and DEL,
# line and paragraph separators (line breaks to some editors and languages), bidirectional
# controls (they reorder how the text reads on screen), and lone surrogates (not UTF-8).
# Each is written as a \uXXXX escape, so every line of the file is what it looks like.
_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def emit(model: Model | Multiclass, dialect: str | None = None) -> str:
    """Print `model` as .pwl text: a multiclass model's terms under one `class "NAME"`
    line per class."""
    link = "identity" if isinstance(model, Multiclass) else model.link
    options = [] if link == "identity" else [f"link = {link}"]
    header = f"model {name(model.name)}{_options(options)}"
    if model.doc:
        header += f" {string(model.doc)}"
    lines = ["# pwlc model: `pwlc compile FILE.pwl -t python|c|sql:DIALECT` prints it as code.", header, ""]
    lines += [f"input {name(i.name)} : {i.kind}" for i in model.inputs]
    if isinstance(model, Multiclass):
        lines[0:1] = [lines[0], "# One score per class; the prediction is their softmax."]
        for label, terms in zip(model.classes, model.scores):
            lines += ["", f"class {string(label)}"]
            lines += [_term(term) for term in terms]
        return "\n".join(lines) + "\n"
    lines.append("")
    lines += [_term(term) for term in model.terms]
    return "\n".join(lines) + "\n"


def _term(term: Term) -> str:
    if isinstance(term, Constant):
        return f"constant {shortest(term.value)}"
    if isinstance(term, Curve):
        opts = [] if term.fx == "identity" else [f"fx = {term.fx}"]
        body = ", ".join(f"{shortest(x)}: {shortest(y)}" for x, y in term.knots)
        return f"curve {name(term.feature)}{_options(opts + _missing(term.missing))} {{ {body} }}"
    if isinstance(term, Step):
        opts = [f"at_edge = {term.at_edge}"] + _missing(term.missing)
        body = ", ".join([shortest(term.values[0])] + [f"{shortest(e)}: {shortest(v)}" for e, v in zip(term.edges, term.values[1:])])
        return f"step {name(term.feature)}{_options(opts)} {{ {body} }}"
    if isinstance(term, Table):
        opts = [f"default = {shortest(term.default)}"] + _missing(term.missing)
        body = ", ".join(f"{string(k)}: {shortest(v)}" for k, v in term.entries)
        return f"table {name(term.feature)}{_options(opts)} {{ {body} }}"
    if isinstance(term, Grid):
        rows = ",\n    ".join(_numbers(row) for row in term.values)
        lines = [_axis(term.a), _axis(term.b), f"values [\n    {rows}\n  ]"]
        for axis, line in ((term.a, term.missing_a), (term.b, term.missing_b)):
            if line is not None:
                lines.append(f"missing {name(axis.feature)} {_numbers(line)}")
        body = ",\n  ".join(lines)
        return f"grid {name(term.a.feature)} x {name(term.b.feature)}{_options(_missing(term.missing))} {{\n  {body}\n}}"
    if isinstance(term, Linear):
        return f"linear {name(term.feature)}{_options(_missing(term.missing))} {shortest(term.slope)}"
    raise TypeError(f"unknown term {type(term).__name__}")


def _axis(axis: Axis) -> str:
    if isinstance(axis, StepAxis):
        return f"{name(axis.feature)}: steps (at_edge = {axis.at_edge}) {_numbers(axis.edges)}"
    if isinstance(axis, KnotAxis):
        return f"{name(axis.feature)}: knots {_numbers(axis.knots)}"
    return f"{name(axis.feature)}: categories [{', '.join(string(c) for c in axis.categories)}]"


def _numbers(values: tuple[float, ...]) -> str:
    return "[" + ", ".join(shortest(v) for v in values) + "]"


def _missing(value: float | None) -> list[str]:
    return [] if value is None else [f"missing = {shortest(value)}"]


def _options(options: list[str]) -> str:
    return f" ({', '.join(options)})" if options else ""


def string(text: str) -> str:
    """`text` as a double-quoted JSON string that holds no control, line-breaking or
    bidirectional character raw (each is escaped), on one line."""
    return _UNSAFE.sub(lambda found: f"\\u{ord(found.group()):04x}", json.dumps(text, ensure_ascii=False))


def name(text: str) -> str:
    """A bare word when it can be one, else a quoted string."""
    if text.isascii() and text.isidentifier() and text not in KEYWORDS and text not in INPUT_KINDS:
        return text
    return string(text)
