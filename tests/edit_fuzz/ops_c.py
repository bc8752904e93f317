"""Edits of emitted C: knots (with array dimensions kept right or made wrong), terms in
score's sum and in the batch list, declarations (struct fields, the names list, function
and parameter names), and the constructs of issue 14 (`#if 0`, line splices, trigraphs,
statements and call arguments the reader might skip)."""

from __future__ import annotations

import re

from tests.edit_fuzz.lexer import line_span, matching, replace
from tests.edit_fuzz.operators import Edit, escaped_forms, operator, plain, random_value
from tests.edit_fuzz.structure import NUMBER, Summand, bracketed, number_of, pairs, same_list, split_top, summands

_SCORE = re.compile(r"^double (\w+)\(const struct (\w+)_input \*(\w+)\)\n\{", re.MULTILINE)


def _model_pairs(edit: Edit) -> list:
    return [p for p in pairs(edit.text, "{", "}") if not (edit.runtime and edit.runtime[0] <= p.start < edit.runtime[1])]


def _score(edit: Edit) -> tuple[str, int, int] | None:
    """score's name and the span of its `return ...;` expression."""
    m = _SCORE.search(edit.text)
    if m is None:
        return None
    body = bracketed(edit.text, m.end() - 1, "c")
    if body is None:
        return None
    ret = re.search(r"\breturn\b", edit.text[body[0] : body[1]])
    if ret is None:
        return None
    start = body[0] + ret.end()
    end = edit.text.find(";", start)
    return (m.group(1), start, end) if end > 0 else None


def _score_terms(edit: Edit) -> list[Summand]:
    score = _score(edit)
    return [] if score is None else summands(edit.text, score[1], score[2], "c")


def _batch_statements(edit: Edit) -> list[tuple[int, int]]:
    """The term statements of NAME_rows (pwlc_zero_rows excluded), each with its line."""
    m = re.search(r"^static void \w+_rows\(", edit.text, re.MULTILINE)
    if m is None:
        return []
    body = edit.text.find("{", m.end())
    close = matching(edit.text, body, "c")
    if close is None:
        return []
    out = []
    for call in re.finditer(r"^\s*(pwlc_\w+_rows)\(", edit.text[body:close], re.MULTILINE):
        if call.group(1) == "pwlc_zero_rows":
            continue
        start = body + call.start()
        paren = matching(edit.text, body + call.end() - 1, "c")
        if paren is not None:
            out.append((start, line_span(edit.text, paren)[1]))
    return out


# --- knots, arrays, entries -------------------------------------------------------------------


def _array_before(edit: Edit, offset: int) -> re.Match[str] | None:
    """The array declaration whose initializer holds `offset`."""
    found = None
    for m in re.finditer(r"(\w+)((?:\[\w*\])+) = \{", edit.text[:offset]):
        found = m
    return found


def _resize(edit: Edit, text: str, declaration: re.Match[str] | None, count: int, always: bool = False) -> str:
    """Half the time (or always), give the array an explicit first dimension: its element
    count, or one off."""
    if declaration is None or not (always or edit.rng.random() < 0.5):
        return text
    dims = declaration.group(2)
    first = count + edit.rng.choice([0, 0, 1, -1])
    new = f"[{max(first, 1)}]" + dims[dims.index("]") + 1 :]
    return replace(text, declaration.start(2), declaration.end(2), new)


@operator("knot.insert", "c")
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
    text = replace(edit.text, a.end, a.end, f", {{{plain(x, 'c')}, {plain(random_value(edit.rng), 'c')}}}")
    siblings = sum(1 for p in found if _array_before(edit, p.start) == _array_before(edit, a.start))
    return _resize(edit, text, _array_before(edit, a.start), siblings + 1)


@operator("knot.delete", "c")
def knot_delete(edit: Edit) -> str | None:
    found = _model_pairs(edit)
    if not found:
        return None
    a = edit.rng.choice(found)
    tail = re.match(r"\s*,\s*", edit.text[a.end :])
    if tail:
        text = replace(edit.text, a.start, a.end + tail.end(), "")
    else:
        head = re.search(r",\s*$", edit.text[: a.start])
        text = replace(edit.text, head.start() if head else a.start, a.end, "")
    siblings = sum(1 for p in found if _array_before(edit, p.start) == _array_before(edit, a.start))
    return _resize(edit, text, _array_before(edit, a.start), siblings - 1)


