"""Passes on a multiclass model: each pass runs on each class's score, one class at a time.

A class's score is a `Model` of its own (`Multiclass.class_model`), so every pass works on
it unchanged, and a lossy pass's `tol` bounds each class's score change (on the data
given, or over all inputs), as it bounds a one-score model's. The report has one line a
pass: its knots and terms summed over the classes, its score change the largest over the
classes.

`fold-constants` (with `centre`) also uses the softmax's shift invariance: adding the same
number to every class's score leaves every probability as it was (rule M2 of
`pwlc.semantics`), so after centring each class's terms it subtracts the mean of the
class intercepts from each of them, which leaves intercepts that read as each class's
lean relative to the others. That shift is not a score change the pass's report counts:
its note gives it, and the probabilities move by rounding only.

`refit` fits each class's score to the teacher's (squared error), or, with
`target=labels`, every class's values at once under the multinomial log loss
(`pwlc.passes.multinomial`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from pwlc.errors import DataError
from pwlc.ir import Constant, Multiclass, Term, exact_sum, is_valid_term, verify
from pwlc.numbers import shortest
from pwlc.passes import Pass, PassData, PassReport, Report, _change_stats, count_knots, measure


@dataclass(frozen=True)
class ClassData:
    """The data of each class's passes (None: no data)."""

    classes: tuple[PassData | None, ...]
    rows: int | None


def optimize_multiclass(
    model: Multiclass,
    passes: list[Pass],
    data: Any,
    teacher: Any,
    progress: Callable[[int, int, str], None] | None,
) -> tuple[Multiclass, Report]:
    """`pwlc.passes.optimize` for a `Multiclass` (see the module docstring). `teacher`: the
    teacher's (rows, K) raw scores, one column a class."""
    context = _class_data(model, data, teacher)
    reports: list[PassReport] = []
    current = model
    for done, step in enumerate(passes):
        if progress is not None:
            progress(done, len(passes), step.spec())
        notes: list[str] = []
        if step.name == "refit" and getattr(step, "target", "") == "labels":  # one fit of every class
            from pwlc.passes.multinomial import multinomial_refit

            results, note = multinomial_refit(step, current.class_models(), current.classes, context.classes[0])  # type: ignore[arg-type]
            notes.append(note)
        else:
            results = []
            for k, (label, before) in enumerate(zip(current.classes, current.class_models())):
                with np.errstate(over="ignore"):
                    after, note = step.apply(before, context.classes[k])
                results.append(after)
                if note:
                    notes.append(f"{label}: {note}")
        worst, squares = 0.0, 0.0
        for k, (before, after) in enumerate(zip(current.class_models(), results)):
            verify(after)
            class_data = context.classes[k]
            change_max, change_rms = measure(before, after) if class_data is None else _change_stats(class_data.score(before), class_data.score(after))
            worst, squares = max(worst, change_max), squares + change_rms**2
        result = Multiclass.from_models(current.classes, results, current.name, current.doc)
        if step.name == "fold-constants" and getattr(step, "centre", False):
            result, shifted = shift_intercepts(result)
            if shifted:
                notes.append(f"every class's intercept shifted by {shortest(-shifted)} (the probabilities do not change)")
        verify(result)
        reports.append(
            PassReport(
                step.spec(),
                sum(count_knots(m) for m in current.class_models()),
                sum(count_knots(m) for m in result.class_models()),
                sum(len(terms) for terms in current.scores),
                sum(len(terms) for terms in result.scores),
                step.stated_error,
                worst,
                float(np.sqrt(squares / len(current.classes))),
                "; ".join(notes),
            )
        )
        current = result
    return current, Report(tuple(reports), context.rows)


def _class_data(model: Multiclass, data: Any, teacher: Any) -> ClassData:
    if data is None:
        return ClassData(tuple(None for _ in model.classes), None)
    scores = None
    if teacher is not None:
        scores = np.asarray(teacher, dtype=np.float64)
        if scores.ndim != 2 or scores.shape[1] != len(model.classes):
            raise DataError(f"teacher scores of a {len(model.classes)}-class model are one column a class, shape (rows, {len(model.classes)}); got shape {scores.shape}")
    contexts = tuple(PassData.from_data(m, data, None if scores is None else scores[:, k]) for k, m in enumerate(model.class_models()))
    return ClassData(contexts, contexts[0].rows)


def shift_intercepts(model: Multiclass) -> tuple[Multiclass, float]:
    """Subtract the mean of the class intercepts from each (the softmax is unchanged by a
    shift common to every class); returns the model and the shift. Nothing is done when a
    class's shifted intercept would not be a valid value."""
    intercepts = [exact_sum(t.value for t in terms if isinstance(t, Constant)) for terms in model.scores]
    mean = exact_sum(intercepts) / len(intercepts)
    if mean == 0.0 or not np.isfinite(mean):
        return model, 0.0
    scores: list[tuple[Term, ...]] = []
    for terms, intercept in zip(model.scores, intercepts):
        constant = Constant(intercept - mean)
        if not is_valid_term(constant):
            return model, 0.0
        rest = tuple(t for t in terms if not isinstance(t, Constant))
        scores.append(((constant,) if constant.value != 0.0 else ()) + rest)
    return Multiclass(model.inputs, model.classes, tuple(scores), model.name, model.doc), mean
