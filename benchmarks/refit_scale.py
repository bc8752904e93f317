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
"""

from __future__ import annotations

import argparse
import resource
import time
from dataclasses import replace

import numpy as np

from pwlc.ir import Constant, Curve, Input, Model, verify
from pwlc.passes.context import PassData, output_values, with_output_values
from pwlc.passes.refit import Layout, Refit
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--knots", type=int, default=10)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--naive-rows", type=int, default=20_000)
    parser.add_argument("--loss", choices=["squared", "logistic"], default="squared")
    args = parser.parse_args()

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
