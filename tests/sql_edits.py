"""Hand edits of emitted SQL, as a reviewer makes them: the operators of the SQL edit
property test (tests/test_sql_reader.py) and of the scratch long run
`python -m tests.sql_edits --edits 2000`.

Each operator takes the emitted text and a random source and returns the edited text (or
None when it does not apply). An edited file is either refused, with a position and a
message, or read; a read file is run on its engine and must compute what the evaluator
computes from the model read (`check_edit`).
"""

from __future__ import annotations

import argparse
import random
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np

import pwlc
from pwlc.backends import sql
from pwlc.backends.sql.dialects import number
from pwlc.backends.sql.printer import render_sql
from pwlc.errors import PwlcError
from tests import engines
from tests.sql_support import postgres_stops, rows, same, sql_evaluate

Edit = Callable[[str, random.Random, str], "str | None"]
GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "models"
NUMBER = re.compile(r"(?<![\w.\"'])(\d+\.?\d*(?:[eE][-+]?\d+)?)(::float8)?(?![\w.\"'])")


def _numbers(text: str) -> list[re.Match[str]]:
    """Number literals outside the header, strings and quoted names (good enough here)."""
    body = text.index("WITH") if "WITH" in text else text.index("SELECT")
    found = []
    for match in NUMBER.finditer(text, body):
        line = text[text.rfind("\n", 0, match.start()) + 1 : match.start()]
        if line.count("'") % 2 == 0 and line.count('"') % 2 == 0:
            found.append(match)
    return found


def _value(rng: random.Random) -> float:
    return rng.choice([rng.uniform(-2, 2), float(rng.randint(-5, 50)), rng.uniform(0, 100), 10.0 ** rng.uniform(-20, 20), 0.0, 0.1, 0.3])


def _written(value: float, dialect: str, rng: random.Random) -> str:
    """`value` as pwlc writes it, or as a person might: plain decimal, integer, arithmetic."""
    style = rng.randrange(4)
    if style == 0 or value < 0:
        return render_sql(number(value, dialect), dialect)
    if style == 1:
        return repr(value)
    if style == 2 and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    half = render_sql(number(value / 2, dialect), dialect)
    return f"({half} + {half})"


def change_number(text: str, rng: random.Random, dialect: str) -> str | None:
    found = _numbers(text)
    if not found:
        return None
    match = rng.choice(found)
    return text[: match.start()] + _written(_value(rng), dialect, rng) + text[match.end() :]


def move_number_everywhere(text: str, rng: random.Random, dialect: str) -> str | None:
    """A knot or value changed in every place it appears (as pwlc asks)."""
    found = _numbers(text)
    if not found:
        return None
    old = rng.choice(found).group(0)
    new = render_sql(number(float(old.removesuffix("::float8").removesuffix("e0") or 0) * rng.choice([0.5, 1.5, -1.0, 1.0000000000000002]), dialect), dialect)
    return re.sub(rf"(?<![\w.\"']){re.escape(old)}(?![\w.\"'])", new.replace("\\", "\\\\"), text)


def _term_blocks(text: str) -> list[tuple[int, int]]:
    """(first, last) line numbers of each `+ CASE ... END` term."""
    lines = text.split("\n")
    blocks = []
    for i, line in enumerate(lines):
        if line.strip() == "+ CASE" or line.strip().startswith("+ CASE /*"):
            indent = len(line) - len(line.lstrip())
            for j in range(i + 1, len(lines)):
                if lines[j].startswith(" " * (indent + 2) + "END") and len(lines[j]) - len(lines[j].lstrip()) == indent + 2:
                    blocks.append((i, j))
                    break
    return blocks


def delete_term(text: str, rng: random.Random, dialect: str) -> str | None:
    blocks = _term_blocks(text)
    if not blocks:
        return None
    first, last = rng.choice(blocks)
    lines = text.split("\n")
    return "\n".join(lines[:first] + lines[last + 1 :])


