"""The pictures of terms, shared by the HTML report (`pwlc.report`), its multiclass form and
the notebook display (`pwlc.notebook`): one PNG a term, or one a group of classes' terms.

`columns` holds the data's prepared columns (`pwlc.semantics.prepare_columns`); a feature
absent from it (a model shown without data) is drawn over the term's own knots, edges and
categories, with no histogram of rows.
"""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np

from pwlc.ir import (
    CategoryAxis,
    Constant,
    Curve,
    Grid,
    KnotAxis,
    Linear,
    Model,
    Multiclass,
    Step,
    StepAxis,
    Table,
    Term,
    term_features,
)
from pwlc.semantics import term_values

COLOURS = ("#1f5fbf", "#d9642b", "#2a9d55", "#9c4fc4", "#c9a227", "#444444", "#e05297", "#3ab7c9")
UNSEEN = "\x00unseen"  # a category no table lists: drawn as "(other)", the default


def plot_term(term: Term, columns: dict[str, Any], teacher: list[Term], *, dpi: int = 90) -> bytes:
    """A PNG of one term (the teacher's terms over the same inputs drawn with it)."""
    if isinstance(term, Grid):
        figure = _plot_grid(term, columns, teacher)
    elif isinstance(term, Table):
        figure = _plot_table(term, columns, teacher)
    elif isinstance(term, (Curve, Step, Linear)):
        figure = _plot_curve(term, columns, teacher)
    else:
        raise TypeError(f"nothing to plot for {type(term).__name__}")
    return _png(figure, dpi)


def plot_classes(model: Multiclass, members: list[tuple[int, int, Term]], teachers: list[Model | None], columns: dict[str, Any], *, dpi: int = 90) -> bytes:
    """One figure for every class's term on one input (`members`: (class, index, term)): a
    line a class (curves, steps and linear terms, the teacher's dashed), or a group of bars a
    category, a bar a class (tables)."""
    from matplotlib.figure import Figure

    first = members[0][2]
    feature = term_features(first)[0]
    if isinstance(first, (Curve, Step, Linear)):
        figure = _plot_curve(first, columns, [])  # the axes, the data's histogram below
        top = figure.axes[0]
        for line in list(top.lines):  # drawn again below, a line a class
            line.remove()
        low, high = top.get_xlim()
        points = sorted({p for _, _, t in members for p in _points(t)})
        grid = np.unique(np.concatenate([np.linspace(low, high, 600), points, [math.nextafter(p, -math.inf) for p in points]]))
        for k, _, term in members:
            colour = COLOURS[k % len(COLOURS)]
            top.plot(grid, values_at(term, {feature: grid}), color=colour, lw=2, label=model.classes[k])
            other = teachers[k]
            for i in matching_terms(other, term) if other is not None else []:
                top.plot(grid, values_at(other.terms[i], {feature: grid}), color=colour, lw=1.2, ls="--")  # type: ignore[union-attr]
        taught = any(t is not None for t in teachers)
        top.legend(loc="best", fontsize=8, title="class (teacher dashed)" if taught else "class", title_fontsize=8)
    else:
        keys = list(dict.fromkeys(key for _, _, t in members for key, _ in t.entries))  # type: ignore[union-attr]
        shown = [*keys, UNSEEN]
        position = np.arange(len(shown))
        width = 0.8 / len(members)
        figure = Figure(figsize=(6.4, 3.2))
        axis = figure.subplots()
        for j, (k, _, term) in enumerate(members):
            axis.bar(position + j * width, values_at(term, {feature: shown}), width, color=COLOURS[k % len(COLOURS)], label=model.classes[k])
        axis.set_xticks(position + 0.4 - width / 2, [*keys, "(other)"], fontsize=8, rotation=30 if len(keys) > 4 else 0)
        axis.set_ylabel("contribution")
        axis.set_title(feature, fontsize=9)
        axis.legend(fontsize=8, title="class", title_fontsize=8)
        axis.grid(alpha=0.3, axis="y")
    return _png(figure, dpi)


def matching_terms(teacher: Model | None, term: Term) -> list[int]:
    """Indices of the teacher's terms over the same inputs as `term`."""
    if teacher is None:
        return []
    wanted = set(term_features(term))
    return [i for i, t in enumerate(teacher.terms) if not isinstance(t, Constant) and set(term_features(t)) == wanted]


def values_at(term: Term, columns: dict[str, Any]) -> np.ndarray:
    """The term's contribution at the given values (numbers, or a list of categories)."""
    rows = len(next(iter(columns.values())))
    prepared = {name: (np.asarray(v, dtype=np.float64) if not isinstance(v, list) or not v or not isinstance(v[0], str) else v) for name, v in columns.items()}
    return term_values(term, prepared, rows)


def _png(figure: Any, dpi: int) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


def _points(term: Term) -> tuple[float, ...]:
    """Where a one-input term bends or jumps (none for a linear term)."""
    return term.xs if isinstance(term, Curve) else term.edges if isinstance(term, Step) else ()


