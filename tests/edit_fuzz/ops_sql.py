"""Edits of emitted SQL: CASE branches, terms of the sum, and the constructs of issue 14
(the inputs CTE: COALESCE, LEAST, UPPER, a swapped column, other casts; a WHERE, LIMIT or
ORDER BY; `IN (...)`; an aliased score, an extra output column; `<` -> `<=` in a branch)."""

from __future__ import annotations

import re

from tests.edit_fuzz.lexer import line_span, replace
from tests.edit_fuzz.operators import Edit, operator, plain, random_value
from tests.edit_fuzz.structure import summands

_CAST = re.compile(r'^(\s*)CAST\(("(?:[^"]|"")*") AS ([^)]+)\) AS ("(?:[^"]|"")*")', re.MULTILINE)
_WHEN = re.compile(r"^\s*WHEN .* THEN .*$", re.MULTILINE)


def _score_sum(edit: Edit) -> tuple[int, int] | None:
    """The span of the sum of terms: from the line after the SELECT (and its key column) to
    the `AS "score"` line."""
    alias = None
    for m in re.finditer(r'^\s*AS ("(?:[^"]|"")*")\n\s*FROM', edit.text, re.MULTILINE):
        alias = m
    if alias is None:
        return None
    select = edit.text.rfind("SELECT\n", 0, alias.start())
    if select < 0:
        return None
    start = select + len("SELECT\n")
    key = re.match(r'\s*"row_id",\n', edit.text[start:])
    return (start + (key.end() if key else 0), alias.start())


@operator("term.delete", "sql")
def term_delete(edit: Edit) -> str | None:
    span = _score_sum(edit)
    terms = summands(edit.text, *span, "sql") if span else []
    if len(terms) < 2:
        return None
    k = edit.rng.randrange(len(terms))
    end = terms[k + 1].start if k + 1 < len(terms) else terms[k].end
    return replace(edit.text, terms[k].start, end, "")


@operator("term.duplicate", "sql")
def term_duplicate(edit: Edit) -> str | None:
    span = _score_sum(edit)
    terms = summands(edit.text, *span, "sql") if span else []
    if not terms:
        return None
    term = edit.rng.choice(terms)
    return replace(edit.text, term.end, term.end, f"\n    {term.sign or '+'} {edit.text[term.body_start : term.end]}")


@operator("term.reorder", "sql")
def term_reorder(edit: Edit) -> str | None:
    span = _score_sum(edit)
    terms = summands(edit.text, *span, "sql") if span else []
    if len(terms) < 2:
        return None
    order = list(range(len(terms)))
    while order == sorted(order):
        edit.rng.shuffle(order)
    parts = []
    for k, index in enumerate(order):
        term = terms[index]
        body = edit.text[term.body_start : term.end]
        sign = term.sign or "+"
        parts.append((body if sign == "+" else f"-{body}") if k == 0 else f"{sign} {body}")
    return replace(edit.text, terms[0].start, terms[-1].end, "\n    ".join(parts))


# --- CASE branches -------------------------------------------------------------------------------


@operator("branch.edit", "sql")
def branch_edit(edit: Edit) -> str | None:
    """A WHEN branch deleted, repeated, or its comparison changed (`<` to `<=` and so on)."""
    found = list(_WHEN.finditer(edit.text))
    if not found:
        return None
    m = edit.rng.choice(found)
    start, end = line_span(edit.text, m.start() + 1)
    line = edit.text[start:end]
    choice = edit.rng.randrange(3)
    if choice == 0:
        return replace(edit.text, start, end, "")
    if choice == 1:
        return replace(edit.text, start, end, line + line)
    swaps = [(" <= ", " < "), (" < ", " <= "), (" = ", " <> "), (" = ", " >= "), (" IS NULL", " IS NOT NULL"), (" < ", " > ")]
    swaps = [(a, b) for a, b in swaps if a in line]
    if not swaps:
        return None
    a, b = edit.rng.choice(swaps)
    return replace(edit.text, start, end, line.replace(a, b, 1))


