"""refit at scale: 100 features x 10 knots on 1M rows, without a row-sized cvxpy problem.

Prints, measured side by side in one run:
1. refit on the full row count (sufficient statistics over chunks of rows -> a
   p-variable QP; for logistic loss one QP per Newton step): time, peak memory, fit quality
   against the model that generated the data;
2. on a smaller row count where both are feasible, the same refit against a naive cvxpy
   problem with one term per row (sum of squares, or sum of logistic losses), with the
   ratio of their times and the largest difference between their scores.

    .venv/bin/python benchmarks/refit_scale.py                          # squared, 1,000,000 rows
    .venv/bin/python benchmarks/refit_scale.py --loss logistic          # labels, Newton steps
    .venv/bin/python benchmarks/refit_scale.py --rows 200000            # quicker

Many values, few rows (issue 9): the huge model of benchmarks/huge_model.py (curves x 10
knots) refitted on its own scores, each case in a fresh process (for its own peak memory),
against refit.py at git revision BASE side by side where BASE fits in memory (its peak is
up to 20x its dense G of 8p^2 bytes); or the 1M-row case above (refit only) against BASE:

    .venv/bin/python benchmarks/refit_scale.py --many-values --baseline BASE
    .venv/bin/python benchmarks/refit_scale.py --baseline BASE          # the 1M-row case: this tree, BASE
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from pwlc.ir import Constant, Curve, Input, Model, verify
from pwlc.passes.context import PassData, output_values, with_output_values
from pwlc.passes.refit import Refit
from pwlc.passes.refit.design import Layout
from pwlc.semantics import evaluate


def synthetic(features: int, knots: int, rows: int, seed: int = 0) -> tuple[Model, dict[str, np.ndarray], np.ndarray]:
    """A random additive model (curves of size ~1), data for it, and noisy teacher scores."""
    rng = np.random.default_rng(seed)
    names = [f"x{j}" for j in range(features)]
    grid = tuple(float(v) for v in np.linspace(0, 1, knots))
    terms = [Constant(0.1)] + [Curve(n, grid, tuple(float(v) for v in rng.normal(0, 1, knots) / np.sqrt(features))) for n in names]
    model = verify(Model(tuple(Input(n) for n in names), tuple(terms)))
    data = {n: rng.uniform(-0.05, 1.05, rows) for n in names}
    teacher = evaluate(model, data, output="score") + rng.normal(0, 0.1, rows)
    return model, data, teacher


def perturbed(model: Model, seed: int = 1) -> Model:
    rng = np.random.default_rng(seed)
    return replace(model, terms=tuple(with_output_values(t, [v + rng.normal(0, 0.3) for v in output_values(t)]) for t in model.terms))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def log_loss(scores: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(np.logaddexp(0.0, scores) - labels * scores))


def naive_refit(model: Model, context: PassData, labels: np.ndarray | None) -> np.ndarray:
    """The problem refit avoids: one cvxpy term per row."""
    import cvxpy as cp

    layout = Layout(model)
    design, _ = layout.design(context.columns, slice(0, context.rows))
    theta = cp.Variable(layout.size)
    scores = design @ theta
    if labels is None:
        objective = cp.sum_squares(scores - context.target_scores) / context.rows
    else:
        objective = (cp.sum(cp.logistic(scores)) - labels @ scores) / context.rows
    cp.Problem(cp.Minimize(objective)).solve(solver="CLARABEL")
    return design @ np.asarray(theta.value)


def use_baseline(revision: str) -> None:
    """Register refit.py as it was at `revision` as the `refit` pass, over this tree's."""
    import pwlc.passes.refit  # noqa: F401  (registered first, so the baseline replaces it)

    root = Path(__file__).resolve().parent.parent
    source = subprocess.run(["git", "show", f"{revision}:pwlc/passes/refit.py"], cwd=root, check=True, capture_output=True, text=True).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as file:
        file.write(source)
    spec = importlib.util.spec_from_file_location("baseline_refit", file.name)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)


def run_case(kind: str, size: int, rows: int, pipeline: str, baseline: str) -> dict[str, object]:
    """One refit in a fresh process: {seconds, peak_mb, note} or {error}."""
    command = [sys.executable, __file__, "--case", kind, str(size), str(rows), pipeline, baseline]
    done = subprocess.run(command, capture_output=True, text=True)
    lines = done.stdout.strip().splitlines()
    if done.returncode or not lines:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    result: dict[str, object] = json.loads(lines[-1])
    return result


def case(kind: str, size: int, rows: int, pipeline: str, baseline: str) -> None:
    """The body of `run_case`: `huge` (size curves x 10 knots, their own scores as teacher)
    or `issue6` (size features x 10 knots, the synthetic data above)."""
    import pwlc
    from pwlc.errors import PwlcError

    if baseline != "-":
        use_baseline(baseline)
    if kind == "huge":
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from huge_model import huge_model

        model = huge_model(size, 10)
        rng = np.random.default_rng(0)
        data: dict[str, np.ndarray] = {i.name: rng.uniform(-1.0, 13.0, rows) for i in model.inputs}
        teacher = None
    else:
        truth, data, teacher = synthetic(size, 10, rows)
        model = perturbed(truth)
    start = time.perf_counter()
    try:
        _, report = pwlc.optimize(model, pipeline, data=data, teacher=teacher)
    except PwlcError as error:
        print(json.dumps({"error": str(error)}))
        return
    print(json.dumps({"seconds": time.perf_counter() - start, "peak_mb": peak_mb(), "note": report.passes[0].note}))


