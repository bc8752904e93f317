"""What changed between two models, in the model's own words: terms matched by identity,
and for each changed term the knots, edges, entries and cells that differ.

A term's identity is its kind and the inputs it reads ("curve age", "grid age x income");
two terms of one identity in a model are matched in order. The constants are one thing,
the intercept (their sum: how the terms are split does not matter). Scores are measured
elsewhere (`pwlc.diff`): here only the text that says what changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pwlc.backends.pwl.printer import string as quoted_string
from pwlc.ir import (
    Axis,
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
from pwlc.numbers import shortest

KINDS = {Curve: "curve", Step: "step", Table: "table", Grid: "grid", Linear: "linear"}


def quoted_name(name: str) -> str:
    """An input's name as a message shows it: bare when a plain word, else quoted (and
    escaped: a name may hold any character)."""
    return name if name.isascii() and name.isidentifier() else quoted_string(name)


@dataclass(frozen=True)
class TermChange:
    """One term added, removed or changed; `old`/`new` are None for an added/removed one
    (for the intercept, constants holding the sum of each model's constants)."""

    status: str  # "added", "removed" or "changed"
    kind: str  # "curve", "step", "table", "grid", "linear" or "intercept"
    inputs: tuple[str, ...]
    details: tuple[str, ...]
    old: Term | None = None
    new: Term | None = None
    class_label: str | None = None  # the class whose score holds the term (a multiclass model)

    @property
    def title(self) -> str:
        """`curve age`, `grid age x income`, `intercept`, names quoted as in .pwl; with the
        class first in a multiclass model: `class "Low": curve age`."""
        title = "intercept" if self.kind == "intercept" else f"{self.kind} {' x '.join(quoted_name(i) for i in self.inputs)}"
        return title if self.class_label is None else f"class {quoted_string(self.class_label)}: {title}"


def identity(term: Term) -> tuple[str, tuple[str, ...]]:
    return KINDS[type(term)], term_features(term)


def input_differences(old: Model, new: Model, labels: tuple[str, str] = ("the old model", "the new model")) -> str | None:
    """Why two models cannot be compared on the same rows (None when they can): an input
    only one of them has, or one both have with different kinds."""
    old_kinds = {i.name: i.kind for i in old.inputs}
    new_kinds = {i.name: i.kind for i in new.inputs}
    problems = []
    only_old = [n for n in old_kinds if n not in new_kinds]
    only_new = [n for n in new_kinds if n not in old_kinds]
    if only_old:
        problems.append(f"only {labels[0]} has {_names(only_old)}")
    if only_new:
        problems.append(f"only {labels[1]} has {_names(only_new)}")
    for name, kind in old_kinds.items():
        if name in new_kinds and new_kinds[name] != kind:
            problems.append(f"input {quoted_name(name)} is {kind} in {labels[0]} and {new_kinds[name]} in {labels[1]}")
    return "; ".join(problems) or None


def _names(names: list[str]) -> str:
    return ("input " if len(names) == 1 else "inputs ") + ", ".join(quoted_name(n) for n in names)


def model_changes(old: Model, new: Model) -> list[str]:
    """What changed in the model itself: link, function name, description, input order."""
    changes = []
    if old.link != new.link:
        changes.append(f"link {old.link} -> {new.link}")
    if old.name != new.name:
        changes.append(f"function name {old.name} -> {new.name}")
    if old.doc != new.doc:
        changes.append(f"description {_short(quoted_string(old.doc))} -> {_short(quoted_string(new.doc))}")
    old_order, new_order = [i.name for i in old.inputs], [i.name for i in new.inputs]
    if old_order != new_order and sorted(old_order) == sorted(new_order):
        changes.append(f"inputs in another order: {', '.join(map(quoted_name, new_order))} (callers passing them by position must follow)")
    return changes


def _short(text: str, most: int = 60) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


def term_changes(old: Model, new: Model) -> list[TermChange]:
    """Every term added, removed or changed (unchanged ones are left out), in the order of
    the old model, then the new terms."""
    changes = []
    if old.intercept != new.intercept:
        detail = f"{shortest(old.intercept)} -> {shortest(new.intercept)}"
        changes.append(TermChange("changed", "intercept", (), (detail,), Constant(old.intercept), Constant(new.intercept)))
    for before, after in match_terms(old, new):
        if before is None:
            assert after is not None
            kind, inputs = identity(after)
            changes.append(TermChange("added", kind, inputs, tuple(summary(after)), None, after))
        elif after is None:
            kind, inputs = identity(before)
            changes.append(TermChange("removed", kind, inputs, tuple(summary(before)), before, None))
        elif before != after:
            kind, inputs = identity(before)
            changes.append(TermChange("changed", kind, inputs, tuple(details(before, after)), before, after))
    return changes


def match_terms(old: Model, new: Model) -> list[tuple[Term | None, Term | None]]:
    """Pairs (old term, new term) of the same identity, in order; None where a term has no
    partner. Constants are left out (see `Model.intercept`)."""
    waiting: dict[tuple[str, tuple[str, ...]], list[Term]] = {}
    for term in new.terms:
        if not isinstance(term, Constant):
            waiting.setdefault(identity(term), []).append(term)
    pairs: list[tuple[Term | None, Term | None]] = []
    for term in old.terms:
        if not isinstance(term, Constant):
            partners = waiting.get(identity(term))
            pairs.append((term, partners.pop(0) if partners else None))
    for term in new.terms:  # the new terms left over, in their order
        left = waiting.get(identity(term)) if not isinstance(term, Constant) else None
        if left and left[0] is term:
            pairs.append((None, left.pop(0)))
    return pairs


# --- one term -------------------------------------------------------------------------


def summary(term: Term) -> list[str]:
    """A one-line description of a term added or removed."""
    if isinstance(term, Curve):
        fx = "" if term.fx == "identity" else f", fx = {term.fx}"
        return [f"{len(term.xs)} knots from {shortest(term.xs[0])} to {shortest(term.xs[-1])}{fx}{_missing_text(term.missing)}"]
    if isinstance(term, Step):
        return [f"{len(term.edges)} edges, {len(term.values)} values{_missing_text(term.missing)}"]
    if isinstance(term, Table):
        return [f"{len(term.entries)} entries, default {shortest(term.default)}{_missing_text(term.missing)}"]
    if isinstance(term, Grid):
        return [f"{term.a.size} x {term.b.size} cells{_missing_text(term.missing)}"]
    if isinstance(term, Linear):
        return [f"slope {shortest(term.slope)}{_missing_text(term.missing)}"]
    return []


def _missing_text(value: float | None) -> str:
    return "" if value is None else f", missing = {shortest(value)}"


def details(old: Term, new: Term) -> list[str]:
    """What differs between two terms of the same identity, one line a difference."""
    lines = []
    if isinstance(old, Curve) and isinstance(new, Curve):
        if old.fx != new.fx:
            lines.append(f"fx {old.fx} -> {new.fx}")
        lines += _points("knot", old.xs, old.ys, new.xs, new.ys)
    elif isinstance(old, Step) and isinstance(new, Step):
        if old.at_edge != new.at_edge:
            lines.append(f"at_edge {old.at_edge} -> {new.at_edge}")
        if old.values[0] != new.values[0]:
            where = f"below {shortest(min(old.edges[:1] + new.edges[:1]))}" if old.edges or new.edges else "everywhere"
            lines.append(f"value {where}: {shortest(old.values[0])} -> {shortest(new.values[0])}")
        lines += _points("edge", old.edges, old.values[1:], new.edges, new.values[1:])
    elif isinstance(old, Table) and isinstance(new, Table):
        lines += _entries(old, new)
        if old.default != new.default:
            lines.append(f"default {shortest(old.default)} -> {shortest(new.default)}")
    elif isinstance(old, Grid) and isinstance(new, Grid):
        lines += _grid(old, new)
    elif isinstance(old, Linear) and isinstance(new, Linear) and old.slope != new.slope:
        lines.append(f"slope {shortest(old.slope)} -> {shortest(new.slope)}")
    missing_old, missing_new = getattr(old, "missing", None), getattr(new, "missing", None)
    if missing_old != missing_new:
        lines.append(f"missing {_optional(missing_old)} -> {_optional(missing_new)}")
    return lines


def _optional(value: float | None) -> str:
    return "none (a missing input makes the score missing)" if value is None else shortest(value)


def align(old: Sequence[float], new: Sequence[float]) -> list[tuple[int | None, int | None]]:
    """Index pairs of two increasing sequences: equal positions pair up; between two such
    pairs, the same number of others on both sides pair in order (moved ones); the rest
    stand alone (removed: (i, None), added: (None, j))."""
    anchors = []
    i = j = 0
    while i < len(old) and j < len(new):
        if old[i] == new[j]:
            anchors.append((i, j))
            i, j = i + 1, j + 1
        elif old[i] < new[j]:
            i += 1
        else:
            j += 1
    pairs: list[tuple[int | None, int | None]] = []
    last_i = last_j = -1
    for a, b in [*anchors, (len(old), len(new))]:
        gap_old, gap_new = range(last_i + 1, a), range(last_j + 1, b)
        if len(gap_old) == len(gap_new):
            pairs += list(zip(gap_old, gap_new))
        else:  # removed and added, in the order of their positions
            alone: list[tuple[int | None, int | None]] = [(k, None) for k in gap_old] + [(None, k) for k in gap_new]
            pairs += sorted(alone, key=lambda pair: old[pair[0]] if pair[0] is not None else new[pair[1]])  # type: ignore[index]
        if a < len(old):
            pairs.append((a, b))
        last_i, last_j = a, b
    return pairs


def _points(what: str, old_x: Sequence[float], old_y: Sequence[float], new_x: Sequence[float], new_y: Sequence[float]) -> list[str]:
    """Knots (x, value) or edges (edge, value from it on) added, removed, moved, revalued."""
    lines = []
    for i, j in align(old_x, new_x):
        if i is None:
            assert j is not None
            lines.append(f"{what} {shortest(new_x[j])} added (value {shortest(new_y[j])})")
        elif j is None:
            lines.append(f"{what} {shortest(old_x[i])} removed (value {shortest(old_y[i])})")
        elif old_x[i] != new_x[j]:
            value = f"value {shortest(old_y[i])}" if old_y[i] == new_y[j] else f"value {shortest(old_y[i])} -> {shortest(new_y[j])}"
            lines.append(f"{what} {shortest(old_x[i])} moved to {shortest(new_x[j])} ({value})")
        elif old_y[i] != new_y[j]:
            lines.append(f"value at {what} {shortest(old_x[i])}: {shortest(old_y[i])} -> {shortest(new_y[j])}")
    return lines


def _entries(old: Table, new: Table) -> list[str]:
    before, after = old.lookup(), new.lookup()
    lines = []
    for key, value in old.entries:
        if key not in after:
            lines.append(f"entry {quoted_string(key)} removed (value {shortest(value)}; it now gets the default)")
        elif after[key] != value:
            lines.append(f"{quoted_string(key)}: {shortest(value)} -> {shortest(after[key])}")
    lines += [f"entry {quoted_string(key)} added (value {shortest(value)})" for key, value in new.entries if key not in before]
    return lines


def _grid(old: Grid, new: Grid) -> list[str]:
    lines = _axis(old.a, new.a) + _axis(old.b, new.b)
    if (old.a, old.b) == (new.a, new.b):
        cells = [(i, j) for i, row in enumerate(old.values) for j, v in enumerate(row) if new.values[i][j] != v]
        if cells:
            size = old.a.size * old.b.size
            lines.append(f"{len(cells)} of {size} cells changed: " + ", ".join(f"[{i}][{j}] {shortest(old.values[i][j])} -> {shortest(new.values[i][j])}" for i, j in cells[:3]) + (", …" if len(cells) > 3 else ""))
    elif old.values != new.values:
        lines.append(f"cells {old.a.size} x {old.b.size} -> {new.a.size} x {new.b.size}, values refitted")
    for axis, before, after in ((old.a, old.missing_a, new.missing_a), (old.b, old.missing_b, new.missing_b)):
        if before != after:
            state = "added" if before is None else "removed" if after is None else "changed"
            lines.append(f"missing {quoted_name(axis.feature)} row {state}")
    return lines


def _axis(old: Axis, new: Axis) -> list[str]:
    label = f"axis {quoted_name(old.feature)}"
    if type(old) is not type(new):
        return [f"{label}: {_axis_kind(old)} -> {_axis_kind(new)}"]
    if isinstance(old, CategoryAxis) and isinstance(new, CategoryAxis):
        removed = [c for c in old.categories if c not in new.categories]
        added = [c for c in new.categories if c not in old.categories]
        return [f"{label}: category {quoted_string(c)} removed" for c in removed] + [f"{label}: category {quoted_string(c)} added" for c in added]
    lines = []
    if isinstance(old, StepAxis) and isinstance(new, StepAxis) and old.at_edge != new.at_edge:
        lines.append(f"{label}: at_edge {old.at_edge} -> {new.at_edge}")
    points = (old.edges, new.edges) if isinstance(old, StepAxis) and isinstance(new, StepAxis) else (old.knots, new.knots)  # type: ignore[union-attr]
    what = "edge" if isinstance(old, StepAxis) else "knot"
    for i, j in align(*points):
        if i is None:
            lines.append(f"{label}: {what} {shortest(points[1][j])} added")  # type: ignore[index]
        elif j is None:
            lines.append(f"{label}: {what} {shortest(points[0][i])} removed")
        elif points[0][i] != points[1][j]:
            lines.append(f"{label}: {what} {shortest(points[0][i])} moved to {shortest(points[1][j])}")
    return lines


def _axis_kind(axis: Axis) -> str:
    return "steps" if isinstance(axis, StepAxis) else "knots" if isinstance(axis, KnotAxis) else "categories"
