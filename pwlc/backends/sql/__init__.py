"""The SQL backend: one query over the user's table, built from sqlglot expressions so every
dialect sqlglot knows comes for free; and the reader, which parses SQL with sqlglot and
reads it back as the engine runs it, or refuses it at the construct it cannot read.

- `dialects.py`: what each dialect makes of pwlc's text (double literals, names, types);
- `terms.py`: one term (a number, a CASE; DuckDB's grid matrix) and the link, as sqlglot expressions;
- `guards.py`: where PostgreSQL would stop a query, and the guards that keep it going;
- `header.py`: the `--` lines on top (description, dialect), escaped so text stays in them;
- `printer.py`: the query around the terms (`emit`);
- `reader.py` (`read`: the steps of a query), `source.py` (tokens, parse, positions),
  `read_terms.py` (one term), `compare.py` (a term against the one pwlc would print),
  `constants.py` (numbers as the engine computes them): the reader.
"""

from pwlc.backends.sql.header import SUFFIX
from pwlc.backends.sql.printer import DEFAULT_DIALECT, emit
from pwlc.backends.sql.reader import QueryOptions, query_options, read

MULTICLASS = True  # prints and reads `Multiclass` models (multiclass.py, read_multiclass.py)

__all__ = ["DEFAULT_DIALECT", "SUFFIX", "QueryOptions", "emit", "query_options", "read"]
