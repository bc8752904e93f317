"""The reader: an emitted (and possibly hand-edited) module back into a model.

The file is parsed, never imported or run. Each construct the reader accepts it reads
with Python's meaning; anything else is refused at its position, with what to do:

- Above the runtime marker: the docstring (the model's doc), imports the runtime needs
  (`import math`, `import bisect`, `from typing import Optional`), `INPUT_NAMES`, the
  scoring function (a sum of terms, maybe in stages) and at most one link function that
  passes its inputs straight to it. Every module-level name is bound once.
- Below the marker: the runtime, checked to be exactly pwlc's (see `runtime_copy`). A
  file may end before the marker: its runtime is then missing (`pwlc fmt` writes it).
"""

from __future__ import annotations

import re

from pwlc.backends.python.names import (
    GATHER,
    INPUT_NAMES,
    LINK_FUNCTIONS,
    MULTICLASS_TRAILER_PATTERN,
    PER_ROW,
    REGENERATE,
    SOFTMAX,
    TRAILER_PATTERN,
    TYPING_NAMES,
    body_names,
    function_name_problem,
)
from pwlc.backends.python.runtime_copy import check_copy, closure, module_imports, needed_modules
from pwlc.backends.python.syntax import (
    Assign,
    Call,
    Chain,
    Display,
    Expr,
    Function,
    Import,
    Module,
    Name,
    Node,
    Subscript,
    Text,
    parse_module,
)
from pwlc.backends.python.terms import TermReader
from pwlc.errors import ParseError, Source, Span
from pwlc.ir import Constant, Input, Model, Multiclass, Term

# PEP 263: a coding declaration in the first two lines changes how Python decodes the file.
_CODING = re.compile(r"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", re.ASCII)
_BLANK = re.compile(r"^[ \t\f]*(?:#|$)")
def read(text: str, filename: str = "<string>", dialect: str | None = None) -> Model | Multiclass:
    """Parse an emitted (and possibly hand-edited) module back into a model."""
    text = python_text(text, filename)
    return _Reader(text, filename).model(parse_module(text, filename))


def comments(text: str, filename: str = "<string>") -> list[tuple[int, int, str]]:
    """The comments above the runtime marker: (line, column, text) each."""
    text = python_text(text, filename)
    return parse_module(text, filename).comments


def python_text(text: str, filename: str) -> str:
    """The text as Python reads it: without a byte order mark, every line break "\\n"
    (Python reads "\\r\\n" and a lone "\\r" as one, even inside strings); refused when
    Python would decode or refuse it differently from pwlc."""
    text = text.removeprefix("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    for offset, problem in (
        (text.find("\0"), "a NUL character: Python refuses a source file that holds one; remove it"),
        (_first_surrogate(text), "a lone surrogate, which is not text a file can hold; remove it"),
    ):
        if offset >= 0:
            where = Source(text, filename).span_at(offset)
            raise ParseError(problem, where)
    for number, line in enumerate(text.split("\n", 2)[:2], 1):
        found = _CODING.match(line)
        if found and found.group(1).lower().replace("_", "-") not in ("utf-8", "utf8"):
            raise ParseError(f"Python would decode this file as {found.group(1)}, pwlc reads UTF-8: remove the coding line", Source(text, filename).span(number, 1))
        if not _BLANK.match(line):
            break  # Python looks for the declaration on line 2 only after a blank or comment line
    return text


def _first_surrogate(text: str) -> int:
    found = re.search("[\ud800-\udfff]", text)
    return found.start() if found else -1


