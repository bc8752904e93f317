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
ALTERNATE = 3  # rounds of refit{alternate=N}
TOL_FRACTIONS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.4)


def knots(model: pwlc.Model) -> int:
    """The knots of the curves, and the edges of the steps (a knot budget's one-knot option)."""
    return sum(len(t.xs) if isinstance(t, pwlc.Curve) else len(t.edges) for t in model.terms if isinstance(t, (pwlc.Curve, pwlc.Step)))


def curves(model: pwlc.Model) -> int:
    return sum(isinstance(t, pwlc.Curve) for t in model.terms)


def knot_grid(curve_count: int) -> list[int]:
    """Totals to try: every count from one knot a curve to the uniform floor (one segment,
    two knots a curve: where a budget can beat the uniform count, searched knot by knot)
    when that floor is at most 40, and fractions of the floor above it (all fractions
    when the floor is larger)."""
    floor = 2 * curve_count
    fractions = {max(1, round(f * floor)) for f in FRACTIONS}
    if floor <= 40:
        return sorted({*range(max(1, curve_count // 2), floor + 1), *(total for total in fractions if total > floor)})
    return sorted(fractions)


def tol_grid() -> tuple[float, ...]:
    """`score_tol` settings, as fractions of the spread (standard deviation) of the teacher's
    score on the training rows: the knots then follow each fold's teacher."""
    return TOL_FRACTIONS


def cv_refit(
    student: pwlc.Model, mono: str, data: Any, teacher_scores: np.ndarray, groups: np.ndarray | None, monotone: str, alternate: int = 0
) -> tuple[pwlc.Model, str]:
    """The refit with its ridge chosen by 5-fold CV (whole queries when `groups`); with
    `alternate`, that many rounds of knot moves too (`refit{alternate=N}`)."""
    if groups is not None:
        data = data.assign(__query=groups)
    refit = Refit(monotone=monotone if mono == "auto" else "", cv=5, cv_groups="__query" if groups is not None else "", alternate=alternate)
    refitted, report = optimize(student, [refit], data=data, teacher=teacher_scores)
    return refitted, report.passes[0].note


def reaches(mean: float, low: float, high: float, higher_is_better: bool) -> bool:
    return mean >= low if higher_is_better else mean <= high


def fewest_reaching(entries: dict[Any, tuple[float, float]], low: float, high: float, higher_is_better: bool) -> tuple[Any, float, float] | None:
    """(setting, mean knots, mean metric) of the fewest knots reaching the interval."""
    found = [(knots_, setting, mean) for setting, (knots_, mean) in entries.items() if reaches(mean, low, high, higher_is_better)]
    if not found:
        return None
    knots_, setting, mean = min(found)
    return setting, knots_, mean


def knots_row(task_name: str, teacher: str, metric: str, low: float, high: float, higher: bool, uniform: dict[Any, tuple[float, float]], budgets: dict[str, dict[Any, tuple[float, float]]]) -> tuple[str, str]:
    """A row of the knots-at-the-interval table and its answer line: the uniform count
    against each way of spending a total budget (`budgets`: name -> setting -> (mean knots,
    mean metric)); the share is the best budget's."""
    best_uniform = fewest_reaching(uniform, low, high, higher)
    found = {name: fewest_reaching(entries, low, high, higher) for name, entries in budgets.items()}
    cell = lambda hit, unit: "none reaches it" if hit is None else f"{hit[1]:.1f} ({hit[0]} {unit}; {hit[2]:.4f})"  # noqa: E731
    reached = [(hit[1], name) for name, hit in found.items() if hit is not None]
    best = min(reached) if reached else None
    share = f"{best[0] / best_uniform[1]:.0%}" if best_uniform and best and best_uniform[1] > 0 else "n/a"
    cells = " | ".join(cell(hit, "asked") for hit in found.values())
    row = f"| {task_name} | {teacher} | {metric} | [{low:.4f}, {high:.4f}] | {cell(best_uniform, 'seg a curve')} | {cells} | {share} |"
    changed = "; ".join(f"{name} {cell(hit, 'asked') if hit else 'reaches no setting tried'}" for name, hit in found.items())
    verdict = (
        f"- **{task_name}, {teacher}, {metric}**: a uniform count "
        + ("reaches no setting tried" if best_uniform is None else f"reaches the teacher's interval with {cell(best_uniform, 'seg a curve')} knots")
        + f"; a total budget: {changed}. The fewest: {share} of the uniform knots"
        + (f" ({best[1]})." if best else ".")
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
    alternated, _ = cv_refit(mains, "none", X_train, teacher_train, None, "", alternate=ALTERNATE)
    plain, _ = optimize(mains, [Refit()], data=X_train, teacher=teacher_train)
    # What no main-effects student can beat: 10 segments a curve, refitted on the held-out rows themselves.
    wide = pwlc.distill(teacher, X_train, segments=10)
    wide_mains = pwlc.Model(wide.inputs, tuple(t for t in wide.terms if not isinstance(t, pwlc.Grid)), wide.link, wide.name, wide.doc)
    oracle, _ = optimize(wide_mains, [Refit()], data=X_test, teacher=teacher_test)
    rms = lambda model: float(np.sqrt(np.mean((pwlc.evaluate(model, X_test, output="score") - teacher_test) ** 2)))  # noqa: E731
    full, main, after, after_alternate, after_plain, ceiling = rms(student), rms(mains), rms(refitted), rms(alternated), rms(plain), rms(oracle)
    share = lambda value: f"{(main - value) / (main - full):.0%}" if main > full else "n/a"  # noqa: E731
    row = f"| {name} | {pairs} | {full:.4f} | {main:.4f} | {after:.4f} | {after_alternate:.4f} | {after_plain:.4f} | {share(after)} | {share(after_alternate)} | {ceiling:.4f} ({share(ceiling)}) |"
    verdict = (
        f"- **{name}, EBM with {pairs} pairs**: dropping the pair grids moves the student from {full:.4f} to {main:.4f} RMS from the teacher "
        f"on held-out rows; the cross-validated refit of the main effects brings it to {after:.4f}, recovering {share(after)} of what the pairs cost "
        f"(the refit's note: {note}); with {ALTERNATE} alternating rounds moving the knots too, {after_alternate:.4f} ({share(after_alternate)}). "
        f"No main-effects student recovers much more: 10 segments a curve refitted on the held-out rows themselves reach {ceiling:.4f} ({share(ceiling)})."
    )
    return row, verdict


# --- how far a few knots can go (issue 21: COMPAS at 60% of the uniform knots) ---------------

# A student's numeric terms: (feature, "curve", knots) or (feature, "step", edges); a step
# of k edges is k knots in the budget's count (k + 1 levels).
Structure = tuple[tuple[str, str, int], ...]
COARSE = 20  # candidate positions per input in the exhaustive stage of `_exhaustive`


def knot_bound(X: Any, y: np.ndarray, splits: list[tuple[np.ndarray, np.ndarray]], train: Callable[[Any, np.ndarray], Any], total: int = 3) -> list[tuple[str, list[float]]]:
    """What students of `total` knots can reach on AUC, per held-out fold, every table kept
    exactly as the teacher's (the other curves dropped: constants, which AUC ignores):

    - for each numeric feature alone: (a) the budget's curve of `total` knots fitted to the
      teacher's shape (`pwlc.distill(segments=total - 1)`); (b) a curve of `total` knots
      placed by search (coordinate descent over up to 40 candidate positions, from (a)'s
      knots) with its values fitted to the labels (logistic loss) on the training folds;
      (c) an oracle: the teacher's own shape of that feature, exactly, with no knot limit;
    - mixed: one step on every numeric feature (`total` = their count), and a curve of
      `total - 1` knots on one feature with a step on another, each with edges and knots
      searched and values fitted to the labels as in (b); and the oracle of two features'
      shapes kept exactly (what any student using two features at most can approach);
    - exhaustive, on the two inputs whose teacher shapes with the tables rank the training
      rows best (COMPAS: age and priors_count), in both roles: a step of `total - 1` edges
      on one and a step on the other; a curve of `total - 1` knots on one and a step on
      the other; a step of `total` edges on one alone. Positions are searched over every
      combination of COARSE candidates per input (`_exhaustive`), then refined by
      coordinate descent over up to 40; each structure twice: positions and values fitted
      to the labels (logistic loss, the tables as an offset), and fitted to the teacher's
      score of the numeric inputs (least squares, as `pwlc.distill` fits a curve); a curve
      and a step also with the tables' values refitted to the labels jointly with the
      structure's (at the positions found fitting the teacher: what `knots=N` and then the
      refit against the labels would give at best).

    Returns (what, AUC per fold)."""
    from pwlc.frontends import teacher as as_teacher
    from pwlc.metrics import auc

    results: dict[str, list[float]] = {}
    for train_rows, test_rows in splits:
        X_train, X_test = X.iloc[train_rows].reset_index(drop=True), X.iloc[test_rows].reset_index(drop=True)
        y_train, y_test = y[train_rows], y[test_rows]
        model = train(X_train, y_train)
        additive = as_teacher(model)
        parts = {}
        for frame, name in ((X_train, "train"), (X_test, "test")):
            columns, rows = additive.columns(frame)
            parts[name] = {shape.features: shape.values(columns, rows) for shape in additive.shapes}
        categorical = {declared.name for declared in additive.inputs if declared.kind == "categorical"}
        numeric = [features[0] for features in parts["train"] if len(features) == 1 and features[0] not in categorical]
        tables = {name: sum((values for features, values in part.items() if features[0] not in numeric), np.zeros(len(part[(numeric[0],)]))) for name, part in parts.items()}
        student = pwlc.distill(model, X_train, segments=total - 1)
        fitted = {t.feature: t for t in student.terms if isinstance(t, pwlc.Curve)}

        def record(what: str, score: np.ndarray, y_test: np.ndarray = y_test) -> None:
            results.setdefault(what, []).append(auc(y_test, score))

        record("teacher", tables["test"] + sum(parts["test"][(feature,)] for feature in numeric))

        for feature in numeric:
            curve = fitted[feature]
            record(f"{feature}: (a) budget curve, {total} knots", tables["test"] + pwlc.evaluate(pwlc.Model(student.inputs, (curve,)), X_test, output="score"))
            structure: Structure = ((feature, "curve", total),)
            record(f"{feature}: (b) {total} knots searched, fitted to labels", _searched(structure, X_train, y_train, tables["train"], X_test, tables["test"], {feature: curve.xs}))
            record(f"{feature}: (c) oracle: the teacher's shape", tables["test"] + parts["test"][(feature,)])
        if len(numeric) == total:
            record(f"mixed: a step on each of {', '.join(numeric)}, searched, fitted to labels", _searched(tuple((f, "step", 1) for f in numeric), X_train, y_train, tables["train"], X_test, tables["test"], {}))
        for first in numeric:
            for second in numeric:
                if first != second:
                    structure = ((first, "curve", total - 1), (second, "step", 1))
                    record(f"mixed: {first} curve of {total - 1} knots + {second} step, searched, fitted to labels", _searched(structure, X_train, y_train, tables["train"], X_test, tables["test"], {}))
        for k, first in enumerate(numeric):
            for second in numeric[k + 1 :]:
                record(f"oracle: the teacher's shapes of {first} and {second}", tables["test"] + parts["test"][(first,)] + parts["test"][(second,)])
        ranked = [(first, second) for k, first in enumerate(numeric) for second in numeric[k + 1 :]]
        pair = max(ranked, key=lambda p: auc(y_train, tables["train"] + parts["train"][(p[0],)] + parts["train"][(p[1],)]))
        target_train = sum((parts["train"][(feature,)] for feature in numeric), np.zeros(len(y_train)))
        for first, second in (pair, pair[::-1]):
            for structure, what in (
                (((first, "step", total - 1), (second, "step", 1)), f"{first} step of {total - 1} edges + {second} step"),
                (((first, "curve", total - 1), (second, "step", 1)), f"{first} curve of {total - 1} knots + {second} step"),
                (((first, "step", total),), f"{first} step of {total} edges alone"),
            ):
                for fit in ("labels", "teacher"):
                    target = y_train if fit == "labels" else target_train
                    positions, score = _exhaustive(structure, fit, X_train, target, tables["train"], X_test, tables["test"])
                    record(f"exhaustive: {what}, fitted to the {fit}", score)
                if structure[0][1] == "curve":
                    record(f"exhaustive: {what}, fitted to the labels with the tables", _with_tables(structure, positions, sorted(categorical), X_train, y_train, X_test))
    return list(results.items())


def _basis(structure: Structure, positions: list[tuple[float, ...]], X: Any) -> np.ndarray:
    """Columns of the numeric terms: a curve's hat functions (flat beyond its end knots), a
    step's indicators of x at or above each edge."""
    columns = []
    for (feature, kind, _), where in zip(structure, positions):
        x = np.asarray(X[feature], dtype=np.float64)
        if kind == "step":
            columns += [(x >= edge).astype(np.float64) for edge in where]
        else:
            columns += [np.interp(x, where, np.eye(len(where))[j]) for j in range(len(where))]
    return np.column_stack(columns)


def _logistic(design: np.ndarray, y: np.ndarray, offset: np.ndarray, start: np.ndarray | None = None, tol: float = 1e-10) -> tuple[np.ndarray, float]:
    """Coefficients (an intercept first) and mean log loss of logit = offset + [1, design] @ b
    (Newton's method from `start`, zeros by default; a 1e-8 ridge keeps collinear hat columns
    solvable)."""
    full = np.column_stack([np.ones(len(y)), design])
    beta = np.zeros(full.shape[1]) if start is None else start.copy()
    for _ in range(50):
        z = offset + full @ beta
        p = 1 / (1 + np.exp(-z))
        hessian = full.T @ (full * (p * (1 - p))[:, None]) + 1e-8 * np.eye(full.shape[1])
        step = np.linalg.solve(hessian, full.T @ (y - p))
        beta += step
        if np.max(np.abs(step)) < tol:
            break
    z = offset + full @ beta
    return beta, float(np.mean(np.logaddexp(0, z) - y * z))


def _searched(structure: Structure, X_train: Any, y_train: np.ndarray, offset_train: np.ndarray, X_test: Any, offset_test: np.ndarray, start: dict[str, tuple[float, ...]]) -> np.ndarray:
    """The test rows' scores of `structure` with knots and edges placed by coordinate descent
    over candidate positions (`_grid`) and values fitted to the labels (logistic loss, the
    tables as an offset)."""
    grids = {feature: _grid(X_train, feature, 40) for feature, _, _ in structure}
    positions: list[list[float]] = []
    for feature, kind, count in structure:
        grid = grids[feature]
        if kind == "step":
            positions.append([float(grid[grid.size // 2])])
        else:
            begin = start.get(feature) or tuple(np.quantile(grid, np.linspace(0.05, 0.95, count), method="nearest"))
            positions.append(sorted({float(grid[np.argmin(np.abs(grid - v))]) for v in begin}))
            while len(positions[-1]) < count:  # snapped together: spread again
                positions[-1] = sorted({*positions[-1], float(grid[len(positions[-1]) * grid.size // count])})

    def loss(candidate: list[list[float]]) -> float:
        return _logistic(_basis(structure, [tuple(p) for p in candidate], X_train), y_train, offset_train)[1]

    positions = _descend(structure, grids, positions, loss)
    beta, _ = _logistic(_basis(structure, [tuple(p) for p in positions], X_train), y_train, offset_train)
    return offset_test + np.column_stack([np.ones(len(X_test)), _basis(structure, [tuple(p) for p in positions], X_test)]) @ beta


def _exhaustive(structure: Structure, fit: str, X_train: Any, target: np.ndarray, offset_train: np.ndarray, X_test: Any, offset_test: np.ndarray) -> tuple[list[list[float]], np.ndarray]:
    """The positions found and the test rows' scores of `structure` with its positions searched over every
    combination of COARSE candidates per input (a step's edges above the smallest), then
    refined by `_descend` over up to 40, and values fitted: `fit` "labels", to the labels
    `target` (logistic loss, `offset_train` the tables' logit); "teacher", to the teacher's
    score of the numeric inputs `target` (least squares; the tables are the teacher's own)."""
    import itertools

    fine = {feature: _grid(X_train, feature, 40) for feature, _, _ in structure}
    coarse = {feature: _grid(X_train, feature, COARSE) for feature, _, _ in structure}
    options = [list(itertools.combinations(coarse[feature] if kind == "curve" else coarse[feature][1:], count)) for feature, kind, count in structure]
    warm: list[np.ndarray] = []  # the best coefficients so far: Newton's start for the next candidate

    def values(candidate: list[list[float]], tol: float = 1e-10) -> tuple[np.ndarray, float]:
        design = _basis(structure, [tuple(p) for p in candidate], X_train)
        if fit == "labels":
            return _logistic(design, target, offset_train, warm[0] if warm else None, tol)
        full = np.column_stack([np.ones(len(target)), design])
        beta = np.linalg.lstsq(full, target, rcond=None)[0]
        return beta, float(np.mean((target - full @ beta) ** 2))

    def loss(candidate: list[list[float]]) -> float:
        beta, value = values(candidate, 1e-7)
        if not warm or value < best[1]:
            warm[:] = [beta]
        return value

    best: tuple[list[list[float]], float] = ([], np.inf)
    for combination in itertools.product(*options):
        candidate = [[float(v) for v in term] for term in combination]
        value = loss(candidate)
        if value < best[1]:
            best = (candidate, value)
    positions = _descend(structure, fine, best[0], loss)
    beta, _ = values(positions)
    score = np.column_stack([np.ones(len(X_test)), _basis(structure, [tuple(p) for p in positions], X_test)]) @ beta
    return positions, offset_test + score


def _with_tables(structure: Structure, positions: list[list[float]], categorical: list[str], X_train: Any, y_train: np.ndarray, X_test: Any) -> np.ndarray:
    """The test rows' scores of `structure` at `positions` with its values and the tables'
    (one indicator a category, the first of each input dropped) fitted to the labels
    together (logistic loss, no offset)."""
    import pandas as pd

    both = pd.concat([X_train[categorical], X_test[categorical]]).astype(str)
    indicators = pd.get_dummies(both, drop_first=True).to_numpy(np.float64)
    where = [tuple(p) for p in positions]
    train = np.column_stack([_basis(structure, where, X_train), indicators[: len(X_train)]])
    test = np.column_stack([_basis(structure, where, X_test), indicators[len(X_train) :]])
    beta, _ = _logistic(train, y_train, np.zeros(len(y_train)))
    return np.column_stack([np.ones(len(X_test)), test]) @ beta


def _grid(X: Any, feature: str, size: int) -> np.ndarray:
    """Candidate knot and edge positions: the feature's distinct values, at most `size` of
    them (at evenly spaced ranks among the distinct values)."""
    values = np.unique(np.asarray(X[feature], dtype=np.float64))
    return values if values.size <= size else np.unique(np.quantile(values, np.linspace(0, 1, size), method="nearest"))


def _descend(structure: Structure, grids: dict[str, np.ndarray], positions: list[list[float]], loss: Callable[[list[list[float]]], float]) -> list[list[float]]:
    """Coordinate descent on the positions: each knot or edge in turn moved to the grid
    position (between its neighbours; a step's edge above the smallest) that lowers `loss`
    most, up to 4 rounds."""
    best = loss(positions)
    for _ in range(4):
        improved = False
        for term, (feature, kind, _) in enumerate(structure):
            for slot in range(len(positions[term])):
                low = positions[term][slot - 1] if slot else -np.inf
                high = positions[term][slot + 1] if slot + 1 < len(positions[term]) else np.inf
                for value in grids[feature]:
                    if not low < value < high or (kind == "step" and value == grids[feature][0]):
                        continue
                    trial = [list(p) for p in positions]
                    trial[term][slot] = float(value)
                    trial_loss = loss(trial)
                    if trial_loss < best - 1e-12:
                        best, positions, improved = trial_loss, trial, True
        if not improved:
            break
    return positions
