"""Hand edits of an emitted Python module, as a reviewer would make them (for the edit
property test in tests/test_python_edits.py; run long with `python -m tests.python_edits`).

Each operator takes the file's text and a random generator and returns the edited text,
or None when the file has nothing it applies to. The edits stay above the runtime
marker unless they are about the runtime.
"""

from __future__ import annotations

import argparse
import random
import re
from collections.abc import Callable

from pwlc.backends.python.names import RUNTIME_MARKER

Edit = Callable[[str, random.Random], "str | None"]
# What a refusal says to do: a message names what is wrong and one of these.
ADVICE = re.compile(r"\b(write|remove|rename|put|add|pass|delete|make|indent|scale|expected|must|needs|takes|reads|use|change|negate|keep|annotate|close)", re.I)
NUMBER = re.compile(r"(?<![\w.])-?(\d+\.?\d*(e[+-]?\d+)?|\.\d+)(?![\w.])")
PAIR = re.compile(r"\((-?[\d.e+-]+), (-?[\d.e+-]+)\)")
TERM_LINE = re.compile(r"^ +[+-] \S.*\n", re.MULTILINE)


def _split(text: str) -> tuple[str, str]:
    """The code above the runtime marker, and the rest."""
    at = text.find(RUNTIME_MARKER)
    return (text, "") if at < 0 else (text[:at], text[at:])


def _body_start(code: str) -> int:
    """Where the scoring function's body starts (edits leave the docstring alone)."""
    found = code.find('"""', code.find("def "))
    return max(found, 0)


def _replace_match(text: str, matches: list[re.Match[str]], rng: random.Random, new: Callable[[re.Match[str]], str]) -> str | None:
    if not matches:
        return None
    match = rng.choice(matches)
    return text[: match.start()] + new(match) + text[match.end() :]


def _numbers(code: str) -> list[re.Match[str]]:
    start = _body_start(code)
    return [m for m in NUMBER.finditer(code) if m.start() > start and code[m.start() - 1] not in "\"'"]


def random_number(rng: random.Random) -> str:
    kind = rng.randrange(6)
    if kind == 0:
        return str(rng.randint(-50, 50))
    if kind == 1:
        return repr(round(rng.uniform(-100, 100), rng.randint(0, 4)))
    if kind == 2:
        return repr(rng.uniform(-1e6, 1e6))
    if kind == 3:
        return f"{rng.randint(1, 9)}e{rng.randint(-5, 5)}"
    if kind == 4:
        return rng.choice(["0", "-0.0", "0.0", ".5", "1_000", "0x10", "1e-300", "9007199254740993"])
    return f"{rng.uniform(-10, 10):.17g}"


def change_number(text: str, rng: random.Random) -> str | None:
    code, rest = _split(text)
    edited = _replace_match(code, _numbers(code), rng, lambda m: random_number(rng))
    return None if edited is None else edited + rest


def arithmetic_literal(text: str, rng: random.Random) -> str | None:
    """A number written as arithmetic: `(n - 1) + 1`, `n * 2 / 2`, `0.1 + 0.1`..."""
    code, rest = _split(text)

    def rewrite(match: re.Match[str]) -> str:
        n = match.group(0)
        forms = [f"({n} - 1) + 1", f"{n} * 2 / 2", f"({n} + 0.1) - 0.1", f"{n} * 1.0", f"({n})", f"-(-{n})", f"{n} + 0", "0.1 + 0.1", f"({random_number(rng)} - {random_number(rng)})", f"{n} / 3 * 3"]
        return rng.choice(forms)

    edited = _replace_match(code, _numbers(code), rng, rewrite)
    return None if edited is None else edited + rest


def insert_knot(text: str, rng: random.Random) -> str | None:
    code, rest = _split(text)
    edited = _replace_match(code, list(PAIR.finditer(code)), rng, lambda m: f"{m.group(0)}, ({random_number(rng)}, {random_number(rng)})")
    return None if edited is None else edited + rest