class _Reader:
    def __init__(self, text: str, filename: str):
        self.text = text
        self.filename = filename
        self.lines = Source(text, filename)
        self.typing: dict[int, set[str]] = {}  # for each function (by id), the typing names imported above it
        self.renamed_keys: dict[str, Text] = {}  # INPUT_NAMES's keys, where they are written

    def span(self, node: Node) -> Span:
        return self.lines.span(node.line, node.column)

    def fail(self, message: str, node: Node) -> ParseError:
        return ParseError(message, self.span(node))

    # -- the module --

    def model(self, module: Module) -> Model | Multiclass:
        bound: dict[str, Node] = {}
        functions: list[Function] = []
        renamed: dict[str, str] = {}
        imported: set[str] = set()
        for statement in module.statements:
            if isinstance(statement, Import):
                names = self.imports(statement)
                imported |= {n.id for n in names}
            elif isinstance(statement, Function):
                names = [statement.name]
                functions.append(statement)
                # annotations are evaluated when `def` runs: only names imported above it exist
                self.typing[id(statement)] = imported & set(TYPING_NAMES)
            else:
                names = [statement.target]
                renamed = self.input_names(statement)
            for name in names:
                if name.id in bound:
                    raise self.fail(f"`{name.id}` is bound twice (Python keeps only the last one; pwlc reads one of each)", name)
                bound[name.id] = name
        gathering = [f for f in functions if gather_call(f) is not None]
        if gathering:
            from pwlc.backends.python.read_multiclass import read_multiclass

            return read_multiclass(self, module, functions, gathering, renamed, imported)
        scoring, link_function = self.classify(functions)
        inputs = self.parameters(scoring, renamed)
        reader = TermReader(self.span, {p.name: i.name for p, i in zip(scoring.parameters, inputs)}, scoring, link_function)
        terms = self.sum(scoring, reader)
        link = "identity"
        if link_function is not None:
            link = self.link(link_function, scoring)
            reader.used.append(LINK_FUNCTIONS[link][1])
        self.runtime(module, reader.used, imported)
        text = doc(module.docstring.value) if module.docstring is not None else ""
        return Model(tuple(inputs), tuple(terms), link, scoring.name.id, text, span=self.span(scoring))  # type: ignore[arg-type]

    def imports(self, statement: Import) -> list[Name]:
        allowed = module_imports() if statement.module is None else TYPING_NAMES if statement.module == "typing" else ()
        for name in statement.names:
            if name.id not in allowed:
                what = f"`import {name.id}`" if statement.module is None else f"`from {statement.module} import {name.id}`"
                raise self.fail(
                    f"pwlc reads {what} nowhere: a module of pwlc imports only what its runtime needs ({', '.join(module_imports())}) and `from typing import {', '.join(TYPING_NAMES)}`",
                    name,
                )
        return statement.names

    def input_names(self, statement: Assign) -> dict[str, str]:
        if statement.target.id != INPUT_NAMES:
            raise self.fail(
                f"pwlc reads no module-level variable but {INPUT_NAMES}: write the value where it is used (a variable holding knots or values is not read)",
                statement,
            )
        value = statement.value
        if not (isinstance(value, Display) and value.kind == "dict" and all(isinstance(item, Text) for item in value.items)):
            raise self.fail(f'{INPUT_NAMES} maps parameter names to input names: {{"parameter": "input name", ...}}', value)
        keys = value.items[::2]
        mapping: dict[str, str] = {}
        for key, name in zip(keys, value.items[1::2]):
            assert isinstance(key, Text) and isinstance(name, Text)
            if key.value in mapping:
                raise self.fail(f"{key.value!r} appears twice in {INPUT_NAMES}", key)
            mapping[key.value] = name.value
        self.renamed_keys = {k.value: k for k in keys if isinstance(k, Text)}
        return mapping

    def classify(self, functions: list[Function]) -> tuple[Function, Function | None]:
        """The scoring function, and the function applying a link to it (if any)."""
        links = [f for f in functions if _link_call(f) is not None]
        for function in functions:
            if softmax_call(function) is not None:
                raise self.fail(
                    f"`{function.name.id}` applies the softmax to class scores, but no function gathers them: a multiclass model's scores are returned as `{GATHER}({{\"class\": FUNCTION(inputs), ...}})`",
                    function.name,
                )
        scoring = [f for f in functions if f not in links]
        if not scoring:
            raise ParseError("no scoring function found (expected `def score(...): return ...`)", self.lines.span(1, 1))
        if len(scoring) > 1:
            raise self.fail("a second scoring function: pwlc reads one model a file (and one function of terms)", scoring[1].name)
        if len(links) > 1:
            raise self.fail("a second link function: a model has one link (logistic or exp); remove one", links[1].name)
        for function in functions:
            problem = function_name_problem(function.name.id, link=function in links)
            if problem is not None:
                raise self.fail(f"{problem}: rename the function", function.name)
        return scoring[0], links[0] if links else None

    # -- the scoring function --

    def parameters(self, function: Function, renamed: dict[str, str], returns: str = "float") -> list[Input]:
        inputs: list[Input] = []
        seen: set[str] = set()
        for parameter in function.parameters:
            name = parameter.name
            if name in seen:
                raise self.fail(f"parameter `{name}` appears twice (Python refuses the function): remove one", parameter)
            if name in body_names() or name == function.name.id or name == "__debug__":
                raise self.fail(f"a parameter named `{name}` would hide what the function calls by that name; rename the parameter", parameter)
            if not name.isascii():
                raise self.fail("pwlc writes parameter names in ASCII (Python normalizes others); put the input's name in INPUT_NAMES", parameter)
            seen.add(name)
            kind = self.kind(parameter.annotation, "an input", function)
            inputs.append(Input(renamed.get(name, name), kind, span=self.span(parameter)))  # type: ignore[arg-type]
        unknown = [key for key in renamed if key not in seen]
        if unknown:
            guess = next((p for p in function.parameters if p.name not in renamed and (unknown[0] in p.name or p.name in unknown[0])), None)
            if guess is not None:  # most likely the parameter was renamed: the caret there
                key = self.renamed_keys[unknown[0]]
                raise self.fail(
                    f"{INPUT_NAMES} (line {key.line}) names `{unknown[0]}`, which is not a parameter of `{function.name.id}`, and this one is not in it:"
                    " rename one to match the other",
                    guess,
                )
            raise self.fail(f"{INPUT_NAMES} names `{unknown[0]}`, which is not a parameter of `{function.name.id}`", self.renamed_keys[unknown[0]])
        if returns == "float":
            self.returns_a_number(function)
        else:
            self.returns_a_dict(function)
        return inputs

    def returns_a_dict(self, function: Function) -> None:
        returns = function.returns
        if returns is not None and not (isinstance(returns, Name) and returns.id == "dict"):
            raise self.fail(f"`{function.name.id}` returns the score of each class: annotate it `dict`", returns)

    def returns_a_number(self, function: Function) -> None:
        if function.returns is not None and self.kind(function.returns, "the result", function) != "numeric":
            raise self.fail(f"`{function.name.id}` returns a number: annotate it `float`", function.returns)

    def kind(self, annotation: Expr | None, what: str, function: Function) -> str:
        """"numeric" for float (or int), "categorical" for str, either `| None` or Optional
        (imported from typing above the function, which evaluates its annotations)."""
        kinds = {"float": "numeric", "int": "numeric", "str": "categorical"}
        node = annotation
        if isinstance(node, Subscript) and isinstance(node.value, Name) and node.value.id in TYPING_NAMES:
            if node.value.id not in self.typing[id(function)]:
                raise self.fail(f"`{node.value.id}` is not defined where this function is: add `from typing import {node.value.id}` at the top", node)
            node = node.index
        elif isinstance(node, Chain) and all(op == "|" for op, _, _ in node.rest):
            named = [n for n in [node.first, *(item for _, item, _ in node.rest)] if not (isinstance(n, Name) and n.id == "None")]
            node = named[0] if len(named) == 1 else node
        if node is None:
            return "numeric"
        if isinstance(node, Name) and node.id in kinds:
            return kinds[node.id]
        raise self.fail(f"annotate {what} `float` (a number) or `str` (a category), either maybe `| None` (or `Optional[...]`)", annotation or node)

    def sum(self, function: Function, reader: TermReader) -> list[Term]:
        """The terms of the returned sum. A sum in stages (`total = (...)`, `total =
        (total + ...)`, ..., `return (total + ...)`) goes on from the total so far."""
        total: Name | None = None
        terms: list[Term] = []
        result = self.per_row(function, reader)
        steps: list[tuple[Name | None, Expr]] = [(a.target, a.value) for a in function.assigns] + [(None, result or function.result)]
        for target, expression in steps:
            if target is not None and isinstance(expression, Display):
                raise self.fail(
                    f"a variable holding knots or values is not read (pwlc reads `{target.id} = (...)` only as the sum so far): write the {expression.kind} in the call that uses it",
                    target,
                )
            summands = reader.summands(expression)
            if total is not None:
                first = summands[0][1]
                if not (isinstance(first, Name) and first.id == total.id):
                    raise self.fail(
                        f"`{total.id}` is set here, but the next sum does not start from it (Python would drop it): start that sum with `{total.id} + ...`, or remove this line",
                        total,
                    )
                summands = summands[1:]
            elif _is_empty_sum(expression) and target is None:
                summands = []
            for sign, node in summands:
                terms.append(reader.term(sign, node))
            if target is not None:
                if target.id in reader.inputs or target.id in body_names() or target.id == function.name.id:
                    raise self.fail(f"`{target.id}` has a meaning here already: the total needs a name of its own", target)
                total = target
        if function.parameters and result is None and all(isinstance(term, Constant) for term in terms):
            inputs = ", ".join(p.name for p in function.parameters)
            raise self.fail(
                f"no term reads an input, so a batch would get one number back instead of a score for each row: return `{PER_ROW}(the sum, {inputs})`",
                function.result,
            )
        return terms

    def per_row(self, function: Function, reader: TermReader) -> Expr | None:
        """The sum inside `return per_row(sum, a, b)` (a sum of constants, once for each
        row of a batch), or None when the function returns something else."""
        call = function.result
        if not (isinstance(call, Call) and isinstance(call.function, Name) and call.function.id == PER_ROW):
            return None
        if call.keywords or not call.args:
            raise self.fail(f"`{PER_ROW}` takes the sum, then the inputs: `{PER_ROW}(the sum, {', '.join(p.name for p in function.parameters)})`", call)
        named: set[str] = set()
        for argument in call.args[1:]:
            if not (isinstance(argument, Name) and argument.id in reader.inputs) or argument.id in named:
                raise self.fail(f"`{PER_ROW}` takes the sum, then the inputs, each once: pass an input of `{function.name.id}` here", argument)
            named.add(argument.id)
        if not named:
            raise self.fail(f"`{PER_ROW}` gives a score for each row of its inputs: pass them after the sum", call)
        reader.used.append(PER_ROW)
        return call.args[0]

    # -- the link function --

    def link(self, function: Function, scoring: Function) -> str:
        outer = _link_call(function)
        assert outer is not None
        expected = [p.name for p in scoring.parameters]
        self.returns_a_number(function)
        for k, parameter in enumerate(function.parameters):
            self.kind(parameter.annotation, "an input", function)
            if k < len(expected) and parameter.name != expected[k]:
                # most likely the scoring function's signature was edited: the caret there
                theirs = ", ".join(p.name for p in function.parameters)
                raise self.fail(
                    f"`{function.name.id}` (line {function.line}) takes ({theirs}), but `{scoring.name.id}` takes ({', '.join(expected)}):"
                    f" a link function takes the inputs of `{scoring.name.id}`, in the same order; change one to match the other",
                    scoring.parameters[k],
                )
            if k >= len(expected):
                raise self.fail(f"`{function.name.id}` takes the inputs of `{scoring.name.id}`, in the same order: ({', '.join(expected)})", parameter)
        if len(function.parameters) != len(expected):
            raise self.fail(f"`{function.name.id}` takes the inputs of `{scoring.name.id}`, in the same order: ({', '.join(expected)})", function.name)
        helper = outer.function.id  # type: ignore[union-attr]
        inner = TermReader(self.span, {}).bind(helper, outer)["score"]
        if isinstance(inner, Call) and isinstance(inner.function, Name) and inner.function.id != scoring.name.id and inner.function.line != scoring.name.line:
            # most likely the scoring function was renamed where it is defined: the caret there
            raise self.fail(
                f"`{function.name.id}` (line {inner.function.line}) calls `{inner.function.id}`, but the scoring function is named `{scoring.name.id}`: rename one to match the other",
                scoring.name,
            )
        if not (isinstance(inner, Call) and isinstance(inner.function, Name) and inner.function.id == scoring.name.id):
            raise self.fail(f"expected `return {helper}({scoring.name.id}(...))`", inner if isinstance(inner, Node) else outer)
        self.passes_inputs_through(inner, scoring)
        return next(link for link, (_, name) in LINK_FUNCTIONS.items() if name == helper)

    def passes_inputs_through(self, call: Call, scoring: Function) -> None:
        """Python binds the call's arguments to the scoring function's parameters: each
        must get the link function's parameter of the same name."""
        names = [p.name for p in scoring.parameters]
        if len(call.args) > len(names):
            raise self.fail(f"`{scoring.name.id}` takes {len(names)} inputs; this argument is extra", call.args[len(names)])
        bound: dict[str, Node] = dict(zip(names, call.args))
        for keyword in call.keywords:
            if keyword.name not in names:
                raise self.fail(f"`{scoring.name.id}` has no parameter {keyword.name!r}: pass it its own inputs ({', '.join(names)})", keyword)
            if keyword.name in bound:
                raise self.fail(f"`{scoring.name.id}` gets {keyword.name!r} twice (Python refuses the call): pass each input once", keyword)
            bound[keyword.name] = keyword.value
        for name in names:
            if name not in bound:
                raise self.fail(f"this call passes no `{name}` to `{scoring.name.id}`", call)
            value = bound[name]
            if not (isinstance(value, Name) and value.id == name):
                raise self.fail(
                    f"this passes {_written(value)} as `{scoring.name.id}`'s `{name}`: pass each input to the parameter of the same name,"
                    f" in `{scoring.name.id}`'s order (line {scoring.line}: {', '.join(names)})",
                    value,
                )

    # -- the runtime --

    def runtime(self, module: Module, used: list[str], imported: set[str]) -> None:
        """The runtime below the marker must be pwlc's, for the functions the code above
        calls (or more); the imports must be those it needs."""
        if module.runtime_line is None:
            return  # no runtime: the file reads, but runs only once `pwlc fmt` writes it
        section = self.text[_line_start(self.text, module.runtime_line + 1) :]
        difference, defined = check_copy(section, used)
        if difference is not None:
            raise ParseError(
                f"the runtime below the marker was edited: {difference.message}. pwlc checks the runtime, it does not read it: change the terms above instead, or {REGENERATE}",
                self.lines.span(module.runtime_line + difference.line, difference.column),
            )
        for module_name in needed_modules(closure(defined)):
            if module_name not in imported:
                raise ParseError(f"the runtime below needs `import {module_name}` at the top of the file", self.lines.span(module.runtime_line, 1))


