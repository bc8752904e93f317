"""Edits of emitted Python: knots, terms, the signature, and the constructs of issue 14
(an `if` in score, a helper variable, reordered parameters with `probability` unchanged,
keyword arguments, other list forms, the runtime marker)."""

from __future__ import annotations

import re

from tests.edit_fuzz.lexer import matching, replace
from tests.edit_fuzz.operators import Edit, escaped_forms, operator, plain, random_value
from tests.edit_fuzz.structure import Pair, bracketed, number_of, pairs, same_list, split_top, summands

_DEF = re.compile(r"^def (\w+)\(", re.MULTILINE)
_LINE_START = re.compile(r"^\S", re.MULTILINE)  # a line that starts at the margin: the end of a function


def _model_end(edit: Edit) -> int:
    return edit.runtime[0] if edit.runtime else len(edit.text)


def _functions(edit: Edit) -> list[tuple[str, int, int]]:
    """(name, start, end) of each top-level function above the runtime marker."""
    end = _model_end(edit)
    found = [(m.group(1), m.start()) for m in _DEF.finditer(edit.text, 0, end)]
    out = []
    for name, start in found:
        # the body starts on the line after the signature (whose `)` may begin a line)
        close = matching(edit.text, edit.text.index("(", start), "python")
        body = edit.text.find("\n", close if close is not None else start) + 1
        stop = _LINE_START.search(edit.text, body, end) if body else None
        out.append((name, start, stop.start() if stop else end))
    return out


def _score(edit: Edit) -> tuple[str, int, int] | None:
    functions = _functions(edit)
    return functions[0] if functions else None


def _parameters(edit: Edit, start: int) -> tuple[int, int] | None:
    return bracketed(edit.text, edit.text.index("(", start), "python")


def _return_expression(edit: Edit, start: int, end: int) -> tuple[int, int] | None:
    found = re.search(r"\breturn\b", edit.text[start:end])
    if found is None:
        return None
    expr_start = start + found.end()
    while edit.text[expr_start] in " \t":
        expr_start += 1
    if edit.text[expr_start] == "(":
        close = matching(edit.text, expr_start, "python")
        if close is not None and not edit.text[close + 1 : end].strip():
            return expr_start + 1, close
    return expr_start, len(edit.text[:end].rstrip())


def _model_pairs(edit: Edit) -> list[Pair]:
    return pairs(edit.text, "(", ")", 0, _model_end(edit))


# --- knots, entries -------------------------------------------------------------------------


@operator("knot.insert", "python")
def knot_insert(edit: Edit) -> str | None:
    found = _model_pairs(edit)
    if not found:
        return None
    k = edit.rng.randrange(len(found))
    a = found[k]
    x0 = number_of(a.x)
    nxt = found[k + 1] if k + 1 < len(found) and same_list(edit.text, a, found[k + 1]) else None
    x1 = number_of(nxt.x) if nxt else None
    if x0 is None:
        return None
    x = (x0 + x1) / 2 if x1 is not None and edit.rng.random() < 0.8 else random_value(edit.rng, x0)
    pair = f"({plain(x, 'python')}, {plain(random_value(edit.rng), 'python')})"
    return replace(edit.text, a.end, a.end, ", " + pair)


@operator("knot.delete", "python")
def knot_delete(edit: Edit) -> str | None:
    found = _model_pairs(edit)
    if not found:
        return None
    a = edit.rng.choice(found)
    end = a.end
    tail = re.match(r"\s*,\s*", edit.text[end:])
    if tail:
        return replace(edit.text, a.start, end + tail.end(), "")
    head = re.search(r",\s*$", edit.text[: a.start])
    return replace(edit.text, head.start() if head else a.start, end, "")


@operator("knot.move", "python")
def knot_move(edit: Edit) -> str | None:
    found = _model_pairs(edit)
    if not found:
        return None
    a = edit.rng.choice(found)
    x = number_of(a.x)
    return replace(edit.text, a.x_start, a.x_end, plain(random_value(edit.rng, x), "python"))


