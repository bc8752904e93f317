"""The printer of a multiclass model: one function of terms per class, the function that
gathers their scores, and `probabilities`, their softmax.

    def species_setosa(petal_length: float, soil_type: str) -> float:
        \"\"\"The score of class "setosa": the sum of one term per line.\"\"\"
        return 2.5 + curve(petal_length, [(1, 3), (4, -4)])

    ...

    def species(petal_length: float, soil_type: str) -> dict:
        \"\"\"The score of each class: {class: score}, in class order.\"\"\"
        return by_class(
            {
                "setosa": species_setosa(petal_length, soil_type),
                ...
            }
        )

    def probabilities(petal_length: float, soil_type: str) -> dict:
        return softmax(species(petal_length, soil_type))

The class names are the dict's keys (string literals); a class's function is named after
the model and the class, but only the dict says which class it scores.
"""

from __future__ import annotations

import builtins

from pwlc.backends.common import identifier
from pwlc.backends.python.emit import (
    Printer,
    arguments,
    integer_limit,
    module_head,
    python_string,
    score_function,
    signature,
)
from pwlc.backends.python.names import GATHER, MULTICLASS_TRAILER, SOFTMAX, body_names, module_names, parameter_names
from pwlc.ir import Multiclass


def class_function_names(model: Multiclass, params: dict[str, str]) -> list[str]:
    """A distinct function name for each class, `MODEL_CLASS` as an ASCII identifier, clear
    of the parameters (which would hide it in the gathering function) and every name the
    module binds or calls."""
    reserved = body_names() | module_names() | set(dir(builtins)) | {"__debug__"}
    taken = {*params.values(), model.name}
    names = []
    for label in model.classes:
        name = identifier(f"{model.name}_{label}", taken, reserved)
        taken.add(name)
        names.append(name)
    return names


def multiclass_lines(model: Multiclass) -> tuple[list[str], list[str]]:
    """The module above the runtime, and the runtime functions it calls."""
    params = parameter_names(model)
    functions = class_function_names(model, params)
    body: list[str] = []
    used = [GATHER, SOFTMAX[1]]
    for k, (label, function) in enumerate(zip(model.classes, functions)):
        scores = model.class_model(k)
        printer = Printer(params, integer_limit(scores))
        doc = f"The score of class {python_string(label)}: the sum of one term per line."
        body += score_function(scores, function, params, doc, printer) + [""]
        used += printer.used
    passed = arguments(model, params)
    entries = [f"            {python_string(label)}: {function}({passed})," for label, function in zip(model.classes, functions)]
    body += [
        f"def {model.name}({signature(model, params)}) -> dict:",
        '    """The score of each class: {class: score}, in class order."""',
        f"    return {GATHER}(",
        "        {",
        *entries,
        "        }",
        "    )",
        "",
        f"def {SOFTMAX[0]}({signature(model, params)}) -> dict:",
        f'    """{SOFTMAX[1]}({model.name}(...)): the probability of each class."""',
        f"    return {SOFTMAX[1]}({model.name}({passed}))",
    ]
    trailer = MULTICLASS_TRAILER.format(name=model.name, count=len(model.classes))
    return module_head(model, params, trailer, used) + body, used
