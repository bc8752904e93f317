"""The fidelity report: one self-contained HTML file with a plot per term.

Each term is drawn on the data's range, the teacher's shape (when given) on the same axes,
the knots marked and the data's distribution underneath, next to the term's line of emitted
Python and its error against the teacher. A summary compares the teacher's and the
distilled model's metrics and gives the size of the emitted code.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from pwlc import metrics
from pwlc.errors import DataError
from pwlc.ir import (
    Constant,
    Curve,
    Model,
    Term,
    term_features,
)
from pwlc.plots import matching_terms, plot_term
from pwlc.semantics import apply_link, evaluate_terms, prepare_columns

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
    summary, sections = report_parts(model, data, teacher=teacher, labels=labels, queries=queries, progress=progress)
    return html_document(title or model.doc or model.name, summary, sections)


def report_parts(
    model: Model,
    data: Any,
    *,
    teacher: Model | None = None,
    labels: Any = None,
    queries: Any = None,
    progress: Progress | None = None,
    dpi: int = 90,
) -> tuple[list[tuple[str, str, str]], list[TermSummary]]:
    """The summary rows and a `TermSummary` a term. `data` None: the terms over their own
    knots, and no errors or metrics (they are measured on data)."""
    columns, rows = prepare_columns(model, data) if data is not None else ({}, 0)
    student_terms = evaluate_terms(model, data) if data is not None else None
    teacher_terms = evaluate_terms(teacher, data) if teacher is not None and data is not None else None
    shaped = [(k, term) for k, term in enumerate(model.terms) if not isinstance(term, Constant)]
    sections = []
    for done, (k, term) in enumerate(shaped):
        if progress:
            progress(done, len(shaped), " x ".join(term_features(term)))
        matched = matching_terms(teacher, term)
        teacher_values = teacher_terms[:, matched].sum(axis=1) if teacher_terms is not None and matched else None
        sections.append(
            TermSummary(
                title=" × ".join(term_features(term)),
                image_png=plot_term(term, columns, [teacher.terms[i] for i in matched] if teacher is not None else [], dpi=dpi),
                code=_code(model, term),
                error=_term_error(student_terms[:, k], teacher_values) if student_terms is not None else "no data given",
            )
        )
    if progress:
        progress(len(shaped), len(shaped), "done")
    return _summary(model, student_terms, teacher, teacher_terms, labels, queries, rows), sections


# --- numbers ------------------------------------------------------------------------


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


def _summary(model: Model, student_terms: np.ndarray | None, teacher: Model | None, teacher_terms: np.ndarray | None, labels: Any, queries: Any, rows: int) -> list[tuple[str, str, str]]:
    """(what, distilled, teacher) rows."""
    from pwlc.api import emit
    from pwlc.backends.python import RUNTIME_MARKER

    out = [("rows of data", f"{rows:,}", "")] if student_terms is not None else []
    code = emit(model, "python").split(RUNTIME_MARKER)[0]
    knots = sum(len(t.xs) for t in model.terms if isinstance(t, Curve))
    out.append(("emitted Python (without runtime)", f"{len(code.splitlines())} lines, {len(code):,} characters", ""))
    out.append(("terms / curve knots", f"{len(model.terms)} / {knots}", "" if teacher is None else f"{len(teacher.terms)} terms"))
    if student_terms is None:
        return out
    student_score = student_terms.sum(axis=1)
    teacher_score = teacher_terms.sum(axis=1) if teacher_terms is not None else None
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


# --- html ---------------------------------------------------------------------------

# Every rule under .pwlc-report, so that the report shown inside a notebook styles only itself.
STYLE = """
.pwlc-report { font: 14px/1.45 system-ui, sans-serif; color: #222; }
.pwlc-report h1 { font-size: 1.5rem; } .pwlc-report h2 { font-size: 1.1rem; margin: 0 0 .4rem; }
.pwlc-report table { border-collapse: collapse; margin-bottom: 1.5rem; }
.pwlc-report td, .pwlc-report th { border-bottom: 1px solid #ddd; padding: .25rem .8rem; text-align: left; }
.pwlc-report section { display: flex; gap: 1.2rem; align-items: flex-start; border-top: 1px solid #eee; padding: 1rem 0; }
.pwlc-report section img { flex: none; max-width: 60%; }
.pwlc-report pre { white-space: pre-wrap; word-break: break-all; background: #f6f6f6; padding: .5rem; font-size: 12px; }
.pwlc-report .error { color: #555; font-size: 13px; }
"""


def html_document(title: str, summary: list[tuple[str, str, str]], sections: list[TermSummary]) -> str:
    """The report as a self-contained page."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title><style>body {{ margin: 2rem auto; max-width: 1100px; }}</style></head><body>\n"
        f"{html_fragment(title, summary, sections)}\n</body></html>\n"
    )


def html_fragment(title: str, summary: list[tuple[str, str, str]], sections: list[TermSummary]) -> str:
    """The report as one `<div>` with its own style, to sit inside another page (a notebook)."""
    rows = "\n".join(f"<tr><td>{html.escape(a)}</td><td>{html.escape(b)}</td><td>{html.escape(c)}</td></tr>" for a, b, c in summary)
    parts = [
        f'<div class="pwlc-report"><style>{STYLE}</style>',
        f"<h1>{html.escape(title)}</h1>",
        f"<table><tr><th></th><th>distilled (pwlc)</th><th>teacher</th></tr>\n{rows}</table>",
    ]
    for section in sections:
        parts.append(
            f'<section><img alt="{html.escape(section.title)}" src="{png_uri(section.image_png)}">'
            f"<div><h2>{html.escape(section.title)}</h2><pre>{html.escape(section.code)}</pre>"
            f'<p class="error">{html.escape(section.error)}</p></div></section>'
        )
    parts.append("</div>")
    return "\n".join(parts)


def png_uri(png: bytes) -> str:
    """A PNG as a data: URI (the report fetches nothing)."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