@operator("knot.list_form", "python")
def knot_list_form(edit: Edit) -> str | None:
    """A knot list as a list of lists, a tuple of tuples, with a trailing comma, or sorted()."""
    found = [m for m in re.finditer(r"\[(\s*\()", edit.text[: _model_end(edit)])]
    if not found:
        return None
    start = edit.rng.choice(found).start()
    close = matching(edit.text, start, "python")
    if close is None:
        return None
    inside = edit.text[start + 1 : close]
    choice = edit.rng.randrange(4)
    if choice == 0:
        inside = re.sub(r"\(([^()]*)\)", r"[\1]", inside)
        return replace(edit.text, start + 1, close, inside)
    if choice == 1:
        return replace(edit.text, start, close + 1, f"({inside},)")
    if choice == 2:
        return replace(edit.text, close, close, ",")
    return replace(edit.text, start, close + 1, f"sorted([{inside}])")


@operator("table.entry", "python")
def table_entry(edit: Edit) -> str | None:
    """A table entry deleted, added, given a duplicate key, or its key respelled."""
    entries = list(re.finditer(r'("(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\')\s*:\s*(-?[\d.e+-]+)', edit.text[: _model_end(edit)]))
    if not entries:
        return None
    entry = edit.rng.choice(entries)
    choice = edit.rng.randrange(4)
    if choice == 0:
        tail = re.match(r"\s*,\s*", edit.text[entry.end() :])
        return replace(edit.text, entry.start(), entry.end() + (tail.end() if tail else 0), "")
    if choice == 1:  # the same key again, later in the dict: Python keeps the last value
        return replace(edit.text, entry.end(), entry.end(), f", {entry.group(1)}: {plain(random_value(edit.rng), 'python')}")
    if choice == 2:
        return replace(edit.text, entry.end(), entry.end(), f', "new key": {plain(random_value(edit.rng), "python")}')
    key = entry.group(1)
    new = edit.rng.choice(escaped_forms(key[1:-1], "python", edit.rng))
    return replace(edit.text, entry.start(1), entry.end(1), key[0] + new + key[-1])


# --- terms -----------------------------------------------------------------------------------


def _score_summands(edit: Edit) -> tuple[list, tuple[int, int]] | None:
    score = _score(edit)
    if score is None:
        return None
    span = _return_expression(edit, score[1], score[2])
    if span is None:
        return None
    return summands(edit.text, span[0], span[1], "python"), span


@operator("term.delete", "python")
def term_delete(edit: Edit) -> str | None:
    found = _score_summands(edit)
    if found is None or len(found[0]) < 2:
        return None
    terms = found[0]
    k = edit.rng.randrange(len(terms))
    term = terms[k]
    end = terms[k + 1].start if k + 1 < len(terms) else term.end
    return replace(edit.text, term.start, end, "")


@operator("term.duplicate", "python")
def term_duplicate(edit: Edit) -> str | None:
    found = _score_summands(edit)
    if found is None or not found[0]:
        return None
    term = edit.rng.choice(found[0])
    body = edit.text[term.body_start : term.end]
    return replace(edit.text, term.end, term.end, f"\n        {term.sign if term.sign else '+'} {body}")


@operator("term.reorder", "python")
def term_reorder(edit: Edit) -> str | None:
    found = _score_summands(edit)
    if found is None or len(found[0]) < 2:
        return None
    terms, (start, end) = found
    order = list(range(len(terms)))
    edit.rng.shuffle(order)
    parts = []
    for k, index in enumerate(order):
        term = terms[index]
        body = edit.text[term.body_start : term.end]
        sign = term.sign or "+"
        parts.append((("-" if sign == "-" else "") + body) if k == 0 else f"{sign} {body}")
    return replace(edit.text, terms[0].start, terms[-1].end, "\n        ".join(parts))


# --- the signature ---------------------------------------------------------------------------


@operator("signature.reorder", "python")
def signature_reorder(edit: Edit) -> str | None:
    """score's parameters reordered; `probability` left as it was, or reordered too."""
    functions = _functions(edit)
    if not functions:
        return None
    chosen = functions if len(functions) > 1 and edit.rng.random() < 0.3 else functions[:1]
    order: list[int] | None = None
    text = edit.text
    for _, start, _ in reversed(chosen):
        span = bracketed(text, text.index("(", start), "python")
        if span is None:
            return None
        items = split_top(text, span[0], span[1], "python")
        if len(items) < 2:
            return None
        if order is None:
            order = list(range(len(items)))
            while order == sorted(order):
                edit.rng.shuffle(order)
        texts = [text[a:b].strip() for a, b in items]
        text = replace(text, items[0][0], items[-1][1], ", ".join(texts[i] for i in order))
    return text


