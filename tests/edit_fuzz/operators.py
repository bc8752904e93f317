"""Edit operators: what a person (or their tools) does to an emitted file.

An operator takes an `Edit` context (the text, its language, a seeded random source) and
returns the edited text, or None when it does not apply to this file. Operators are
registered per language under a dotted name whose first part is the class reported in the
tables (`number.form`, `knot.insert`, `construct.if0`, ...). This module holds the ones
every language shares (numbers, comments, whitespace, runtime lines, reformatting); the
language modules (ops_python, ops_c, ops_sql) register the rest.
"""

from __future__ import annotations

import math
import random
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from pwlc.numbers import float_literal, shortest
from tests.edit_fuzz.lexer import Token, in_runtime, line_span, replace, runtime_span, tokens

Operator = Callable[["Edit"], str | None]
OPERATORS: dict[str, dict[str, Operator]] = {"python": {}, "c": {}, "sql": {}}
MODEL_PART = 0.85  # how often an edit lands in the part pwlc reads (the rest: its runtime)


def operator(name: str, *languages: str) -> Callable[[Operator], Operator]:
    def register(function: Operator) -> Operator:
        for lang in languages or tuple(OPERATORS):
            OPERATORS[lang][name] = function
        return function

    return register


@dataclass
class Edit:
    """One edit in progress: the file, its language (and target), a random source."""

    text: str
    lang: str
    target: str
    rng: random.Random
    notes: list[str] = field(default_factory=list)

    @cached_property
    def tokens(self) -> list[Token]:
        return tokens(self.text, self.lang)

    @cached_property
    def runtime(self) -> tuple[int, int] | None:
        return runtime_span(self.text, self.lang)

    def pick(self, kind: str, where: str = "model", text: str | None = None) -> Token | None:
        """A random token of `kind` (and `text`), in pwlc's runtime when where="runtime", in
        the part pwlc reads when "model", either when "any"."""
        found = [
            t for t in self.tokens
            if t.kind == kind and (text is None or t.text == text) and (where == "any" or in_runtime(t, self.runtime) == (where == "runtime"))
        ]
        return self.rng.choice(found) if found else None

    def where(self) -> str:
        return "model" if self.runtime is None or self.rng.random() < MODEL_PART else "runtime"


# --- numbers ---------------------------------------------------------------------------------


def random_value(rng: random.Random, near: float | None = None) -> float:
    """A new value: near the old one (an ulp, a percent, a sign), or anything plausible."""
    kind = rng.randrange(9)
    if near is not None and math.isfinite(near):
        if kind == 0:
            return math.nextafter(near, rng.choice((-math.inf, math.inf)))
        if kind == 1:
            return near * (1 + rng.choice((-1, 1)) * 10 ** rng.uniform(-16, -1))
        if kind == 2:
            return -near
        if kind == 3:
            return float(round(near, rng.randrange(0, 4)))
    if kind == 4:
        return float(rng.randint(-100, 100))
    if kind == 5:
        return rng.choice([0.0, -0.0, 1e300, -1e300, 1e-300, 5e-324, 1.7976931348623157e308, 0.1, 0.3])
    if kind == 6:
        return float(f"{rng.randint(10**16, 10**17 - 1)}e{rng.randint(-20, 5)}")
    return round(rng.uniform(-1000, 1000), rng.randrange(0, 6))


def parse_number(text: str) -> float | None:
    try:
        return float(text.replace("_", "").rstrip("fFlLuU"))
    except ValueError:
        return None


def plain(value: float, lang: str) -> str:
    """How pwlc would print `value` in this language (negative values included)."""
    return shortest(value) if lang == "python" else float_literal(value)


