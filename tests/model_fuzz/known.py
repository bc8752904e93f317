"""Model-fuzz failures that are known and owned by a backend still being fixed.

Each `KnownClass` is one class of the fuzz findings (the notes kept by the fuzz engineer,
named A1, A3, ... there), scoped as narrowly as the fuzz can tell it apart: the paths it
shows on, the kind of failure, and the models that can trigger it. The quick fuzz
(tests/test_model_fuzz.py) sets aside a failure only when a class matches all three; any
other failure fails the test. Each class also carries its shrunk reproducer, which
tests/test_model_fuzz.py runs as a strict xfail: when the owner's fix lands the reproducer
passes, the xfail turns into a failure, and the class is deleted here (which ends its gate
in the quick fuzz too).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import astuple, dataclass

from pwlc.ir import Constant, Curve, Input, Model, Step, Table
from tests.model_fuzz import Failure


def _always(model: Model) -> bool:
    return True


@dataclass(frozen=True)
class KnownClass:
    finding: str  # the class's name in the fuzz findings
    owner: str  # the branch that owns the fix
    what: str
    engines: str  # the families (tests.model_fuzz.select_engines) its reproducer runs on; "read:TARGET" for a read-back
    label: str  # regular expression: the failing paths (Failure.label)
    kind: str  # regular expression: the failure's kind (Failure.kind)
    reproducer: Model
    triggers: Callable[[Model], bool] = _always  # the models that can show it

    def matches(self, failure: Failure, model: Model) -> bool:
        return bool(re.fullmatch(self.label, failure.label) and re.search(self.kind, failure.kind) and self.triggers(model))


# --- which models can show a class ------------------------------------------------------


def _texts(model: Model) -> list[str]:
    """Every user text of the model: its name, doc, input names and categories."""
    from pwlc.ir import CategoryAxis, Grid, Table

    out = [model.name, model.doc, *(i.name for i in model.inputs)]
    for term in model.terms:
        if isinstance(term, Table):
            out += [key for key, _ in term.entries]
        elif isinstance(term, Grid):
            out += [c for axis in (term.a, term.b) if isinstance(axis, CategoryAxis) for c in axis.categories]
    return out


def holds_nul(model: Model) -> bool:
    return any("\x00" in text for text in _texts(model))


def shadows_python(model: Model) -> bool:
    """A model named like a keyword, a builtin, or a name the emitted module's runtime uses."""
    import builtins
    import keyword

    from tests.strategies import RUNTIME_NAMES

    return keyword.iskeyword(model.name) or hasattr(builtins, model.name) or model.name in RUNTIME_NAMES or not model.name.isascii()


def reads_no_input(model: Model) -> bool:
    from pwlc.ir import Constant

    return all(isinstance(term, Constant) for term in model.terms)


def has_no_terms(model: Model) -> bool:
    return not model.terms


def odd_doc(model: Model) -> bool:
    """A doc with a control or invisible character (other than a newline), or with space
    at either end."""
    doc = model.doc
    return doc != doc.strip() or any(not (c.isprintable() or c == "\n") for c in doc) or "*/" in doc or doc.startswith("*")


def case_twins(model: Model) -> bool:
    folded = [i.name.casefold() for i in model.inputs]
    return len(set(folded)) < len(folded) or len({i.name.lower() for i in model.inputs}) < len(model.inputs)


def tiny_literal(model: Model) -> bool:
    """A number below 1e-297 in magnitude (other than 0) anywhere in the model."""
    return any(0.0 < abs(v) < 1e-297 for v in _numbers(astuple(model)))


def _numbers(value: object) -> list[float]:
    if isinstance(value, float):
        return [value]
    if isinstance(value, (tuple, list)):
        return [v for item in value for v in _numbers(item)]
    return []


# --- the classes ------------------------------------------------------------------------

# C library functions gcc and clang know as builtins, which the C backend does not reserve
C_LIBRARY = {
    "abort", "abs", "atoi", "atol", "bsearch", "calloc", "exit", "fprintf", "fputs", "free", "fwrite", "getchar", "labs",
    "malloc", "memchr", "memcmp", "memcpy", "memmove", "memset", "printf", "putchar", "puts", "qsort", "realloc",
    "snprintf", "sprintf", "strcat", "strchr", "strcpy", "strlen", "strncmp", "strncpy", "strstr", "tolower", "toupper",
}


def named_true_or_false(model: Model) -> bool:
    return model.name.lower() in ("true", "false")


def named_main_or_libc(model: Model) -> bool:
    return model.name == "main" or model.name in C_LIBRARY


_PY = "python-backend"
_SQL = "sql-backend"
_C = "c-backend"

