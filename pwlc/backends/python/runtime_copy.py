"""The runtime as text: what the printer copies into a module, and what the reader checks.

`runtime.py` is a real module; its top-level definitions are copied into emitted files
one by one, each with the definitions and imports it refers to (found in its syntax
tree, so the list cannot go stale). The copy in a file is not read back: pwlc checks that
it is still exactly what pwlc writes, comparing syntax trees: exact for what the code does,
and blind to what black may change (line breaks, parentheses, quotes, trailing commas,
comments, and the whitespace of docstrings, which black re-indents and re-wraps).
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

_SOURCE = Path(__file__).with_name("runtime.py")


@dataclass(frozen=True)
class Definition:
    """One top-level definition of the runtime: its source, the runtime definitions and
    modules it refers to."""

    source: str
    calls: frozenset[str]
    modules: frozenset[str]


@cache
def definitions() -> dict[str, Definition]:
    """The runtime's top-level definitions by name, in file order."""
    text = _SOURCE.read_text(encoding="utf-8")
    tree = ast.parse(text)
    imported = module_imports()
    nodes: dict[str, ast.stmt] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            nodes[node.name] = node
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            nodes[node.targets[0].id] = node
    lines = text.split("\n")
    found = {}
    for name, node in nodes.items():
        referred = _free_names(node)
        source = "\n".join(lines[node.lineno - 1 : node.end_lineno])  # whole lines: each starts one
        found[name] = Definition(source, frozenset(referred & set(nodes) - {name}), frozenset(referred & set(imported)))
    return found


def _free_names(node: ast.AST) -> set[str]:
    """The names a definition reads but does not bind itself (as a parameter, a variable
    or an import): the module-level names it needs."""
    bound: set[str] = set()
    loaded: set[str] = set()
    for inner in ast.walk(node):
        if isinstance(inner, ast.arg):
            bound.add(inner.arg)
        elif isinstance(inner, ast.alias):
            bound.add((inner.asname or inner.name).split(".")[0])
        elif isinstance(inner, ast.Name):
            (loaded if isinstance(inner.ctx, ast.Load) else bound).add(inner.id)
    return loaded - bound


@cache
def module_imports() -> tuple[str, ...]:
    """The modules the runtime imports at its top (`import math`), in file order."""
    tree = ast.parse(_SOURCE.read_text(encoding="utf-8"))
    return tuple(alias.name for node in tree.body if isinstance(node, ast.Import) for alias in node.names)


def closure(names: Iterable[str]) -> list[str]:
    """`names` and every runtime definition they refer to, in the runtime's order."""
    wanted: set[str] = set()
    pending = [n for n in names if n in definitions()]
    while pending:
        name = pending.pop()
        if name not in wanted:
            wanted.add(name)
            pending += definitions()[name].calls
    return [name for name in definitions() if name in wanted]


def needed_modules(names: Iterable[str]) -> list[str]:
    """The modules the definitions `names` use, in the runtime's import order."""
    used = {module for name in names for module in definitions()[name].modules}
    return [module for module in module_imports() if module in used]


def runtime_source(used: Iterable[str]) -> str:
    """The runtime definitions `used` needs (each once, in the runtime's order)."""
    return "\n\n\n".join(definitions()[name].source for name in closure(used)) + "\n"


@cache
def signature(name: str) -> inspect.Signature:
    """The parameters of runtime function `name`, as Python binds a call's arguments."""
    from pwlc.backends.python import runtime

    function: Callable[..., Any] = getattr(runtime, name)
    return inspect.signature(function)


