"""The fidelity report of a multiclass model (`pwlc report` of a `Multiclass`).

Terms are grouped by the inputs they read: a curve or step of every class on one plot, one
line a class (the teacher's, when given, dashed in the class's colour); a table as bars, a
group a category, one bar a class; a grid, which cannot share axes, one plot a class (as
`pwlc.report` draws it). Beside each plot, each class's line of emitted Python and its
error against the teacher. The summary gives the multiclass log loss and accuracy of the
distilled model and of the teacher when labels are given.
"""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np

from pwlc import metrics
from pwlc.ir import Constant, Curve, Linear, Model, Multiclass, Step, Table, Term, term_features
from pwlc.report import Progress, TermSummary, _code, _html, _plot, _plot_curve, _teacher_terms, _term_error, _values
from pwlc.semantics import class_indices, evaluate, evaluate_terms, prepare_columns

COLOURS = ("#1f5fbf", "#d9642b", "#2a9d55", "#9c4fc4", "#c9a227", "#444444", "#e05297", "#3ab7c9")


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
    import matplotlib

    matplotlib.use("Agg")
    if teacher is not None and teacher.classes != model.classes:
        from pwlc.errors import DataError

        raise DataError(f"the teacher's classes {teacher.classes!r} are not the model's {model.classes!r}; give the teacher the model was distilled from")
    columns, rows = prepare_columns(Model(model.inputs, ()), data)
    classes = model.class_models()
    teachers: list[Model | None] = [*teacher.class_models()] if teacher is not None else [None] * len(classes)
    student_terms = [evaluate_terms(m, data) for m in classes]
    teacher_terms = [evaluate_terms(t, data) if t is not None else None for t in teachers]
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
            matched = _teacher_terms(teachers[k], term)
            found = teacher_terms[k]
            values = found[:, matched].sum(axis=1) if found is not None and matched else None
            errors.append(f"{model.classes[k]}: {_term_error(student_terms[k][:, index], values)}")
        code = "\n".join(f"# class {model.classes[k]}\n{_code(classes[k], term)}" for k, _, term in members)
        kinds = {type(term) for _, _, term in members}
        if not (kinds <= {Curve, Step, Linear} or kinds == {Table}):  # grids, or terms of several kinds: a plot a class
            for (k, _, term), error in zip(members, errors):
                teacher_grid = [teachers[k].terms[i] for i in _teacher_terms(teachers[k], term)] if teachers[k] is not None else []  # type: ignore[union-attr]
                sections.append(TermSummary(f"class {model.classes[k]}: {name}", _plot(term, columns, teacher_grid), _code(classes[k], term), error))
            continue
        picture = _plot_classes(model, members, teachers, columns)
        sections.append(TermSummary(name, picture, code, "\n".join(errors)))
    if progress:
        progress(len(groups), len(groups), "done")
    return _html(title or model.doc or model.name, _summary(model, teacher, data, labels, rows), sections)


def _plot_classes(model: Multiclass, members: list[tuple[int, int, Term]], teachers: list[Model | None], columns: dict[str, Any]) -> bytes:
    """One figure for every class's term on one input: a line a class (curves and steps,
    the teacher's dashed; linear terms too), or a group of bars a category, a bar a class
    (tables)."""
    import matplotlib.pyplot as plt

    first = members[0][2]
    feature = term_features(first)[0]
    if isinstance(first, (Curve, Step, Linear)):
        figure = _plot_curve(first, columns, [])  # the axes, the data's histogram below
        top = figure.axes[0]
        for line in list(top.lines):  # drawn again below, a line a class
            line.remove()
        low, high = top.get_xlim()
        points = sorted({p for _, _, t in members for p in (t.xs if isinstance(t, Curve) else t.edges if isinstance(t, Step) else ())})  # type: ignore[union-attr]
        grid = np.unique(np.concatenate([np.linspace(low, high, 600), points, [math.nextafter(p, -math.inf) for p in points]]))
        for k, _, term in members:
            colour = COLOURS[k % len(COLOURS)]
            top.plot(grid, _values(term, {feature: grid}), color=colour, lw=2, label=model.classes[k])
            other = teachers[k]
            for i in _teacher_terms(other, term) if other is not None else []:
                top.plot(grid, _values(other.terms[i], {feature: grid}), color=colour, lw=1.2, ls="--")  # type: ignore[union-attr]
        taught = any(t is not None for t in teachers)
        top.legend(loc="best", fontsize=8, title="class (teacher dashed)" if taught else "class", title_fontsize=8)
    else:
        keys = list(dict.fromkeys(key for _, _, t in members for key, _ in t.entries))  # type: ignore[union-attr]
        shown = [*keys, "\x00unseen"]
        position = np.arange(len(shown))
        width = 0.8 / len(members)
        figure, axis = plt.subplots(figsize=(6.4, 3.2))
        for j, (k, _, term) in enumerate(members):
            axis.bar(position + j * width, _values(term, {feature: shown}), width, color=COLOURS[k % len(COLOURS)], label=model.classes[k])
        axis.set_xticks(position + 0.4 - width / 2, [*keys, "(other)"], fontsize=8, rotation=30 if len(keys) > 4 else 0)
        axis.set_ylabel("contribution")
        axis.set_title(feature, fontsize=9)
        axis.legend(fontsize=8, title="class", title_fontsize=8)
        axis.grid(alpha=0.3, axis="y")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def _summary(model: Multiclass, teacher: Multiclass | None, data: Any, labels: Any, rows: int) -> list[tuple[str, str, str]]:
    """(what, distilled, teacher) rows."""
    out = [("rows of data", f"{rows:,}", ""), ("classes", ", ".join(model.classes), "")]
    terms = sum(len(terms) for terms in model.scores)
    knots = sum(len(t.xs) for terms in model.scores for t in terms if isinstance(t, Curve))
    out.append(("terms / curve knots (all classes)", f"{terms} / {knots}", "" if teacher is None else f"{sum(len(t) for t in teacher.scores)} terms"))
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

