"""Where pwlc's DuckDB query spends its time, for the rows where a peer is faster: DuckDB's
own profile of the whole query (time per operator) and the CPU time of each term alone
(the model reduced to that term, against the model reduced to its constant)."""

from __future__ import annotations

import dataclasses
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import pwlc

from .inputs import only, run_duckdb


def operator_seconds(connection: Any, query: str) -> dict[str, float]:
    """Seconds per operator type of one run of `query`, from DuckDB's JSON profile
    (what EXPLAIN ANALYZE prints as a tree)."""
    output = Path(tempfile.mkdtemp(prefix="pwlc-profile-")) / "profile.json"
    connection.execute("PRAGMA enable_profiling = 'json'")
    connection.execute(f"PRAGMA profiling_output = '{output}'")
    try:
        connection.execute(query).fetchnumpy()
    finally:
        connection.execute("PRAGMA disable_profiling")
    profile = json.loads(output.read_text())
    # binding, optimizing and planning the query: the part that does not grow with the rows
    totals = {"planning": sum(float(profile.get(k, {}).get("total_time", 0.0)) for k in ("planner", "optimizer", "physical_planner"))}
    stack = list(profile.get("operator", []))
    while stack:
        node = stack.pop()
        totals[node["type"]] = totals.get(node["type"], 0.0) + float(node.get("timing", 0.0))
        stack.extend(node.get("children", []))
    return totals


def describe(term: Any) -> str:
    if isinstance(term, pwlc.Step):
        return f"step {term.feature} ({len(term.edges)} edges)"
    if isinstance(term, pwlc.Curve):
        return f"curve {term.feature} ({len(term.xs)} knots{'' if term.fx == 'identity' else ', ' + term.fx})"
    if isinstance(term, pwlc.Table):
        return f"table {term.feature} ({len(term.entries)} entries)"
    if isinstance(term, pwlc.Grid):
        sizes = [len(getattr(axis, "edges", getattr(axis, "knots", getattr(axis, "categories", ())))) for axis in (term.a, term.b)]
        return f"grid {term.a.feature} × {term.b.feature} ({sizes[0]} × {sizes[1]} cuts)"
    return type(term).__name__.lower()


SAMPLE = 200_000  # the terms are timed on the first rows only (the whole table for the profile)


def _cpu(connection: Any, model: pwlc.Model, repeats: int) -> float:
    query = only(pwlc.emit(model, "sql:duckdb", table="input_sample", keys=["row_id"]), model.name, ["row_id"])
    seconds = []
    for _ in range(repeats):
        start = time.process_time()
        run_duckdb(connection, query, model.name)
        seconds.append(time.process_time() - start)
    return statistics.median(seconds)


def duckdb_profile(model: pwlc.Model, connection: Any, rows: int, repeats: int = 3) -> list[str]:
    """Lines for the results: operator times, then the costliest terms (ns a row) and the
    total by kind of term."""
    query = only(pwlc.emit(model, "sql:duckdb", keys=["row_id"]), model.name, ["row_id"])
    operators = operator_seconds(connection, query)
    total = sum(operators.values())
    # shares only: DuckDB's profiling itself slows the operators (times far above the unprofiled runs)
    shares = ", ".join(f"{name} {100 * seconds / total:.0f}%" for name, seconds in sorted(operators.items(), key=lambda kv: -kv[1]))
    connection.execute(f"CREATE TABLE IF NOT EXISTS input_sample AS SELECT * FROM input WHERE row_id < {SAMPLE}")
    sample = min(rows, SAMPLE)
    constants = tuple(t for t in model.terms if isinstance(t, pwlc.Constant)) or (pwlc.Constant(0.0),)
    baseline = _cpu(connection, dataclasses.replace(model, terms=constants, link="identity"), repeats)
    costs = []
    for term in model.terms:
        if not isinstance(term, pwlc.Constant):
            alone = _cpu(connection, dataclasses.replace(model, terms=(term,), link="identity"), repeats) - baseline
            costs.append((alone, describe(term)))
    costs.sort(reverse=True)
    by_kind: dict[str, float] = {}
    for seconds, text in costs:
        by_kind[text.split()[0]] = by_kind.get(text.split()[0], 0.0) + seconds
    per_row = 1e9 / sample
    lines = [
        f"DuckDB's profile of the whole query (EXPLAIN ANALYZE's operator times, one run), share of the time: {shares}.",
        f"The query without its terms (scan, casts, fetch) takes {baseline * per_row:.0f} ns a row; each term alone adds "
        f"(CPU, median of {repeats} on the first {sample:,} rows): " + "; ".join(f"{text} {seconds * per_row:.0f} ns" for seconds, text in costs[:6])
        + (f"; {len(costs) - 6} more terms {sum(s for s, _ in costs[6:]) * per_row:.0f} ns together" if len(costs) > 6 else "")
        + ". By kind: " + ", ".join(f"{kind}s {seconds * per_row:.0f} ns" for kind, seconds in sorted(by_kind.items(), key=lambda kv: -kv[1])) + " a row.",
    ]  # fmt: skip
    return lines