def delete_knot(text: str, rng: random.Random) -> str | None:
    code, rest = _split(text)
    matches = [m for m in re.finditer(r"\((-?[\d.e+-]+), (-?[\d.e+-]+)\), ", code)]
    edited = _replace_match(code, matches, rng, lambda m: "")
    return None if edited is None else edited + rest


def move_knot(text: str, rng: random.Random) -> str | None:
    code, rest = _split(text)
    edited = _replace_match(code, list(PAIR.finditer(code)), rng, lambda m: f"({random_number(rng)}, {m.group(2)})")
    return None if edited is None else edited + rest


def lists_of_lists(text: str, rng: random.Random) -> str | None:
    """Knots or steps as [[x, y], ...] (or a tuple of tuples)."""
    code, rest = _split(text)
    lists = list(re.finditer(r"\[(\(-?[\d.e+-]+, -?[\d.e+-]+\)(, )?)+\]", code))
    if not lists:
        return None
    match = rng.choice(lists)
    inner = match.group(0)[1:-1]
    if rng.random() < 0.5:
        new = "[" + PAIR.sub(lambda m: f"[{m.group(1)}, {m.group(2)}]", inner) + "]"
    else:
        new = "(" + inner + ("," if inner.count("(") == 1 else "") + ")"
    return code[: match.start()] + new + code[match.end() :] + rest


class _Span:
    """A run of whole lines of the text (a term of the sum, maybe over several lines)."""

    def __init__(self, text: str, start: int, end: int):
        self.text, self._start, self._end = text, start, end

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end

    def group(self, _: int = 0) -> str:
        return self.text[self._start : self._end]


def _term_lines(code: str) -> list[_Span]:  # type: ignore[override]
    """Each summand after the first, from its `+`/`-` line to where its brackets close."""
    start = _body_start(code)
    spans = []
    for match in TERM_LINE.finditer(code):
        if match.start() <= start:
            continue
        end, depth = match.start(), 0
        while True:
            line_end = code.find("\n", end) + 1 or len(code)
            line = code[end:line_end]
            depth += sum(line.count(c) for c in "([{") - sum(line.count(c) for c in ")]}")
            end = line_end
            if depth <= 0 or end >= len(code):
                break
        if depth == 0:
            spans.append(_Span(code, match.start(), end))
    return spans


def delete_term(text: str, rng: random.Random) -> str | None:
    code, rest = _split(text)
    edited = _replace_match(code, _term_lines(code), rng, lambda m: "")
    return None if edited is None else edited + rest


def duplicate_term(text: str, rng: random.Random) -> str | None:
    code, rest = _split(text)
    edited = _replace_match(code, _term_lines(code), rng, lambda m: m.group(0) * 2)
    return None if edited is None else edited + rest


def swap_terms(text: str, rng: random.Random) -> str | None:
    code, rest = _split(text)
    lines = _term_lines(code)
    if len(lines) < 2:
        return None
    a, b = sorted(rng.sample(lines, 2), key=lambda m: m.start())
    return code[: a.start()] + b.group(0) + code[a.end() : b.start()] + a.group(0) + code[b.end() :] + rest


def comment(text: str, rng: random.Random) -> str | None:
    code, rest = _split(text)
    lines = code.split("\n")
    first = code[: _body_start(code)].count("\n") + 1  # a line after the docstring
    if first >= len(lines):
        return None
    k = rng.randrange(first, len(lines))
    if rng.random() < 0.5:
        lines[k] += "  # reviewed: " + rng.choice(["ok", "see ticket 12", "(why?)", "é ✓", "x = 1"])
    else:
        lines.insert(k, " " * (len(lines[k]) - len(lines[k].lstrip())) + "# a note")
    return "\n".join(lines) + rest


def reformat(text: str, rng: random.Random) -> str | None:
    import black

    mode = black.Mode(line_length=rng.choice([40, 60, 79, 100, 120, 200]), magic_trailing_comma=rng.random() < 0.5)
    try:
        return black.format_str(text, mode=mode)
    except Exception:  # black refuses what it cannot parse: the edit does not apply
        return None


