"""Random hand edits of emitted C files (random and golden models): whenever the reader
accepts an edited file, gcc and clang compile it and it scores (batch, one-row and link
functions) exactly as `pwlc.evaluate` scores what was read; whenever it refuses, the
error is positioned in the file, with the line and a caret.

    python -m tests.test_c_edit_property --edits 2000    # a longer run, with counts
"""

from __future__ import annotations

import argparse
import random
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pwlc
from pwlc.backends import c
from pwlc.backends.c.lex import NUMBER, Tokens, tokenize
from pwlc.errors import PwlcError
from pwlc.ir import Model
from tests.c_harness import EDIT_FLAGS, check_runs_as_read
from tests.strategies import models

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "models"
FLAGS = (*EDIT_FLAGS, "-Wno-comment")  # a `// ... \` comment joining the next line is read as C reads it; -Wall names it


def model_part(text: str) -> int:
    """Where the part of the file after the runtime starts."""
    return text.index(c.RUNTIME_END) + len(c.RUNTIME_END)


def number_form(rng: random.Random, value: float) -> str:
    """`value` (or a neighbour) written as C allows: other spellings, suffixes, arithmetic."""
    magnitude = abs(value)
    forms: list[str] = [repr(magnitude), f"{magnitude:e}", magnitude.hex(), f"{magnitude!r}f", f"{magnitude:.3g}"]
    if magnitude.is_integer() and magnitude < 2**31:
        whole = int(magnitude)
        forms += [str(whole), f"0{whole:o}", hex(whole), f"{whole}u", f"{whole}LL", f"{whole * 2} / 2", f"{whole}.0L"]
    forms += [f"{magnitude / 2!r} + {magnitude / 2!r}", f"({magnitude!r} - 0.1) + 0.1", f"{magnitude!r} * 1", "0.1 + 0.2", "1 / 3", "1e400", "08", "1_0"]
    text = rng.choice(forms)
    return f"-{text}" if value < 0 and not text.startswith("(") else f"-({text})" if value < 0 else text


def tokens_of(text: str) -> Tokens | None:
    """The tokens of an edited text, None when an earlier edit left it unreadable."""
    try:
        return tokenize(text, "x")
    except PwlcError:
        return None


def edit_number(text: str, rng: random.Random) -> str:
    start = model_part(text)
    tokens = tokens_of(text)
    if tokens is None:
        return text
    numbers = [i for i in range(len(tokens)) if tokens.kinds[i] == NUMBER and tokens.starts[i] > start]
    if not numbers:
        return text
    i = rng.choice(numbers)
    written = tokens.text(i)
    try:
        value = float(written)
    except ValueError:
        return text
    value = rng.choice([value, value + 1.0, -value, value / 3, 0.0])
    return text[: tokens.starts[i]] + number_form(rng, value) + text[tokens.ends[i] :]


_KNOTS = re.compile(r"(static const double \w+_knots)\[\]\[2\] = \{(.*?)\};", re.DOTALL)


def edit_knots(text: str, rng: random.Random) -> str:
    """Insert, delete or move a knot of a curve, maybe writing the array's size too."""
    found = list(_KNOTS.finditer(text))
    if not found:
        return text
    match = rng.choice(found)
    pairs = re.findall(r"\{([^{}]*)\}", match.group(2))
    action = rng.choice(["insert", "delete", "move", "elide", "same"])
    if action == "insert":
        k = rng.randrange(len(pairs) + 1)
        pairs.insert(k, f"{rng.uniform(-100, 100)!r}, {rng.uniform(-1, 1)!r}")
    elif action == "delete" and len(pairs) > 1:
        pairs.pop(rng.randrange(len(pairs)))
    elif action == "move" and pairs:  # (none when an earlier edit elided the braces)
        k = rng.randrange(len(pairs))
        x, y = pairs[k].split(",")
        pairs[k] = f"{float(x) + rng.choice([-1.0, 1e-9, 0.5])!r},{y}"
    size = rng.choice(["", "", str(len(pairs)), str(len(pairs) + 1), str(max(1, len(pairs) - 1))])
    body = ", ".join(pairs) if action == "elide" else ", ".join(f"{{{p}}}" for p in pairs)
    return text[: match.start()] + f"{match.group(1)}[{size}][2] = {{{body}}};" + text[match.end() :]


_TERM_LINE = re.compile(r"^        [+-] .*\n", re.MULTILINE)
_BATCH_LINE = re.compile(r"^    pwlc_\w+_rows\(m, (?:columns|sum).*?;\n", re.MULTILINE | re.DOTALL)