# --- checking a file's copy ------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """Where a file's runtime first differs from pwlc's (line and column in the section,
    1-based) and what is wrong there."""

    line: int
    column: int
    message: str


# A copy much longer than the whole runtime is not one pwlc wrote: it is not parsed.
_SLACK = 4


def check_copy(section: str, used: Iterable[str]) -> tuple[Difference | None, list[str]]:
    """Whether `section` (the text after the marker line) is pwlc's runtime for the
    definitions it holds, and holds every one `used` needs: None or the first difference,
    and the names it defines."""
    full = runtime_source(definitions())
    if len(section) > _SLACK * len(full) + 10_000:
        return _first_foreign_line(section, full), []
    try:
        tree = ast.parse(section)
    except SyntaxError as error:
        return Difference(error.lineno or 1, error.offset or 1, f"the runtime does not parse as Python ({error.msg})"), []
    except (RecursionError, MemoryError, ValueError):
        return Difference(1, 1, "the runtime does not parse as Python"), []
    defined: list[str] = []
    for node in tree.body:
        name = _defined_name(node)
        if name is None or name not in definitions():
            return Difference(node.lineno, node.col_offset + 1, "this is not part of pwlc's runtime"), defined
        defined.append(name)
    missing = [name for name in closure(used) if name not in defined]
    expected = _expected(tuple(closure(defined + missing)))
    for k, node in enumerate(tree.body):
        wanted = expected[k] if k < len(expected) else None
        if wanted is None or ast.dump(_normalized(node)) != ast.dump(wanted):
            line, column = _first_different_node(node, wanted)
            name = _defined_name(wanted) if wanted is not None else None
            return Difference(line, column, f"this differs from pwlc's runtime{f' (pwlc writes `{name}` here)' if name else ''}"), defined
    if missing:
        end = (tree.body[-1].end_lineno or 0) + 1 if tree.body else 1
        return Difference(end, 1, f"the runtime lacks `{missing[0]}`, which the code above needs"), defined
    return None, defined


@cache
def _expected(names: tuple[str, ...]) -> list[ast.stmt]:
    return [_normalized(node) for node in ast.parse(runtime_source(names)).body]


def _normalized(node: ast.stmt) -> ast.stmt:
    """`node` with the whitespace in its docstrings collapsed (black rewrites it)."""
    for inner in ast.walk(node):
        body = getattr(inner, "body", None)
        if isinstance(inner, ast.FunctionDef) and body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            text = body[0].value.value
            if isinstance(text, str):
                body[0].value.value = " ".join(text.split())
    return node


def _defined_name(node: ast.stmt | None) -> str | None:
    if isinstance(node, ast.FunctionDef):
        return node.name
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id
    return None


def _first_different_node(got: ast.AST, wanted: ast.AST | None, around: tuple[int, int] = (1, 1)) -> tuple[int, int]:
    """The position of the first node of `got` (in source order) that differs from `wanted`
    (an operator has no position of its own: that of the expression `around` it)."""
    position = (got.lineno, got.col_offset + 1) if isinstance(got, (ast.expr, ast.stmt, ast.arg, ast.keyword, ast.excepthandler, ast.alias)) else around
    if wanted is None or type(got) is not type(wanted):
        return position
    for field_name, value in ast.iter_fields(got):
        other = getattr(wanted, field_name, None)
        if isinstance(value, list) and isinstance(other, list):
            for a, b in zip(value, other):
                if isinstance(a, ast.AST) and (not isinstance(b, ast.AST) or ast.dump(a) != ast.dump(b)):
                    return _first_different_node(a, b if isinstance(b, ast.AST) else None, position)
                if not isinstance(a, ast.AST) and a != b:
                    return position
            if len(value) != len(other):
                return position
        elif isinstance(value, ast.AST):
            if not isinstance(other, ast.AST) or ast.dump(value) != ast.dump(other):
                return _first_different_node(value, other if isinstance(other, ast.AST) else None, position)
        elif value != other:
            return position
    return position


def _first_foreign_line(section: str, full: str) -> Difference:
    known = {line.strip() for line in full.splitlines()}
    for number, line in enumerate(section.split("\n"), 1):
        if line.strip() and line.strip() not in known:
            return Difference(number, len(line) - len(line.lstrip()) + 1, "this is not part of pwlc's runtime")
    return Difference(1, 1, "the runtime is much longer than pwlc's")
