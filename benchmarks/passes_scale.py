"""Simplifying passes on a big model: 100 curves x 10 knots, 100,000 rows of data.

Prints each pass's wall time next to its report (knots, stated bound, measured change).

    .venv/bin/python benchmarks/passes_scale.py
    .venv/bin/python benchmarks/passes_scale.py --rows 20000
"""

from __future__ import annotations

import argparse
import time

from refit_scale import synthetic  # benchmarks/ is on sys.path when run as a script

from pwlc.passes import optimize

PIPELINE = ["fold-constants", "merge-segments{tol=0.005}", "round{tol=0.005}", "prune{threshold=0.05}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--knots", type=int, default=10)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    model, data, _ = synthetic(args.features, args.knots, args.rows)
    print(f"{args.features} curves x {args.knots} knots, {args.rows:,} rows")
    for step in PIPELINE:
        start = time.perf_counter()
        model, report = optimize(model, step, data)
        print(f"  {time.perf_counter() - start:6.1f} s  {report.passes[0]}")


if __name__ == "__main__":
    main()
