"""A quick run of the edit fuzz (tests/edit_fuzz): random hand edits of emitted Python, C
and SQL files; whatever pwlc reads back, the edited file is run in its own language and
must compute exactly that; a refusal must be pwlc's own error with file:line:col and a
caret.

Each test is exactly the first edits of a long run, `python -m tests.edit_fuzz --edits N
--seed 0 --languages L`, so a failure here is reproduced there. A failure of a known class
owned by a backend still in progress (tests/edit_fuzz/known.py) is set aside; that class's
own reproducer is a strict xfail below. Any other failure fails the test.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import require_engine
from tests.edit_fuzz import FAILURES, SEED_CHECK_ROWS, all_seeds, check, seeds
from tests.edit_fuzz.__main__ import diff, examples
from tests.edit_fuzz.known import KNOWN, UNEDITED, KnownEdit, known_edit
from tests.engines import unavailable

SEED = 0
NEEDED = {"python": [], "c": ["gcc", "clang"], "sql": ["duckdb", "sqlite"]}


def require(lang: str) -> None:
    for engine in NEEDED[lang]:
        reason = unavailable(engine)
        if reason is not None:
            require_engine(engine, reason)


@pytest.mark.parametrize("lang", ["python", "c", "sql"])
def test_every_seed_runs_like_the_evaluator_before_any_edit(lang: str) -> None:
    """The emitted files the edits start from (golden and distilled models) run like the
    evaluator; one that does not is left out of the fuzz (every edit of it would count as
    a misread), and fails here unless a known class says why."""
    require(lang)
    left_out = [(s, v) for s, v in seeds(lang)[1] if known_edit(lang, (UNEDITED,), v) is None]
    assert not left_out, "\n".join(f"{s.name} as {s.target}: {v.outcome} ({v.path}): {v.detail[:300]}" for s, v in left_out)
    assert len(seeds(lang)[0]) + len(seeds(lang)[1]) == len(all_seeds(lang))
    assert len(seeds(lang)[0]) >= len(all_seeds(lang)) // 2, "most seeds must be fuzzed"


@pytest.mark.parametrize("lang, edits", [("python", 80), ("c", 25), ("sql", 80)])
def test_edits_are_read_as_the_edited_file_runs(lang: str, edits: int) -> None:
    require(lang)
    unknown = [e for e in examples(lang, edits, SEED) if e.verdict.outcome in FAILURES and known_edit(lang, e.operators, e.verdict) is None]
    if unknown:
        e = min(unknown, key=lambda e: e.size)
        pytest.fail(
            f"{len(unknown)} failures of no known class (tests/edit_fuzz/known.py) in {edits} {lang} edits:\n"
            + "\n".join(sorted({f"  {x.verdict.outcome} after {', '.join(x.operators)} ({x.verdict.path})" for x in unknown}))
            + f"\nsmallest: {e.verdict.outcome} ({e.verdict.path}) after {', '.join(e.operators)} on {e.seed.name} as {e.seed.target}:\n"
            f"{diff(e.seed.text, e.text)[:3000]}\n{e.verdict.detail[:1500]}"
        )


class StillFails(AssertionError):
    """The known class's reproducer still fails as the class says (the strict xfail)."""


def _xfail(known: KnownEdit) -> pytest.MarkDecorator:
    reason = f"fuzz findings {known.finding} ({known.owner}): {known.what}; when this passes, delete the class from tests/edit_fuzz/known.py"
    return pytest.mark.xfail(strict=True, raises=StillFails, reason=reason)


@pytest.mark.parametrize("known", [pytest.param(k, marks=_xfail(k), id=k.finding) for k in KNOWN])
def test_known_class_still_fails_as_recorded(known: KnownEdit) -> None:
    """Each gate of the quick edit fuzz is still needed: its reproducer edit fails exactly
    as the class says."""
    require(known.lang)
    seed = next(s for s in all_seeds(known.lang) if (s.name, s.target) == (known.seed, known.target))
    verdict = check(known.target, known.reproducer(seed), 0, random_rows=SEED_CHECK_ROWS)
    if verdict.outcome in FAILURES:
        assert re.fullmatch(known.outcome, verdict.outcome) and re.fullmatch(known.path, verdict.path), f"the reproducer of {known.finding} fails otherwise: {verdict}"
        raise StillFails(f"{known.finding}: {verdict.outcome} ({verdict.path}): {verdict.detail[:500]}")


if not KNOWN:  # no class is known today: no reproducer to run (an empty parametrization would be a skip)
    del test_known_class_still_fails_as_recorded
