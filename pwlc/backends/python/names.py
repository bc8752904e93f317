"""The names an emitted Python module binds, and which names a model or input may take.

Shared by the printer and the reader, so that what one writes the other accepts: a name
either works in the emitted module or is refused, by both, with the reason.
"""

from __future__ import annotations

import builtins
import keyword
import re
import unicodedata

from pwlc.backends.python.runtime_copy import definitions, module_imports
from pwlc.ir import Model, Multiclass

# The comment line that starts the runtime: everything from it on is checked, not read.
RUNTIME_MARKER = "# --- pwlc runtime"
RUNTIME_MARKER_LINE = f"{RUNTIME_MARKER}: checked, not read; if deleted, `pwlc fmt FILE.py` rewrites it ---"
# What a refusal of an edited runtime says to do.
REGENERATE = f"delete everything from the `{RUNTIME_MARKER}` line to the end and run `pwlc fmt FILE.py` to write it again"
TRAILER = (
    "Compiled by pwlc. Edit the numbers freely, then read this file back with\n"
    "`pwlc compile FILE.py -t pwl` (pwlc parses it; it never runs it). Call `{name}` with\n"
    "one value per input, or with numpy arrays to score a batch."
)
# The trailer of a module docstring, whatever the function is called.
TRAILER_PATTERN = re.compile(re.escape(TRAILER).replace(re.escape("{name}"), "[^`\n]*") + "\n\\Z")

# The function that applies each link, and the runtime function it calls.
LINK_FUNCTIONS = {"logistic": ("probability", "logistic"), "exp": ("prediction", "exp")}
TERM_HELPERS = ("curve", "step", "table", "grid", "linear")
# A multiclass module: the function gathering the class scores returns `by_class({...})`,
# and `probabilities` returns `softmax(NAME(...))`.
GATHER = "by_class"
SOFTMAX = ("probabilities", "softmax")
MULTICLASS_TRAILER = (
    "Compiled by pwlc. Edit the numbers freely, then read this file back with\n"
    "`pwlc compile FILE.py -t pwl` (pwlc parses it; it never runs it). Call `{name}` with\n"
    "one value per input for each class's score, {{class: score}}, and `probabilities` for\n"
    "their softmax; called with numpy arrays, each gives an array of n rows by {count}\n"
    "columns, one per class in the order `{name}` lists them."
)
MULTICLASS_TRAILER_PATTERN = re.compile(
    re.escape(MULTICLASS_TRAILER.replace("{{", "{").replace("}}", "}")).replace(re.escape("{name}"), "[^`\n]*").replace(re.escape("{count}"), "[0-9]+") + "\n\\Z"
)
# Wraps the sum of a model whose terms read no input, so that a batch gets one score a row.
PER_ROW = "per_row"
AXIS_HELPERS = ("steps", "knots", "categories")
# Module-level names a pwlc module binds besides the model's own functions.
INPUT_NAMES = "INPUT_NAMES"
TYPING_NAMES = ("Optional",)
# The largest integer sum that is exact in doubles: Python adds int literals exactly, pwlc
# in doubles, so the integers a sum may add up before its first float stay within this.
EXACT_INTEGERS = 2**53


def module_names() -> set[str]:
    """Every name bound at the top of an emitted module, or read from it by the runtime:
    a model's function must not take one (it would replace it, or be replaced)."""
    names = set(definitions()) | set(module_imports()) | set(TYPING_NAMES) | {INPUT_NAMES}
    return names | {function for function, _ in LINK_FUNCTIONS.values()} | {SOFTMAX[0]}


def function_name_problem(name: str, link: bool = False) -> str | None:
    """Why `name` cannot name a model's scoring function (or with `link`, the function
    applying its link) in Python, or None when it can."""
    if not name.isidentifier():
        return f"{name!r} is not a Python identifier"
    if keyword.iskeyword(name):
        return f"{name!r} is a Python keyword"
    if unicodedata.normalize("NFKC", name) != name:
        return f"Python reads the name {name!r} as {unicodedata.normalize('NFKC', name)!r} (it normalizes identifiers)"
    if name in module_names() - ({function for function, _ in LINK_FUNCTIONS.values()} | {SOFTMAX[0]} if link else set()):
        return f"{name!r} is a name the emitted module already uses (its runtime, imports or link function)"
    if name in dir(builtins):
        return f"{name!r} is a Python builtin, which the emitted code or its callers may need"
    return None


def body_names() -> set[str]:
    """Names the body of a model's functions calls: a parameter must not hide one."""
    return {*TERM_HELPERS, *AXIS_HELPERS, PER_ROW, "sum", GATHER, SOFTMAX[1], *(helper for _, helper in LINK_FUNCTIONS.values())}


def parameter_names(model: Model | Multiclass) -> dict[str, str]:
    """A distinct ASCII Python identifier for each input (the name itself when it is one)."""
    reserved = body_names() | module_names() | {"__debug__"}
    taken = {model.name}
    names: dict[str, str] = {}
    for declared in model.inputs:
        name = declared.name
        if not (name.isidentifier() and name.isascii()) or keyword.iskeyword(name) or name in reserved or name in taken:
            base = re.sub(r"\W", "_", name, flags=re.ASCII) or "input"
            base = base if base[0].isalpha() or base[0] == "_" else "_" + base
            base = base + "_" if keyword.iskeyword(base) or base in reserved else base
            name, n = base, 2
            while name in taken or name in {i.name for i in model.inputs if i is not declared}:
                name, n = f"{base}_{n}", n + 1
        taken.add(name)
        names[declared.name] = name
    return names