@operator("signature.rename", "python")
def signature_rename(edit: Edit) -> str | None:
    """A parameter renamed in score's signature only, or in all of score."""
    score = _score(edit)
    if score is None:
        return None
    span = _parameters(edit, score[1])
    if span is None:
        return None
    names = [re.match(r"\s*(\w+)", edit.text[a:b]) for a, b in split_top(edit.text, span[0], span[1], "python")]
    names = [n for n in names if n]
    if not names:
        return None
    old = edit.rng.choice(names).group(1)
    new = old + "_renamed"
    if edit.rng.random() < 0.5:
        return replace(edit.text, span[0], span[1], re.sub(rf"\b{old}\b", new, edit.text[span[0] : span[1]]))
    return replace(edit.text, score[1], score[2], re.sub(rf"\b{old}\b", new, edit.text[score[1] : score[2]]))


@operator("signature.function", "python")
def signature_function(edit: Edit) -> str | None:
    """score renamed in its definition only, or in probability's call too."""
    score = _score(edit)
    if score is None:
        return None
    name = score[0]
    if edit.rng.random() < 0.5:
        return replace(edit.text, score[1], score[1] + len(f"def {name}"), f"def {name}_v2")
    end = _model_end(edit)
    return replace(edit.text, 0, end, re.sub(rf"\b{name}\b", f"{name}_v2", edit.text[:end]))


@operator("signature.annotation", "python")
def signature_annotation(edit: Edit) -> str | None:
    found = list(re.finditer(r": (float|str)\b|-> float", edit.text[: _model_end(edit)]))
    if not found:
        return None
    m = edit.rng.choice(found)
    new = edit.rng.choice([": Optional[float]", ": float | None", ": int", ": 'float'", "", ": float = 0.0", ": float = None", "-> 'float'", "-> None"])
    if m.group().startswith("->"):
        new = new if new.startswith("->") else "-> float"
    elif new.startswith("->"):
        new = ""
    return replace(edit.text, m.start(), m.end(), new)


# --- constructs (issue 14) --------------------------------------------------------------------


@operator("construct.if", "python")
def construct_if(edit: Edit) -> str | None:
    """An `if` in score: a guard before the return, or the return under a condition."""
    score = _score(edit)
    if score is None:
        return None
    ret = re.search(r"^(\s+)return\b", edit.text[score[1] : score[2]], re.MULTILINE)
    if ret is None:
        return None
    at, indent = score[1] + ret.start(), ret.group(1).lstrip("\n")
    span = _parameters(edit, score[1])
    first = re.match(r"\s*(\w+)", edit.text[span[0] : span[1]]) if span else None
    name = first.group(1) if first else "True"
    guard = edit.rng.choice([f"if {name} is None:\n{indent}    return 0.0\n", f"if {name} != {name}:\n{indent}    return 0.0\n", "if False:\n" + indent + "    return 1.0\n"])
    return replace(edit.text, at, at, "\n" + indent + guard.rstrip("\n")) if edit.text[at] == "\n" else replace(edit.text, at, at, indent + guard)


@operator("construct.helper", "python")
def construct_helper(edit: Edit) -> str | None:
    """A knot list moved into a variable, in score or at module level."""
    lists = [m.start() for m in re.finditer(r"\[\s*\(", edit.text[: _model_end(edit)])]
    score = _score(edit)
    if not lists or score is None:
        return None
    start = edit.rng.choice(lists)
    close = matching(edit.text, start, "python")
    if close is None:
        return None
    knots = edit.text[start : close + 1]
    text = replace(edit.text, start, close + 1, "KNOTS")
    if edit.rng.random() < 0.5:
        return replace(text, score[1], score[1], f"KNOTS = {knots}\n\n\n")
    body = re.search(r'^(\s+)"""[\s\S]*?"""\n', text[score[1] :], re.MULTILINE)
    if body is None:
        return None
    at = score[1] + body.end()
    return replace(text, at, at, f"{body.group(1).strip(chr(10))}KNOTS = {knots}\n")


