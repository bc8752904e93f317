"""A quick run of the edit fuzz (tests/edit_fuzz; the long run is
`python -m tests.edit_fuzz --edits 10000`): random hand edits of emitted Python, C and SQL
files; whatever pwlc reads back, the edited file is run in its own language and must
compute exactly that; a refusal must be pwlc's own error with file:line:col and a caret.
Deterministic (hypothesis derandomized): each example is the seed of one edit, which the
long run's machinery replays."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.conftest import require_engine
from tests.edit_fuzz import FAILURES, all_seeds, check, make_edit, seeds
from tests.edit_fuzz.__main__ import diff
from tests.engines import unavailable


def quick(examples: int) -> settings:
    return settings(
        max_examples=examples, derandomize=True, database=None, deadline=None, phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck)
    )


def require(lang: str) -> None:
    needed = {"python": [], "c": ["gcc", "clang"], "sql": ["duckdb"]}[lang]
    for engine in needed:
        reason = unavailable(engine)
        if reason is not None:
            require_engine(engine, reason)


def assert_edit_reads_back_exactly(lang: str, number: int) -> None:
    require(lang)
    rng = random.Random(number)
    pool = seeds(lang)[0]
    seed = rng.choice(pool)
    made = make_edit(seed, rng)
    if made is None:
        return
    operators, text = made
    verdict = check(seed.target, text, rng.randrange(2**32))
    assert verdict.outcome not in FAILURES, (
        f"{verdict.outcome} ({verdict.path}) after {', '.join(operators)} on {seed.name} as {seed.target}:\n"
        f"{diff(seed.text, text)[:3000]}\n{verdict.detail[:1500]}"
    )


@pytest.mark.parametrize("lang", ["python", "c", "sql"])
def test_every_seed_runs_like_the_evaluator_before_any_edit(lang: str) -> None:
    """The emitted files the edits start from (golden and distilled models) run like the
    evaluator; one that does not is left out of the fuzz, and fails here."""
    require(lang)
    left_out = seeds(lang)[1]
    assert not left_out, "\n".join(f"{s.name} as {s.target}: {v.outcome} ({v.path}): {v.detail[:300]}" for s, v in left_out)
    assert len(seeds(lang)[0]) == len(all_seeds(lang))


@quick(80)
@given(st.integers(0, 2**32 - 1))
def test_python_edits_are_read_as_the_edited_file_runs(number: int) -> None:
    assert_edit_reads_back_exactly("python", number)


@quick(25)
@given(st.integers(0, 2**32 - 1))
def test_c_edits_are_read_as_the_edited_file_runs(number: int) -> None:
    assert_edit_reads_back_exactly("c", number)


@quick(80)
@given(st.integers(0, 2**32 - 1))
def test_sql_edits_are_read_as_the_edited_file_runs(number: int) -> None:
    assert_edit_reads_back_exactly("sql", number)
