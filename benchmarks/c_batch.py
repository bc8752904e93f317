"""The emitted C batch, before and after a change of the C backend, side by side (issue 18 item 5).

For each model, `NAME_batch` as this tree prints it and as the C backend of `--baseline`
printed it (that commit's tree, run in a subprocess) are compiled by gcc (and clang, with
`--compilers gcc,clang`) at the default flags (the tests' `-O2`) and at `-O3 -march=native`,
loaded into this process, and timed
interleaved: each round runs every (model, flags, before/after) once; a timing is the best
of `--rounds` rounds on this thread's CPU clock (the machine is shared). Beside them: the
memory-bandwidth bound (numpy reads the 20 input columns once, as in scoring.py).

Models (Lending Club, 20 features: 17 numeric, 3 categorical; teachers trained on the
10,000 real rows, scored on `--rows` rows drawn from them, as scoring.py): the EBM and the
additive LightGBM, each as its exact lowering (`pwlc.lower`: long steps) and distilled with
3 segments a curve then `optimize(..., "O2")`, once with transforms (`fx="auto"`: log and
log1p curves) and once without (`fx="identity"`).

Exactness: every variant's scores must equal the evaluator's on the first 20,000 rows
(bit for bit without transforms; within 1e-12 relative with them, where libm's log1p and
numpy's differ in the last bit), and before and after must agree on every row.

    .venv/bin/python benchmarks/c_batch.py                       # baseline: merge-base with main
    .venv/bin/python benchmarks/c_batch.py --baseline f4a4cc6 --rows 200000
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from scoring import Emitted, _ArchivedBackend, bandwidth_bound, load, train_ebm, train_lightgbm  # noqa: E402

import pwlc  # noqa: E402
from pwlc.backends import c as c_backend  # noqa: E402
from pwlc.ir import Curve, Model  # noqa: E402
from pwlc.testing import mismatches  # noqa: E402

FLAGS = ("-O2", "-O3 -march=native")
CHECK_ROWS = 20_000


def models(X: Any, y: np.ndarray) -> dict[str, Model]:
    out: dict[str, Model] = {}
    for key, train in (("EBM", train_ebm), ("LightGBM", train_lightgbm)):
        teacher, _ = train(X, y)
        out[f"{key} exact"] = pwlc.lower(teacher)
        for fx, label in (("identity", "no transforms"), ("auto", "log/log1p")):
            out[f"{key} distilled, {label}"], _ = pwlc.optimize(pwlc.distill(teacher, X, segments=3, fx=fx), "O2", data=X)
    return out


def check(label: str, got: np.ndarray, model: Model, reference: np.ndarray) -> None:
    """The first CHECK_ROWS scores against the evaluator's."""
    head = got[: len(reference)]
    if any(isinstance(t, Curve) and t.fx != "identity" for t in model.terms):
        bad = mismatches(head, reference)
    else:
        bad = np.flatnonzero(~((head == reference) | (np.isnan(head) & np.isnan(reference)))).tolist()
    assert not bad, f"{label}: rows {bad[:5]} give {head[bad[:5]]}, the evaluator {reference[bad[:5]]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--baseline", help="the commit whose C backend is 'before' (default: git merge-base HEAD main)")
    parser.add_argument("--only", help="model labels separated by semicolons (default: all)")
    parser.add_argument("--compilers", default="gcc", help="comma-separated: gcc, clang")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=UserWarning)
    root = Path(__file__).resolve().parent.parent
    git = lambda *a: subprocess.run(["git", *a], capture_output=True, text=True, check=True, cwd=root).stdout.strip()  # noqa: E731
    baseline = git("rev-parse", args.baseline or git("merge-base", "HEAD", "main"))
    head = git("rev-parse", "--short", "HEAD") + ("+" if git("status", "--porcelain", "pwlc") else "")
    before = _ArchivedBackend(baseline)

    X, y, data = load(args.rows)
    bound = len(data) / bandwidth_bound(data)
    configs = [f"{compiler} {flags}" for compiler in args.compilers.split(",") for flags in FLAGS]
    compiled = {label: model for label, model in models(X, y).items() if args.only is None or label in args.only.split(";")}
    runs: dict[tuple[str, str, str], Any] = {}
    keep: list[Emitted] = []
    for label, model in compiled.items():
        emitted = Emitted(model, data)
        keep.append(emitted)
        reference = pwlc.evaluate(model, data.iloc[:CHECK_ROWS], output="score")
        for flags in configs:
            compiler, extra = flags.split(" ", 1)[0], tuple(flags.split()[1:])
            for when, backend in (("before", before), ("after", None)):
                run = emitted.c_batch(backend=backend or c_backend, flags=extra, compiler=compiler)
                check(f"{label} {flags} {when}", run(), model, reference)
                runs[label, flags, when] = (run, emitted._c)  # the library and its columns stay loaded
        first, last = configs[0], configs[-1]
        assert np.array_equal(runs[label, first, "before"][0](), runs[label, last, "after"][0](), equal_nan=True), label

    best = dict.fromkeys(runs, float("inf"))
    for _ in range(args.rounds):
        for key, (run, _) in runs.items():
            start = time.thread_time()
            run()
            best[key] = min(best[key], time.thread_time() - start)

    print(f"Lending Club, {len(data):,} rows; before = C backend at {baseline[:7]}, after = this tree ({head})")
    print(f"memory-bandwidth bound (numpy sums the 20 columns once): {bound:,.0f} rows/s")
    print(f"rows/s: best of {args.rounds} interleaved rounds, CPU time of this thread; every variant checked against the evaluator\n")
    print("| model | flags | before rows/s | % of bound | after rows/s | % of bound | after ÷ before |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for label in compiled:
        for flags in configs:
            old, new = (len(data) / best[label, flags, when] for when in ("before", "after"))
            print(f"| {label} | {flags} | {old:,.0f} | {100 * old / bound:.1f}% | {new:,.0f} | {100 * new / bound:.1f}% | {new / old:.2f}× |")


if __name__ == "__main__":
    main()
