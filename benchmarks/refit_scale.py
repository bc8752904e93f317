"""refit at scale: 100 features x 10 knots on 1M rows, without a row-sized cvxpy problem.

Prints, measured side by side in one run:
1. the sufficient-statistics refit (chunks of rows -> Gram matrix -> p-variable QP) on the
   full row count: time to build the statistics, time to solve, peak memory, fit quality;
2. on a smaller row count where both are feasible, the same refit against a naive cvxpy
   problem over every row (sum of squares of X theta - y), with the ratio of their times
   and the agreement of their solutions.

    .venv/bin/python benchmarks/refit_scale.py                 # 100 x 10 on 1,000,000 rows
    .venv/bin/python benchmarks/refit_scale.py --rows 200000   # quicker
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
    """A random additive model, data for it, and noisy teacher scores."""
    rng = np.random.default_rng(seed)
    names = [f"x{j}" for j in range(features)]
    grid = tuple(float(v) for v in np.linspace(0, 1, knots))
    terms = [Constant(0.1)] + [Curve(n, grid, tuple(float(v) for v in rng.normal(0, 1, knots))) for n in names]
    model = verify(Model(tuple(Input(n) for n in names), tuple(terms)))
    data = {n: rng.uniform(-0.05, 1.05, rows) for n in names}
    teacher = evaluate(model, data, output="score") + rng.normal(0, 0.1, rows)
    return model, data, teacher


def perturbed(model: Model, seed: int = 1) -> Model:
    rng = np.random.default_rng(seed)
    return replace(model, terms=tuple(with_output_values(t, [v + rng.normal(0, 0.5) for v in output_values(t)]) for t in model.terms))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def naive_refit(model: Model, context: PassData) -> np.ndarray:
    """The problem refit avoids: one cvxpy residual per row."""
    import cvxpy as cp

    layout = Layout(model)
    design, keep = layout.design(context.columns, slice(0, context.rows))
    theta = cp.Variable(layout.size)
    cp.Problem(cp.Minimize(cp.sum_squares(design[keep] @ theta - context.target_scores[keep]) / keep.sum())).solve(solver="CLARABEL")
    return np.asarray(theta.value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--knots", type=int, default=10)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--naive-rows", type=int, default=20_000)
    args = parser.parse_args()

    model, data, teacher = synthetic(args.features, args.knots, args.rows)
    start = perturbed(model)
    context = PassData.from_data(start, data, teacher)
    layout = Layout(start)
    print(f"{args.features} features x {args.knots} knots = {layout.size} values; {args.rows:,} rows")

    t0 = time.perf_counter()
    fitted, note = Refit().apply(start, context)
    t_total = time.perf_counter() - t0
    residual = evaluate(fitted, data, output="score") - teacher
    truth_residual = evaluate(model, data, output="score") - teacher
    print(f"refit (sufficient statistics in chunks + {layout.size}-variable QP): {t_total:.1f} s; peak RSS {peak_mb():.0f} MB; {note}")
    print(f"RMS to teacher: start {np.sqrt(np.mean((evaluate(start, data, output='score') - teacher) ** 2)):.4f}, "
          f"refit {np.sqrt(np.mean(residual ** 2)):.4f}, true model {np.sqrt(np.mean(truth_residual ** 2)):.4f} (noise 0.1)")

    small = {k: v[: args.naive_rows] for k, v in data.items()}
    small_context = PassData.from_data(start, small, teacher[: args.naive_rows])
    t0 = time.perf_counter()
    ours = Refit(ridge=0.0).run(start, small_context)
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    theta = naive_refit(start, small_context)
    t_naive = time.perf_counter() - t0
    design, _ = Layout(start).design(small_context.columns, slice(0, args.naive_rows))
    gap = np.max(np.abs(evaluate(ours, small, output="score") - design @ theta))
    print(f"on {args.naive_rows:,} rows: refit {t_ours:.2f} s, naive row-level cvxpy {t_naive:.2f} s "
          f"(naive / refit = {t_naive / t_ours:.1f}x); max score difference {gap:.2g}")


if __name__ == "__main__":
    main()