KNOWN: list[KnownClass] = [
    KnownClass(
        "A2", _C, "a model named `main` is emitted as a C function `main` returning double, which no compiler accepts",
        "c", r"c (gcc|clang) .*", r"crash: EngineError: does not compile: error: ('…' must return|return type of)", Model(inputs=(), terms=(), name="main"),
        named_main_or_libc,
    ),
    KnownClass(
        "A2b", _C, "a model named like a C library function (printf, malloc, abs) redeclares it: an error under -Werror, and the library's symbol shadowed",
        "c", r"c (gcc|clang) .*", r"crash: EngineError: does not compile: error: (conflicting types for built-in|incompatible redeclaration of library)",
        Model(inputs=(Input("a"),), terms=(Curve("a", (0.0, 1.0), (1.0, 2.0)),), name="printf"), named_main_or_libc,
    ),
    KnownClass(
        "A3/A4", _PY, "a model named like a keyword, a builtin or a runtime name gives a broken module (or black fails inside emit)",
        "python", r"python( row| batch)?", r"crash", Model(inputs=(Input("a"), Input("b", "categorical")), terms=(Table("b", (), 1.0),), name="table"),
        shadows_python,
    ),
    KnownClass(
        "A5", _PY, "a doc holding NUL makes a module CPython refuses",
        "python", r"python( row| batch)?", r"crash", Model(inputs=(), terms=(), doc="\x00"), holds_nul,
    ),
    KnownClass(
        "A6", _PY, "a batch call returns a scalar when no term reads an input",
        "python", r"python batch", r"returned shape \(\)", Model(inputs=(Input("a"),), terms=()), reads_no_input,
    ),
    KnownClass(
        "A12", _PY, "a model without terms reads back from Python with a `constant 0.0` term",
        "read:python", r"read python", r"reads back different: model\.terms", Model(inputs=(), terms=()), has_no_terms,
    ),
    KnownClass(
        "A12", _PY, "a doc with control characters or space at its ends does not read back from Python",
        "read:python", r"read python", r"reads back different: model\.doc",
        Model(inputs=(Input("a", "categorical"),), terms=(Table("a", (), 0.0),), doc="\x1dx"), odd_doc,
    ),
    KnownClass(
        "A3", _PY, "a model name that is not ASCII is emitted, and its own Python output refused",
        "read:python", r"read python", r"its own output refused", Model(inputs=(), terms=(Constant(1.0),), name="naïve"), shadows_python,
    ),
    KnownClass(
        "A12", _SQL, "a model without terms reads back from SQL with a `constant 0.0` term",
        "read:sql:sqlite", r"read sql:\w+", r"reads back different: model\.terms", Model(inputs=(), terms=()), has_no_terms,
    ),
    KnownClass(
        "A12", _SQL, "a doc with control characters or space at its ends does not read back from SQL",
        "read:sql:sqlite", r"read sql:\w+", r"reads back different: model\.doc",
        Model(inputs=(Input("a"),), terms=(Curve("a", (1.0,), (0.0,)),), doc="it's "), odd_doc,
    ),
    KnownClass(
        "A7", _SQL, "inputs whose names differ only by case cannot both be columns of the input table",
        "sqlite", r"sqlite|duckdb", r"duplicate column name|already exists|CatalogException: Catalog Error", Model(inputs=(Input("math"), Input("MATH")), terms=()), case_twins,
    ),
    KnownClass(
        "A8", _SQL, "a NUL in a category, an input name or the doc: the query cannot hold it",
        "sqlite", r"sqlite|duckdb|postgres", r"crash",
        Model(inputs=(Input("a", "categorical"),), terms=(Table("a", (("\x00", -1.0),), 0.0),)), holds_nul,
    ),
    KnownClass(
        "A13", _SQL, "SQLite names the result column of a bare `\"true\"` or `\"false\"` with its quotes: a model named true has no score column",
        "sqlite", r"sqlite", r"crash: ResultShapeError: the result has N columns named",
        Model(inputs=(Input("a"),), terms=(Curve("a", (0.0, 1.0), (1.0, 2.0)),), link="exp", name="true"), named_true_or_false,
    ),
    KnownClass(
        "A9", _SQL, "DuckDB and PostgreSQL type number literals as DECIMAL/NUMERIC (exact decimal arithmetic, not doubles)",
        "duckdb", r"duckdb|postgres", r"off by more than|NaN/NULL|a number where|infinity",
        Model(inputs=(Input("x"),), terms=(Curve("x", (1.0, 1.0000000000000009), (0.0, 1.0)),)),
    ),
    KnownClass(
        "A10", _SQL, "PostgreSQL raises on overflow, underflow and NUMERIC literals beyond its range (one row fails the query)",
        "postgres", r"postgres", r"crash: NumericValueOutOfRange|crash: DivisionByZero",
        Model(inputs=(Input("a"),), terms=(Step("a", (), (1e300,)),), link="exp"),
    ),
    KnownClass(
        "A11c", _SQL, "SQLite misreads literals below about 1e-297 by an ulp",
        "sqlite", r"sqlite", r"off by more than|a number where|NaN/NULL",
        Model(inputs=(Input("a"),), terms=(Step("a", (-1.2858015351293459e-306, 0.1), (1.0, 2.0, 3.0), "lower"),)), tiny_literal,
    ),
]


def known_class(failure: Failure, model: Model) -> KnownClass | None:
    return next((k for k in KNOWN if k.matches(failure, model)), None)