def swap_terms(text: str, rng: random.Random, dialect: str) -> str | None:
    blocks = _term_blocks(text)
    if len(blocks) < 2:
        return None
    k = rng.randrange(len(blocks) - 1)
    (a0, a1), (b0, b1) = blocks[k], blocks[k + 1]
    if a1 + 1 != b0:
        return None
    lines = text.split("\n")
    return "\n".join(lines[:a0] + lines[b0 : b1 + 1] + lines[a0 : a1 + 1] + lines[b1 + 1 :])


def duplicate_term(text: str, rng: random.Random, dialect: str) -> str | None:
    blocks = _term_blocks(text)
    if not blocks:
        return None
    first, last = rng.choice(blocks)
    lines = text.split("\n")
    return "\n".join(lines[: last + 1] + lines[first : last + 1] + lines[last + 1 :])


def change_operator(text: str, rng: random.Random, dialect: str) -> str | None:
    found = [m for m in re.finditer(r" (<=|<|>) ", text)]
    if not found:
        return None
    match = rng.choice(found)
    new = rng.choice([op for op in ("<", "<=", ">", ">=") if op != match.group(1)])
    return text[: match.start()] + f" {new} " + text[match.end() :]


def delete_branch(text: str, rng: random.Random, dialect: str) -> str | None:
    """A WHEN line removed: a knot or an edge or a category deleted."""
    lines = text.split("\n")
    whens = [i for i, line in enumerate(lines) if line.strip().startswith("WHEN") and "IS NULL" not in line]
    if not whens:
        return None
    del lines[rng.choice(whens)]
    return "\n".join(lines)


def insert_branch(text: str, rng: random.Random, dialect: str) -> str | None:
    """A WHEN line repeated with another number in it: a knot or an edge inserted."""
    lines = text.split("\n")
    whens = [i for i, line in enumerate(lines) if line.strip().startswith("WHEN") and "IS NULL" not in line]
    if not whens:
        return None
    i = rng.choice(whens)
    copy = change_number(lines[i].replace("WHEN", "WITH WHEN", 1), rng, dialect)  # (the WITH marks where numbers start)
    if copy is None:
        return None
    lines.insert(i + rng.randrange(2), copy.replace("WITH WHEN", "WHEN", 1))
    return "\n".join(lines)


def in_list(text: str, rng: random.Random, dialect: str) -> str | None:
    """Two category branches written as one `IN (...)` (the second takes the first's value)."""
    pattern = re.compile(r"WHEN (\S+) = ('[^'\n]*') THEN ([^\n]+)\n(\s+)WHEN \1 = ('[^'\n]*') THEN [^\n]+\n")
    found = list(pattern.finditer(text))
    if not found:
        return None
    m = rng.choice(found)
    return text[: m.start()] + f"WHEN {m.group(1)} IN ({m.group(2)}, {m.group(5)}) THEN {m.group(3)}\n" + text[m.end() :]


def alias_score(text: str, rng: random.Random, dialect: str) -> str | None:
    found = re.search(r"\n  (\"\w+\"),\n  CASE", text)
    if found is None:
        return None
    return text[: found.start()] + f'\n  {found.group(1)} AS "renamed",\n  CASE' + text[found.end() :]


def extra_column(text: str, rng: random.Random, dialect: str) -> str | None:
    extra = rng.choice(["'v2' AS \"version\"", f"{render_sql(number(1.0, dialect), dialect)} AS \"one\"", '"row_id" AS "copy"'])
    last = text.rstrip().rfind("\nFROM ")
    return text[:last] + f",\n  {extra}" + text[last:]


def pretty(text: str, rng: random.Random, dialect: str) -> str | None:
    import sqlglot

    try:
        return str(sqlglot.transpile(text, read=dialect, write=dialect, pretty=True)[0])
    except sqlglot.errors.ParseError:
        return None  # an earlier edit broke the query (a CASE left with no WHEN): no printer takes it


def comment(text: str, rng: random.Random, dialect: str) -> str | None:
    spots = [m.start() for m in re.finditer(r"WHEN|\+ CASE|, ", text)]
    if not spots:
        return None
    at = rng.choice(spots)
    return text[:at] + "/* reviewed */ " + text[at:]