def number_forms(value: float, lang: str, rng: random.Random) -> list[str]:
    """Other ways to write `value` in `lang`: some mean the same number there, some do not
    (an octal C integer, a float suffix, integer division); executing the file decides."""
    text = plain(value, lang)
    whole = value.is_integer() and abs(value) < 1e15
    exact = float(value).hex()
    a = float(round(value, 1)) if math.isfinite(value) else 0.0
    forms = [f"{value:e}", f"{value:.17g}", text.upper(), f"({plain(a, lang)} + {plain(value - a, lang)})", "(0.1 + 0.1)", f"({plain(value + 21, lang)} - 21.0)"]
    forms += [f"-(-{text})" if lang != "sql" else f"-({text})", f"+{text}", f"{text} * 1", f"({text})"]
    if whole:
        n = int(value)
        forms += [str(n), f"{n}.", f"{2 * n} / 2", f"{2 * n + 1} / 2", f"0{abs(n)}" if n else "00"]
    if 0 < abs(value) < 1:
        forms.append(text.replace("0.", ".", 1))
    if lang == "python":
        pairs = [i for i in range(1, len(text)) if text[i - 1].isdigit() and text[i].isdigit()]
        forms += [text[: pairs[0]] + "_" + text[pairs[0] :] if pairs else "1_000.0", "True", "False"]
        forms += [f"0x{int(abs(value)):x}" if whole else "0x10", f"0o{int(abs(value)):o}" if whole else "0o17", "2 ** 3", "7 // 2", f"float('{text}')", f"{text}j", "1e309", f"abs({text})"]
        forms += [f"{text} if True else 0.0", "math.pi"]
        # ints past 2**53, exact in CPython, rounded in doubles: read with Python's arithmetic or refused there
        forms += ["9007199254740993", "9007199254740994", "9007199254740992 + 1", "9007199254740993 * 1.0", "(9007199254740992 + 1) / 1", f"{2**60 + 2**8}"]
    elif lang == "c":
        forms += [f"{text}f", f"{text}F", f"{text}L", exact, exact.upper().replace("0X", "0x", 1), f"(double){text}", f"(float){text}", f"(int){text}"]
        forms += [f"{int(value)}u" if whole else "10u", "'a'", "1e400", "1e-400", "NAN", "INFINITY", "HUGE_VAL", "sizeof(double)", "0b101", "1'000.0", "7 / 2"]
    else:
        forms += [f"CAST({text} AS DOUBLE)", f"CAST('{text}' AS REAL)", f"{text}::DOUBLE", f"'{text}'", "0x1F", "1_000.0", "7 / 2", "TRUE", "NULL", f"ABS({text})", f"ROUND({text}, 2)"]
    return [f for f in forms if f != text]


def _signed_number_start(edit: Edit, token: Token) -> int:
    """Where the number starts when a minus sign directly precedes it (so that a value is
    replaced whole)."""
    i = edit.tokens.index(token)
    if i > 0 and edit.tokens[i - 1].text == "-":
        return edit.tokens[i - 1].start
    return token.start


@operator("number.value")
def number_value(edit: Edit) -> str | None:
    token = edit.pick("number", edit.where())
    if token is None:
        return None
    start = _signed_number_start(edit, token)
    old = parse_number(edit.text[start:token.end].replace(" ", ""))
    new = random_value(edit.rng, old)
    text = plain(new, edit.lang)
    if edit.lang == "sql" and math.copysign(1.0, new) < 0:
        text = f"({text})"  # as pwlc writes it: `0 --0.4` would be a comment
    return replace(edit.text, start, token.end, text)


@operator("number.form")
def number_form(edit: Edit) -> str | None:
    token = edit.pick("number", "model")
    value = parse_number(token.text) if token is not None else None
    if token is None or value is None:
        return None
    return replace(edit.text, token.start, token.end, edit.rng.choice(number_forms(value, edit.lang, edit.rng)))


# --- comments, whitespace, runtime lines -----------------------------------------------------

COMMENTS = {
    "python": ["# reviewed", "# TODO: check this knot", "#", "# -*- coding: latin-1 -*-", "# type: ignore", "# pwlc: off"],
    "c": ["/* reviewed */", "/**/", "/* a */ /* b */", "// reviewed", "// continues \\", "/* // */", "/* pwlc runtime */", "// ??/"],
    "sql": ["-- reviewed", "/* reviewed */", "--", "/* -- */", "-- Dialect: postgres", "/*+ hint */"],
}


@operator("comment.insert")
def comment_insert(edit: Edit) -> str | None:
    """A comment between two tokens (a line comment ends the line it is put on)."""
    candidates = [t for t in edit.tokens if t.kind not in ("space", "comment") and not in_runtime(t, edit.runtime)]
    if not candidates:
        return None
    token = edit.rng.choice(candidates)
    comment = edit.rng.choice(COMMENTS[edit.lang])
    at = token.end if edit.rng.random() < 0.5 else token.start
    line_comment = comment.startswith(("#", "//", "--"))
    if line_comment and edit.rng.random() < 0.7:  # at the end of the line
        at = line_span(edit.text, at)[1] - 1 if edit.text.find("\n", at) >= 0 else len(edit.text)
        return replace(edit.text, at, at, "  " + comment)
    return replace(edit.text, at, at, f" {comment}\n" if line_comment else f" {comment} ")


