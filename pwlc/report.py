"""The fidelity report: one self-contained HTML file with a plot per term.

Each term is drawn on the data's range, the teacher's shape (when given) on the same axes,
the knots marked and the data's distribution underneath, next to the term's line of emitted
Python and its error against the teacher. A summary compares the teacher's and the
distilled model's metrics and gives the size of the emitted code.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from pwlc import metrics
from pwlc.errors import DataError
from pwlc.ir import (
    CategoryAxis,
    Constant,
    Curve,
    Grid,
    KnotAxis,
    Linear,
    Model,
    Step,
    StepAxis,
    Table,
    Term,
    term_features,
)
from pwlc.semantics import apply_link, evaluate_terms, prepare_columns, term_values

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class TermSummary:
    """One term's row of the report."""

    title: str
    image_png: bytes
    code: str
    error: str


def build_report(
    model: Model,
    data: Any,
    *,
    teacher: Model | None = None,
    labels: Any = None,
    queries: Any = None,
    title: str | None = None,
    progress: Progress | None = None,
) -> str:
    """The report as HTML text. `teacher` is the exactly lowered teacher (`pwlc.lower`);
    `labels` (and `queries` for ranking) give the metrics."""
    import matplotlib

    matplotlib.use("Agg")
    columns, rows = prepare_columns(model, data)
    student_terms = evaluate_terms(model, data)
    teacher_terms = evaluate_terms(teacher, data) if teacher is not None else None
    shaped = [(k, term) for k, term in enumerate(model.terms) if not isinstance(term, Constant)]
    sections = []
    for done, (k, term) in enumerate(shaped):
        if progress:
            progress(done, len(shaped), " x ".join(term_features(term)))
        matched = _teacher_terms(teacher, term)
        teacher_values = teacher_terms[:, matched].sum(axis=1) if teacher_terms is not None and matched else None
        sections.append(
            TermSummary(
                title=" × ".join(term_features(term)),
                image_png=_plot(term, columns, [teacher.terms[i] for i in matched] if teacher is not None else []),
                code=_code(model, term),
                error=_term_error(student_terms[:, k], teacher_values),
            )
        )
    if progress:
        progress(len(shaped), len(shaped), "done")
    summary = _summary(model, student_terms, teacher, teacher_terms, labels, queries, rows)
    return _html(title or model.doc or model.name, summary, sections)


# --- numbers ------------------------------------------------------------------------


def _teacher_terms(teacher: Model | None, term: Term) -> list[int]:
    """Indices of the teacher's terms over the same inputs as `term`."""
    if teacher is None:
        return []
    wanted = set(term_features(term))
    return [i for i, t in enumerate(teacher.terms) if not isinstance(t, Constant) and set(term_features(t)) == wanted]


def _term_error(student: np.ndarray, teacher: np.ndarray | None) -> str:
    if teacher is None:
        return "no teacher given"
    diff = student - teacher
    both = ~np.isnan(diff)
    if not both.any():
        return "no rows where both are defined"
    offset = float(np.mean(diff[both]))
    shape = diff[both] - offset
    return f"vs teacher: RMS {np.sqrt(np.mean(shape**2)):.4g}, max {np.max(np.abs(shape)):.4g} (after an offset of {offset:+.4g}, which the intercept absorbs)"


def _summary(model: Model, student_terms: np.ndarray, teacher: Model | None, teacher_terms: np.ndarray | None, labels: Any, queries: Any, rows: int) -> list[tuple[str, str, str]]:
    """(what, distilled, teacher) rows."""
    from pwlc.api import emit
    from pwlc.backends.python import RUNTIME_MARKER

    student_score = student_terms.sum(axis=1)
    teacher_score = teacher_terms.sum(axis=1) if teacher_terms is not None else None
    out = [("rows of data", f"{rows:,}", "")]
    code = emit(model, "python").split(RUNTIME_MARKER)[0]
    knots = sum(len(t.xs) for t in model.terms if isinstance(t, Curve))
    out.append(("emitted Python (without runtime)", f"{len(code.splitlines())} lines, {len(code):,} characters", ""))
    out.append(("terms / curve knots", f"{len(model.terms)} / {knots}", "" if teacher is None else f"{len(teacher.terms)} terms"))
    if teacher_score is not None:
        diff = student_score - teacher_score
        diff = diff[~np.isnan(diff)]
        out.append(("score vs teacher (RMS / max)", f"{np.sqrt(np.mean(diff**2)):.4g} / {np.max(np.abs(diff)):.4g}", ""))
    if labels is not None:
        y = _checked_labels(labels, model.link, queries)
        for name, metric in _metrics(model.link, queries):
            student_metric = metric(y, student_score)
            teacher_metric = metric(y, teacher_score) if teacher_score is not None else None
            out.append((name, f"{student_metric:.4f}", "" if teacher_metric is None else f"{teacher_metric:.4f}"))
    return out


