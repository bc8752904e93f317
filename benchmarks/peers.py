"""pwlc against the tools a user would pick instead, side by side (issue 18).

    .venv/bin/python benchmarks/peers.py                  # 1M rows, 3 rounds (~25 min; the peers' envs once: ~10 min more)
    .venv/bin/python benchmarks/peers.py --rows 20000     # a quick run
    .venv/bin/python benchmarks/peers.py --only ebm-compas,linear-compas
    .venv/bin/python benchmarks/peers.py --sql-forms      # other DuckDB forms of pwlc's slow terms, timed

Writes benchmarks/results/peers.md (`--out` to write elsewhere).

Each teacher is trained once, here (pwlc's environment), on the real rows; every contender
scores the same rows (drawn from them with replacement) and the same edge grid
(`pwlc.testing.edge_grid(pwlc.lower(teacher))`: every cut ±1 ulp, NaN, ±inf, unseen
categories). Peers that pin old versions run in their own virtualenvs under `.venv-peers/`
(created on demand, see peers/venvs.py), in a worker process that loads the handed-over
model (LightGBM model text, the EBM pickle or its fitted attributes, the pipeline pickle)
and its input before the parent starts timing, and then times only its scoring call (see
peers/worker.py). Code generators (m2cgen, ml2sql, orbital) write their code in their env;
the code then runs here, beside pwlc's, on the same engine: C compiled with the same gcc
flags, SQL on the same single-threaded DuckDB connection and table.

Everything runs single-threaded (OMP/MKL/OpenBLAS threads 1, DuckDB `SET threads = 1`,
onnxruntime intra/inter op threads 1, LightGBM num_threads=1, tl2cgen/GTIL nthread=1,
lleaves n_jobs=1), in interleaved rounds (A, B, C, A, B, C, ...), and the table gives the
median. rows/s is counted on CPU time of the scoring process (the machine is shared:
time the scheduler gives to others does not count against anyone); wall-clock rows/s is
beside it. Ratios are pwlc ÷ peer on CPU rows/s.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_name] = "1"

import argparse  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from datetime import date  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from peers import ebm_row, inputs, lightgbm_row, linear_row, report  # noqa: E402
from peers.timing import Group, interleave  # noqa: E402
from peers.venvs import VENVS  # noqa: E402

GROUPS: dict[str, tuple[Callable[[int], inputs.Data], Callable[..., Group]]] = {
    "lightgbm-lending": (inputs.lending_club, lightgbm_row.build),
    "lightgbm-compas": (inputs.compas, lightgbm_row.build),
    "ebm-compas": (inputs.compas, ebm_row.build),
    "ebm-lending": (inputs.lending_club, ebm_row.build),
    "linear-lending": (inputs.lending_club, linear_row.build),
    "linear-compas": (inputs.compas, linear_row.build),
}


# What follows this line in the results file is written by hand (the reading of a run) and
# kept when the script rewrites the measured part above it.
KEPT = "<!-- Written by hand below this line; benchmarks/peers.py keeps it when it rewrites the tables above. -->"


def write(path: Path, lines: list[str]) -> None:
    kept = ""
    if path.exists() and KEPT in path.read_text(encoding="utf-8"):
        kept = path.read_text(encoding="utf-8").split(KEPT, 1)[1]
    path.write_text("\n".join(lines) + "\n" + KEPT + kept, encoding="utf-8")


def versions() -> str:
    from importlib import metadata

    names = ("numpy", "pandas", "duckdb", "lightgbm", "interpret-core", "scikit-learn")
    return ", ".join(f"{n} {metadata.version(n)}" for n in names)


def header(args: argparse.Namespace, load_before: tuple[float, ...]) -> list[str]:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE).stdout.strip()
    command = "    .venv/bin/python benchmarks/peers.py" + "".join(f" {a}" for a in sys.argv[1:])
    return [
        "# pwlc against the tools users would pick instead",
        "",
        "Produced by `benchmarks/peers.py` (its docstring says how each peer runs):",
        "",
        command,
        "",
        "(`--rows 20000` for a quick run; `--only ebm-compas,linear-compas` for some rows; `make peers ARGS=...`.)",
        "",
        f"Run on {date.today().isoformat()} at commit {commit}, {os.cpu_count()} cores shared with other work; "
        f"load average (1, 5, 15 min) {', '.join(f'{x:.2f}' for x in load_before)} at the start. "
        f"pwlc's environment: Python {sys.version.split()[0]}, {versions()}.",
        "",
        f"{args.rows:,} rows, single-threaded, {args.rounds} interleaved rounds, medians. rows/s counts CPU time of "
        "the scoring process (wall time beside it); ratios are pwlc ÷ the contender on CPU rows/s (above 1: pwlc is "
        "faster). Start-up, imports, loading the model, compiling and putting the input in the form each tool "
        "scores (a DuckDB table, column arrays, a float64 matrix, ONNX feeds) are outside every timing: a peer in "
        "another virtualenv loads everything, answers `ready`, and then times only its scoring call.",
        "",
        "A row is *off* when |Δ| > 1e-9 · max(1, |teacher|), against the teacher's raw score (log-odds or "
        "regression value) or its probability, as the column `vs teacher's` says (a tool that only outputs "
        "probabilities is compared with the teacher's `predict_proba`). The edge grid is "
        "`pwlc.testing.edge_grid(pwlc.lower(teacher))` (every cut ±1 ulp, NaN, ±inf, unseen categories), fed to "
        "every contender. Emitted code is the text each tool writes (pwlc: `pwlc.emit`; lleaves: its LLVM IR before "
        "optimisation; ebm2onnx: ONNX nodes and serialized bytes).",
        "",
    ]


def explain_slower(group: Group) -> None:
    """For each pwlc DuckDB query that a peer beats, where its time goes (peers/profile.py)."""
    for contender in group.contenders:
        faster = [c.label for c in group.contenders if c.tool != "pwlc" and c.rate() > contender.rate()]
        if contender.profile is None or not faster:
            continue
        print(f"  profiling {contender.label} (slower than {', '.join(faster)}) ...", flush=True)
        lines = contender.profile()
        group.notes.append(f"Why {contender.label} is behind {', '.join(faster)}: " + " ".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows scored (default 1M)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (the median is reported)")
    parser.add_argument("--only", default=",".join(GROUPS), help=f"comma-separated rows of the benchmark: {', '.join(GROUPS)}")
    parser.add_argument("--gtil-rows", type=int, default=100_000, help="rows for treelite GTIL (slow)")
    parser.add_argument("--scalar-rows", type=int, default=20_000, help="rows for Python one-row-a-call loops")
    parser.add_argument("--sqlite-rows", type=int, default=200_000, help="rows for SQLite")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "peers.md")
    parser.add_argument("--sql-forms", action="store_true", help="only print other DuckDB forms of pwlc's slow terms, timed (peers/sql_forms.py)")
    args = parser.parse_args()
    if args.sql_forms:
        from peers import sql_forms

        rows = min(args.rows, 200_000)
        print(f"DuckDB, threads=1, CPU time, median of {sql_forms.REPEATS}, {rows:,} rows, ns a row above the bare scan:")
        print("\n".join(sql_forms.measure(inputs.compas(rows), inputs.lending_club(rows))))
        return
    chosen = args.only.split(",")
    unknown = [g for g in chosen if g not in GROUPS]
    if unknown:
        parser.error(f"unknown --only {', '.join(unknown)}; choose from {', '.join(GROUPS)}")

    lines = header(args, os.getloadavg())
    loaded: dict[Any, inputs.Data] = {}
    for key in chosen:
        load, build = GROUPS[key]
        if load not in loaded:
            loaded[load] = load(args.rows)
        data = loaded[load]
        print(f"{key}: building the teacher and the contenders ...", flush=True)
        start = time.perf_counter()
        group = build(data, VENVS / "work" / key, args)
        print(f"  {len(group.contenders)} contenders ({time.perf_counter() - start:.0f} s); timing ...", flush=True)
        try:
            interleave(group, args.rounds)
        finally:
            for worker in group.workers:
                worker.stop()
        explain_slower(group)
        lines += report.section(group, args.rounds)
        lines_now = lines + [f"Load average (1, 5, 15 min) after the last row: {', '.join(f'{x:.2f}' for x in os.getloadavg())}.", ""]
        write(args.out, lines_now)
        print("\n".join(report.section(group, args.rounds)), flush=True)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