@operator("whitespace.reflow")
def whitespace(edit: Edit) -> str | None:
    choice = edit.rng.randrange(6)
    if choice == 0:
        return edit.text.replace("\n", "\r\n")
    if choice == 1:
        return "\ufeff" + edit.text
    if choice == 2:
        return "\n".join(line + " " * edit.rng.randint(0, 3) for line in edit.text.split("\n"))
    if choice == 3:
        return edit.text.replace("    ", "\t")
    lines = edit.text.split("\n")
    k = edit.rng.randrange(len(lines))
    if choice == 4:
        lines.insert(k, "")
    elif k + 1 < len(lines) and lines[k + 1].strip():  # join two lines
        lines[k : k + 2] = [lines[k] + " " + lines[k + 1].strip()]
    return "\n".join(lines)


_RUNTIME_SWAPS = [("<=", "<"), ("<", "<="), (">=", ">"), ("+", "-"), ("-", "+"), ("*", "/"), ("0", "1"), ("[0]", "[1]"), ("right", "left"), ("log1p", "log"), ("upper", "lower"), ("NAN", "0.0"), ("nan", "0.0"), ("return ", "return -")]


@operator("runtime.line", "python", "c")
def runtime_line(edit: Edit) -> str | None:
    """A line of pwlc's runtime (not read back) changed, deleted or duplicated."""
    if edit.runtime is None:
        return None
    start, end = edit.runtime
    offsets = [i + 1 for i in range(start, end) if edit.text[i] == "\n"]
    offsets = [o for o in offsets if edit.text[o : edit.text.find("\n", o)].strip()]
    if not offsets:
        return None
    line_start, line_end = line_span(edit.text, edit.rng.choice(offsets))
    line = edit.text[line_start:line_end]
    choice = edit.rng.randrange(4)
    if choice == 0:
        return replace(edit.text, line_start, line_end, "")
    if choice == 1:
        return replace(edit.text, line_start, line_end, line + line)
    swaps = [(a, b) for a, b in _RUNTIME_SWAPS if a in line]
    if not swaps:
        return None
    a, b = edit.rng.choice(swaps)
    return replace(edit.text, line_start, line_end, line.replace(a, b, 1))


# --- strings ---------------------------------------------------------------------------------


def escaped_forms(body: str, lang: str, rng: random.Random) -> list[str]:
    """Other spellings of a string literal's body (between its quotes) in `lang`."""
    if not body:
        return ["\\0" if lang != "sql" else "''", " "]
    k = rng.randrange(len(body))
    char = body[k]
    forms = [body[:k] + body[k + 1 :], body.upper(), body + " "]
    if char.isalnum() and char.isascii():
        code = ord(char)
        if lang == "python":
            forms += [body[:k] + f"\\x{code:02x}" + body[k + 1 :], body[:k] + f"\\u{code:04x}" + body[k + 1 :], body[:k] + "\\N{LATIN SMALL LETTER A}" + body[k + 1 :]]
        elif lang == "c":
            forms += [body[:k] + f"\\{code:03o}" + body[k + 1 :], body[:k] + f"\\x{code:02x}" + body[k + 1 :], body[:k] + "??/" + body[k:], body[:k] + "??=" + body[k:], body[:k] + f"\\u{0xe9:04x}" + body[k + 1 :]]
    return forms


@operator("literal.unterminated")
def literal_unterminated(edit: Edit) -> str | None:
    """A string literal's closing quote deleted (the refusal must point at it, not at 1:1)."""
    token = edit.pick("string", "model")
    if token is None or len(token.text) < 2:
        return None
    return replace(edit.text, token.end - 1, token.end, "")


# --- reformatting ----------------------------------------------------------------------------


@operator("format.tool")
def reformat(edit: Edit) -> str | None:
    """The file through the language's formatter: black, clang-format, sqlglot."""
    if edit.lang == "python":
        import black

        mode = black.Mode(line_length=edit.rng.choice([40, 60, 88, 120]), magic_trailing_comma=edit.rng.random() < 0.5)
        try:
            return str(black.format_str(edit.text, mode=mode))
        except Exception:  # noqa: BLE001 - black refuses what it cannot parse; then this edit does not apply
            return None
    if edit.lang == "c":
        import subprocess

        style = edit.rng.choice(["LLVM", "Google", "GNU", "WebKit", "Mozilla", "Microsoft", "{BasedOnStyle: LLVM, ColumnLimit: 40}"])
        done = subprocess.run(["clang-format", f"--style={style}"], input=edit.text, capture_output=True, text=True, timeout=30)
        return done.stdout if done.returncode == 0 else None
    import sqlglot

    dialect = edit.target.split(":", 1)[1]
    try:
        statements = sqlglot.transpile(edit.text, read=dialect, write=dialect, pretty=edit.rng.random() < 0.8, comments=edit.rng.random() < 0.5)
    except Exception:  # noqa: BLE001
        return None
    return ";\n".join(statements) + "\n"


def random_bits_double(rng: random.Random) -> float:
    return float(struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0])