def add_clause(text: str, rng: random.Random, dialect: str) -> str | None:
    spots = [m.end() for m in re.finditer(r'FROM "\w+"', text)]
    clause = rng.choice([' WHERE "row_id" > 3', " LIMIT 5", " ORDER BY 1", ' WHERE "row_id" IS NOT NULL'])
    at = rng.choice(spots)
    return text[:at] + clause + text[at:]


def edit_input(text: str, rng: random.Random, dialect: str) -> str | None:
    found = list(re.finditer(r"CAST\((\"[^\"]+\") AS ([A-Z ]+)\) AS", text))
    if not found:
        return None
    m = rng.choice(found)
    new = rng.choice([f"COALESCE(CAST({m.group(1)} AS {m.group(2)}), 0) AS", f"CAST({m.group(1)} AS INTEGER) AS", f"CAST({m.group(1)} AS REAL) AS", f"UPPER(CAST({m.group(1)} AS {m.group(2)})) AS"])
    return text[: m.start()] + new + text[m.end() :]


OPERATORS: dict[str, Edit] = {
    "change number": change_number,
    "move number everywhere": move_number_everywhere,
    "delete term": delete_term,
    "swap terms": swap_terms,
    "duplicate term": duplicate_term,
    "change operator": change_operator,
    "delete branch": delete_branch,
    "insert branch": insert_branch,
    "IN list": in_list,
    "alias score": alias_score,
    "extra column": extra_column,
    "sqlglot pretty": pretty,
    "comment": comment,
    "add clause": add_clause,
    "edit input": edit_input,
}


def check_edit(text: str, dialect: str) -> str:
    """'refused' or 'accepted'; raises AssertionError when the reader misbehaves: an error
    without a position, or a read file the engine computes otherwise than its model."""
    try:
        model = pwlc.verify(sql.read(text, "edited.sql", dialect=dialect))
    except PwlcError as error:
        assert error.span is not None and error.span.line >= 1 and len(error.message) > 15, f"unpositioned: {error}"
        lines = text.split("\n")
        assert error.span.line <= len(lines) + 1, str(error)
        return "refused"
    columns = rows(model, seed=1, count=8)
    engine = dialect
    if engine == "postgres":
        stops = set(postgres_stops(model, columns))
        columns = {name: [v for i, v in enumerate(column) if i not in stops] for name, column in columns.items()}
    for output in ("score", "prediction"):
        got = engines.run_sql_source(text, model, columns, engine, output=output)
        expected = sql_evaluate(model, columns, output)
        bad = np.flatnonzero(~same(got, expected))
        assert bad.size == 0, f"misread ({output}): rows {bad[:3]} engine {got[bad[:3]]} vs read model {expected[bad[:3]]}"
    return "accepted"


def main() -> None:
    parser = argparse.ArgumentParser(description="Random hand edits of emitted SQL: read back exactly or refused.")
    parser.add_argument("--edits", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    models = [pwlc.read(p) for p in sorted(GOLDEN.glob("*.pwl")) if p.stem not in ("hostile_names", "long_steps")]
    counts: dict[tuple[str, str], int] = {}
    failures = 0
    for k in range(args.edits):
        dialect = rng.choice(["duckdb", "sqlite", "postgres"])
        model = rng.choice(models)
        name = rng.choice(list(OPERATORS))
        edited = engines.emit_sql(model, dialect)
        for _ in range(rng.randint(1, 2)):
            edited = OPERATORS[name](edited, rng, dialect) or edited
        try:
            outcome = check_edit(edited, dialect)
        except AssertionError as problem:
            failures += 1
            outcome = "FAILED"
            print(f"--- {name} on {dialect} (edit {k}): {problem}\n{edited[:3000]}")
        except Exception as problem:  # noqa: BLE001 - the point is to catch anything not ours
            failures += 1
            outcome = "FAILED"
            print(f"--- {name} on {dialect} (edit {k}): {type(problem).__name__}: {problem}\n{edited[:3000]}")
        counts[(name, outcome)] = counts.get((name, outcome), 0) + 1
    for name in OPERATORS:
        print(f"{name:<24}" + "  ".join(f"{o} {counts.get((name, o), 0):>5}" for o in ("accepted", "refused", "FAILED")))
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()