def edit_terms(text: str, rng: random.Random) -> str:
    """Delete, swap or duplicate a term in the scoring function, and maybe in the batch."""
    score = list(_TERM_LINE.finditer(text))
    batch = [m for m in _BATCH_LINE.finditer(text) if "pwlc_zero_rows" not in m.group(0)]
    if not score:
        return text
    k = rng.randrange(len(score))
    action = rng.choice(["delete", "swap", "duplicate"])
    both = rng.random() < 0.7 and len(batch) == len(score) + 1  # the batch also adds the first term
    # score's k-th `+ term` line is its (k+2)-th summand: the batch's (k+1)-th term statement
    pairs = [(score, k, (k + 1) % len(score))] + ([(batch, k + 1, (k + 1) % len(score) + 1)] if both else [])
    edits: list[tuple[int, int, str]] = []
    for lines, mine, next_one in pairs:
        line = lines[mine]
        if action == "delete":
            edits.append((line.start(), line.end(), ""))
        elif action == "duplicate":
            edits.append((line.start(), line.end(), line.group(0) * 2))
        elif lines[next_one] is not line:
            first, second = sorted((line, lines[next_one]), key=lambda m: m.start())
            edits.append((first.start(), second.end(), second.group(0) + text[first.end() : second.start()] + first.group(0)))
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def edit_layout(text: str, rng: random.Random) -> str:
    """A comment, a line splice, a blank or a newline between tokens of the model part."""
    start = model_part(text)
    tokens = tokens_of(text)
    if tokens is None:
        return text
    places = [tokens.starts[i] for i in range(len(tokens)) if tokens.starts[i] > start]
    if not places:
        return text
    at = rng.choice(places)
    insert = rng.choice(["/* note */ ", "\n", "  ", " /* a */\n", "\\\n", "// note\n", "// joins the next line \\\n"])
    if insert == "\\\n" and rng.random() < 0.5:  # inside a token
        token = next(i for i in range(len(tokens)) if tokens.starts[i] == at)
        at = rng.randrange(tokens.starts[token], tokens.ends[token] + 1)
    if insert.startswith("//"):
        at = text.index("\n", at)
        insert = " " + insert.rstrip("\n")
    return text[:at] + insert + text[at:]


def edit_names(text: str, rng: random.Random) -> str:
    """Rename `row`, reorder struct fields, or rename the model, in some places or all."""
    start = model_part(text)
    head, tail = text[:start], text[start:]
    action = rng.choice(["row", "row-score", "fields", "static"])
    if action == "row":
        return head + re.sub(r"\brow\b", rng.choice(["r", "features", "x1"]), tail)
    if action == "row-score":
        return head + tail.replace("*row)\n{\n    return", "*input)\n{\n    return", 1).replace("(row->", "(input->")
    if action == "fields":
        fields = list(re.finditer(r"^    (double |const char \*)\w+;\n", tail, re.MULTILINE))
        if len(fields) >= 2:
            a, b = fields[0], fields[1]
            tail = tail[: a.start()] + b.group(0) + a.group(0) + tail[b.end() :]
        return head + tail
    return head + re.sub(r"^static double ", rng.choice(["double ", "static inline double "]), tail, count=1, flags=re.MULTILINE)


def edit_preprocessor(text: str, rng: random.Random) -> str:
    start = model_part(text)
    lines = text[start:].split("\n")
    k = rng.randrange(1, len(lines))
    lines[k] = rng.choice([f"#if 0\n{lines[k]}\n#endif", f"{lines[k]} /* what??! */", f"#define PWLC_UNUSED 1\n{lines[k]}", lines[k].replace('"', '"??=', 1)])
    return text[:start] + "\n".join(lines)


def edit_clang_format(text: str, rng: random.Random) -> str:
    style = rng.choice(["LLVM", "GNU", "Mozilla", "{BasedOnStyle: Google, ColumnLimit: 50}"])
    done = subprocess.run(["clang-format", f"--style={style}"], input=text, capture_output=True, text=True)
    return done.stdout if done.returncode == 0 else text


OPERATORS: dict[str, Callable[[str, random.Random], str]] = {
    "number": edit_number,
    "knots": edit_knots,
    "terms": edit_terms,
    "layout": edit_layout,
    "names": edit_names,
    "preprocessor": edit_preprocessor,
    "clang-format": edit_clang_format,
}


def try_edit(model: Model, operators: list[str], seed: int) -> str:
    """Apply the operators to the emitted file; 'accepted', or 'refused'. Raises
    AssertionError when an accepted file scores other than what was read, or a refusal is
    not positioned."""
    rng = random.Random(seed)
    text = c.emit(model)
    for name in operators:
        text = OPERATORS[name](text, rng)
    try:
        pwlc.read(text, format="c")
    except PwlcError as error:
        assert error.span is not None and 1 <= error.span.line <= text.count("\n") + 1, str(error)
        printed = str(error).splitlines()
        assert len(printed) == 3 and printed[0].startswith(f"<string>:{error.span.line}:{error.span.column}: ") and printed[2].strip() == "^", str(error)
        return "refused"
    check_runs_as_read(text, flags=FLAGS, seed=seed)
    return "accepted"


GOLDEN_MODELS = [pwlc.read(path) for path in sorted(GOLDEN.glob("*.pwl"))]
usable = models().filter(lambda m: not any("\x00" in k for t in m.terms for k, _ in getattr(t, "entries", ())) and not any(
    "\x00" in k for t in m.terms for axis in (getattr(t, "a", None), getattr(t, "b", None)) for k in getattr(axis, "categories", ())))


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(GOLDEN_MODELS) | usable, st.lists(st.sampled_from(sorted(OPERATORS)), min_size=1, max_size=3), st.integers(0, 2**32))
def test_random_edits_are_read_exactly_or_refused_at_a_position(model: Model, operators: list[str], seed: int) -> None:
    try_edit(model, operators, seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    counts: Counter[str] = Counter()
    failures = []
    started = time.perf_counter()
    for k in range(args.edits):
        model = rng.choice(GOLDEN_MODELS)
        operators = rng.sample(sorted(OPERATORS), rng.randint(1, 3))
        try:
            counts[try_edit(model, operators, rng.randrange(2**32))] += 1
        except AssertionError as failure:
            counts["mismatch"] += 1
            failures.append((k, operators, str(failure)[:500]))
    print(f"{args.edits} edits of the golden models in {time.perf_counter() - started:.0f} s: "
          f"{counts['accepted']} accepted (compiled by gcc and clang, scored as read), {counts['refused']} refused at a position, {counts['mismatch']} mismatching")
    for failure in failures[:10]:
        print(*failure, sep="\n  ")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
