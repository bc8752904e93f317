"""The fidelity report of a multiclass model (`pwlc report` of a `Multiclass`).

Terms are grouped by the inputs they read: a curve or step of every class on one plot, one
line a class (the teacher's, when given, dashed in the class's colour); a table as bars, a
group a category, one bar a class; a grid, which cannot share axes, one plot a class (as
`pwlc.report` draws it). Beside each plot, each class's line of emitted Python and its
error against the teacher. The summary gives the multiclass log loss and accuracy of the
distilled model and of the teacher when labels are given.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pwlc import metrics
from pwlc.ir import Constant, Curve, Linear, Model, Multiclass, Step, Table, Term, term_features
from pwlc.plots import matching_terms, plot_classes, plot_term
from pwlc.report import Progress, TermSummary, _code, _term_error, html_document
from pwlc.semantics import class_indices, evaluate, evaluate_terms, prepare_columns


def build_multiclass_report(
    model: Multiclass,
    data: Any,
    *,
    teacher: Multiclass | None = None,
    labels: Any = None,
    title: str | None = None,
    progress: Progress | None = None,
) -> str:
    """The report as HTML text. `teacher`: the exactly lowered teacher (`pwlc.lower`), with
    the same classes; `labels`: each row's class (its name, or its position in the classes)."""
    summary, sections = multiclass_parts(model, data, teacher=teacher, labels=labels, progress=progress)
    return html_document(title or model.doc or model.name, summary, sections)


def multiclass_parts(
    model: Multiclass,
    data: Any,
    *,
    teacher: Multiclass | None = None,
    labels: Any = None,
    progress: Progress | None = None,
    dpi: int = 90,
) -> tuple[list[tuple[str, str, str]], list[TermSummary]]:
    """The summary rows and a `TermSummary` an input (or pair); `data` None: the terms over
    their own knots, and no errors or metrics."""
    if teacher is not None and teacher.classes != model.classes:
        from pwlc.errors import DataError

        raise DataError(f"the teacher's classes {teacher.classes!r} are not the model's {model.classes!r}; give the teacher the model was distilled from")
    columns, rows = prepare_columns(Model(model.inputs, ()), data) if data is not None else ({}, 0)
    classes = model.class_models()
    teachers: list[Model | None] = [*teacher.class_models()] if teacher is not None else [None] * len(classes)
    student_terms = [evaluate_terms(m, data) if data is not None else None for m in classes]
    teacher_terms = [evaluate_terms(t, data) if t is not None and data is not None else None for t in teachers]
    groups: dict[tuple[str, ...], list[tuple[int, int, Term]]] = {}
    for k, m in enumerate(classes):
        for index, term in enumerate(m.terms):
            if not isinstance(term, Constant):
                groups.setdefault(term_features(term), []).append((k, index, term))
    sections: list[TermSummary] = []
    for done, (features, members) in enumerate(groups.items()):
        if progress:
            progress(done, len(groups), " x ".join(features))
        name = " × ".join(features)
        errors = []
        for k, index, term in members:
            matched = matching_terms(teachers[k], term)
            found, mine = teacher_terms[k], student_terms[k]
            values = found[:, matched].sum(axis=1) if found is not None and matched else None
            errors.append(f"{model.classes[k]}: {_term_error(mine[:, index], values) if mine is not None else 'no data given'}")
        code = "\n".join(f"# class {model.classes[k]}\n{_code(classes[k], term)}" for k, _, term in members)
        kinds = {type(term) for _, _, term in members}
        if not (kinds <= {Curve, Step, Linear} or kinds == {Table}):  # grids, or terms of several kinds: a plot a class
            for (k, _, term), error in zip(members, errors):
                teacher_grid = [teachers[k].terms[i] for i in matching_terms(teachers[k], term)] if teachers[k] is not None else []  # type: ignore[union-attr]
                sections.append(TermSummary(f"class {model.classes[k]}: {name}", plot_term(term, columns, teacher_grid, dpi=dpi), _code(classes[k], term), error))
            continue
        picture = plot_classes(model, members, teachers, columns, dpi=dpi)
        sections.append(TermSummary(name, picture, code, "\n".join(errors)))
    if progress:
        progress(len(groups), len(groups), "done")
    summary = _summary(model, teacher, data, labels, rows) if data is not None else _sizes(model, teacher)
    return summary, sections


def _summary(model: Multiclass, teacher: Multiclass | None, data: Any, labels: Any, rows: int) -> list[tuple[str, str, str]]:
    """(what, distilled, teacher) rows."""
    out = [("rows of data", f"{rows:,}", ""), *_sizes(model, teacher)]
    student = evaluate(model, data)
    taught = None
    if teacher is not None:
        taught = evaluate(teacher, data)
        gap = np.abs(evaluate(model, data, output="score") - evaluate(teacher, data, output="score"))
        gap = gap[~np.isnan(gap)]
        out.append(("class score vs teacher (RMS / max)", f"{np.sqrt(np.mean(gap**2)):.4g} / {np.max(gap, initial=0.0):.4g}", ""))
        out.append(("probability vs teacher (mean / max)", f"{np.nanmean(np.abs(student - taught)):.4g} / {np.nanmax(np.abs(student - taught)):.4g}", ""))
    if labels is not None:
        y = class_indices(labels, model.classes, "the labels").astype(np.float64)
        y[y < 0] = np.nan
        for name, metric in (("multiclass log loss", metrics.multiclass_log_loss), ("accuracy", metrics.accuracy)):
            out.append((name, f"{metric(y, student):.4f}", "" if taught is None else f"{metric(y, taught):.4f}"))
    return out


def _sizes(model: Multiclass, teacher: Multiclass | None) -> list[tuple[str, str, str]]:
    terms = sum(len(terms) for terms in model.scores)
    knots = sum(len(t.xs) for terms in model.scores for t in terms if isinstance(t, Curve))
    return [("classes", ", ".join(model.classes), ""), ("terms / curve knots (all classes)", f"{terms} / {knots}", "" if teacher is None else f"{sum(len(t) for t in teacher.scores)} terms")]
