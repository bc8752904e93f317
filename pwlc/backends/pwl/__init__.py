"""The .pwl text format: pwlc's own readable, diffable form of a model.

One declaration a line (a grid takes a small block), knots as `x: y` pairs, `#` comments.
`grammars/pwl.lark` is the format's grammar; `reader.py` reads it by hand, in time linear
in the text and memory bounded by the model it builds (a lark parse tree of a 16 MiB file
takes gigabytes), and the tests check that the two accept the same texts. `printer.py`
prints it: `read(emit(m)) == m` for every model, whatever its names and description hold.
"""

from pwlc.backends.pwl.printer import emit
from pwlc.backends.pwl.reader import comments, read

SUFFIX = ".pwl"
MULTICLASS = True  # prints and reads `Multiclass` models (a `class "NAME"` line per class)

__all__ = ["MULTICLASS", "SUFFIX", "comments", "emit", "read"]