def many_values(baseline: str) -> None:
    """The issue-9 cases: this tree (form=auto), and BASE where its G fits."""
    print("curves x 10 knots, rows: refit of this tree (form=auto) | refit at BASE (dense G)")
    for curves, rows in ((300, 256), (600, 256), (1000, 256), (10_000, 256), (10_000, 5_000)):
        values = curves * 10 + 1
        ours = run_case("huge", curves, rows, "refit", "-")
        if "error" in ours:
            print(f"  {curves:>6,} x {rows:>5,}  refused: {ours['error']}")
            suggested = re.search(r"max_rows=(\d+)", str(ours["error"]))
            if suggested:
                ours = run_case("huge", curves, rows, f"refit{{max_rows={suggested.group(1)}}}", "-")
        line = f"  {curves:>6,} x {rows:>5,}  {values:>7,} values: {describe(ours)}"
        if baseline and 20 * 8 * values**2 < 6e9:  # BASE's peak, measured at up to 20x its G
            before = run_case("huge", curves, rows, "refit", baseline)
            line += f" | BASE {describe(before)}"
            if "seconds" in before and "seconds" in ours:
                line += f" | BASE / this: time {float(before['seconds']) / float(ours['seconds']):.1f}x, peak {float(before['peak_mb']) / float(ours['peak_mb']):.1f}x"
        else:
            line += f" | BASE not run (G alone {8 * values**2 / 2**30:.2f} GiB)"
        print(line, flush=True)


def describe(result: dict[str, object]) -> str:
    if "error" in result:
        return f"error: {result['error']}"
    return f"{float(result['seconds']):.1f} s, peak {float(result['peak_mb']):,.0f} MB ({result['note']})"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--case":
        kind, size, rows, pipeline, baseline = sys.argv[2:7]
        case(kind, int(size), int(rows), pipeline, baseline)
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--knots", type=int, default=10)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--naive-rows", type=int, default=20_000)
    parser.add_argument("--loss", choices=["squared", "logistic"], default="squared")
    parser.add_argument("--many-values", action="store_true", help="the issue-9 cases only (see above)")
    parser.add_argument("--baseline", default="", help="a git revision whose refit.py to measure side by side")
    args = parser.parse_args()
    if args.many_values:
        many_values(args.baseline)
        return
    if args.baseline and args.loss == "squared":
        print(f"{args.features} features x {args.knots} knots, {args.rows:,} rows, squared loss, each in a fresh process:")
        ours = run_case("issue6", args.features, args.rows, "refit", "-")
        before = run_case("issue6", args.features, args.rows, "refit", args.baseline)
        print(f"  this tree: {describe(ours)}\n  BASE:      {describe(before)}")
        if "seconds" in ours and "seconds" in before:
            print(f"  this / BASE: time {float(ours['seconds']) / float(before['seconds']):.2f}x, peak {float(ours['peak_mb']) / float(before['peak_mb']):.2f}x")
        return

    truth, data, teacher = synthetic(args.features, args.knots, args.rows)
    labels = None
    pipeline = Refit()
    if args.loss == "logistic":
        truth = replace(truth, link="logistic")
        labels = (np.random.default_rng(2).uniform(size=args.rows) < 1 / (1 + np.exp(-teacher))).astype(float)
        data = {**data, "y": labels}
        pipeline = Refit(target="labels", label="y")
    start = perturbed(truth)
    context = PassData.from_data(start, data, teacher)
    print(f"{args.loss} loss; {args.features} features x {args.knots} knots = {Layout(start).size} values; {args.rows:,} rows")

    t0 = time.perf_counter()
    fitted, note = pipeline.apply(start, context)
    t_total = time.perf_counter() - t0
    print(f"refit: {t_total:.1f} s; peak RSS {peak_mb():.0f} MB; {note}")
    scores = {name: evaluate(m, data, output="score") for name, m in (("start", start), ("refit", fitted), ("true model", truth))}
    if labels is None:
        quality = {k: float(np.sqrt(np.mean((v - teacher) ** 2))) for k, v in scores.items()}
        print("RMS to teacher: " + ", ".join(f"{k} {v:.4f}" for k, v in quality.items()) + " (noise 0.1)")
    else:
        print("log loss: " + ", ".join(f"{k} {log_loss(v, labels):.4f}" for k, v in scores.items()))

    small = {k: v[: args.naive_rows] for k, v in data.items()}
    small_labels = None if labels is None else labels[: args.naive_rows]
    small_context = PassData.from_data(start, small, teacher[: args.naive_rows])
    t0 = time.perf_counter()
    ours = replace(pipeline, ridge=0.0).run(start, small_context)
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    naive_scores = naive_refit(start, small_context, small_labels)
    t_naive = time.perf_counter() - t0
    gap = np.max(np.abs(evaluate(ours, small, output="score") - naive_scores))
    print(f"on {args.naive_rows:,} rows: refit {t_ours:.2f} s, naive row-level cvxpy {t_naive:.2f} s "
          f"(naive / refit = {t_naive / t_ours:.1f}x); max score difference {gap:.2g}")


if __name__ == "__main__":
    main()
