"""Two places of a file that must agree and do not: which one an edit most plausibly
touched, so that the refusal's caret lands there (and its message names the other).

- The names list against the input struct: a field must be named after its input (pwlc
  names `age` after "age"). The rest of the file says which side is the file's own: the
  columns struct lists the same fields in the same order, and the term functions and
  their arrays are named after the fields (`age_curve`, `age_curve_knots`), so a name
  they back was not the one edited.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pwlc.backends.c.names import CNames
from pwlc.backends.c.parse import Braced, Param

if TYPE_CHECKING:
    from pwlc.backends.c.read import _FileReader


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
        if _backed(reader, name, k, str(field.name)) > _backed(reader, name, k, wanted):
            raise reader.fail(f"{text!r} in {name}_input_names is not the input of the field it stands for, {field.name} of struct {name}_input "
                              f"(line {reader.line(field.name_at)}), which pwlc would name {wanted}. The list holds the fields' input names in "
                              f"field order: write this one back as it was, or name the field {wanted} (and its uses), or regenerate the file", items[k].at)
        raise reader.fail(f"the field {field.name} of struct {name}_input does not match its input, {text!r} in {name}_input_names "
                          f"(line {reader.line(items[k].at)}): pwlc names the field {wanted}. Write that input name back as it was, "
                          "or name the field after it (and its uses), or regenerate the file", field.name_at)


def _backed(reader: _FileReader, name: str, k: int, field: str) -> int:
    """How much of the rest of the file names the k-th field `field`: the columns
    struct's k-th field, and whether term functions or arrays are named after it."""
    columns = reader.structs.get(f"{name}_columns")
    votes = int(columns is not None and k < len(columns.fields) and columns.fields[k].name == field)
    after = re.compile(rf"(?:^|_){re.escape(field)}_")
    own = [n for n in (*reader.functions, *reader.arrays) if n != name and not n.startswith(f"{name}_")]
    return votes + int(any(after.search(n) for n in own))
