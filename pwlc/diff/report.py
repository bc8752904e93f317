"""How `pwlc diff` and `pwlc check` print a comparison: lines of (text, style) pieces, so
that a terminal gets them in colour (rich) and a pipe, a CI log or an assertion message
gets the same text plain; and the same content as JSON for tools.

    curve age: changed                               max 0.214     RMS 0.0204
        knot 25 moved to 30 (value 0.2)
    table sex: added                                 max 0.2       RMS 0.128
        2 entries, default 0
    1 term changed, 1 added; score change max 0.214, RMS 0.15 over 62 rows (both models'
    edge grids): above tol 0
"""

from __future__ import annotations

from typing import IO, Any

from pwlc.diff import Comparison, Row, finite_or_text
from pwlc.diff.terms import TermChange, quoted_name

Piece = tuple[str, str]  # (text, rich style; "" for none)
Line = list[Piece]

STYLES = {"added": "green", "removed": "red", "changed": "yellow"}
# A term shows at most this many detail lines (a re-distillation moves every knot); the
# JSON has them all.
DETAILS_SHOWN = 8
TITLE_WIDTH = 44


def report(comparison: Comparison, tol: float, *, terms: bool = True, worst_rows: bool = False) -> list[Line]:
    """The lines of a comparison: model changes, then each changed term (largest change
    first) with its details, the worst rows when asked, and a one-line summary last."""
    lines: list[Line] = [[(change, "yellow")] for change in comparison.model] if terms else []
    for term, change in comparison.terms if terms else ():
        lines.append(_term_line(term, change))
        shown = term.details[:DETAILS_SHOWN]
        lines += [[("    " + detail, "")] for detail in shown]
        if len(term.details) > len(shown):
            lines.append([(f"    … and {len(term.details) - len(shown)} more", "dim")])
    if worst_rows and comparison.worst:
        lines.append([(f"worst rows ({comparison.scale} of {comparison.new_label} against {comparison.old_label}):", "bold")])
        lines += [_row_line(row, comparison) for row in comparison.worst]
    lines.append(summary(comparison, tol, terms=terms))
    return lines


def _term_line(term: TermChange, change: Any) -> Line:
    title = f"{term.title}: {term.status}"
    return [(title.ljust(TITLE_WIDTH), STYLES[term.status]), (f" max {_number(change.max):<11} RMS {_number(change.rms)}", "")]


def _row_line(row: Row, comparison: Comparison) -> Line:
    inputs = ", ".join(f"{quoted_name(key)}={_value(value)}" for key, value in row.inputs.items())
    return [(f"  row {row.index}: {inputs}: ", ""), (f"{_number(row.new)} against {_number(row.old)}", ""), (f" (change {_number(row.change)})", "bold")]


def summary(comparison: Comparison, tol: float, *, terms: bool = True) -> Line:
    """One line: what changed (with `terms`), how far the scores moved, against `tol`."""
    counts = {status: sum(term.status == status for term, _ in comparison.terms if term.kind != "intercept") for status in STYLES}
    parts = []
    if counts["changed"]:
        parts.append(f"{counts['changed']} term{'s' * (counts['changed'] != 1)} changed")
    parts += [f"{counts[s]} {s}" for s in ("added", "removed") if counts[s]]
    if any(term.kind == "intercept" for term, _ in comparison.terms):
        parts.append("the intercept changed")
    if comparison.model:
        parts.append(f"{len(comparison.model)} model change{'s' * (len(comparison.model) != 1)}")
    what = (", ".join(parts) if parts else "no change") + "; " if terms else f"{comparison.new_label} against {comparison.old_label}: "
    total = comparison.total
    measured = f"{comparison.scale} change max {_number(total.max)}, RMS {_number(total.rms)} over {comparison.rows:,} rows ({comparison.measured_on})"
    verdict = ("within tol " if comparison.within(tol) else "above tol ") + f"{tol:g}"
    return [(f"{what}{measured}: ", "bold"), (verdict, "green" if comparison.within(tol) else "red bold")]


def _number(value: float) -> str:
    return f"{value:.3g}"


def _value(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "missing"
    if isinstance(value, float):
        return _number(value)
    from pwlc.backends.pwl.printer import string

    return string(str(value))


def plain(line: Line) -> str:
    return "".join(text for text, _ in line).rstrip()


def write(lines: list[Line], stream: IO[str]) -> None:
    """Print the lines: in colour on a terminal (with rich, when installed), plain text
    elsewhere. User text (names, categories) is printed as text, never as markup."""
    if stream.isatty():
        try:
            from rich.console import Console
            from rich.text import Text
        except ImportError:
            pass
        else:
            console = Console(file=stream, highlight=False, soft_wrap=True)
            for line in lines:
                console.print(Text.assemble(*[(text, style) if style else text for text, style in line]))
            return
    for line in lines:
        stream.write(plain(line) + "\n")


def as_json(comparison: Comparison, tol: float) -> dict[str, Any]:
    """The comparison for tools: every term with all its details; an infinite change (a
    score missing on one side only) is the string "inf"."""
    return {
        "old": comparison.old_label,
        "new": comparison.new_label,
        "measured_on": comparison.measured_on,
        "rows": comparison.rows,
        "scale": comparison.scale,
        "max_change": finite_or_text(comparison.total.max),
        "rms_change": finite_or_text(comparison.total.rms),
        "tol": tol,
        "within_tol": comparison.within(tol),
        "model": list(comparison.model),
        "terms": [
            {
                "status": term.status,
                "kind": term.kind,
                **({"class": term.class_label} if term.class_label is not None else {}),
                "inputs": list(term.inputs),
                "title": term.title,
                "details": list(term.details),
                "max_change": finite_or_text(change.max),
                "rms_change": finite_or_text(change.rms),
            }
            for term, change in comparison.terms
        ],
        "worst_rows": [
            {
                "row": row.index,
                "inputs": {key: _json_input(value) for key, value in row.inputs.items()},
                "old": finite_or_text(row.old),
                "new": finite_or_text(row.new),
                "change": finite_or_text(row.change),
            }
            for row in comparison.worst
        ],
    }


def _json_input(value: Any) -> Any:
    """An input value for JSON: a missing number is null, an infinite one a string."""
    if isinstance(value, float):
        return None if value != value else finite_or_text(value)
    return value
