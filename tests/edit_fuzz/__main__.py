"""`python -m tests.edit_fuzz --edits 10000 [--seed S] [--languages python,c,sql]`

For each language, `--edits` random edits of its seed files, each judged by
`tests.edit_fuzz.check`. Prints per language and per operator: edits, refused, accepted
and matching, mismatching (silent misreads), accepted but invalid, refusals without a
position and internal errors; then every failure class with its smallest reproducer (a
diff against the emitted file). `--markdown FILE` writes the same as markdown
(benchmarks/results/handedit.md is built from it). Exit status 1 when anything failed.
"""

from __future__ import annotations

import argparse
import difflib
import random
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from tests.edit_fuzz import FAILURES, OUTCOMES, Seed, Verdict, check, make_edit, seeds


@dataclass(frozen=True)
class Example:
    seed: Seed
    operators: tuple[str, ...]
    text: str
    verdict: Verdict

    @property
    def size(self) -> tuple[int, int]:
        return (len(self.seed.text), len(diff(self.seed.text, self.text)))


@dataclass
class Tally:
    """Counts per language and per operator, and the smallest example of each class."""

    counts: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    by_operator: dict[tuple[str, str], Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    classes: dict[tuple[str, str, str], tuple[int, Example]] = field(default_factory=dict)
    refused_away: dict[tuple[str, str], tuple[int, Example]] = field(default_factory=dict)
    left_out: tuple[tuple[Seed, Verdict], ...] = ()

    def add(self, lang: str, example: Example) -> None:
        outcome = example.verdict.outcome
        self.counts[lang][outcome] += 1
        for name in set(example.operators):
            self.by_operator[(lang, name)][outcome] += 1
        if outcome == "refused" and not near_the_edit(example):
            key = (lang, example.operators[-1])
            count, best = self.refused_away.get(key, (0, example))
            self.refused_away[key] = (count + 1, example if example.size < best.size else best)
        if outcome in FAILURES:
            # a class per single operator; edits of two operators form one class of their own
            key = (lang, outcome, example.operators[0] if len(example.operators) == 1 else "two operators stacked")
            count, best = self.classes.get(key, (0, example))
            self.classes[key] = (count + 1, example if example.size < best.size else best)

    @property
    def failed(self) -> bool:
        return bool(self.classes)


def edited_lines(before: str, after: str) -> set[int]:
    """The (1-based) lines of `after` that an edit changed, and those next to a deletion."""
    out: set[int] = set()
    matcher = difflib.SequenceMatcher(None, before.splitlines(), after.splitlines(), autojunk=False)
    for tag, _, _, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            out.update(range(j1 + 1, max(j2, j1 + 1) + 1))
    return out


_NAMED_LINE = re.compile(r"\bline (\d+)")


def near_the_edit(example: Example) -> bool:
    """Whether a refusal points at the edit: its caret, or a line its message names (`...,
    on line L`: the other place of two that disagree), within a line of an edited line;
    or its caret on a name whose other uses the edit deleted (a function a deleted term
    called, which C too reports at its definition: the edited construct is gone)."""
    edited = edited_lines(example.seed.text, example.text)
    message = example.verdict.detail.split("\n", 1)[0]
    named = {example.verdict.line} | {int(n) for n in _NAMED_LINE.findall(message)}
    return any(abs(line - at) <= 1 for line in edited for at in named) or _uses_deleted(example)


def _uses_deleted(example: Example) -> bool:
    """Whether the caret is on a name that the edited text holds fewer times than the seed."""
    lines = example.text.splitlines()
    if not 0 < example.verdict.line <= len(lines):
        return False
    name = re.match(r"\w+", lines[example.verdict.line - 1][example.verdict.column - 1 :])
    if name is None:
        return False
    uses = re.compile(rf"\b{re.escape(name.group())}\b")
    return len(uses.findall(example.text)) < len(uses.findall(example.seed.text))


def diff(before: str, after: str) -> str:
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), "emitted", "edited", n=1, lineterm="")
    return "\n".join(list(lines)[2:])