def _line_start(text: str, line: int) -> int:
    """The offset where 1-based `line` starts (the end of the text past the last line)."""
    offset = 0
    for _ in range(line - 1):
        found = text.find("\n", offset)
        if found < 0:
            return len(text)
        offset = found + 1
    return offset


def gather_call(function: Function) -> Call | None:
    """The call `by_class(...)` a multiclass model's function returns, else None."""
    result = function.result
    return result if isinstance(result, Call) and isinstance(result.function, Name) and result.function.id == GATHER else None


def softmax_call(function: Function) -> Call | None:
    """The call `softmax(...)` the `probabilities` of a multiclass model returns, else None."""
    result = function.result
    if isinstance(result, Call) and isinstance(result.function, Name) and result.function.id == SOFTMAX[1] and not function.assigns:
        return result
    return None


def _link_call(function: Function) -> Call | None:
    """The call `logistic(...)` or `exp(...)` a link function returns, else None."""
    result = function.result
    helpers = {helper for _, helper in LINK_FUNCTIONS.values()}
    if isinstance(result, Call) and isinstance(result.function, Name) and result.function.id in helpers and not function.assigns:
        return result
    return None


def _is_empty_sum(expression: Expr) -> bool:
    """`sum([])`: how pwlc writes a model without terms."""
    return (
        isinstance(expression, Call)
        and isinstance(expression.function, Name)
        and expression.function.id == "sum"
        and not expression.keywords
        and len(expression.args) == 1
        and isinstance(expression.args[0], Display)
        and expression.args[0].kind in ("list", "tuple")
        and not expression.args[0].items
    )


def _written(node: Node) -> str:
    return f"`{node.id}`" if isinstance(node, Name) else "this value"


def doc(docstring: str) -> str:
    """The model's doc: the docstring without pwlc's trailer (exactly as written there)."""
    found = TRAILER_PATTERN.search(docstring) or MULTICLASS_TRAILER_PATTERN.search(docstring)
    if found is None:
        return docstring.strip()
    body = docstring[: found.start()]
    if body.endswith("\n\n"):
        return body[:-2]
    return body.strip()
