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
from dataclasses import dataclass

from pwlc.ir import Curve, Input, Model
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


# --- the classes ------------------------------------------------------------------------

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
        "A13", _SQL, "SQLite names the result column of a bare `\"true\"` or `\"false\"` with its quotes: a model named true has no score column",
        "sqlite", r"sqlite", r"crash: ResultShapeError: the result has N columns named",
        Model(inputs=(Input("a"),), terms=(Curve("a", (0.0, 1.0), (1.0, 2.0)),), link="exp", name="true"), named_true_or_false,
    ),
]


def known_class(failure: Failure, model: Model) -> KnownClass | None:
    return next((k for k in KNOWN if k.matches(failure, model)), None)
