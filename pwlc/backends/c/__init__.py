"""The C backend: one self-contained C99 file (plus an optional header), and its reader.

- printer.py: the printer; runtime.h (copied by runtime.py): the helpers the terms call;
- names.py: every user text made into a safe identifier, string literal or comment;
- lex.py, parse.py, literals.py, values.py: C as gcc and clang read it (translation
  phases, tokens, constants, initializers);
- read.py, terms.py, check.py: the reader, which understands each construct or refuses it.

ABI: a numeric input is a `double`, NaN when missing; a categorical input is a
NUL-terminated UTF-8 string compared byte for byte with the categories, NULL when missing.
No allocation, no global state. The reader never compiles or runs the file.
"""

from pwlc.backends.c.disagree import BATCH_MISMATCH
from pwlc.backends.c.names import CNames, c_names, c_string
from pwlc.backends.c.printer import BATCH_START, HEADER_SUFFIX, SUFFIX, emit, emit_header
from pwlc.backends.c.read import read
from pwlc.backends.c.runtime import RUNTIME_END, RUNTIME_START

MULTICLASS = True  # prints and reads `Multiclass` models (multiclass.py, read_multiclass.py)

__all__ = [
    "BATCH_MISMATCH",
    "BATCH_START",
    "CNames",
    "HEADER_SUFFIX",
    "MULTICLASS",
    "RUNTIME_END",
    "RUNTIME_START",
    "SUFFIX",
    "c_names",
    "c_string",
    "emit",
    "emit_header",
    "read",
]