def _checked_labels(labels: Any, link: str, queries: Any) -> np.ndarray:
    """The labels as numbers, or a `DataError` saying what is wrong with them."""
    try:
        y = np.asarray(labels, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError("the labels must be numbers (0/1 for a classifier, relevance grades for a ranker)") from None
    known = y[~np.isnan(y)]
    if known.size == 0:
        raise DataError("the labels are all missing")
    if link == "logistic" and queries is None and not np.all((known == 0) | (known == 1)):
        odd = sorted({float(v) for v in known[(known != 0) & (known != 1)]})[:3]
        raise DataError(f"a logistic model's labels must be 0 or 1, found {', '.join(f'{v:g}' for v in odd)}")
    return y


def _metrics(link: str, queries: Any) -> list[tuple[str, Callable[[np.ndarray, np.ndarray], float]]]:
    if queries is not None:
        q = np.asarray(queries)
        return [(f"NDCG@{k}", lambda y, s, k=k: metrics.ndcg_at(k, y, s, q)) for k in (5, 10)]  # type: ignore[misc]
    if link == "logistic":
        return [("AUC", metrics.auc), ("log loss", lambda y, s: metrics.log_loss(y, apply_link("logistic", s)))]
    return [("RMSE", lambda y, s: metrics.rmse(y, apply_link(link, s)))]


def _code(model: Model, term: Term) -> str:
    from pwlc.backends.python import term_source

    return term_source(model, term)


# --- plots --------------------------------------------------------------------------


def _plot(term: Term, columns: dict[str, Any], teacher: list[Term]) -> bytes:
    import matplotlib.pyplot as plt

    if isinstance(term, Grid):
        figure = _plot_grid(term, columns, teacher)
    elif isinstance(term, Table):
        figure = _plot_table(term, columns, teacher)
    elif isinstance(term, (Curve, Step, Linear)):
        figure = _plot_curve(term, columns, teacher)
    else:
        raise TypeError(f"nothing to plot for {type(term).__name__}")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def _plot_curve(term: Curve | Step | Linear, columns: dict[str, Any], teacher: list[Term]) -> Any:
    import matplotlib.pyplot as plt

    x = np.asarray(columns[term.feature], dtype=np.float64)
    seen = x[np.isfinite(x)]
    low, high = (np.quantile(seen, [0.0, 1.0]) if seen.size else (0.0, 1.0))
    points = term.xs if isinstance(term, Curve) else term.edges if isinstance(term, Step) else ()  # (a line: the data's range)
    if points:
        low, high = min(low, min(points)), max(high, max(points))
    if low == high:
        low, high = low - 1.0, high + 1.0
    grid = np.unique(np.concatenate([np.linspace(low, high, 600), [np.nextafter(p, -math.inf) for p in points], points]))
    grid = grid[(grid >= low) & (grid <= high)]
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(6.4, 3.6), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    for other in teacher:
        top.plot(grid, _values(other, {term.feature: grid}), color="#aaaaaa", lw=3.5, label="teacher")
    top.plot(grid, _values(term, {term.feature: grid}), color="#1f5fbf", lw=2, label="pwlc")
    if isinstance(term, Curve):
        top.plot(term.xs, term.ys, "o", color="#1f5fbf", ms=5)
    if isinstance(term, Curve) and term.fx in ("log", "log1p", "symlog1p") and low > 0:
        top.set_xscale("log")
    top.set_ylabel("contribution")
    missing = term.missing
    top.legend(loc="best", fontsize=8, title=None if missing is None else f"missing → {missing:.4g}", title_fontsize=8)
    top.grid(alpha=0.3)
    bottom.hist(seen, bins=60, color="#bbbbbb")
    bottom.set_ylabel("rows")
    bottom.set_xlabel(term.feature)
    return figure


def _plot_table(term: Table, columns: dict[str, Any], teacher: list[Term]) -> Any:
    import matplotlib.pyplot as plt

    keys = [k for k, _ in term.entries]
    counts = {k: 0 for k in keys}
    for value in columns[term.feature]:
        if value in counts:
            counts[value] += 1
    labels = [*keys, "(other)"]
    position = np.arange(len(labels))
    figure, axis = plt.subplots(figsize=(6.4, 3.2))
    width = 0.4 if teacher else 0.8
    axis.bar(position, _values(term, {term.feature: labels[:-1] + ["\x00unseen"]}), width, color="#1f5fbf", label="pwlc")
    for other in teacher:
        axis.bar(position + width, _values(other, {term.feature: labels[:-1] + ["\x00unseen"]}), width, color="#999999", label="teacher")
    axis.set_xticks(position + (width / 2 if teacher else 0), [f"{k}\n({counts.get(k, 0)} rows)" if k in counts else k for k in labels], fontsize=8, rotation=30 if len(labels) > 4 else 0, ha="right" if len(labels) > 4 else "center")
    axis.set_ylabel("contribution")
    axis.set_title(term.feature, fontsize=9)
    axis.legend(fontsize=8)
    axis.grid(alpha=0.3, axis="y")
    return figure


def _axis_points(axis: StepAxis | KnotAxis | CategoryAxis, column: Any) -> tuple[list[Any], np.ndarray, list[str] | None]:
    """(values to evaluate at, where to draw them, tick labels for a category axis)."""
    if isinstance(axis, CategoryAxis):
        names = [*axis.categories, "\x00unseen"]
        return names, np.arange(len(names), dtype=np.float64), [*axis.categories, "(other)"]
    x = np.asarray(column, dtype=np.float64)
    seen = x[np.isfinite(x)]
    low, high = (float(np.quantile(seen, 0.01)), float(np.quantile(seen, 0.99))) if seen.size else (0.0, 1.0)
    points = np.linspace(low, high if high > low else low + 1.0, 80)
    return list(points), points, None


def _plot_grid(term: Grid, columns: dict[str, Any], teacher: list[Term]) -> Any:
    import matplotlib.pyplot as plt

    a_values, a_drawn, a_ticks = _axis_points(term.a, columns[term.a.feature])
    b_values, b_drawn, b_ticks = _axis_points(term.b, columns[term.b.feature])
    mesh = {term.a.feature: [a for a in a_values for _ in b_values], term.b.feature: [b for _ in a_values for b in b_values]}
    panels = [("pwlc", term)] + [("teacher", other) for other in teacher]
    figure, axes = plt.subplots(1, len(panels), figsize=(3.6 * len(panels), 3.2), squeeze=False, layout="constrained")
    shown = [_values(other, mesh).reshape(len(a_values), len(b_values)) for _, other in panels]
    limit = max(float(np.nanmax(np.abs(v))) for v in shown) or 1.0
    for axis, (name, _), values in zip(axes[0], panels, shown):
        image = axis.pcolormesh(b_drawn, a_drawn, values, shading="nearest", cmap="RdBu_r", vmin=-limit, vmax=limit)
        axis.set_title(name, fontsize=9)
        axis.set_ylabel(term.a.feature, fontsize=8)
        axis.set_xlabel(term.b.feature, fontsize=8)
        axis.tick_params(labelsize=7)
        if a_ticks is not None:
            axis.set_yticks(a_drawn, a_ticks)
        if b_ticks is not None:
            axis.set_xticks(b_drawn, b_ticks)
    figure.colorbar(image, ax=list(axes[0]), fraction=0.05, label="contribution")
    return figure


def _values(term: Term, columns: dict[str, Any]) -> np.ndarray:
    rows = len(next(iter(columns.values())))
    prepared = {name: (np.asarray(v, dtype=np.float64) if not isinstance(v, list) or not v or not isinstance(v[0], str) else v) for name, v in columns.items()}
    return term_values(term, prepared, rows)


# --- html ---------------------------------------------------------------------------

_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.1rem; margin: 0 0 .4rem; }
table { border-collapse: collapse; margin-bottom: 1.5rem; }
td, th { border-bottom: 1px solid #ddd; padding: .25rem .8rem; text-align: left; }
section { display: flex; gap: 1.2rem; align-items: flex-start; border-top: 1px solid #eee; padding: 1rem 0; }
section img { flex: none; max-width: 60%; }
pre { white-space: pre-wrap; word-break: break-all; background: #f6f6f6; padding: .5rem; font-size: 12px; }
.error { color: #555; font-size: 13px; }
"""


def _html(title: str, summary: list[tuple[str, str, str]], sections: list[TermSummary]) -> str:
    rows = "\n".join(f"<tr><td>{html.escape(a)}</td><td>{html.escape(b)}</td><td>{html.escape(c)}</td></tr>" for a, b, c in summary)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<table><tr><th></th><th>distilled (pwlc)</th><th>teacher</th></tr>\n{rows}</table>",
    ]
    for section in sections:
        image = base64.b64encode(section.image_png).decode("ascii")
        parts.append(
            f'<section><img alt="{html.escape(section.title)}" src="data:image/png;base64,{image}">'
            f"<div><h2>{html.escape(section.title)}</h2><pre>{html.escape(section.code)}</pre>"
            f'<p class="error">{html.escape(section.error)}</p></div></section>'
        )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
