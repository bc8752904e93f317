"""Edit-fuzz failures that are known and owned by a backend still being fixed.

Each `KnownEdit` is one class of the fuzz findings (the notes kept by the fuzz engineer,
named B-py1, B-sql2, ... there), scoped to a language, the edit operators that produce it
(`UNEDITED` for a seed file that disagrees before any edit), the outcome and where it
shows. The quick edit fuzz (tests/test_edit_fuzz.py) sets aside a failure only when a
class matches it; any other failure fails the test. Each class carries a reproducer, an
edit of one seed file, which tests/test_edit_fuzz.py checks as a strict xfail: when the
owner's fix lands the edit is read exactly or refused, the xfail turns into a failure, and
the class is deleted here (which ends its gate in the quick fuzz too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.edit_fuzz import Seed, Verdict

UNEDITED = "(unedited seed)"


@dataclass(frozen=True)
class KnownEdit:
    finding: str  # the class's name in the fuzz findings
    owner: str  # the branch that owns the fix
    what: str
    lang: str
    operators: str  # regular expression: one of the edit's operators (UNEDITED: the seed as emitted)
    outcome: str  # regular expression: the verdict's outcome
    path: str  # regular expression: where it showed (Verdict.path)
    seed: str  # the reproducer: this seed model's file...
    target: str  # ...emitted for this target...
    before: str = ""  # ...with every `before` replaced by `after`
    after: str = ""

    def matches(self, lang: str, operators: tuple[str, ...], verdict: Verdict) -> bool:
        return (
            lang == self.lang
            and any(re.fullmatch(self.operators, name) for name in operators)
            and bool(re.fullmatch(self.outcome, verdict.outcome))
            and bool(re.fullmatch(self.path, verdict.path))
        )

    def reproducer(self, seed: Seed) -> str:
        assert self.before in seed.text, f"{self.finding}: {self.before!r} is not in {self.seed} as {self.target}"
        return seed.text.replace(self.before, self.after)


_PY = "python-backend"
_SQL = "sql-backend"
_C = "c-backend"

KNOWN: list[KnownEdit] = [
    KnownEdit(
        "B-c10", _C, "the batch function renamed where it is defined: refused at a line past the end of the file, with no source line to show",
        "c", r"decl\.function_rename", r"refusal without position", r"read",
        "minimal", "c", "void score_batch(size_t n, const struct score_columns *columns, double *out)\n{",
        "void score_batch_v2(size_t n, const struct score_columns *columns, double *out)\n{",
    ),
    KnownEdit(
        "B-py1", _PY, "parameters of `score` and `probability` reordered alike while `probability` still calls `score` by position",
        "python", r"signature\.reorder", r"mismatch|invalid", r"python .*",
        "grids", "python", "(age: float, income: float, region: str, hours: float)", "(hours: float, income: float, region: str, age: float)",
    ),
    KnownEdit(
        "B-py2", _PY, "an edit of the runtime section is not checked against what pwlc writes",
        "python", r"runtime\.line", r"mismatch|invalid", r"python .*",
        "grids", "python", "        return 1.0 / (1.0 + math.exp(-score))", "        return 2.0 / (1.0 + math.exp(-score))",
    ),
    KnownEdit(
        "B-sql1", _SQL, "the inputs CTE: a wrapped or swapped source column is accepted and ignored",
        "sql", r"inputs\.wrap", r"mismatch", r"(sqlite|duckdb)( .*)?",
        "tables", "sql:sqlite", 'CAST("grade" AS TEXT) AS "grade"', 'CAST("state code" AS TEXT) AS "grade"',
    ),
    KnownEdit(
        "B-sql5", _SQL, "the inputs CTE: a cast to another type (INTEGER in SQLite) is accepted and read as the declared one",
        "sql", r"inputs\.cast", r"mismatch", r"(sqlite|duckdb)( .*)?",
        "steps", "sql:sqlite", 'CAST("income" AS REAL)', 'CAST("income" AS INTEGER)',
    ),
    KnownEdit(
        "B-sql2", _SQL, "a clause that changes which rows are scored (LIMIT, WHERE, OFFSET) is accepted",
        "sql", r"query\.clause", r"mismatch", r"(sqlite|duckdb)( .*)?",
        "minimal", "sql:sqlite", 'FROM "input";', 'FROM "input"\n  LIMIT -1 OFFSET 1;',
    ),
    KnownEdit(
        "B-sql3", _SQL, "a CTE renamed where it is defined only is accepted; the query does not run",
        "sql", r"query\.cte", r"invalid", r"(sqlite|duckdb)( .*)?",
        "tables", "sql:sqlite", 'WITH "inputs" AS (', 'WITH "prepared" AS (',
    ),
    KnownEdit(
        "A9", _SQL, "DuckDB types number literals as DECIMAL: the emitted query disagrees before any edit",
        "sql", re.escape(UNEDITED), r"mismatch", r"duckdb.*",
        "tables", "sql:duckdb",
    ),
]


def known_edit(lang: str, operators: tuple[str, ...], verdict: Verdict) -> KnownEdit | None:
    return next((k for k in KNOWN if k.matches(lang, operators, verdict)), None)