def _plot_curve(term: Curve | Step | Linear, columns: dict[str, Any], teacher: list[Term]) -> Any:
    from matplotlib.figure import Figure

    column = columns.get(term.feature)
    points = _points(term)
    seen = np.zeros(0)
    if column is not None:  # the data's range (a line's only range), widened to every knot or edge
        x = np.asarray(column, dtype=np.float64)
        seen = x[np.isfinite(x)]
        low, high = np.quantile(seen, [0.0, 1.0]) if seen.size else (0.0, 1.0)
        if points:
            low, high = min(low, min(points)), max(high, max(points))
    else:  # no data: the knots or edges, and a little beyond them (flat, or the outer bins)
        low, high = (min(points), max(points)) if points else (0.0, 1.0)
        pad = (high - low) * 0.1 or 1.0
        low, high = low - pad, high + pad
    if low == high:
        low, high = low - 1.0, high + 1.0
    grid = np.unique(np.concatenate([np.linspace(low, high, 600), [np.nextafter(p, -math.inf) for p in points], points]))
    grid = grid[(grid >= low) & (grid <= high)]
    if column is not None:
        figure = Figure(figsize=(6.4, 3.6))
        top, bottom = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    else:
        figure = Figure(figsize=(6.4, 2.7))
        top = figure.subplots()
        bottom = top
    for other in teacher:
        top.plot(grid, values_at(other, {term.feature: grid}), color="#aaaaaa", lw=3.5, label="teacher")
    top.plot(grid, values_at(term, {term.feature: grid}), color="#1f5fbf", lw=2, label="pwlc")
    if isinstance(term, Curve):
        top.plot(term.xs, term.ys, "o", color="#1f5fbf", ms=5)
    if isinstance(term, Curve) and term.fx in ("log", "log1p", "symlog1p") and low > 0:
        top.set_xscale("log")
    top.set_ylabel("contribution")
    missing = term.missing
    top.legend(loc="best", fontsize=8, title=None if missing is None else f"missing → {missing:.4g}", title_fontsize=8)
    top.grid(alpha=0.3)
    if column is not None:
        bottom.hist(seen, bins=60, color="#bbbbbb")
        bottom.set_ylabel("rows")
    bottom.set_xlabel(term.feature)
    return figure


def _plot_table(term: Table, columns: dict[str, Any], teacher: list[Term]) -> Any:
    from matplotlib.figure import Figure

    keys = [k for k, _ in term.entries]
    column = columns.get(term.feature)
    counts: dict[str, int] | None = None
    if column is not None:
        counts = {k: 0 for k in keys}
        for value in column:
            if value in counts:
                counts[value] += 1
    labels = [*keys, "(other)"]
    position = np.arange(len(labels))
    figure = Figure(figsize=(6.4, 3.2))
    axis = figure.subplots()
    width = 0.4 if teacher else 0.8
    axis.bar(position, values_at(term, {term.feature: [*keys, UNSEEN]}), width, color="#1f5fbf", label="pwlc")
    for other in teacher:
        axis.bar(position + width, values_at(other, {term.feature: [*keys, UNSEEN]}), width, color="#999999", label="teacher")
    ticks = [f"{k}\n({counts.get(k, 0)} rows)" if counts is not None and k in counts else k for k in labels]
    axis.set_xticks(position + (width / 2 if teacher else 0), ticks, fontsize=8, rotation=30 if len(labels) > 4 else 0, ha="right" if len(labels) > 4 else "center")
    axis.set_ylabel("contribution")
    axis.set_title(term.feature, fontsize=9)
    axis.legend(fontsize=8)
    axis.grid(alpha=0.3, axis="y")
    return figure


def _axis_points(axis: StepAxis | KnotAxis | CategoryAxis, column: Any) -> tuple[list[Any], np.ndarray, list[str] | None]:
    """(values to evaluate at, where to draw them, tick labels for a category axis)."""
    if isinstance(axis, CategoryAxis):
        names = [*axis.categories, UNSEEN]
        return names, np.arange(len(names), dtype=np.float64), [*axis.categories, "(other)"]
    if column is not None:
        x = np.asarray(column, dtype=np.float64)
        seen = x[np.isfinite(x)]
        low, high = (float(np.quantile(seen, 0.01)), float(np.quantile(seen, 0.99))) if seen.size else (0.0, 1.0)
    else:  # no data: the axis's own knots or edges, a bin's width beyond the outer edges
        marks = axis.knots if isinstance(axis, KnotAxis) else axis.edges
        low, high = (min(marks), max(marks)) if marks else (0.0, 1.0)
        if isinstance(axis, StepAxis) and marks:
            pad = (high - low) / max(len(marks) - 1, 1) or 1.0
            low, high = low - pad, high + pad
    points = np.linspace(low, high if high > low else low + 1.0, 80)
    return list(points), points, None


def _plot_grid(term: Grid, columns: dict[str, Any], teacher: list[Term]) -> Any:
    from matplotlib.figure import Figure

    a_values, a_drawn, a_ticks = _axis_points(term.a, columns.get(term.a.feature))
    b_values, b_drawn, b_ticks = _axis_points(term.b, columns.get(term.b.feature))
    mesh = {term.a.feature: [a for a in a_values for _ in b_values], term.b.feature: [b for _ in a_values for b in b_values]}
    panels = [("pwlc", term)] + [("teacher", other) for other in teacher]
    figure = Figure(figsize=(3.6 * len(panels), 3.2), layout="constrained")
    axes = figure.subplots(1, len(panels), squeeze=False)
    shown = [values_at(other, mesh).reshape(len(a_values), len(b_values)) for _, other in panels]
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
