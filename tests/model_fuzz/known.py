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

from pwlc.ir import Model
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


KNOWN: list[KnownClass] = []  # none today: each fix deletes its class


def known_class(failure: Failure, model: Model) -> KnownClass | None:
    return next((k for k in KNOWN if k.matches(failure, model)), None)
