"""The replication table's issue-21 sections (used by benchmarks/replicate.py):

- knots at the interval: per data set and teacher, the fewest total knots whose distilled
  model reaches the teacher's 95% interval on the metric (mean at or above its lower end;
  for RMSE at or below its upper end), with a total knot budget (`pwlc.distill(knots=N)`)
  against a uniform segment count per curve (the paper's method);
- the joint refit on held-out rows: the per-curve student against the refit with its
  ridge chosen by cross-validation (`refit{cv=5}`; grouped by query on MSLR);
- dropped terms: an EBM with pairs distilled to its main effects only, before and after
  the cross-validated refit toward the teacher (what share of the pairs' cost it recovers).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import pwlc
from pwlc.passes import optimize
from pwlc.passes.refit import Refit

FRACTIONS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.5, 2.0, 3.0)


def knots(model: pwlc.Model) -> int:
    return sum(len(t.xs) for t in model.terms if isinstance(t, pwlc.Curve))


def curves(model: pwlc.Model) -> int:
    return sum(isinstance(t, pwlc.Curve) for t in model.terms)


def knot_grid(curve_count: int) -> list[int]:
    """Totals to try: every count up to 6 a curve when that is at most 40, else fractions of
    the uniform one-segment count (two knots a curve)."""
    if 6 * curve_count <= 40:
        return list(range(0, 6 * curve_count + 1))
    return sorted({max(1, round(f * 2 * curve_count)) for f in FRACTIONS})


def cv_refit(student: pwlc.Model, mono: str, data: Any, teacher_scores: np.ndarray, groups: np.ndarray | None, monotone: str) -> tuple[pwlc.Model, str]:
    """The refit with its ridge chosen by 5-fold CV (whole queries when `groups`)."""
    if groups is not None:
        data = data.assign(__query=groups)
    refit = Refit(monotone=monotone if mono == "auto" else "", cv=5, cv_groups="__query" if groups is not None else "")
    refitted, report = optimize(student, [refit], data=data, teacher=teacher_scores)
    return refitted, report.passes[0].note


def reaches(mean: float, low: float, high: float, higher_is_better: bool) -> bool:
    return mean >= low if higher_is_better else mean <= high


def fewest_reaching(entries: dict[int, tuple[float, float]], low: float, high: float, higher_is_better: bool) -> tuple[int, float, float] | None:
    """(setting, mean knots, mean metric) of the fewest knots reaching the interval."""
    found = [(knots_, setting, mean) for setting, (knots_, mean) in entries.items() if reaches(mean, low, high, higher_is_better)]
    if not found:
        return None
    knots_, setting, mean = min(found)
    return setting, knots_, mean


def knots_row(task_name: str, teacher: str, metric: str, low: float, high: float, higher: bool, uniform: dict[int, tuple[float, float]], budget: dict[int, tuple[float, float]]) -> tuple[str, str]:
    """A row of the knots-at-the-interval table and its answer line."""
    best_uniform = fewest_reaching(uniform, low, high, higher)
    best_budget = fewest_reaching(budget, low, high, higher)
    cell = lambda found, unit: "none reaches it" if found is None else f"{found[1]:.0f} ({found[0]} {unit}; {found[2]:.4f})"  # noqa: E731
    share = f"{best_budget[1] / best_uniform[1]:.0%}" if best_uniform and best_budget and best_uniform[1] > 0 else "n/a"
    row = f"| {task_name} | {teacher} | {metric} | [{low:.4f}, {high:.4f}] | {cell(best_uniform, 'seg a curve')} | {cell(best_budget, 'knots asked')} | {share} |"
    reach = lambda found, unit: "reaches no setting tried" if found is None else f"reaches it with {cell(found, unit)} knots"  # noqa: E731
    verdict = (
        f"- **{task_name}, {teacher}, {metric}**: a uniform count {reach(best_uniform, 'seg a curve')}; "
        f"the total budget {reach(best_budget, 'knots asked')}: {share} of the uniform knots."
    )
    return row, verdict


def dropped_pairs(name: str, X: Any, y: np.ndarray, classification: bool, segments: int = 5) -> tuple[str, str]:
    """An EBM with pairs, trained on half the rows; its student without the pair grids,
    refitted toward the teacher on the same half; RMS to the teacher on the other half."""
    from interpret.glassbox import ExplainableBoostingClassifier, ExplainableBoostingRegressor
    from sklearn.model_selection import train_test_split

    train_rows, test_rows = train_test_split(np.arange(len(y)), test_size=0.5, random_state=0)
    X_train, X_test = X.iloc[train_rows].reset_index(drop=True), X.iloc[test_rows].reset_index(drop=True)
    if classification:
        teacher: Any = ExplainableBoostingClassifier(interactions=10, random_state=0).fit(X_train, y[train_rows])
        score: Callable[[Any], np.ndarray] = teacher.decision_function
    else:
        teacher = ExplainableBoostingRegressor(interactions=10, outer_bags=2, max_rounds=2000, random_state=0).fit(X_train, y[train_rows])
        score = teacher.predict
    teacher_train, teacher_test = score(X_train), score(X_test)
    student = pwlc.distill(teacher, X_train, segments=segments)
    mains = pwlc.Model(student.inputs, tuple(t for t in student.terms if not isinstance(t, pwlc.Grid)), student.link, student.name, student.doc)
    pairs = sum(isinstance(t, pwlc.Grid) for t in student.terms)
    refitted, note = cv_refit(mains, "none", X_train, teacher_train, None, "")
    plain, _ = optimize(mains, [Refit()], data=X_train, teacher=teacher_train)
    rms = lambda model: float(np.sqrt(np.mean((pwlc.evaluate(model, X_test, output="score") - teacher_test) ** 2)))  # noqa: E731
    full, main, after, after_plain = rms(student), rms(mains), rms(refitted), rms(plain)
    recovered = (main - after) / (main - full) if main > full else float("nan")
    row = f"| {name} | {pairs} | {full:.4f} | {main:.4f} | {after:.4f} | {after_plain:.4f} | {recovered:.0%} |"
    verdict = (
        f"- **{name}, EBM with {pairs} pairs**: dropping the pair grids moves the student from {full:.4f} to {main:.4f} RMS from the teacher "
        f"on held-out rows; the cross-validated refit of the main effects brings it to {after:.4f}, recovering {recovered:.0%} of what the pairs cost "
        f"(the refit's note: {note})."
    )
    return row, verdict
