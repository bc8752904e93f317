"""Two places of a file that must agree and do not: which one an edit most plausibly
touched, so that the refusal's caret lands there (and its message names the other).

- The names list against the input struct: a field must be named after its input (pwlc
  names `age` after "age"). The rest of the file says which side is the file's own: the
  columns struct lists the same fields in the same order, and the term functions and
  their arrays are named after the fields (`age_curve`, `age_curve_knots`), so a name
  they back was not the one edited.
- The batch against the scoring function (`check_batch`): the two lists of terms are
  aligned, and a term out of place is blamed on the side where it stands out.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from typing import TYPE_CHECKING

from pwlc.backends.c.names import CNames
from pwlc.backends.c.parse import Braced, Param
from pwlc.errors import ParseError
from pwlc.ir import Constant, Term

if TYPE_CHECKING:
    from pwlc.backends.c.read import _FileReader

BATCH_MISMATCH = "the batch function's terms differ from score's: edit both or regenerate"


def check_names_list(reader: _FileReader, name: str, fields: list[Param], texts: list[str], names_of: CNames) -> None:
    """Refuse a field not named after its input: an input name edited (or moved) in
    NAME_input_names, or a field renamed (or moved), at the one the rest of the file does
    not back."""
    listed = reader.arrays[f"{name}_input_names"]
    items = listed.init.items if isinstance(listed.init, Braced) else []
    for k, (field, text) in enumerate(zip(fields, texts)):
        wanted = names_of.fields[text]
        if field.name == wanted or k >= len(items):
            continue
        order = _in_order_of_use(reader, [str(f.name) for f in fields]) - _in_order_of_use(reader, [names_of.fields[t] for t in texts])
        if _backed(reader, name, k, str(field.name)) + order > _backed(reader, name, k, wanted):
            raise reader.fail(f"{text!r} in {name}_input_names is not the input of the field it stands for, {field.name} of struct {name}_input "
                              f"(line {reader.line(field.name_at)}), which pwlc would name {wanted}. The list holds the fields' input names in "
                              f"field order: write this one back as it was, or name the field {wanted} (and its uses), or regenerate the file", items[k].at)
        raise reader.fail(f"the field {field.name} of struct {name}_input does not match its input, {text!r} in {name}_input_names "
                          f"(line {reader.line(items[k].at)}): pwlc names the field {wanted}. Write that input name back as it was, "
                          "or name the field after it (and its uses), or regenerate the file", field.name_at)


def _in_order_of_use(reader: _FileReader, fields: list[str]) -> int:
    """Whether `fields` are in the order the terms first read them (`row->age`): pwlc writes
    the fields, the names and the terms in input order, interactions last."""
    first: dict[str, int] = {}
    tokens = reader.tokens
    for i in range(len(tokens) - 1):
        if tokens.text(i) == "->" and tokens.text(i + 1) in fields:
            first.setdefault(tokens.text(i + 1), i)
    used = [first[f] for f in fields if f in first]
    return int(used == sorted(used))


def _backed(reader: _FileReader, name: str, k: int, field: str) -> int:
    """How much of the rest of the file names the k-th field `field`: the columns
    struct's k-th field, and whether term functions or arrays are named after it."""
    columns = reader.structs.get(f"{name}_columns")
    votes = int(columns is not None and k < len(columns.fields) and columns.fields[k].name == field)
    after = re.compile(rf"(?:^|_){re.escape(field)}_")
    own = [n for n in (*reader.functions, *reader.arrays) if n != name and not n.startswith(f"{name}_")]
    return votes + int(any(after.search(n) for n in own))


def check_batch(reader: _FileReader, score: str, summed: list[tuple[Term, int]], added: list[tuple[Term, int]], ends: tuple[int, int]) -> None:
    """Refuse a batch (`NAME_rows`) whose terms are not score's, at the first term out of
    place, on the side an edit most plausibly touched. `summed` and `added` are score's and
    the batch's terms with the token each starts at; `ends` the tokens where a term
    missing at the end of score (its `;`) and of the batch (its `}`) would go.

    A term only one side holds is out of place on that side when it is superfluous there
    (a repeat, or a second constant: pwlc writes one), else missing from the other side.
    Terms in another order: score's are in the order of the functions and arrays they read
    (pwlc writes those in term order), unless score was reordered. Two different terms in
    one place: nothing tells which was edited; the caret is on the batch's, the message
    names score's line."""
    rows = f"{score}_rows"
    a, b = [term for term, _ in summed], [term for term, _ in added]
    if a == b:
        return

    def line(side: list[tuple[Term, int]], k: int, end: int) -> int:
        return reader.line(side[k][1] if k < len(side) else end)

    def refuse(detail: str, at: int) -> ParseError:
        return reader.fail(f"{BATCH_MISMATCH} ({detail})", at)

    if Counter(a) == Counter(b):
        k = next(k for k, (x, y) in enumerate(zip(a, b)) if x != y)
        read_from = [term.span.line for term in a if not isinstance(term, Constant) and term.span is not None]
        if read_from == sorted(read_from):
            raise refuse(f"term {k + 1}: {rows} adds the terms in another order than {score}, whose term {k + 1} is on line {line(summed, k, 0)}", added[k][1])
        raise refuse(f"term {k + 1}: {score} adds the terms in another order than {rows} and than the functions they call; "
                     f"{rows}'s term {k + 1} is on line {line(added, k, 0)}", summed[k][1])
    tag, i, _, j, _ = next(op for op in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes() if op[0] != "equal")
    if tag == "replace":
        returned = _returned_at(reader, summed[i][1]) if i < len(summed) else None
        where = f" ({reader.tokens.text(summed[i][1])} returns it on line {returned})" if returned else ""
        raise refuse(f"term {j + 1}; {score}'s is on line {line(summed, i, ends[0])}{where}", added[j][1])
    if tag == "insert":  # the batch holds b[j], score does not
        if _superfluous(b[j], b):
            j = _last(b, b[j])
            raise refuse(f"term {j + 1}: {rows} adds it, {score} does not", added[j][1])
        raise refuse(f"term {j + 1} of {rows}, on line {line(added, j, 0)}, is not in {score}; it would go here", summed[i][1] if i < len(summed) else ends[0])
    if _superfluous(a[i], a):
        i = _last(a, a[i])
        raise refuse(f"term {i + 1}: {score} adds it, {rows} does not", summed[i][1])
    raise refuse(f"term {i + 1} of {score}, on line {line(summed, i, 0)}, is not in {rows}; it would go here", added[j][1] if j < len(added) else ends[1])


def _returned_at(reader: _FileReader, call: int) -> int | None:
    """The line of the `return` of the term function called at token `call`, if it is one."""
    function = reader.functions.get(reader.tokens.text(call))
    if function is None or function.body is None:
        return None
    return next((reader.line(t) for t in range(*function.body) if reader.tokens.text(t) == "return"), None)


def _last(side: list[Term], term: Term) -> int:
    """Where the last copy of a repeated term is (an edit copies a line below itself)."""
    return len(side) - 1 - side[::-1].index(term)


def _superfluous(term: Term, side: list[Term]) -> bool:
    """Whether a side holds `term` once too often: twice, or as a second constant."""
    return side.count(term) > 1 or (isinstance(term, Constant) and sum(isinstance(t, Constant) for t in side) > 1)
