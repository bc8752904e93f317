"""`python -m tests.model_fuzz --models 5000 [--seed S] [--engines python,c,sqlite,...]`

Prints, per engine path, models, rows, mismatching models and rows, the worst distance in
ulps outside the evaluator's envelope, crashes and refusals; then each failure class with
how many models show it and one reproducer, shrunk. `--markdown FILE` writes the same as
markdown (benchmarks/results/reliability.md is built from it). Exit status 1 when
anything failed.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from pwlc.ir import Model
from tests.model_fuzz import (
    Failure,
    FuzzEngine,
    ModelReport,
    Outcome,
    baseline_engine,
    check_model,
    readable_targets,
    select_engines,
)
from tests.model_fuzz.shrink import reproducer, shrink

REPRODUCERS_TRIED = 3  # models of a class to shrink, the smallest result kept


@dataclass
class Run:
    """A fuzz run's totals: outcomes per engine path, and the models of each failure class."""

    models: int = 0
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    classes: dict[tuple[str, str], list[tuple[int, Model, Failure]]] = field(default_factory=dict)
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, index: int, model: Model, report: ModelReport) -> None:
        self.models += 1
        for label, outcome in report.outcomes.items():
            self.outcomes.setdefault(label, Outcome()).add(outcome)
        for failure in {f.key: f for f in report.failures}.values():
            self.counts[failure.key] += 1
            kept = self.classes.setdefault(failure.key, [])
            if len(kept) < REPRODUCERS_TRIED:
                kept.append((index, model, failure))

    @property
    def failed(self) -> bool:
        return any(kind != "refused" for _, kind in self.counts)


CHECKPOINT = 250  # models between two writes of the table so far (--markdown)