@operator("branch.in_list", "sql")
def branch_in_list(edit: Edit) -> str | None:
    """A category's test written `IN ('a')`, `IN ('a', 'b')`, reversed, or as a simple CASE."""
    found = list(re.finditer(r"(\"(?:[^\"]|\"\")*\") = ('(?:[^']|'')*')", edit.text))
    if not found:
        return None
    m = edit.rng.choice(found)
    column, literal = m.group(1), m.group(2)
    new = edit.rng.choice([f"{column} IN ({literal})", f"{column} IN ({literal}, 'other')", f"{literal} = {column}", f"{column} LIKE {literal}", f"{column} = UPPER({literal})"])
    return replace(edit.text, m.start(), m.end(), new)


# --- the inputs CTE -----------------------------------------------------------------------------


@operator("inputs.wrap", "sql")
def inputs_wrap(edit: Edit) -> str | None:
    """An input's cast wrapped in a function, or its column swapped for another's."""
    found = list(_CAST.finditer(edit.text))
    if not found:
        return None
    m = edit.rng.choice(found)
    cast = edit.text[m.start() + len(m.group(1)) : m.end(3) + 1]
    text_input = m.group(3).upper() in ("TEXT", "VARCHAR", "STRING")
    wrappers = ["UPPER({})", "LOWER({})", "TRIM({})", "COALESCE({}, '')", "SUBSTR({}, 1, 3)"] if text_input else ["COALESCE({}, 0.0)", "LEAST({}, 100.0)", "GREATEST({}, 0.0)", "ABS({})", "{} + 0.0", "-{}", "ROUND({}, 1)"]
    choice = edit.rng.randrange(3)
    if choice == 0 and len(found) > 1:
        other = edit.rng.choice([f for f in found if f is not m])
        return replace(edit.text, m.start(2), m.end(2), other.group(2))
    new = edit.rng.choice(wrappers).format(cast)
    return replace(edit.text, m.start() + len(m.group(1)), m.end(3) + 1, new)


@operator("inputs.cast", "sql")
def inputs_cast(edit: Edit) -> str | None:
    """An input cast to another type, the cast removed, or the alias changed."""
    found = list(_CAST.finditer(edit.text))
    if not found:
        return None
    m = edit.rng.choice(found)
    choice = edit.rng.randrange(3)
    if choice == 0:
        new_type = edit.rng.choice(["INTEGER", "BIGINT", "FLOAT", "REAL", "DOUBLE", "DOUBLE PRECISION", "DECIMAL(10, 2)", "NUMERIC", "VARCHAR", "TEXT", "CHAR(2)"])
        return replace(edit.text, m.start(3), m.end(3), new_type)
    if choice == 1:
        return replace(edit.text, m.start() + len(m.group(1)), m.end(3) + 1, m.group(2))
    return replace(edit.text, m.start(4), m.end(4), m.group(4)[:-1] + '_2"')


# --- the query ----------------------------------------------------------------------------------


@operator("query.clause", "sql")
def query_clause(edit: Edit) -> str | None:
    """A clause that changes which rows are scored (or in which order), in a CTE or the
    final SELECT."""
    froms = [m for m in re.finditer(r'^\s*FROM ("(?:[^"]|"")*")', edit.text, re.MULTILINE)]
    if not froms:
        return None
    m = edit.rng.choice(froms)
    clause = edit.rng.choice(['WHERE "row_id" > 2', 'WHERE "row_id" IS NOT NULL', "WHERE 1 = 1", "LIMIT 5", "LIMIT 1000000", 'ORDER BY "row_id" DESC', "OFFSET 1", 'GROUP BY "row_id"'])
    if clause.startswith("OFFSET"):
        clause = "LIMIT -1 OFFSET 1" if edit.target == "sql:sqlite" else clause
    end = m.end()
    return replace(edit.text, end, end, f"\n  {clause}")