@operator("knot.move", "c")
def knot_move(edit: Edit) -> str | None:
    found = _model_pairs(edit)
    if not found:
        return None
    a = edit.rng.choice(found)
    return replace(edit.text, a.x_start, a.x_end, plain(random_value(edit.rng, number_of(a.x)), "c"))


@operator("array.dimension", "c")
def array_dimension(edit: Edit) -> str | None:
    """An array's implicit dimension written out: right, or one too many or too few."""
    found = [m for m in re.finditer(r"(\w+)((?:\[\w*\])+) = \{", edit.text) if not (edit.runtime and edit.runtime[0] <= m.start() < edit.runtime[1])]
    if not found:
        return None
    m = edit.rng.choice(found)
    close = matching(edit.text, m.end() - 1, "c")
    if close is None:
        return None
    count = len(split_top(edit.text, m.end(), close, "c"))
    dims = m.group(2)
    if dims.count("[") > 1 and edit.rng.random() < 0.3:  # the inner dimension
        return replace(edit.text, m.start(2), m.end(2), dims[: dims.index("]") + 1] + f"[{edit.rng.choice([1, 2, 3])}]")
    return _resize(edit, edit.text, m, count, always=True)


@operator("array.brace_elision", "c")
def array_brace_elision(edit: Edit) -> str | None:
    """`{{a, b}, {c, d}}` written `{a, b, c, d}` (C fills the subarrays in order)."""
    found = [m for m in re.finditer(r"\[\]\[2\] = \{", edit.text) if not (edit.runtime and edit.runtime[0] <= m.start() < edit.runtime[1])]
    if not found:
        return None
    m = edit.rng.choice(found)
    close = matching(edit.text, m.end() - 1, "c")
    if close is None:
        return None
    inside = edit.text[m.end() : close]
    return replace(edit.text, m.end(), close, inside.replace("{", "").replace("}", ""))


@operator("table.entry", "c")
def table_entry(edit: Edit) -> str | None:
    """A table entry deleted, repeated (C's table takes the first match), or added."""
    entries = [m for m in re.finditer(rf'\{{("(?:\\.|[^"\\])*"), ({NUMBER}|-{NUMBER})\}}', edit.text) if not (edit.runtime and edit.runtime[0] <= m.start() < edit.runtime[1])]
    if not entries:
        return None
    entry = edit.rng.choice(entries)
    choice = edit.rng.randrange(3)
    if choice == 0:
        tail = re.match(r"\s*,\s*", edit.text[entry.end() :])
        return replace(edit.text, entry.start(), entry.end() + (tail.end() if tail else 0), "")
    value = plain(random_value(edit.rng), "c")
    if choice == 1:
        return replace(edit.text, entry.end(), entry.end(), f", {{{entry.group(1)}, {value}}}")
    return replace(edit.text, entry.start(), entry.start(), f'{{"new key", {value}}}, ')


# --- terms: score's sum and the batch list ------------------------------------------------------


def _where(edit: Edit) -> str:
    return edit.rng.choice(["both", "both", "score", "batch"])


@operator("term.delete", "c")
def term_delete(edit: Edit) -> str | None:
    terms, batch = _score_terms(edit), _batch_statements(edit)
    if len(terms) < 2:
        return None
    k = edit.rng.randrange(len(terms))
    where, text = _where(edit), edit.text
    if where != "score" and k < len(batch):  # the batch first: it lies after score
        text = replace(text, batch[k][0], batch[k][1], "")
    if where != "batch":
        end = terms[k + 1].start if k + 1 < len(terms) else terms[k].end
        text = replace(text, terms[k].start, end, "")
    return text


@operator("term.duplicate", "c")
def term_duplicate(edit: Edit) -> str | None:
    terms, batch = _score_terms(edit), _batch_statements(edit)
    if not terms:
        return None
    k = edit.rng.randrange(len(terms))
    where, text = _where(edit), edit.text
    if where != "score" and k < len(batch):
        text = replace(text, batch[k][1], batch[k][1], edit.text[batch[k][0] : batch[k][1]])
    if where != "batch":
        term = terms[k]
        text = replace(text, term.end, term.end, f"\n        {term.sign or '+'} {edit.text[term.body_start : term.end]}")
    return text