def reorder_signature(text: str, rng: random.Random, everywhere: bool | None = None) -> str | None:
    """Swap two parameters of the scoring function (and, `everywhere`, of the link
    function and its call too, so the file stays consistent)."""
    import black

    try:
        code, rest = _split(black.format_str(text, mode=black.Mode(line_length=10_000, magic_trailing_comma=False)))
    except Exception:  # black refuses what it cannot parse: the edit does not apply
        return None
    signatures = list(re.finditer(r"^def (\w+)\(([^)]*)\)", code, re.MULTILINE))
    if not signatures or signatures[0].group(2).count(",") < 1:
        return None
    params = [p.strip() for p in signatures[0].group(2).split(",") if p.strip()]
    i, j = rng.sample(range(len(params)), 2)
    swapped = list(params)
    swapped[i], swapped[j] = swapped[j], swapped[i]
    everywhere = rng.random() < 0.5 if everywhere is None else everywhere
    out = code
    for match in reversed(signatures if everywhere else signatures[:1]):
        out = out[: match.start(2)] + ", ".join(swapped) + out[match.end(2) :]
    if everywhere:
        names = [p.split(":")[0] for p in params]
        new = [p.split(":")[0] for p in swapped]
        out = out.replace(f"({', '.join(names)}))", f"({', '.join(new)}))")
    return out + rest


def annotations(text: str, rng: random.Random) -> str | None:
    code, rest = _split(text)
    form = rng.randrange(3)
    if form == 0:
        code = code.replace(": float", ": float | None").replace(": str", ": str | None")
    elif form == 1:
        code = re.sub(r": (float|str)\b", r": Optional[\1]", code).replace("\nimport ", "\nfrom typing import Optional\nimport ", 1)
        if "from typing" not in code:
            code = code.replace('"""\n\n', '"""\n\nfrom typing import Optional\n', 1)
    else:
        code = code.replace(": float", ": int")
    return code + rest


def encoding(text: str, rng: random.Random) -> str | None:
    return rng.choice(["\ufeff" + text, text.replace("\n", "\r\n"), text.replace("\n", "\r")])


def risky(text: str, rng: random.Random) -> str | None:
    """Edits pwlc must refuse (or read exactly): constructs it does not read."""
    code, rest = _split(text)
    body = _body_start(code)
    options = [
        code.replace('the sum of one term per line."""\n', 'the sum of one term per line."""\n    if True:\n        pass\n', 1),
        code[:body].replace("\ndef ", "\nKNOTS = [(0, 1)]\n\n\ndef ", 1) + code[body:],
        code.replace("-> float:", "-> float:\n    global x", 1),
        code.replace("\ndef ", "\n@staticmethod\ndef ", 1),
        code + "\n\ndef score2(x):\n    return 1.0\n",
        code.replace("import math", "import math\nimport numpy as np", 1),
        code.replace("import math", "from math import exp", 1),
        code.replace("(", "(*", 1) if "def " in code else code,
    ]
    choice = rng.choice(options)
    if rng.random() < 0.3 and rest:
        marker_end = rest.find("\n")
        rest = rng.choice([rest.replace("math.nan", "0.0", 1), rest.replace("if b:", "if b or True:", 1), "# --- runtime" + rest[len(RUNTIME_MARKER) :], rest[:marker_end] + "\n\nimport os\n" + rest[marker_end:]])
    return choice + rest


