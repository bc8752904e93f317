"""benchmarks/results/peers.md: one table per benchmark row, the failures, the versions."""

from __future__ import annotations

import math

from .timing import Group, off_rows


def _rate(value: float) -> str:
    return f"{value:,.0f}"


def _ratio(value: float) -> str:
    return f"{value:.2f}×" if value < 10 else f"{value:.0f}×"


def _count(bad: int, total: int) -> str:
    return f"{bad:,} / {total:,}"


def _delta(value: float) -> str:
    return "0" if value == 0 else ("inf (NaN)" if math.isinf(value) else f"{value:.1e}")


def table(group: Group) -> list[str]:
    """The group's table: rows/s (CPU and wall medians), a "pwlc ÷ this" column per pwlc
    headline contender (CPU rows/s), and the exactness and size columns."""
    headlines = [c for c in group.contenders if c.headline]
    head = ["contender", "rows timed", "rows/s (CPU)", "rows/s (wall)"]
    head += [f"{c.label.split(' (')[0]} ÷ this" for c in headlines]
    head += ["vs teacher's", "rows off (data)", "max abs Δ (data)", "rows off (edge grid)", "max abs Δ (grid)", "emitted code"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for c in group.contenders:
        cells = [c.label, f"{c.rows:,}", _rate(c.rate("cpu")), _rate(c.rate("wall"))]
        cells += ["—" if h is c else _ratio(h.rate("cpu") / c.rate("cpu")) for h in headlines]
        reference = c.reference or group.reference
        assert c.scores is not None
        bad, biggest = off_rows(c.scores, reference.on_data(c.output))
        cells += [c.output, _count(bad, len(c.scores)), _delta(biggest)]
        if c.grid_scores is None:
            cells += ["failed", ""]
        else:
            bad, biggest = off_rows(c.grid_scores, reference.on_grid(c.output))
            cells += [_count(bad, group.grid_rows - group.grid_excluded), _delta(biggest)]
        cells.append(c.code)
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def section(group: Group, rounds: int) -> list[str]:
    lines = [f"### {group.title}", "", group.description, ""]
    lines += table(group)
    lines.append("")
    spread = [f"{c.label.split(' (')[0]}: {min(c.cpu):.3g}–{max(c.cpu):.3g} s" for c in group.contenders]
    lines.append(f"Median of {rounds} interleaved rounds; CPU seconds per round, min–max: " + "; ".join(spread) + ".")
    if group.grid_excluded:
        lines.append(f"Edge grid: {group.grid_rows:,} rows, of which {group.grid_excluded:,} the teacher itself refuses (not counted).")
    else:
        lines.append(f"Edge grid: {group.grid_rows:,} rows.")
    for c in group.contenders:
        if c.note:
            lines.append(f"- {c.label}: {c.note.strip()}")
    for note in group.notes:
        lines.append(f"- {note}")
    if group.failures:
        lines += ["", "Failed (not timed):", ""]
        lines += [f"- **{f.label}**: `{f.error}`" for f in group.failures]
    if group.versions:
        lines += ["", "Peer versions: " + "; ".join(f"{peer}: {text}" for peer, text in group.versions.items()) + "."]
    return lines + [""]
