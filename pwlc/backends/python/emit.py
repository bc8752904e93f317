"""The printer: a model as a standalone, black-formatted Python module.

    def score(age: float, sex: str) -> float:
        return (
            -0.35
            + curve(age, [(18, 0.61), (25, 0.2), (46, -0.45)], missing=0)
            + table(sex, {"Female": -0.2, "Male": 0.05}, default=0)
        )

then, for a logistic or exp link, `probability` / `prediction`, then the marker line and
the runtime functions the terms call (copied from `runtime.py`).

User text reaches the module only as string literals whose every character that could
end the literal, or that black or Python would change, is written as an escape; names
are identifiers checked against everything the module binds.
"""

from __future__ import annotations

import unicodedata

from pwlc.backends.common import identifier, sum_stages
from pwlc.backends.python.names import (
    EXACT_INTEGERS,
    LINK_FUNCTIONS,
    PER_ROW,
    RUNTIME_MARKER_LINE,
    TRAILER,
    body_names,
    function_name_problem,
    module_names,
    parameter_names,
)
from pwlc.backends.python.runtime_copy import closure, needed_modules, runtime_source
from pwlc.errors import UnsupportedError
from pwlc.ir import Axis, Constant, Curve, Grid, KnotAxis, Linear, Model, Multiclass, Step, StepAxis, Table, Term
from pwlc.numbers import shortest

_TERM_HELPERS = {Curve: "curve", Step: "step", Table: "table", Grid: "grid", Linear: "linear"}
_AXIS_HELPERS = {StepAxis: "steps", KnotAxis: "knots"}


def emit(model: Model | Multiclass, dialect: str | None = None) -> str:
    """Print `model` as a black-formatted, standalone Python module."""
    import black

    problem = function_name_problem(model.name)
    if problem is not None:
        raise UnsupportedError(f"cannot name the Python scoring function after the model: {problem}; rename the model (e.g. {model.name}_score)")
    if isinstance(model, Multiclass):
        from pwlc.backends.python.multiclass import multiclass_lines

        lines, used = multiclass_lines(model)
    else:
        lines, used = _model_lines(model)
    return black.format_str("\n".join(lines + ["", RUNTIME_MARKER_LINE, "", runtime_source(used)]), mode=black.Mode())


def _model_lines(model: Model) -> tuple[list[str], list[str]]:
    """The module above the runtime, and the runtime functions it calls."""
    params = parameter_names(model)
    printer = Printer(params, integer_limit(model))
    what = "The log-odds" if model.link == "logistic" else "The log of the prediction" if model.link == "exp" else "The prediction"
    body = score_function(model, model.name, params, f"{what}: the sum of one term per line.", printer)
    used = list(printer.used)
    if model.link in LINK_FUNCTIONS:
        used.append(LINK_FUNCTIONS[model.link][1])
    lines = module_head(model, params, TRAILER.format(name=model.name), used) + body
    if model.link in LINK_FUNCTIONS:
        function, helper = LINK_FUNCTIONS[model.link]
        lines += [
            "",
            f"def {function}({signature(model, params)}) -> float:",
            f'    """{helper}({model.name}(...)): the model\'s prediction."""',
            f"    return {helper}({model.name}({arguments(model, params)}))",
        ]
    return lines, used


def module_head(model: Model | Multiclass, params: dict[str, str], trailer: str, used: list[str]) -> list[str]:
    """The docstring, the imports the runtime `used` needs, and INPUT_NAMES when an input's
    name is not its parameter's."""
    lines = [f'"""{_docstring(model.doc, trailer)}"""', ""]
    lines += [f"import {module}" for module in needed_modules(closure(used))] + [""]
    renamed = {params[i.name]: i.name for i in model.inputs if params[i.name] != i.name}
    if renamed:
        entries = ", ".join(f"{python_string(k)}: {python_string(v)}" for k, v in renamed.items())
        lines += ["# Inputs whose names are not Python identifiers: parameter -> input name.", f"INPUT_NAMES = {{{entries}}}", ""]
    return lines


def signature(model: Model | Multiclass, params: dict[str, str]) -> str:
    """The parameters of a function of the inputs, annotated with their kinds."""
    return ", ".join(f"{params[i.name]}: {'str' if i.kind == 'categorical' else 'float'}" for i in model.inputs)


def arguments(model: Model | Multiclass, params: dict[str, str]) -> str:
    """The inputs passed on to a function that takes them, in order."""
    return ", ".join(params[i.name] for i in model.inputs)


def score_function(model: Model, name: str, params: dict[str, str], doc: str, printer: Printer) -> list[str]:
    """`def NAME(inputs) -> float:` returning the sum of `model`'s terms (in stages when
    long); the runtime functions they call are added to `printer.used`."""
    summands = [printer.term(term) for term in model.terms]
    # No term reads an input: the sum is wrapped so that a batch gets a score for each row.
    per_row = bool(model.inputs) and all(isinstance(term, Constant) for term in model.terms)
    if per_row:
        printer.used.append(PER_ROW)
    # A long sum is added up in stages, in order (rule 6): see common.SUM_STAGE.
    stages = sum_stages(summands)
    total = identifier("total", {*params.values(), name}, body_names() | module_names())
    lines = [f"def {name}({signature(model, params)}) -> float:", f'    """{doc}"""']
    for k, stage in enumerate(stages):
        body = _sum(([total] if k else []) + stage)
        if k < len(stages) - 1:
            lines.append(f"    {total} = ({body})")
        elif per_row:
            lines.append(f"    return {PER_ROW}({body}, {arguments(model, params)})")
        else:
            lines.append(f"    return ({body})")
    return lines


