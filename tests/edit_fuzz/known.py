"""Edit-fuzz failures that are known and owned by a backend still being fixed.

Each `KnownEdit` is one class of the fuzz findings (the notes kept by the fuzz engineer,
named B-py1, B-sql2, ... there), scoped to a language, the edit operators that produce it
(`UNEDITED` for a seed file that disagrees before any edit), the outcome and where it
shows. The quick edit fuzz (tests/test_edit_fuzz.py) sets aside a failure only when a
class matches it; any other failure fails the test. Each class carries a reproducer, an
edit of one seed file, which tests/test_edit_fuzz.py checks as a strict xfail: when the
owner's fix lands the edit is read exactly or refused, the xfail turns into a failure, and
the class is deleted here (which ends its gate in the quick fuzz too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.edit_fuzz import Seed, Verdict

UNEDITED = "(unedited seed)"


@dataclass(frozen=True)
class KnownEdit:
    finding: str  # the class's name in the fuzz findings
    owner: str  # the branch that owns the fix
    what: str
    lang: str
    operators: str  # regular expression: one of the edit's operators (UNEDITED: the seed as emitted)
    outcome: str  # regular expression: the verdict's outcome
    path: str  # regular expression: where it showed (Verdict.path)
    seed: str  # the reproducer: this seed model's file...
    target: str  # ...emitted for this target...
    before: str = ""  # ...with every `before` replaced by `after`
    after: str = ""

    def matches(self, lang: str, operators: tuple[str, ...], verdict: Verdict) -> bool:
        return (
            lang == self.lang
            and any(re.fullmatch(self.operators, name) for name in operators)
            and bool(re.fullmatch(self.outcome, verdict.outcome))
            and bool(re.fullmatch(self.path, verdict.path))
        )

    def reproducer(self, seed: Seed) -> str:
        assert self.before in seed.text, f"{self.finding}: {self.before!r} is not in {self.seed} as {self.target}"
        return seed.text.replace(self.before, self.after)


KNOWN: list[KnownEdit] = []  # none today: each fix deletes its class


def known_edit(lang: str, operators: tuple[str, ...], verdict: Verdict) -> KnownEdit | None:
    return next((k for k in KNOWN if k.matches(lang, operators, verdict)), None)