def layout(text: str, rng: random.Random) -> str | None:
    """Layout Python gives a meaning to: two lines joined, a line indented or dedented by
    a space or four, a line break removed after a docstring (B-py3: CPython refuses most)."""
    code, rest = _split(text)
    lines = code.split("\n")
    if len(lines) < 3:
        return None
    k = rng.randrange(1, len(lines) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        lines[k : k + 2] = [lines[k] + " " + lines[k + 1].lstrip()]
    elif kind == 1:
        lines[k] = rng.choice([" ", "    "]) + lines[k]
    elif kind == 2:
        lines[k] = lines[k][rng.choice([1, 4]) :] if lines[k].startswith("    ") else lines[k]
    else:
        lines = "\n".join(lines).replace('"""\n    ', '""" ', 1).split("\n")
    return "\n".join(lines) + rest


def runtime_edit(text: str, rng: random.Random) -> str | None:
    """A change below the marker (B-py2): a number, a deleted line, a swapped operator."""
    code, rest = _split(text)
    if not rest:
        return None
    lines = rest.split("\n")
    if len(lines) < 2:
        return None
    k = rng.randrange(1, len(lines))
    line = lines[k]
    changed = [
        NUMBER.sub(lambda m: random_number(rng), line, count=1),
        *(line.replace(old, new, 1) for old, new in ((" + ", " - "), (" < ", " <= "), ("[0]", "[-1]"), ("math.", "np."))),
    ]
    changed = [new for new in changed if new != line]
    if changed and rng.random() < 0.7:
        lines[k] = rng.choice(changed)
    else:
        del lines[k]
    return code + "\n".join(lines)


def constant_sum(text: str, rng: random.Random) -> str | None:
    """The per_row wrapper of a sum of constants dropped, or its inputs changed (A6)."""
    code, rest = _split(text)
    found = re.search(r"return per_row\((.*), ([\w, ]+)\)\n", code)
    if found is None:
        return None
    new = rng.choice([f"return {found.group(1)}\n", f"return per_row({found.group(1)})\n", f"return per_row({found.group(1)}, {found.group(2).split(', ')[-1]})\n"])
    return code[: found.start()] + new + code[found.end() :] + rest


EDITS: list[Edit] = [
    change_number,
    arithmetic_literal,
    insert_knot,
    delete_knot,
    move_knot,
    lists_of_lists,
    delete_term,
    duplicate_term,
    swap_terms,
    comment,
    reformat,
    reorder_signature,
    annotations,
    encoding,
    risky,
    layout,
    runtime_edit,
    constant_sum,
]


def edit(text: str, rng: random.Random, count: int = 3) -> tuple[str, list[str]]:
    """Up to `count` random edits of `text`, and their names."""
    done = []
    for _ in range(rng.randint(1, count)):
        operator = rng.choice(EDITS)
        edited = operator(text, rng)
        if edited is not None:
            text, done = edited, done + [operator.__name__]
    return text, done


def main() -> None:
    """The long run: `python -m tests.python_edits --edits 10000`. Half the files are the
    golden models' emitted files, half random valid models'; prints the counts."""
    import time
    import warnings
    from pathlib import Path

    import pwlc
    from pwlc.backends.python import emit
    from tests.python_runs import compare
    from tests.strategies import models

    parser = argparse.ArgumentParser(description="Random hand edits of emitted Python: read, run, compare.")
    parser.add_argument("--edits", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")  # hypothesis's example() outside a test; numpy's 0/0
    rng = random.Random(args.seed)
    golden = [emit(pwlc.read(p)) for p in sorted((Path(__file__).resolve().parent.parent / "golden" / "models").glob("*.pwl"))]
    counts = {"accepted": 0, "refused": 0, "mismatching": 0, "refused without position or advice": 0}
    start = time.perf_counter()
    for _ in range(args.edits):
        # (hypothesis draws the random models: a mismatch prints its whole file to reproduce it)
        text, done = edit(rng.choice(golden) if rng.random() < 0.5 else emit(models().example()), rng)
        try:
            model = pwlc.read(text, format="python")
        except pwlc.PwlcError as error:
            counts["refused"] += 1
            lines = str(error).splitlines()
            if not (re.match(r"<string>:\d+:\d+: ", lines[0]) and lines[-1].strip() == "^" and ADVICE.search(lines[0])):
                counts["refused without position or advice"] += 1
                print("REFUSAL after", done, str(error))
            continue
        counts["accepted"] += 1
        problems = {path: rows for path, rows in compare(text, model).items() if rows}
        if problems:
            counts["mismatching"] += 1
            print("MISMATCH after", done, problems, "\n" + text)
    print(f"{args.edits} edited files in {time.perf_counter() - start:.0f} s: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
