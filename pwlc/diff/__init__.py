"""`pwlc diff` and `pwlc check`: what changed between two models, and how far it moved
the scores.

    from pwlc.diff import compare, load
    result = compare(load("risk_v1.py"), load("risk_v2.sql"), data=None)
    result.total.max, result.total.rms      # the score change
    print("\\n".join(result.lines(tol=0)))    # what `pwlc diff` prints

Terms are matched by identity (kind and inputs; see `pwlc.diff.terms`), not by position,
so two models in different formats or with their terms in another order compare term by
term. Every score change is measured with the reference evaluator: on the rows of `data`
when given, else on both models' edge grids (every knot and edge ±1 ulp, midpoints,
missing, ±inf, huge values, every category and an unseen one). A term's change is its own
contribution, old against new; the model's change is the score (the prediction, when the
links differ). A row whose score is missing in one model only is an infinite change.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from pwlc.diff.terms import TermChange, input_differences, model_changes, term_changes
from pwlc.errors import DataError, PwlcError
from pwlc.ir import Model, Multiclass
from pwlc.semantics import FloatArray, evaluate, prepare_columns, term_values

__all__ = ["Change", "Comparison", "Row", "TermChange", "compare", "load", "load_reference"]

WORST_ROWS = 5


@dataclass(frozen=True)
class Change:
    """The largest and the root-mean-square change of a score over the rows compared."""

    max: float
    rms: float

    @classmethod
    def of(cls, before: FloatArray, after: FloatArray) -> Change:
        from pwlc.passes.context import score_change

        change = score_change(before, after)
        if change.size == 0:
            return cls(0.0, 0.0)
        with np.errstate(over="ignore"):
            return cls(float(change.max()), float(np.sqrt(np.mean(np.square(change)))))


@dataclass(frozen=True)
class Row:
    """One row compared: its inputs, both models' outputs, and how far apart they are."""

    index: int
    inputs: dict[str, Any]
    old: float
    new: float
    change: float


@dataclass(frozen=True)
class Comparison:
    """Two models compared: what changed, and the score change it caused."""

    old_label: str
    new_label: str
    model: tuple[str, ...]  # link, name, description, input order
    terms: tuple[tuple[TermChange, Change], ...]  # changed terms, the largest change first
    total: Change
    rows: int
    measured_on: str  # "the rows of data.csv", "both models' edge grids"
    scale: str  # "score", or "prediction" when the links differ
    worst: tuple[Row, ...] = field(default=())

    @property
    def changed(self) -> bool:
        """Whether anything differs: a term, the link, the name, the description."""
        return bool(self.terms or self.model)

    def within(self, tol: float) -> bool:
        return self.total.max <= tol

    def lines(self, tol: float = 0.0, *, terms: bool = True, worst_rows: bool = False) -> list[str]:
        """The report as plain text lines (see `pwlc.diff.report`)."""
        from pwlc.diff.report import plain, report

        return [plain(line) for line in report(self, tol, terms=terms, worst_rows=worst_rows)]

    def to_json(self, tol: float = 0.0) -> dict[str, Any]:
        from pwlc.diff.report import as_json

        return as_json(self, tol)


def load(source: str | os.PathLike[str] | Model | Multiclass) -> Model | Multiclass:
    """A model from a file pwlc reads (.pwl, .py, .c, .sql), or a model as it is."""
    if isinstance(source, (Model, Multiclass)):
        return source
    from pwlc.api import read
    from pwlc.backends import SUFFIXES

    path = Path(source)
    if path.suffix.lower() not in SUFFIXES:
        raise PwlcError(
            f"{path}: a model file is {', '.join(SUFFIXES)}; to compare a file with a trained model, use"
            f" `pwlc check FILE --against {path}`"
        )
    return read(path)


def load_reference(source: str | os.PathLike[str] | Model | Multiclass, allow_pickle: bool = False) -> tuple[Model | Multiclass, str]:
    """What `pwlc check --against` takes: a pwlc file, or a trained model pwlc lowers
    exactly (EBM JSON, LightGBM text, XGBoost JSON, a pickle with `allow_pickle`). Returns
    the model and what it was read as."""
    from pwlc.backends import SUFFIXES

    if isinstance(source, (Model, Multiclass)) or Path(source).suffix.lower() in SUFFIXES:
        return load(source), "a pwlc model"
    from pwlc.frontends import load_model, lower

    trained = load_model(Path(source), allow_pickle=allow_pickle)
    kind = type(trained).__name__ if not isinstance(trained, dict) else "EBM"
    return lower(trained), f"{kind}, lowered exactly"


