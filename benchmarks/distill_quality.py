"""Distillation quality of the defaults (issue 16), side by side in one run.

1. Segments: `pwlc.distill(teacher, X)` (no segment count) against every fixed count 1..5,
   on the replication tasks of `replicate.py` (COMPAS AUC, Lending Club RMSE, MSLR sample
   NDCG@10) with both teachers (EBM, additive LightGBM): teacher fidelity on held-out rows
   (RMS and max |distilled - teacher| of the raw score; of the probability too for COMPAS),
   the task metric, curve knots and distill time. The verdict: does the default come at
   least as close to the teacher as the best fixed count, in every fold, and is its metric
   within noise of the best fixed count's (paired difference over folds, t interval; over
   test queries, bootstrap, for MSLR)?
2. Pairs off the data: a Lending Club EBM with 10 pairs, each distilled pair against the
   teacher's pair on the edge grid (every knot and edge, ±inf, missing) and on held-out rows.
3. Rare regions under mono="auto": a COMPAS teacher that is itself a 5-segment curve, falling
   with age and turning up after 70 (0.5% of rows), distilled with 5 segments.

    .venv/bin/python benchmarks/distill_quality.py               # 5 folds, writes benchmarks/results/distill_quality.md
    .venv/bin/python benchmarks/distill_quality.py --folds 2     # quicker

Run it with PYTHONPATH pointing at another checkout to measure that one (the "before" columns
of the results file come from main that way). Needs the data of `replicate.py`.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import pwlc
from pwlc.datasets import compas, lending_club

sys.path.insert(0, str(Path(__file__).parent))
from replicate import Task, bootstrap, compas_task, interval, lending_task, mslr_task, per_query_ndcg  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "distill_quality.md"
SETTINGS: list[int | None] = [1, 2, 3, 4, 5, None]


@dataclass
class Runs:
    """Per split (fold) values of one setting."""

    rms: list[float] = field(default_factory=list)
    max_score: list[float] = field(default_factory=list)
    max_probability: list[float] = field(default_factory=list)
    metric: list[float] = field(default_factory=list)
    per_query: list[np.ndarray] = field(default_factory=list)
    knots: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)


def label(segments: int | None) -> str:
    return "default" if segments is None else f"{segments} seg"


def segments_section(task: Task, out: list[str], verdicts: list[str]) -> None:
    ranking = task.groups is not None
    metric = "NDCG@10" if ranking else task.metric
    classification = task.metric == "AUC"
    for teacher_name, train in task.teachers.items():
        runs = {s: Runs() for s in SETTINGS}
        start = time.perf_counter()
        for train_rows, test_rows in task.splits:
            X_train, X_test = task.X.iloc[train_rows].reset_index(drop=True), task.X.iloc[test_rows].reset_index(drop=True)
            q_train = task.groups[train_rows] if ranking else None  # type: ignore[index]
            teacher, raw_score = train(X_train, task.y[train_rows], q_train)
            teacher_test = raw_score(X_test)
            for segments in SETTINGS:
                began = time.perf_counter()
                student = pwlc.distill(teacher, X_train, segments=segments)
                run = runs[segments]
                run.seconds.append(time.perf_counter() - began)
                scores = pwlc.evaluate(student, X_test, output="score")
                run.rms.append(float(np.sqrt(np.mean((scores - teacher_test) ** 2))))
                run.max_score.append(float(np.max(np.abs(scores - teacher_test))))
                if classification:
                    run.max_probability.append(float(np.max(np.abs(1 / (1 + np.exp(-scores)) - 1 / (1 + np.exp(-teacher_test))))))
                if ranking:
                    run.per_query.append(per_query_ndcg(10, task.y[test_rows], scores, task.groups[test_rows]))  # type: ignore[index]
                    run.metric.append(float(run.per_query[-1].mean()))
                else:
                    run.metric.append(task.score(task.y[test_rows], scores, None))
                run.knots.append(sum(len(t.xs) for t in student.terms if isinstance(t, pwlc.Curve)))
        print(f"  {task.name} / {teacher_name}: {time.perf_counter() - start:.0f} s", file=sys.stderr)
        better = 1 if task.higher_is_better else -1
        best_fixed = max((s for s in SETTINGS if s is not None), key=lambda s: better * float(np.mean(runs[s].metric)))
        for segments in SETTINGS:
            run = runs[segments]
            probability = f"{max(run.max_probability):.3f}" if classification else ""
            out.append(
                f"| {task.name} | {teacher_name} | {label(segments)} | {np.mean(run.rms):.4f} | {max(run.max_score):.3f} | {probability} "
                f"| {np.mean(run.metric):.4f} | {np.mean(run.knots):.1f} | {np.mean(run.seconds):.2f} |"
            )
        default = runs[None]
        fixed = [runs[s] for s in SETTINGS if s is not None]
        folds_closest = sum(default.rms[k] <= min(r.rms[k] for r in fixed) * (1 + 1e-12) for k in range(len(task.splits)))
        closest_fixed = min((s for s in SETTINGS if s is not None), key=lambda s: float(np.mean(runs[s].rms)))
        if ranking:
            mean, low, high = bootstrap(np.concatenate(default.per_query) - np.concatenate(runs[best_fixed].per_query))
            how = "bootstrap over test queries"
        else:
            mean, low, high = interval(list(np.array(default.metric) - np.array(runs[best_fixed].metric)))
            how = "t interval over folds"
        if low <= 0.0 <= high:
            noise = "within noise"
        else:
            noise = "better beyond noise" if better * mean > 0 else "**worse beyond noise**"
        verdicts.append(
            f"- **{task.name}, {teacher_name}**: RMS to the teacher {np.mean(default.rms):.4f} against {np.mean(runs[closest_fixed].rms):.4f} "
            f"for the closest fixed count ({label(closest_fixed)}); the default is at least as close as every fixed count in "
            f"{folds_closest} of {len(task.splits)} split(s). {metric} {np.mean(default.metric):.4f} against {np.mean(runs[best_fixed].metric):.4f} "
            f"for the best fixed count ({label(best_fixed)}): difference {mean:+.4f}, 95% interval [{low:+.4f}, {high:+.4f}] ({how}): {noise}. "
            f"Knots {np.mean(default.knots):.1f} against {np.mean(runs[5].knots):.1f} at 5 segments."
        )


def pairs_section(out: list[str]) -> None:
    from interpret.glassbox import ExplainableBoostingRegressor
    from sklearn.model_selection import train_test_split

    from pwlc.semantics import prepare_columns, term_values
    from pwlc.testing import edge_grid

    data = lending_club()
    X_train, X_test, y_train, _ = train_test_split(data.X, data.y, test_size=0.3, random_state=0)
    ebm = ExplainableBoostingRegressor(interactions=10, outer_bags=2, random_state=0).fit(X_train, y_train)
    exact = pwlc.lower(ebm)
    student = pwlc.distill(ebm, X_train, segments=3)
    grid_rows = {name: edge_grid(exact)[name] + edge_grid(student)[name] for name in (i.name for i in exact.inputs)}
    longest = max(len(v) for v in grid_rows.values())
    grid_rows = {name: (values * (longest // len(values) + 1))[:longest] for name, values in grid_rows.items()}
    teacher_pairs = {t.features: t for t in exact.terms if isinstance(t, pwlc.Grid)}
    for grid in (t for t in student.terms if isinstance(t, pwlc.Grid)):
        teacher = teacher_pairs[grid.features]
        values = [v for row in teacher.values for v in row] + list(teacher.missing_a or ()) + list(teacher.missing_b or ())
        values += [] if teacher.missing is None else [teacher.missing]
        columns, count = prepare_columns(exact, grid_rows)
        got, wanted = term_values(grid, columns, count), term_values(teacher, columns, count)
        test_columns, test_count = prepare_columns(exact, X_test)
        test_error = term_values(grid, test_columns, test_count) - term_values(teacher, test_columns, test_count)
        out.append(
            f"| {' x '.join(grid.features)} | [{min(values):.2f}, {max(values):.2f}] | [{np.nanmin(got):.2f}, {np.nanmax(got):.2f}] "
            f"| {np.nanmax(np.abs(got - wanted)):.2f} | {np.sqrt(np.mean(test_error**2)):.4f} |"
        )


def rare_region_section(out: list[str]) -> None:
    X = compas().X[["age"]]
    teacher = pwlc.Model(
        (pwlc.Input("age", "numeric"),),
        (pwlc.Curve("age", (18.0, 25.0, 35.0, 50.0, 70.0, 85.0), (1.0, 0.4, 0.0, -0.4, -0.5, 0.7)),),
        "logistic",
    )
    old = X["age"].to_numpy() >= 70
    for mono in ("auto", "none"):
        student = pwlc.distill(teacher, X, segments=5, mono=mono)
        error = np.abs(pwlc.evaluate(student, X, output="score") - pwlc.evaluate(teacher, X, output="score"))
        out.append(f"| {mono} | {old.mean():.2%} | {error[old].max():.3f} | {error[~old].max():.2e} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    start = time.perf_counter()
    rows: list[str] = []
    verdicts: list[str] = []
    for make in (lambda: compas_task(args.folds), lambda: lending_task(args.folds), mslr_task):
        task = make()
        print(f"{task.name}: {len(task.y)} rows, {len(task.splits)} split(s)", file=sys.stderr)
        segments_section(task, rows, verdicts)
    pairs: list[str] = []
    pairs_section(pairs)
    rare: list[str] = []
    rare_region_section(rare)
    command = "benchmarks/distill_quality.py" + (f" --folds {args.folds}" if args.folds != 5 else "")
    text = "\n".join(
        [
            "# Distillation quality of the defaults (issue 16)",
            "",
            f"`.venv/bin/python {command}` ({(time.perf_counter() - start) / 60:.1f} min on this machine, 2 shared cores), pwlc from {Path(pwlc.__file__).parent.parent}.",
            "",
            "## 1. Segments: the default against fixed counts",
            "",
            f"COMPAS and Lending Club: {args.folds}-fold CV (stratified for COMPAS), the teacher trained and distilled on the training "
            "folds; MSLR: trained on the 5k-document train sample, measured on the test sample. On held-out rows: *RMS* and *max* "
            "|distilled - teacher| of the raw score (log-odds for COMPAS; mean and largest over folds), *max |Δp|* of the probability, "
            "the task metric (mean over folds), curve knots, distill seconds. mono='auto' everywhere (the default).",
            "",
            *verdicts,
            "",
            "| data | teacher | segments | RMS to teacher | max abs diff | max abs diff p | metric | knots | seconds |",
            "|---|---|---|---|---|---|---|---|---|",
            *rows,
            "",
            "## 2. Pairs off the data (Lending Club EBM, 10 pairs, distilled with 4 knots per axis)",
            "",
            "Each pair's teacher range (every value of its grid and missing rows), the distilled pair's range and largest "
            "difference from the teacher on the edge grids of both models (every knot and edge ±1 ulp, ±inf, missing), and its "
            "RMS difference from the teacher on held-out rows (30%).",
            "",
            "| pair | teacher range | distilled on edge grid | max abs diff on edge grid | RMS diff held-out |",
            "|---|---|---|---|---|",
            *pairs,
            "",
            "## 3. A rare region under mono='auto' (COMPAS age, a 5-segment teacher turning up after 70)",
            "",
            "| mono | rows with age >= 70 | max abs error there (log-odds) | max abs error elsewhere |",
            "|---|---|---|---|",
            *rare,
            "",
        ]
    )
    args.output.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