def examples(lang: str, edits: int, seed: int) -> Iterator[Example]:
    """The run's edits of one language, judged, in order: the i-th is drawn from
    (seed, lang, i) alone, so the first n of a long run are a short run's n."""
    pool = seeds(lang)[0]
    for i in range(edits):
        rng = random.Random(f"{seed}:{lang}:{i}")
        chosen = rng.choice(pool)
        made = make_edit(chosen, rng)
        if made is not None:
            operators, text = made
            yield Example(chosen, tuple(operators), text, check(chosen.target, text, rng.randrange(2**32)))


def fuzz(lang: str, edits: int, seed: int, tally: Tally, progress: bool = True) -> None:
    tally.left_out += seeds(lang)[1]
    start = time.perf_counter()
    for done, example in enumerate(examples(lang, edits, seed), 1):
        tally.add(lang, example)
        if progress and done % 500 == 0:
            failing = sum(tally.counts[lang][o] for o in FAILURES)
            print(f"  {lang}: {done} edits, {failing} failures, {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)


def tables(tally: Tally) -> list[str]:
    head = "| {} | edits | refused | accepted, matching | mismatching | accepted but invalid | refusal without position | internal error |"
    rule = "|---|---:|---:|---:|---:|---:|---:|---:|"
    lines = [head.format("language"), rule]
    for lang, counts in tally.counts.items():
        away = sum(n for (language, _), (n, _) in tally.refused_away.items() if language == lang)
        cells = [f"{counts[o]}" + (f" ({away} away from the edit)" if o == "refused" and away else "") for o in OUTCOMES]
        lines.append(f"| {lang} | {sum(counts.values())} | " + " | ".join(cells) + " |")
    lines += ["", head.format("language: operator") + " refused away from the edit (last operator) |", rule + "---:|"]
    for (lang, name), counts in sorted(tally.by_operator.items()):
        away = tally.refused_away.get((lang, name), (0, None))[0]
        lines.append(f"| {lang}: {name} | {sum(counts.values())} | " + " | ".join(str(counts[o]) for o in OUTCOMES) + f" | {away} |")
    return lines


def classes(tally: Tally) -> list[str]:
    lines = []
    for (lang, outcome, name), (count, example) in sorted(tally.classes.items()):
        lines += [
            f"### {lang}: {outcome} after {name} ({count} edits)",
            "",
            f"Seed: {example.seed.name} as {example.seed.target}; operators: {', '.join(example.operators)}; seen on {example.verdict.path}.",
            "",
            "```diff",
            diff(example.seed.text, example.text)[:3000],
            "```",
            "",
            f"{example.verdict.detail[:1500]}",
            "",
        ]
    return lines


def refusals_away(tally: Tally) -> list[str]:
    """Refusals whose caret is not on the edited lines (not failures: a few point, rightly,
    at the place an edit contradicts; shown so that the others can be moved)."""
    lines = []
    for (lang, name), (count, example) in sorted(tally.refused_away.items()):
        lines += [f"### {lang}: {name} ({count} refusals away from the edit)", "", "```diff", diff(example.seed.text, example.text)[:1500], "```", "", "```", example.verdict.detail[:800], "```", ""]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=300, help="edits per language")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--languages", default="python,c,sql")
    parser.add_argument("--markdown", help="also write the tables and the classes to this file")
    args = parser.parse_args(argv)
    tally = Tally()
    start = time.perf_counter()
    for lang in args.languages.split(","):
        fuzz(lang.strip(), args.edits, args.seed, tally)
    seconds = time.perf_counter() - start
    command = "python -m tests.edit_fuzz " + " ".join(argv if argv is not None else sys.argv[1:])
    head = [f"`{command}`: {sum(sum(c.values()) for c in tally.counts.values())} edits in {seconds:.0f} s.", ""]
    body = tables(tally) + ["", "## Failure classes (the smallest reproducer of each)", ""] + classes(tally)
    if tally.refused_away:
        body += ["## Refusals whose caret is away from the edit (not counted as failures)", ""] + refusals_away(tally)
    if tally.left_out:
        body += ["## Seeds left out: the unedited file already disagrees with the evaluator (a backend bug)", ""]
        body += [f"- {seed.name} as {seed.target}: {verdict.outcome} ({verdict.path}): {verdict.detail[:300]}" for seed, verdict in tally.left_out]
    print("\n".join(head + body))
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as out:
            out.write("\n".join(head + body) + "\n")
    return 1 if tally.failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