@operator("construct.keywords", "python")
def construct_keywords(edit: Edit) -> str | None:
    """A term's call with an argument by keyword, or keyword arguments in another order."""
    calls = [m for m in re.finditer(r"\b(curve|step|table|grid)\(", edit.text[: _model_end(edit)])]
    if not calls:
        return None
    call = edit.rng.choice(calls)
    span = bracketed(edit.text, call.end() - 1, "python")
    if span is None:
        return None
    items = split_top(edit.text, span[0], span[1], "python")
    texts = [edit.text[a:b].strip() for a, b in items]
    names = {"curve": ["x", "knots"], "step": ["x", "first", "steps"], "table": ["x", "values"], "grid": ["a", "b"]}[call.group(1)]
    choice = edit.rng.randrange(3)
    if choice == 0 and len(texts) > 1:  # the second positional argument by keyword
        if "=" not in texts[1] and len(names) > 1:
            texts[1] = f"{names[1]}={texts[1]}"
    elif choice == 1:
        keywords = [t for t in texts if re.match(r"\w+=", t)]
        positional = [t for t in texts if not re.match(r"\w+=", t)]
        edit.rng.shuffle(keywords)
        texts = positional + keywords
    else:
        texts.append(edit.rng.choice(['fx="identity"', "missing=None", 'at_edge="upper"', "default=0", "extra=1"]))
    return replace(edit.text, items[0][0], items[-1][1], ", ".join(texts))


@operator("construct.probability", "python")
def construct_probability(edit: Edit) -> str | None:
    """The link function's body edited: arguments swapped, by keyword, or the link spelled out."""
    functions = _functions(edit)
    if len(functions) < 2:
        return None
    _, start, end = functions[1]
    body = edit.text[start:end]
    call = re.search(r"(\w+)\(([^()]*)\)\)", body)
    if call is None:
        return None
    args = [a.strip() for a in call.group(2).split(",") if a.strip()]
    choice = edit.rng.randrange(3)
    if choice == 0 and len(args) > 1:
        args[0], args[1] = args[1], args[0]
        new = f"{call.group(1)}({', '.join(args)}))"
    elif choice == 1:
        new = f"{call.group(1)}({', '.join(f'{a}={a}' for a in args)}))"
    else:
        new = f"{call.group(1)}({call.group(2)}) + 0.0)"
    return replace(edit.text, start + call.start(), start + call.end(), new)


@operator("construct.marker", "python")
def construct_marker(edit: Edit) -> str | None:
    """The runtime marker reworded or removed, or code added above the runtime."""
    if edit.runtime is None:
        return None
    at = edit.runtime[0]
    line_end = edit.text.index("\n", at)
    choice = edit.rng.randrange(4)
    if choice == 0:
        return replace(edit.text, at, line_end, "# --- runtime: how the terms are computed ---")
    if choice == 1:
        return replace(edit.text, at, line_end + 1, "")
    if choice == 2:
        return replace(edit.text, at, at, "def logistic(s):\n    return 0.5\n\n\n")
    return replace(edit.text, at, at, "import numpy as np\n\n")


@operator("construct.statement", "python")
def construct_statement(edit: Edit) -> str | None:
    """A statement added to score's body or to the module above it."""
    score = _score(edit)
    if score is None:
        return None
    statement = edit.rng.choice(["x = 1", "pass", "global math", "import math", "assert True", "del math"])
    ret = re.search(r"^(\s+)return\b", edit.text[score[1] : score[2]], re.MULTILINE)
    if ret is None:
        return None
    at = score[1] + ret.start()
    indent = ret.group(1).lstrip("\n")
    if edit.rng.random() < 0.3:
        return replace(edit.text, score[1], score[1], statement + "\n\n\n")
    return replace(edit.text, at, at, "\n" + indent + statement)


@operator("literal.string", "python")
def literal_string(edit: Edit) -> str | None:
    token = edit.pick("string", "model")
    if token is None or token.text.startswith(('"""', "'''")) or token.text[0] not in "'\"":
        return None
    body = token.text[1:-1]
    choice = edit.rng.randrange(4)
    if choice == 0:  # the other quotes
        quote = "'" if token.text[0] == '"' else '"'
        if quote in body:
            return None
        return replace(edit.text, token.start, token.end, quote + body + quote)
    if choice == 1:
        return replace(edit.text, token.start, token.end, "r" + token.text)
    if choice == 2 and len(body) > 1:  # implicit concatenation
        return replace(edit.text, token.start, token.end, f"{token.text[0]}{body[:1]}{token.text[0]} {token.text[0]}{body[1:]}{token.text[0]}")
    return replace(edit.text, token.start, token.end, token.text[0] + edit.rng.choice(escaped_forms(body, "python", edit.rng)) + token.text[0])