def fuzz(
    count: int, engines: list[FuzzEngine], targets: list[str], seed: int, checkpoint: Callable[[Run], None] | None = None, hours: float = math.inf
) -> Run:
    """Draw `count` models (seeded) and check each as it is drawn; stop drawing after
    `hours` (the table then says how many models were run)."""
    from tests.model_fuzz.draw import models

    run = Run()
    start = time.perf_counter()
    for model in models(count, seed):
        if time.perf_counter() - start > hours * 3600:
            break
        index = run.models
        run.add(index, model, check_model(model, engines, targets, index, seed))
        if run.models % 100 == 0:
            failing = sum(n for (_, kind), n in run.counts.items() if kind != "refused")
            print(f"  {run.models} models, {failing} failures in {len(run.counts)} classes, {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
        if checkpoint is not None and run.models % CHECKPOINT == 0:
            checkpoint(run)
    return run


def shrunk_reproducer(key: tuple[str, str], examples: list[tuple[int, Model, Failure]], engines: list[FuzzEngine], seed: int, budget: float) -> tuple[Model, Failure]:
    """The smallest of the class's example models after shrinking, and its failure."""
    label, kind = key
    baseline = baseline_engine(label)  # "not at -O2" is judged against that build
    engine = [e for e in engines if label == e.name or label.startswith(e.name + " ") or e.name == baseline]
    targets = [label[len("read ") :]] if label.startswith("read ") else []
    best: tuple[Model, Failure] | None = None
    for index, model, failure in examples:

        def still_fails(candidate: Model, index: int = index) -> bool:
            report = check_model(candidate, engine, targets, index, seed)
            return any(f.key == key for f in report.failures)

        small = shrink(model, still_fails, budget / len(examples))
        found = [f for f in check_model(small, engine, targets, index, seed).failures if f.key == key]
        candidate = (small, found[0] if found else failure)
        if best is None or len(repr(candidate[0])) < len(repr(best[0])):
            best = candidate
    assert best is not None
    return best


def table(run: Run) -> list[str]:
    lines = [
        "| engine | models | rows | mismatching models | mismatching rows | of which NaN/inf | worst ulps | crashes | refusals | documented stops |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label in sorted(run.outcomes, key=_engine_order):
        o = run.outcomes[label]
        worst = f"{o.worst:.3g}" if o.worst else "0"
        lines.append(f"| {label} | {o.models} | {o.rows} | {o.bad_models} | {o.bad_rows} | {o.nan_rows} | {worst} | {o.crashes} | {o.refusals} | {o.stops} |")
    return lines


def _engine_order(label: str) -> tuple[int, str]:
    order = ["python", "c gcc", "c clang", "sqlite", "duckdb", "postgres", "spark", "read"]
    return next((k for k, prefix in enumerate(order) if label.startswith(prefix)), len(order)), label


def _group(label: str) -> str:
    """A class seen on several paths of one language (C's compilers, flags and row/batch
    functions; Python's row and batch calls; the SQL dialects' read-backs) is shown, and
    shrunk, once, with the paths it was seen on."""
    for family in ("c ", "python", "read sql:"):
        if label.startswith(family):
            return family
    return label


def class_list(run: Run) -> list[str]:
    """Each failure class, how many models show it, and its first instance (unshrunk)."""
    keys = sorted((k for k in run.counts if k[1] != "refused"), key=lambda k: (_engine_order(k[0]), k[1]))
    return [f"- {label}: {kind} ({run.counts[(label, kind)]} models): {run.classes[(label, kind)][0][2].detail[:200]}" for label, kind in keys]


def classes_text(run: Run, engines: list[FuzzEngine], seed: int, budget: float) -> list[str]:
    lines = []
    groups: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for key in sorted((k for k in run.counts if k[1] != "refused"), key=lambda k: (_engine_order(k[0]), k[1])):
        groups.setdefault((_group(key[0]), key[1]), []).append(key)
    for (_, kind), keys in groups.items():
        first = keys[0]
        model, failure = shrunk_reproducer(first, run.classes[first], engines, seed, budget) if budget > 0 else run.classes[first][0][1:]
        where = ", ".join(f"{label} ({run.counts[(label, kind)]} models)" for label, _ in keys)
        lines += [f"### {kind}", "", f"On {where}; shrunk on {first[0]}:", "", "```python", reproducer(model), f"# {failure.detail}", "```", ""]
    refusals = sorted(k for k in run.counts if k[1] == "refused")
    if refusals:
        lines += ["### Refusals (a model the backend says it cannot write, with why)", ""]
        lines += [f"- {key[0]} ({run.counts[key]} models): {run.classes[key][0][2].detail}" for key in refusals]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--engines", help="comma-separated: python, c (or gcc, clang), sqlite, duckdb, postgres, spark, read; all by default")
    parser.add_argument("--shrink-budget", type=float, default=20.0, help="seconds spent shrinking each failure class (0: no shrinking)")
    parser.add_argument("--markdown", help="also write the table and the classes to this file (the table so far every 250 models)")
    parser.add_argument("--hours", type=float, default=math.inf, help="stop drawing models after this long (then shrink and report)")
    args = parser.parse_args(argv)
    engines = select_engines(args.engines)
    skipped = {e.name: reason for e in engines if (reason := e.unavailable()) is not None}
    engines = [e for e in engines if e.name not in skipped]
    targets = readable_targets() if not args.engines or "read" in args.engines.split(",") else []
    command = "python -m tests.model_fuzz " + " ".join(argv if argv is not None else sys.argv[1:])
    start = time.perf_counter()

    def head(run: Run, done: str) -> list[str]:
        lines = [f"`{command}`: {run.models} models in {time.perf_counter() - start:.0f} s{done}."]
        return lines + [f"Skipped {name}: {reason}." for name, reason in skipped.items()] + [""]

    def write(lines: list[str]) -> None:
        if args.markdown:
            with open(args.markdown, "w", encoding="utf-8") as out:
                out.write("\n".join(lines) + "\n")

    def checkpoint(run: Run) -> None:
        write(head(run, " so far (running)") + table(run) + ["", "## Failure classes so far (not shrunk)", ""] + class_list(run))

    run = fuzz(args.models, engines, targets, args.seed, checkpoint, args.hours)
    lines = head(run, "") + table(run) + ["", "## Failure classes", ""] + classes_text(run, engines, args.seed, args.shrink_budget)
    print("\n".join(lines))
    write(lines)
    return 1 if run.failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