@operator("term.reorder", "c")
def term_reorder(edit: Edit) -> str | None:
    terms, batch = _score_terms(edit), _batch_statements(edit)
    if len(terms) < 2:
        return None
    i, j = sorted(edit.rng.sample(range(len(terms)), 2))
    where, text = _where(edit), edit.text
    if where != "score" and j < len(batch):
        (a0, a1), (b0, b1) = batch[i], batch[j]
        text = text[:a0] + edit.text[b0:b1] + edit.text[a1:b0] + edit.text[a0:a1] + text[b1:]
    if where != "batch":
        a, b = terms[i], terms[j]
        body_a, body_b = edit.text[a.body_start : a.end], edit.text[b.body_start : b.end]
        sign_a, sign_b = a.sign or "+", b.sign or "+"
        new_a = (body_b if sign_b == "+" else f"-{body_b}") if not a.sign else f"{sign_b} {body_b}"
        new_b = f"{sign_a} {body_a}"
        text = text[: b.start] + new_b + text[b.end :]
        text = text[: a.start] + new_a + text[a.end :]
    return text


# --- declarations -------------------------------------------------------------------------------


def _struct(edit: Edit, suffix: str) -> tuple[int, int] | None:
    m = re.search(rf"^struct \w+_{suffix} \{{\n", edit.text, re.MULTILINE)
    if m is None:
        return None
    close = edit.text.find("\n};", m.end())
    return (m.end(), close + 1) if close > 0 else None


@operator("decl.struct_reorder", "c")
def struct_reorder(edit: Edit) -> str | None:
    """The input struct's fields reordered (the columns struct and names list kept, or not)."""
    text = edit.text
    order: list[int] | None = None
    for suffix in ("columns", "input") if edit.rng.random() < 0.3 else ("input",):
        span = _struct(Edit(text, "c", edit.target, edit.rng), suffix)
        if span is None:
            return None
        lines = text[span[0] : span[1]].splitlines(keepends=True)
        if len(lines) < 2:
            return None
        if order is None:
            order = list(range(len(lines)))
            while order == sorted(order):
                edit.rng.shuffle(order)
        if len(order) != len(lines):  # the two structs are laid out differently: no same reordering
            return None
        text = replace(text, span[0], span[1], "".join(lines[i] for i in order))
    return text


@operator("decl.field_rename", "c")
def field_rename(edit: Edit) -> str | None:
    """A field renamed in the input struct only, or everywhere it is used."""
    span = _struct(edit, "input")
    if span is None:
        return None
    fields = re.findall(r"(\w+);", edit.text[span[0] : span[1]])
    if not fields:
        return None
    old = edit.rng.choice(fields)
    new = old + "_renamed"
    if edit.rng.random() < 0.5:
        return replace(edit.text, span[0], span[1], re.sub(rf"\b{old};", f"{new};", edit.text[span[0] : span[1]]))
    return re.sub(rf"(->|\.|\*|\s){old}\b(?=[;\s+),])", rf"\1{new}", edit.text)


@operator("decl.names_list", "c")
def names_list(edit: Edit) -> str | None:
    """The names list edited: two names swapped, one respelled."""
    m = re.search(r"_input_names\[\] = \{", edit.text)
    if m is None:
        return None
    close = matching(edit.text, m.end() - 1, "c")
    if close is None:
        return None
    strings = list(re.finditer(r'"(?:\\.|[^"\\])*"', edit.text[m.end() : close]))
    if not strings:
        return None
    if len(strings) > 1 and edit.rng.random() < 0.5:
        a, b = edit.rng.sample(strings, 2)
        a, b = (a, b) if a.start() < b.start() else (b, a)
        inside = edit.text[m.end() : close]
        inside = inside[: a.start()] + b.group() + inside[a.end() : b.start()] + a.group() + inside[b.end() :]
        return replace(edit.text, m.end(), close, inside)
    s = edit.rng.choice(strings)
    return replace(edit.text, m.end() + s.start(), m.end() + s.end(), s.group()[:-1] + '_x"')


