"""The reader of a multiclass module (`multiclass.py` prints it): the function returning
`by_class({"class": FUNCTION(inputs), ...})` lists the classes, in order, each scored by
a function of terms defined above it; `probabilities`, when present, is exactly
`softmax(NAME(inputs))`. Every function of terms must score one class, and take the
inputs of the gathering function, in the same order and of the same kinds; anything
else is refused where it is written, with what to write instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pwlc.backends.python.names import GATHER, SOFTMAX, function_name_problem
from pwlc.backends.python.syntax import Call, Display, Function, Module, Name, Node, Text
from pwlc.backends.python.terms import TermReader
from pwlc.errors import Span
from pwlc.ir import Multiclass, Term

if TYPE_CHECKING:
    from pwlc.backends.python.read import _Reader


def read_multiclass(reader: _Reader, module: Module, functions: list[Function], gathering: list[Function], renamed: dict[str, str], imported: set[str]) -> Multiclass:
    from pwlc.backends.python.read import _link_call, doc, softmax_call

    if len(gathering) > 1:
        raise reader.fail(f"a second function returning `{GATHER}(...)`: pwlc reads one model a file", gathering[1].name)
    gather = gathering[0]
    softmaxes = [f for f in functions if softmax_call(f) is not None]
    for function in functions:
        if _link_call(function) is not None:
            raise reader.fail(
                f"a multiclass model has no {_link_call(function).function.id} link (its link is the softmax, in `{SOFTMAX[0]}`): remove `{function.name.id}`",  # type: ignore[union-attr]
                function.name,
            )
        problem = function_name_problem(function.name.id, link=function in softmaxes)
        if problem is not None:
            raise reader.fail(f"{problem}: rename the function", function.name)
    if len(softmaxes) > 1:
        raise reader.fail(f"a second function applying the softmax: keep one `{SOFTMAX[0]}`", softmaxes[1].name)
    if gather.assigns:
        raise reader.fail(f"`{gather.name.id}` returns `{GATHER}({{...}})` and nothing else: remove this line", gather.assigns[0].target)
    inputs = reader.parameters(gather, renamed, returns="dict")
    scoring = {f.name.id: f for f in functions if f is not gather and f not in softmaxes}
    for parameter in gather.parameters:
        if parameter.name in scoring:
            raise reader.fail(f"a parameter named `{parameter.name}` would hide the function `{gather.name.id}` calls by that name; rename the parameter", parameter)
    entries = _entries(reader, gather)
    classes: list[str] = []
    scores: list[tuple[Term, ...]] = []
    spans: list[Span | None] = []
    scored: dict[str, str] = {}  # function name -> the class it scores
    used = [GATHER]
    for key, value in entries:
        if not isinstance(key, Text):
            raise reader.fail(f'a class is named by a string: `"NAME": FUNCTION({_inputs(gather)})`', key)
        if key.value in classes:
            raise reader.fail(f"class {key.value!r} is listed twice: each class once, with its own function", key)
        if not (isinstance(value, Call) and isinstance(value.function, Name) and value.function.id in scoring):
            raise reader.fail(f"a class's score is a call of its function of terms, defined above: `{_written_key(key)}: FUNCTION({_inputs(gather)})`", value)
        function = scoring[value.function.id]
        if function.name.id in scored:
            raise reader.fail(f"`{function.name.id}` scores class {scored[function.name.id]!r} already: give each class a function of its own", value.function)
        scored[function.name.id] = key.value
        _same_parameters(reader, function, gather)
        reader.passes_inputs_through(value, function)
        terms = TermReader(reader.span, {p.name: i.name for p, i in zip(function.parameters, inputs)})
        scores.append(tuple(reader.sum(function, terms)))
        used += terms.used
        classes.append(key.value)
        spans.append(reader.span(key))
    for name, function in scoring.items():
        if name not in scored:
            raise reader.fail(
                f"`{name}` scores no class: `{gather.name.id}` does not list it. Add it there as a class (`\"NAME\": {name}({_inputs(gather)})`), or remove it",
                function.name,
            )
    if softmaxes:
        _softmax(reader, softmaxes[0], gather)
        used.append(SOFTMAX[1])
    reader.runtime(module, used, imported)
    text = doc(module.docstring.value) if module.docstring is not None else ""
    return Multiclass(tuple(inputs), tuple(classes), tuple(scores), gather.name.id, text, span=reader.span(gather), class_spans=tuple(spans))


def _entries(reader: _Reader, gather: Function) -> list[tuple[Node, Node]]:
    """The (key, value) pairs of the dict `by_class` is given."""
    call = gather.result
    assert isinstance(call, Call)
    argument = TermReader(reader.span, {}).bind(GATHER, call)["scores"]
    if not (isinstance(argument, Display) and argument.kind == "dict" and argument.items):
        where = argument if isinstance(argument, Node) else call
        raise reader.fail(f'`{GATHER}` takes one dict of the classes, in order: {{"class": FUNCTION({_inputs(gather)}), ...}}', where)
    return list(zip(argument.items[::2], argument.items[1::2]))


def _same_parameters(reader: _Reader, function: Function, gather: Function) -> None:
    """A class's function takes the gathering function's inputs: same names, order, kinds."""
    expected = gather.parameters
    for k, parameter in enumerate(function.parameters):
        if k >= len(expected) or parameter.name != expected[k].name:
            raise reader.fail(f"`{function.name.id}` takes the inputs of `{gather.name.id}`, in the same order: ({_inputs(gather)})", parameter)
        kind = reader.kind(parameter.annotation, "an input", function)
        if kind != reader.kind(expected[k].annotation, "an input", gather):
            raise reader.fail(f"`{parameter.name}` is annotated as another kind of input in `{gather.name.id}`: annotate it the same in both", parameter)
    if len(function.parameters) != len(expected):
        raise reader.fail(f"`{function.name.id}` takes the inputs of `{gather.name.id}`, in the same order: ({_inputs(gather)})", function.name)
    reader.returns_a_number(function)


def _softmax(reader: _Reader, function: Function, gather: Function) -> None:
    """`probabilities` takes the inputs and returns `softmax(NAME(inputs))`."""
    _same_parameters_of_link(reader, function, gather)
    call = function.result
    assert isinstance(call, Call)
    inner = TermReader(reader.span, {}).bind(SOFTMAX[1], call)["scores"]
    if not (isinstance(inner, Call) and isinstance(inner.function, Name) and inner.function.id == gather.name.id):
        raise reader.fail(f"expected `return {SOFTMAX[1]}({gather.name.id}({_inputs(gather)}))`", inner if isinstance(inner, Node) else call)
    reader.passes_inputs_through(inner, gather)


def _same_parameters_of_link(reader: _Reader, function: Function, gather: Function) -> None:
    expected = [p.name for p in gather.parameters]
    reader.returns_a_dict(function)
    for k, parameter in enumerate(function.parameters):
        reader.kind(parameter.annotation, "an input", function)
        if k >= len(expected) or parameter.name != expected[k]:
            raise reader.fail(f"`{function.name.id}` takes the inputs of `{gather.name.id}`, in the same order: ({', '.join(expected)})", parameter)
    if len(function.parameters) != len(expected):
        raise reader.fail(f"`{function.name.id}` takes the inputs of `{gather.name.id}`, in the same order: ({', '.join(expected)})", function.name)


def _inputs(function: Function) -> str:
    return ", ".join(p.name for p in function.parameters)


def _written_key(key: Node) -> str:
    return f'"{key.value}"' if isinstance(key, Text) else '"NAME"'

