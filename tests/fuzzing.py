"""Mutations of emitted files, for fuzzing the readers (tests/test_fuzz_readers.py and the
long run `python -m tests.fuzzing --cases 100000`).

A reader given any text must either return a model that passes `verify()` or raise
pwlc's own error, with a position when the text is at fault. Anything else is a bug.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import pwlc
from pwlc.backends import backend, parse_target

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
ODD_TEXT = ["", "\x00", "é", "✓", "\u202e", "\ud800", "'", '"', "\\", "(", ")", "[", "]", "{", "}", ",", ":", "=", "-", "+", "#", "/*", "*/", "--", ";", "\n", "\t", "1e999", "-1e999", "nan", "inf", "9" * 400, "0x10", "1_0", ".", "None", "lambda", "import os", "__import__('os')"]


def readable_targets() -> list[str]:
    from tests.test_golden import TARGETS

    return [t for t in TARGETS if hasattr(backend(parse_target(t)[0]), "read")]


def seed_texts() -> list[tuple[str, str]]:
    """(target, emitted text) for every golden model and readable target."""
    models = [pwlc.read(p) for p in sorted((GOLDEN / "models").glob("*.pwl"))]
    return [(target, pwlc.emit(m, target)) for target in readable_targets() for m in models]


def mutate(text: str, rng: random.Random) -> str:
    """One to three random edits of the kinds a careless hand or a broken tool makes."""
    for _ in range(rng.randint(1, 3)):
        n = len(text)
        i, j = sorted(rng.randrange(n + 1) for _ in range(2))
        kind = rng.randrange(7)
        if kind == 0:  # delete a span
            text = text[:i] + text[j:]
        elif kind == 1:  # duplicate a span
            text = text[:j] + text[i:j] + text[j:]
        elif kind == 2:  # insert odd text
            text = text[:i] + rng.choice(ODD_TEXT) + text[i:]
        elif kind == 3:  # truncate
            text = text[:i]
        elif kind == 4:  # swap two lines
            lines = text.split("\n")
            a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[a], lines[b] = lines[b], lines[a]
            text = "\n".join(lines)
        elif kind == 5:  # replace a character with a random one
            if n:
                text = text[:i] + chr(rng.choice([rng.randrange(32, 127), rng.randrange(0x80, 0x3000)])) + text[i + 1 :]
        else:  # change a digit run into a huge or odd number
            digits = [k for k, c in enumerate(text) if c.isdigit()]
            if digits:
                k = rng.choice(digits)
                text = text[:k] + rng.choice(["1e308", "9" * 30, "1e-400", "0", "-0.0", "1e309"]) + text[k + 1 :]
    return text


def check(target: str, text: str) -> str | None:
    """None when the reader behaves; otherwise what went wrong."""
    try:
        pwlc.verify(pwlc.read(text, format=target))
    except pwlc.PwlcError as error:
        if isinstance(error, (pwlc.ParseError, pwlc.VerifyError)) and error.span is None and text.strip():
            return f"error without a position: {error}"
    except RecursionError:
        return "RecursionError"
    except Exception as error:  # noqa: BLE001 - the point is to catch anything that is not ours
        return f"{type(error).__name__}: {error}"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description="Fuzz pwlc's readers with mutated emitted files.")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    seeds = seed_texts()
    failures: dict[str, tuple[str, str]] = {}
    start = time.perf_counter()
    for case in range(args.cases):
        target, text = rng.choice(seeds)
        mutated = mutate(text, rng)
        problem = check(target, mutated)
        if problem is not None:
            failures.setdefault(problem.split(":")[0] + target, (problem, mutated))
        if case and case % 10_000 == 0:
            print(f"{case} cases, {len(failures)} distinct failures, {time.perf_counter() - start:.0f} s", flush=True)
    print(f"{args.cases} cases over targets {sorted({t for t, _ in seeds})}: {len(failures)} distinct failures")
    for problem, text in failures.values():
        print("---", problem, "\n", text[:2000])
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()
