"""A model in a Jupyter notebook: `Model._repr_html_` (and `Multiclass`'s) and `pwlc.show`.

A model shows a table of its terms, largest first (the width of the range of values a term
can contribute), and small multiples of the largest ones, drawn by the report's own plotting
code (`pwlc.plots`) over each term's knots, since a model carries no data. In a terminal
IPython, the same table as text (`_repr_pretty_`). A model of hundreds of terms lists the
`MAX_ROWS` largest, draws the `MAX_PLOTS` largest, and says how many it leaves out.

`pwlc.show(model, teacher, data)` is the report's per-term view (`pwlc report`) inline: each
term against the teacher's on the data, its line of Python and its error.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pwlc.errors import DataError
from pwlc.ir import AnyModel, Constant, Curve, Grid, Linear, Model, Multiclass, Step, Table, Term, term_features

MAX_ROWS = 40  # terms (a multiclass model: inputs) listed in the table
MAX_PLOTS = 12  # and drawn
THUMBNAIL_DPI = 60  # the report draws at 90

STYLE = """
.pwlc-model { font: 13px/1.4 system-ui, sans-serif; color: #222; }
.pwlc-model table { border-collapse: collapse; margin: .4rem 0; }
.pwlc-model td, .pwlc-model th { border-bottom: 1px solid #ddd; padding: .15rem .6rem; text-align: left; }
.pwlc-model td.number { text-align: right; font-variant-numeric: tabular-nums; }
.pwlc-model .plots { display: flex; flex-wrap: wrap; gap: .6rem; }
.pwlc-model figure { margin: 0; } .pwlc-model figcaption { font-size: 12px; color: #555; }
.pwlc-model .note { color: #555; }
"""


@dataclass(frozen=True)
class Entry:
    """One line of the table: a term (a multiclass model: every class's terms on one input)."""

    kind: str
    inputs: str
    size: str
    low: float
    high: float
    draw: Callable[[], list[tuple[str, bytes]]]  # its pictures and their captions, drawn only when shown

    @property
    def width(self) -> float:
        return self.high - self.low


@dataclass(frozen=True, repr=False)
class Shown:
    """HTML that Jupyter shows (`pwlc.show`); `.html` is the text."""

    html: str

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:  # (the text a notebook keeps beside the HTML: short)
        return f"<pwlc.show: {self.html.count('<section>')} plots; shown as HTML in a notebook, the text in .html>"


def show(model: AnyModel, teacher: Any = None, data: Any = None, *, labels: Any = None) -> Shown:
    """The report's per-term view of `model` (`pwlc report`), to show in a notebook: each
    term's plot (against `teacher`'s term on the same inputs, over `data`'s histogram), its
    line of Python and its error against the teacher on `data`; `labels` add the metrics.
    `teacher`: a trained model pwlc lowers exactly (`pwlc.lower`), or its IR."""
    from pwlc.report import html_fragment

    lowered = _lowered(teacher)
    title = model.doc or model.name
    if isinstance(model, Multiclass):
        from pwlc.report_multiclass import multiclass_parts

        if lowered is not None and not isinstance(lowered, Multiclass):
            raise DataError(f"the teacher scores one value, the model {len(model.classes)} classes: give the teacher the model was distilled from")
        summary, sections = multiclass_parts(model, data, teacher=lowered, labels=labels)
    else:
        from pwlc.report import report_parts

        if isinstance(lowered, Multiclass):
            raise DataError(f"the teacher scores {len(lowered.classes)} classes, the model one value: give the teacher the model was distilled from")
        summary, sections = report_parts(model, data, teacher=lowered, labels=labels)
    return Shown(html_fragment(title, summary, sections))


def _lowered(teacher: Any) -> Model | Multiclass | None:
    if teacher is None or isinstance(teacher, (Model, Multiclass)):
        return teacher
    from pwlc.frontends import lower

    return lower(teacher)


# --- the display of a model -----------------------------------------------------------


def model_html(model: AnyModel) -> str:
    """The HTML a model shows itself as: a header, the table of terms and their plots."""
    from pwlc.report import png_uri

    entries = _entries(model)
    rows = "\n".join(
        f"<tr><td>{html.escape(e.kind)}</td><td>{html.escape(e.inputs)}</td><td>{html.escape(e.size)}</td>"
        f'<td class="number">{html.escape(_range(e))}</td></tr>'
        for e in entries[:MAX_ROWS]
    )
    parts = [
        f'<div class="pwlc-model"><style>{STYLE}</style>',
        f"<p>{_header_html(model)}</p>",
        f"<table><tr><th>kind</th><th>input</th><th>knots</th><th>contribution</th></tr>\n{rows}</table>",
    ]
    if len(entries) > MAX_ROWS:
        parts.append(f'<p class="note">{_left_out(len(entries) - MAX_ROWS, model)} not listed (the smallest ranges).</p>')
    figures = [
        f'<figure><img alt="{html.escape(caption)}" src="{png_uri(png)}"><figcaption>{html.escape(caption)}</figcaption></figure>'
        for e in entries[:MAX_PLOTS]
        for caption, png in e.draw()
    ]
    if figures:
        parts.append('<div class="plots">' + "\n".join(figures) + "</div>")
    if len(entries) > MAX_PLOTS:
        parts.append(f'<p class="note">The {MAX_PLOTS} largest drawn; {_left_out(len(entries) - MAX_PLOTS, model)} not drawn (<code>pwlc.show(model)</code> draws every one).</p>')
    parts.append("</div>")
    return "\n".join(parts)


def model_text(model: AnyModel) -> str:
    """The same table as text, for a terminal."""
    entries = _entries(model)
    lines = [_header(model)]
    table = [("kind", "input", "knots", "contribution")] + [(e.kind, e.inputs, e.size, _range(e)) for e in entries[:MAX_ROWS]]
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    lines += ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in table]
    if len(entries) > MAX_ROWS:
        lines.append(f"... {_left_out(len(entries) - MAX_ROWS, model)} not listed (the smallest ranges)")
    return "\n".join(lines)


def _header(model: AnyModel) -> str:
    if isinstance(model, Multiclass):
        what = f"softmax over {len(model.classes)} classes ({', '.join(model.classes)})"
        terms = sum(1 for terms in model.scores for t in terms if not isinstance(t, Constant))
    else:
        what = f"{model.link}(sum of terms)" if model.link != "identity" else "sum of terms"
        terms = sum(1 for t in model.terms if not isinstance(t, Constant))
    intercept = ", ".join(f"{Model(model.inputs, scored).intercept:.4g}" for scored in model.scores) if isinstance(model, Multiclass) else f"{model.intercept:.4g}"
    doc = f" ({model.doc})" if model.doc else ""
    return f"{model.name}: {what}, {terms} terms over {len(model.inputs)} inputs, intercept {intercept}{doc}"


def _header_html(model: AnyModel) -> str:
    name, rest = _header(model).split(":", 1)
    return f"<b>{html.escape(name)}</b>:{html.escape(rest)}"


def _left_out(count: int, model: AnyModel) -> str:
    unit = "input" if isinstance(model, Multiclass) else "term"
    return f"{count} more {unit}{'s' if count != 1 else ''}"


def _range(entry: Entry) -> str:
    if math.isinf(entry.width):
        return "unbounded (slope × x)"
    return f"{entry.low:.4g} .. {entry.high:.4g}"


def _entries(model: AnyModel) -> list[Entry]:
    """The table's lines, the widest range first (a linear term's is unbounded); ties keep
    the model's order."""
    entries = _multiclass_entries(model) if isinstance(model, Multiclass) else [_term_entry(t) for t in model.terms if not isinstance(t, Constant)]
    return sorted(entries, key=lambda e: -e.width)


def _term_entry(term: Term) -> Entry:
    from pwlc.plots import plot_term

    low, high = _bounds([term])
    inputs = " × ".join(term_features(term))
    return Entry(_kind(term), inputs, _size(term), low, high, lambda: [(inputs, plot_term(term, {}, [], dpi=THUMBNAIL_DPI))])


def _multiclass_entries(model: Multiclass) -> list[Entry]:
    """A line an input (or pair): every class's term on it, drawn as the report draws them
    (a line a class; a grid, one picture a class)."""
    from pwlc.plots import plot_classes, plot_term

    groups: dict[tuple[str, ...], list[tuple[int, int, Term]]] = {}
    for k, scored in enumerate(model.scores):
        for index, term in enumerate(scored):
            if not isinstance(term, Constant):
                groups.setdefault(term_features(term), []).append((k, index, term))
    teachers: list[Model | None] = [None] * len(model.classes)
    entries = []
    for features, members in groups.items():
        terms = [term for _, _, term in members]
        kinds = {type(term) for term in terms}
        inputs = " × ".join(features)
        if kinds <= {Curve, Step, Linear} or kinds == {Table}:
            draw = lambda members=members, inputs=inputs: [(inputs, plot_classes(model, members, teachers, {}, dpi=THUMBNAIL_DPI))]  # noqa: E731
        else:
            draw = lambda members=members, inputs=inputs: [(f"{inputs} (class {model.classes[k]})", plot_term(term, {}, [], dpi=THUMBNAIL_DPI)) for k, _, term in members]  # noqa: E731
        low, high = _bounds(terms)
        size = " / ".join(f"{model.classes[k]}: {_size(term)}" for k, _, term in members)
        entries.append(Entry(", ".join(dict.fromkeys(_kind(t) for t in terms)), inputs, size, low, high, draw))
    return entries


def _kind(term: Term) -> str:
    return type(term).__name__.lower()


def _size(term: Term) -> str:
    if isinstance(term, Curve):
        return f"{len(term.xs)} knots" + (f" ({term.fx})" if term.fx != "identity" else "")
    if isinstance(term, Step):
        return f"{len(term.values)} bins"
    if isinstance(term, Table):
        return f"{len(term.entries)} categories"
    if isinstance(term, Grid):
        return f"{term.a.size} × {term.b.size}"
    if isinstance(term, Linear):
        return f"slope {term.slope:.4g}"
    raise TypeError(type(term).__name__)


def _bounds(terms: list[Term]) -> tuple[float, float]:
    """The lowest and highest value the terms can contribute (every knot, bin, cell, default
    and missing value); a linear term's are unbounded."""
    from pwlc.passes.context import output_values

    if any(isinstance(t, Linear) for t in terms):
        return -math.inf, math.inf
    values = [v for t in terms for v in output_values(t)]
    return min(values), max(values)
