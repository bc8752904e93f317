"""Multiclass end to end (issue 17) on COMPAS's 3-class risk category (`pwlc.datasets.compas_risk`:
the tool's own Low / Medium / High from six of its inputs).

For a 3-class EBM (with a pair) and a 3-class LightGBM (one feature per tree): lower
exactly, distill, -O2, print to every backend that prints a multiclass model, read each
file back, run the C file (gcc and clang: the batch, the scores and the probabilities)
and compare with the evaluator on the test rows and the student's edge grid; then the
multiclass log loss and accuracy of teacher and student on held-out rows, with the
teacher's 95% bootstrap interval of log loss.

    .venv/bin/python benchmarks/multiclass.py             # writes benchmarks/results/multiclass.md
    .venv/bin/python benchmarks/multiclass.py --no-write
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

import pwlc
from pwlc.backends import BACKENDS, backend
from pwlc.datasets import compas_risk
from pwlc.metrics import accuracy, multiclass_log_loss
from pwlc.testing import edge_grid, mismatches

# the tests' helpers, when run as a script from any directory
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests import engines  # noqa: E402
from tests.c_harness import run_multiclass  # noqa: E402
from tests.test_multiclass_python_sql import run_python  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "multiclass.md"
BOOTSTRAP = 1000


def teachers(X: Any, y: np.ndarray, categorical: tuple[str, ...]) -> dict[str, tuple[Any, Any]]:
    """name -> (the trained teacher, its raw scores on rows like X)."""
    import lightgbm
    import pandas as pd
    from interpret.glassbox import ExplainableBoostingClassifier

    ebm = ExplainableBoostingClassifier(interactions=[(0, 1)], outer_bags=4, max_rounds=1000, random_state=0).fit(X, y)
    categories = {c: pd.Index(sorted(X[c].unique())) for c in categorical}

    def typed(frame: Any) -> Any:
        out = frame.copy()
        for column, known in categories.items():
            out[column] = pd.Categorical(out[column].where(out[column].isin(known)), categories=known)
        return out

    lgbm = lightgbm.LGBMClassifier(objective="multiclass", n_estimators=200, learning_rate=0.05, num_leaves=8,
                                   interaction_constraints=[[j] for j in range(X.shape[1])], verbose=-1, random_state=0)
    lgbm.fit(typed(X), y)
    return {
        "EBM (interpret, 1 pair)": (ebm, ebm.decision_function),
        "LightGBM multiclass (one feature per tree)": (lgbm, lambda frame: lgbm.predict(typed(frame), raw_score=True)),
    }


def interval(labels: np.ndarray, probabilities: np.ndarray, seed: int = 0) -> tuple[float, float]:
    """The 95% bootstrap interval of the multiclass log loss over the rows."""
    rng = np.random.default_rng(seed)
    losses = []
    for _ in range(BOOTSTRAP):
        rows = rng.integers(0, len(labels), len(labels))
        losses.append(multiclass_log_loss(labels[rows], probabilities[rows]))
    low, high = np.percentile(losses, [2.5, 97.5])
    return float(low), float(high)


def path(name: str, teacher: Any, raw: Any, X_train: Any, X_test: Any, y_test: np.ndarray) -> list[str]:
    lines = [f"### {name}", ""]
    exact = pwlc.lower(teacher)
    gap = float(np.max(np.abs(pwlc.evaluate(exact, X_test, output="score") - raw(X_test))))
    lines.append(f"- lower: exact, max |pwlc score - library raw score| on the test rows {gap:.1e}")
    start = time.perf_counter()
    student = pwlc.distill(teacher, X_train)
    student, report = pwlc.optimize(student, "O2", data=X_train, teacher=raw(X_train))
    assert isinstance(student, pwlc.Multiclass)
    knots = sum(p.knots_after for p in list(report)[-1:])
    lines.append(f"- distill + -O2: {time.perf_counter() - start:.1f} s, {sum(len(t) for t in student.scores)} terms, {knots} knots over {len(student.classes)} classes")
    grid = edge_grid(student)
    rows = {i.name: list(X_test[i.name].where(X_test[i.name].notna(), None)) + grid[i.name] for i in student.inputs}
    scores, probabilities = pwlc.evaluate(student, rows, output="score"), pwlc.evaluate(student, rows)
    for target in sorted(BACKENDS):
        if not getattr(backend(target), "MULTICLASS", False):
            lines.append(f"- {target}: refused (the backend prints no multiclass model yet)")
            continue
        text = pwlc.emit(student, target)
        read = pwlc.read(text, format=target)
        line = f"- {target}: {len(text.splitlines())} lines, read back {'identical' if read == student else 'DIFFERENT'}"
        if target == "c":
            counts = []
            for compiler in ("gcc", "clang"):
                ran = run_multiclass(text, read, rows, compiler)
                bad = sum(len(mismatches(got, probabilities if function == "probabilities" else scores)) for function, got in ran.items())
                counts.append(f"{compiler} {bad}")
            line += f"; run on {len(scores):,} rows (test + edge grid), mismatches against the evaluator (batch, scores, probabilities): {', '.join(counts)}"
        elif target == "python":
            ran = run_python(text, read, rows)
            bad = sum(len(mismatches(got, probabilities if label.startswith("probabilities") else scores)) for label, got in ran.items())
            line += f"; run on {len(scores):,} rows (test + edge grid), row by row and batched, mismatches against the evaluator (scores, probabilities): {bad}"
        elif target == "sql":
            counts = []
            for engine in ("sqlite", "duckdb", "postgres"):
                if engines.unavailable(engine) is not None:
                    counts.append(f"{engine} not run ({engines.unavailable(engine)})")
                    continue
                query = engines.emit_sql(read, engine)
                same = pwlc.read(query, format=f"sql:{engine}") == student
                got = engines.run_sql_multiclass(query, read, rows, engine)
                bad = len(mismatches(got["scores"], scores)) + len(mismatches(got["probabilities"], probabilities))
                counts.append(f"{engine} {bad}{'' if same else ' (read back DIFFERENT)'}")
            line += f"; run on {len(scores):,} rows, mismatches against the evaluator (scores, probabilities): {', '.join(counts)}"
        lines.append(line)
    teacher_p = pwlc.evaluate(exact, X_test)
    student_p = pwlc.evaluate(student, X_test)
    low, high = interval(y_test, teacher_p)
    loss_t, loss_s = multiclass_log_loss(y_test, teacher_p), multiclass_log_loss(y_test, student_p)
    inside = "within" if low <= loss_s <= high else "OUTSIDE"
    lines += [
        f"- multiclass log loss on {len(y_test):,} test rows: teacher {loss_t:.4f} (95% bootstrap interval {low:.4f} .. {high:.4f}), student {loss_s:.4f}: {inside} the interval",
        f"- accuracy: teacher {accuracy(y_test, teacher_p):.4f}, student {accuracy(y_test, student_p):.4f}; mean |p_student - p_teacher| {np.mean(np.abs(student_p - teacher_p)):.4f}",
        "",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    start = time.perf_counter()
    data = compas_risk()
    order = np.random.default_rng(0).permutation(len(data.y))
    train, test = order[: int(0.7 * len(order))], order[int(0.7 * len(order)) :]
    X_train, X_test = data.X.iloc[train].reset_index(drop=True), data.X.iloc[test].reset_index(drop=True)
    y_train, y_test = data.y[train].astype(int), data.y[test].astype(int)
    lines = [
        "# Multiclass end to end",
        "",
        f"`.venv/bin/python benchmarks/multiclass.py`. COMPAS's risk category ({', '.join(data.classes)}; `pwlc.datasets.compas_risk`), "
        f"{len(train):,} training and {len(test):,} test rows (a seeded shuffle). Each teacher is lowered exactly, distilled "
        "(5 segments per curve on average), optimized with -O2 on the training rows, printed to each backend, read back and run.",
        "",
    ]
    for name, (teacher, raw) in teachers(X_train, y_train, data.categorical).items():
        lines += path(name, teacher, raw, X_train, X_test, y_test)
    lines.append(f"{time.perf_counter() - start:.0f} s in all.")
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        RESULTS.write_text(text)
    return 0 if "OUTSIDE" not in text and "DIFFERENT" not in text else 1


if __name__ == "__main__":
    sys.exit(main())