@operator("decl.function_rename", "c")
def function_rename(edit: Edit) -> str | None:
    """score (or its batch, or a term function) renamed: in its definition only, with its
    prototype, or everywhere."""
    m = _SCORE.search(edit.text)
    if m is None:
        return None
    names = [m.group(1), f"{m.group(1)}_batch", *re.findall(r"^static double (\w+)\(", edit.text, re.MULTILINE)]
    old = edit.rng.choice(names)
    new = old + "_v2"
    choice = edit.rng.randrange(3)
    if choice == 0:
        definition = re.search(rf"^\w[\w ]*\b{old}\([^;{{]*\)\n\{{", edit.text, re.MULTILINE)
        if definition is None:
            return None
        return replace(edit.text, definition.start(), definition.end(), definition.group().replace(f"{old}(", f"{new}(", 1))
    if choice == 1:
        return re.sub(rf"^(\w[\w ]*\b){old}\(", rf"\1{new}(", edit.text, flags=re.MULTILINE)
    return re.sub(rf"\b{old}\b", new, edit.text)


@operator("decl.row_param", "c")
def row_param(edit: Edit) -> str | None:
    """score's parameter `row` renamed, in the whole function or in its declarator only."""
    m = _SCORE.search(edit.text)
    if m is None:
        return None
    body = bracketed(edit.text, m.end() - 1, "c")
    if body is None:
        return None
    param = m.group(3)
    new = edit.rng.choice(["r", "input", "row2"])
    head = edit.text[m.start() : m.end()].replace(f"*{param})", f"*{new})")
    inside = edit.text[body[0] : body[1]]
    if edit.rng.random() < 0.8:
        inside = re.sub(rf"\b{param}->", f"{new}->", inside)
    return edit.text[: m.start()] + head + inside + edit.text[body[1] :]


# --- constructs (issue 14) -------------------------------------------------------------------


@operator("construct.if0", "c")
def construct_if0(edit: Edit) -> str | None:
    """Preprocessor lines around a term (score's, the batch's, or a knot) or a macro."""
    terms, batch = _score_terms(edit), _batch_statements(edit)
    choice = edit.rng.randrange(4)
    if choice == 0 and len(terms) > 1:
        term = edit.rng.choice(terms[1:])
        start, end = line_span(edit.text, term.start)[0], line_span(edit.text, term.end - 1)[1]
    elif choice == 1 and batch:
        start, end = edit.rng.choice(batch)
    elif choice == 2:
        found = _model_pairs(edit)
        if not found:
            return None
        pair = edit.rng.choice(found)
        start, end = line_span(edit.text, pair.start)
    else:
        runtime_end = edit.runtime[1] if edit.runtime else 0
        at = edit.text.find("\n", runtime_end) + 1
        macro = edit.rng.choice(["#define PWLC_IDENTITY PWLC_LOG", "#undef NAN\n#define NAN 0.0", "#define pwlc_curve(x, k, n, f, m) 0.0", "#pragma STDC FP_CONTRACT ON", "#line 1"])
        return replace(edit.text, at, at, macro + "\n")
    directive = edit.rng.choice([("#if 0\n", "#endif\n"), ("#ifdef PWLC_NEVER\n", "#endif\n"), ("#if 1\n", "#else\n#endif\n")])
    return edit.text[:start] + directive[0] + edit.text[start:end] + directive[1] + edit.text[end:]


@operator("construct.splice", "c")
def construct_splice(edit: Edit) -> str | None:
    """A line splice: a `//` comment ending in a backslash (or its trigraph ??/), or a
    backslash-newline inside a number or a name."""
    choice = edit.rng.randrange(3)
    if choice < 2:
        targets = [t.start for t in _score_terms(edit)[1:]] + [a for a, _ in _batch_statements(edit)] + [p.start for p in _model_pairs(edit)]
        if not targets:
            return None
        start, end = line_span(edit.text, edit.rng.choice(targets))
        previous_end = start - 1
        if previous_end <= 0:
            return None
        return replace(edit.text, previous_end, previous_end, "  // see below \\" if choice == 0 else "  // see below ??/")
    token = edit.pick("number", "model") or edit.pick("name", "model")
    if token is None or len(token.text) < 2:
        return None
    at = token.start + edit.rng.randrange(1, len(token.text))
    return replace(edit.text, at, at, "\\\n")


