"""The Python backend: a standalone, black-formatted module, and the reader for it.

- `emit.py` prints a model: one line per term, then the runtime it calls;
- `runtime.py` is that runtime, a real module copied definition by definition
  (`runtime_copy.py` copies it, and checks the copy in a file read back);
- `syntax.py` parses a file with Python's own tokenizer; `read.py` and `terms.py` read
  what it parsed with Python's meaning, or refuse it where it starts;
- `names.py` says which names the module binds and which a model or input may take.
"""

from pwlc.backends.python.emit import emit, term_source
from pwlc.backends.python.names import RUNTIME_MARKER, parameter_names
from pwlc.backends.python.read import comments, read

SUFFIX = ".py"
MULTICLASS = True  # prints and reads `Multiclass` models (multiclass.py, read_multiclass.py)

__all__ = ["RUNTIME_MARKER", "SUFFIX", "comments", "emit", "parameter_names", "read", "term_source"]