@operator("query.output", "sql")
def query_output(edit: Edit) -> str | None:
    """The final SELECT: the score aliased, an extra column, or DISTINCT."""
    final = edit.text.rfind("\nSELECT\n")
    if final < 0:
        return None
    start = final + len("\nSELECT\n")
    choice = edit.rng.randrange(3)
    if choice == 0:
        alias = list(re.finditer(r'AS ("(?:[^"]|"")*")\n\s*FROM', edit.text))
        plain_score = re.search(r'^  ("(?:[^"]|"")*"),?\n', edit.text[start:], re.MULTILINE)
        if alias and (plain_score is None or edit.rng.random() < 0.5):
            m = alias[-1]
            return replace(edit.text, m.start(1), m.end(1), '"risk"')
        if plain_score is None or plain_score.group(1) == '"row_id"':
            return None
        at = start + plain_score.end(1)
        return replace(edit.text, at, at, ' AS "risk"')
    if choice == 1:
        return replace(edit.text, start, start, edit.rng.choice(['  1.0 AS "extra",\n', '  "row_id" AS "id",\n', "  0.5,\n"]))
    return replace(edit.text, final + 1, final + len("\nSELECT"), "SELECT DISTINCT")


@operator("query.cte", "sql")
def query_cte(edit: Edit) -> str | None:
    """A CTE renamed (everywhere, or only where it is defined), or another added."""
    if '"inputs"' not in edit.text:
        return None
    choice = edit.rng.randrange(3)
    if choice == 0:
        return edit.text.replace('"inputs"', '"prepared"')
    if choice == 1:
        return edit.text.replace('"inputs" AS (', '"prepared" AS (', 1)
    return edit.text.replace("WITH ", 'WITH "unused" AS (SELECT 1 AS "one"), ', 1)


@operator("construct.function", "sql")
def construct_function(edit: Edit) -> str | None:
    """A math function respelled: LN as LOG or LOG10, EXP as POWER, a value through ROUND."""
    swaps = [("LN(", "LOG("), ("LN(", "LOG10("), ("EXP(", "POWER(2.718281828459045, "), (" THEN ", " THEN ROUND(")]
    found = [(m.start(), a, b) for a, b in swaps for m in re.finditer(re.escape(a), edit.text)]
    if not found:
        return None
    at, a, b = edit.rng.choice(found)
    if b == " THEN ROUND(":
        end = edit.text.find("\n", at)
        return edit.text[:at] + " THEN ROUND(" + edit.text[at + len(a) : end] + ", 3)" + edit.text[end:]
    return replace(edit.text, at, at + len(a), b)


@operator("literal.string", "sql")
def literal_string(edit: Edit) -> str | None:
    token = edit.pick("string", "model")
    if token is None:
        return None
    body = token.text[1:-1]
    choice = edit.rng.randrange(4)
    if choice == 0 and len(body) > 1 and not body.startswith("'"):
        return replace(edit.text, token.start, token.end, f"'{body[:1]}' || '{body[1:]}'")
    if choice == 1:
        return replace(edit.text, token.start, token.end, f"'{body} '")
    if choice == 2:
        return replace(edit.text, token.start, token.end, f"UPPER({token.text})")
    return replace(edit.text, token.start, token.end, "'" + body.swapcase() + "'")


@operator("knot.value", "sql")
def knot_value(edit: Edit) -> str | None:
    """The number a branch compares with moved (a knot or an edge moved)."""
    found = list(re.finditer(r"(<=?|>=?) (\(?-?[\d.e+-]+\)?) THEN", edit.text))
    if not found:
        return None
    m = edit.rng.choice(found)
    old = float(m.group(2).strip("()"))
    new = random_value(edit.rng, old)
    text = plain(new, "sql")
    return replace(edit.text, m.start(2), m.end(2), f"({text})" if new < 0 else text)