@operator("construct.trigraph", "c")
def construct_trigraph(edit: Edit) -> str | None:
    """A trigraph in a string, a comment or the code (C99 replaces them before anything)."""
    choice = edit.rng.randrange(3)
    if choice == 0:
        token = edit.pick("string", "model")
        if token is None or len(token.text) < 3:
            return None
        at = token.start + 1 + edit.rng.randrange(len(token.text) - 2)
        return replace(edit.text, at, at, edit.rng.choice(["??/", "??=", "??!", "??'", "??-"]))
    if choice == 1:
        found = [m for m in re.finditer(r"\[\]", edit.text) if not (edit.runtime and edit.runtime[0] <= m.start() < edit.runtime[1])]
        if not found:
            return None
        m = edit.rng.choice(found)
        return replace(edit.text, m.start(), m.end(), "??(??)")
    token = edit.pick("comment", "model")
    if token is None or not token.text.startswith("/*"):
        return None
    return replace(edit.text, token.end - 2, token.end - 2, " ??/ ")


@operator("construct.statement", "c")
def construct_statement(edit: Edit) -> str | None:
    """A statement or a condition added to score, or its return rewritten."""
    score = _score(edit)
    m = _SCORE.search(edit.text)
    if score is None or m is None:
        return None
    ret = edit.text.rfind("return", 0, score[1])
    param = m.group(3)
    choice = edit.rng.randrange(4)
    if choice == 0:
        statement = edit.rng.choice([f"(void){param};\n    ", "double unused = 1.0;\n    (void)unused;\n    ", f"if ({param} == NULL)\n        return 0.0;\n    "])
        return replace(edit.text, ret, ret, statement)
    if choice == 1:
        return replace(edit.text, score[1], score[1], edit.rng.choice([" 0.0 +", " 1.0 *", " (double)(float)", " -"]))
    if choice == 2:
        return replace(edit.text, score[2], score[2], edit.rng.choice([" + 0.0", " * 1.0", " - 1e-300"]))
    return replace(edit.text, ret, score[2], f"return {param} ? {edit.text[score[1] : score[2]].strip()} : 0.0")


@operator("construct.call_args", "c")
def construct_call_args(edit: Edit) -> str | None:
    """An argument of a runtime call in a term function changed: the side of an edge, the
    transform, the missing value, a count, or the input."""
    swaps = [("PWLC_UPPER", "PWLC_LOWER"), ("PWLC_LOWER", "PWLC_UPPER"), ("PWLC_IDENTITY", "PWLC_LOG1P"), ("PWLC_LOG1P", "PWLC_LOG"), ("NAN", "0.0"), ("(x,", "(-x,"), ("(x,", "(x + 1.0,")]
    runtime_end = edit.runtime[1] if edit.runtime else 0
    found = [(m.start(), a, b) for a, b in swaps for m in re.finditer(re.escape(a), edit.text[runtime_end:])]
    counts = list(re.finditer(r"PWLC_COUNT\((\w+)\)", edit.text[runtime_end:]))
    if counts and edit.rng.random() < 0.3:
        m = edit.rng.choice(counts)
        return replace(edit.text, runtime_end + m.start(), runtime_end + m.end(), str(edit.rng.randint(0, 5)))
    if not found:
        return None
    at, a, b = edit.rng.choice(found)
    return replace(edit.text, runtime_end + at, runtime_end + at + len(a), b)


@operator("literal.string", "c")
def literal_string(edit: Edit) -> str | None:
    token = edit.pick("string", "model")
    if token is None or not token.text.startswith('"'):
        return None
    body = token.text[1:-1]
    choice = edit.rng.randrange(3)
    if choice == 0 and len(body) > 1:  # concatenation of adjacent literals
        return replace(edit.text, token.start, token.end, f'"{body[:1]}" "{body[1:]}"')
    if choice == 1:
        return replace(edit.text, token.start, token.end, "L" + token.text)
    return replace(edit.text, token.start, token.end, '"' + edit.rng.choice(escaped_forms(body, "c", edit.rng)) + '"')