def term_source(model: Model, term: Term) -> str:
    """The line of emitted Python that computes `term` (as printed before black)."""
    return Printer(parameter_names(model), integer_limit(model)).term(term)


def integer_limit(model: Model) -> float:
    """Integral values below this print as int literals. Python adds ints exactly and pwlc
    in doubles; below it, no sum of the model's terms can tell the two apart."""
    return EXACT_INTEGERS / max(1, len(model.terms))


def _sum(summands: list[str]) -> str:
    """`a + b - 0.3`: a negative number after the first summand is subtracted."""
    if not summands:
        return "sum([])"  # no terms: Python's sum of nothing, 0
    text = summands[0]
    for summand in summands[1:]:
        text += f"\n        - {summand[1:]}" if summand.startswith("-") and summand[1:2].isdigit() else f"\n        + {summand}"
    return text


class Printer:
    """Prints terms; remembers the runtime functions they call."""

    def __init__(self, params: dict[str, str], integer_limit: float):
        self.params = params
        self.integer_limit = integer_limit
        self.used: list[str] = []

    def number(self, value: float) -> str:
        text = shortest(value)
        return repr(float(value)) if text.lstrip("-").isdigit() and abs(value) >= self.integer_limit else text

    def numbers(self, values: tuple[float, ...]) -> str:
        return "[" + ", ".join(map(self.number, values)) + "]"

    def term(self, term: Term) -> str:
        if isinstance(term, Constant):
            return self.number(term.value)
        helper = _TERM_HELPERS[type(term)]
        self.used.append(helper)
        if isinstance(term, Curve):
            args = [self.params[term.feature], "[" + ", ".join(f"({self.number(x)}, {self.number(y)})" for x, y in term.knots) + "]"]
            args += [f'fx="{term.fx}"'] if term.fx != "identity" else []
        elif isinstance(term, Step):
            pairs = ", ".join(f"({self.number(e)}, {self.number(v)})" for e, v in zip(term.edges, term.values[1:]))
            args = [self.params[term.feature], self.number(term.values[0]), f"[{pairs}]"]
            args += [] if term.at_edge == "upper" else [f'at_edge="{term.at_edge}"']
        elif isinstance(term, Table):
            entries = ", ".join(f"{python_string(k)}: {self.number(v)}" for k, v in term.entries)
            args = [self.params[term.feature], "{" + entries + "}", f"default={self.number(term.default)}"]
        elif isinstance(term, Linear):
            args = [self.params[term.feature], self.number(term.slope)]
        else:
            rows = "[" + ", ".join(self.numbers(row) for row in term.values) + "]"
            args = [self.params[term.a.feature], self.params[term.b.feature], self.axis(term.a), self.axis(term.b), rows]
        if term.missing is not None:
            args.append(f"missing={self.number(term.missing)}")
        if isinstance(term, Grid):
            for keyword, line in (("missing_a", term.missing_a), ("missing_b", term.missing_b)):
                if line is not None:
                    args.append(f"{keyword}={self.numbers(line)}")
        return f"{helper}({', '.join(args)})"

    def axis(self, axis: Axis) -> str:
        if isinstance(axis, StepAxis):
            self.used.append("steps")
            side = "" if axis.at_edge == "upper" else f', at_edge="{axis.at_edge}"'
            return f"steps({self.numbers(axis.edges)}{side})"
        if isinstance(axis, KnotAxis):
            self.used.append("knots")
            return f"knots({self.numbers(axis.knots)})"
        self.used.append("categories")
        return f"categories([{', '.join(map(python_string, axis.categories))}])"


# --- user text as string literals --------------------------------------------------------


def python_string(text: str) -> str:
    """`text` as a one-line, double-quoted Python string literal that reads back to it
    exactly: quotes, backslashes and every character that is not plainly visible (controls,
    line and paragraph separators, format characters, lone surrogates, any whitespace but
    the space) are escapes."""
    return '"' + "".join('\\"' if c == '"' else _escaped(c) for c in text) + '"'


def _docstring(doc: str, trailer: str) -> str:
    """The module docstring: the model's doc, a blank line, and how to read the file back.

    The doc keeps its line breaks; what black would change in a docstring (the first
    line's leading space, each line's trailing space, tabs) or what would end it (`\"\"\"`,
    a backslash, a quote first) is written as an escape, so its value is the doc exactly.
    """
    trailer += "\n"
    if not doc:
        return trailer
    lines = []
    for k, line in enumerate(doc.split("\n")):
        chars = [_escaped(c) if c != '"' else '\\"' if _quote_needs_escape(line, i, k) else c for i, c in enumerate(line)]
        if line.startswith(" ") and k == 0:
            chars[0] = "\\x20"
        if line.endswith(" "):
            chars[-1] = "\\x20"
        lines.append("".join(chars))
    return "\n".join(lines) + "\n\n" + trailer


def _quote_needs_escape(line: str, i: int, line_number: int) -> bool:
    """A `"` in a docstring is escaped when it starts the docstring or touches another."""
    return (i == 0 and line_number == 0) or line[i - 1 : i] == '"' or line[i + 1 : i + 2] == '"'


def _escaped(c: str) -> str:
    if c == "\\":
        return "\\\\"
    if c == " " or not (c.isspace() or unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")):
        return c
    code = ord(c)
    short = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(c)
    return short or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