def compare(
    old: Model | Multiclass, new: Model | Multiclass, data: Any = None, *, labels: tuple[str, str] = ("old", "new"), data_label: str = "the data"
) -> Comparison:
    """Compare two models (see the module docstring). `data`: a DataFrame or mapping of
    columns with every input of both models, or None for their edge grids. Raises
    `PwlcError` when the models do not read the same inputs. Two multiclass models compare
    class by class (`compare_classes`)."""
    if isinstance(old, Multiclass) or isinstance(new, Multiclass):
        return compare_classes(old, new, data, labels=labels, data_label=data_label)
    problem = input_differences(old, new, labels)
    if problem is not None:
        raise PwlcError(f"{labels[0]} and {labels[1]} do not read the same inputs: {problem}; compare models of one signature")
    if data is None:
        from pwlc.testing import edge_grid

        grids = (edge_grid(old), edge_grid(new))
        data = {i.name: grids[0][i.name] + grids[1][i.name] for i in old.inputs}
        measured_on = "both models' edge grids"
    else:
        measured_on = f"the rows of {data_label}"
    columns, rows = prepare_columns(old, data)
    scale = "score" if old.link == new.link else "prediction"
    before, after = evaluate(old, data, output=scale), evaluate(new, data, output=scale)
    measured = [(change, _term_change(change, columns, rows)) for change in term_changes(old, new)]
    measured.sort(key=lambda item: (-item[1].max, -item[1].rms))
    return Comparison(
        labels[0],
        labels[1],
        tuple(model_changes(old, new)),
        tuple(measured),
        Change.of(before, after),
        rows,
        measured_on,
        scale,
        _worst_rows(old, data, before, after),
    )


def compare_classes(
    old: Model | Multiclass, new: Model | Multiclass, data: Any = None, *, labels: tuple[str, str] = ("old", "new"), data_label: str = "the data"
) -> Comparison:
    """Two multiclass models with the same classes, compared class by class on the same
    rows (both models' edge grids, every class's knots, when no data): each changed term
    is titled with its class; the score change is the largest over the classes (their RMS
    over every class's scores)."""
    if not (isinstance(old, Multiclass) and isinstance(new, Multiclass)):
        one = labels[0] if isinstance(old, Multiclass) else labels[1]
        raise PwlcError(f"{one} is a multiclass model and the other scores one number: compare models of one kind (a class's score is model.class_model(k))")
    if set(old.classes) != set(new.classes):
        raise PwlcError(
            f"{labels[0]} has the classes {', '.join(map(repr, old.classes))} and {labels[1]} {', '.join(map(repr, new.classes))}:"
            " compare models of the same classes"
        )
    measured_on = f"the rows of {data_label}"
    if data is None:
        from pwlc.testing import edge_grid

        grids = (edge_grid(old), edge_grid(new))
        data = {i.name: grids[0][i.name] + grids[1][i.name] for i in old.inputs if i.name in grids[1]}
        measured_on = "both models' edge grids"
    position = {label: k for k, label in enumerate(new.classes)}
    compared = [compare(old.class_model(k), new.class_model(position[label]), data, labels=labels, data_label=data_label) for k, label in enumerate(old.classes)]
    changes = list(compared[0].model)
    if old.classes != new.classes:
        changes.append(f"classes in another order: {', '.join(map(repr, new.classes))}")
    terms = [
        (replace(term, class_label=label), change) for label, comparison in zip(old.classes, compared) for term, change in comparison.terms
    ]
    terms.sort(key=lambda item: (-item[1].max, -item[1].rms))
    worst = max(compared, key=lambda c: c.total.max)
    with np.errstate(over="ignore"):
        total = Change(max(c.total.max for c in compared), float(np.sqrt(np.mean([c.total.rms**2 for c in compared]))))
    return replace(worst, model=tuple(changes), terms=tuple(terms), total=total, measured_on=measured_on, scale="class score")


def _term_change(change: TermChange, columns: dict[str, Any], rows: int) -> Change:
    zero = np.zeros(rows)
    before = zero if change.old is None else term_values(change.old, columns, rows)
    after = zero if change.new is None else term_values(change.new, columns, rows)
    return Change.of(before, after)


def _worst_rows(model: Model, data: Any, before: FloatArray, after: FloatArray) -> tuple[Row, ...]:
    from pwlc.passes.context import score_change

    change = score_change(before, after)
    order = [int(k) for k in np.argsort(-change, kind="stable")[:WORST_ROWS] if change[k] > 0]
    out = []
    for k in order:
        inputs = {}
        for declared in model.inputs:
            column = data[declared.name]
            value = column.iloc[k] if hasattr(column, "iloc") else column[k]
            inputs[declared.name] = value.item() if hasattr(value, "item") else value
        out.append(Row(k, inputs, float(before[k]), float(after[k]), float(change[k])))
    return tuple(out)


def read_data(path: str | os.PathLike[str], *models: Model | Multiclass) -> Any:
    """A CSV or Parquet file of rows to compare on; every input of the models must be a column."""
    from pwlc.datasets import load_table

    frame = load_table(Path(path))
    absent = sorted({i.name for m in models for i in m.inputs} - set(map(str, frame.columns)))
    if absent:
        raise DataError(f"{path}: no column for input(s) {', '.join(map(repr, absent))}")
    return frame


def finite_or_text(value: float) -> float | str:
    """A number for JSON: an infinite change (a score missing on one side) as "inf"."""
    return value if math.isfinite(value) else ("inf" if value > 0 else "-inf" if value < 0 else "nan")
