"""A quick run of the model fuzz (tests/model_fuzz; the long run is
`python -m tests.model_fuzz --models 5000`): random valid models from anywhere verify()
allows, on every engine, compared with the evaluator in ulps, and read back from every
readable target. Deterministic (hypothesis derandomized); a failure is shrunk on the IR
and shown as Python that builds the model."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from pwlc.ir import Model
from tests.conftest import require_engine
from tests.model_fuzz import FuzzEngine, all_engines, check_model, readable_targets
from tests.model_fuzz.shrink import reproducer, shrink
from tests.strategies import wide_models

SHRINK_SECONDS = 20.0


def quick(examples: int) -> settings:
    # No hypothesis shrinking: tests/model_fuzz/shrink.py shrinks the IR, in the message.
    return settings(
        max_examples=examples, derandomize=True, database=None, deadline=None, phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck)
    )


def engines(*families: str) -> list[FuzzEngine]:
    chosen = [e for e in all_engines() if e.family in families]
    missing = {e.family: reason for e in chosen if (reason := e.unavailable()) is not None}
    for family, reason in missing.items():
        require_engine(family, reason)
    return chosen


def assert_scores_like_the_evaluator(model: Model, chosen: list[FuzzEngine], targets: list[str] = []) -> None:  # noqa: B006 - never mutated
    failures = [f for f in check_model(model, chosen, targets, index=0).failures if f.kind != "refused"]
    if not failures:
        return
    first = failures[0]

    def still_fails(candidate: Model) -> bool:
        return any(f.key == first.key for f in check_model(candidate, chosen, targets, index=0).failures)

    small = shrink(model, still_fails, SHRINK_SECONDS)
    found = [f for f in check_model(small, chosen, targets, index=0).failures if f.key == first.key]
    classes = "\n".join(sorted({f"  {f.label}: {f.kind}" for f in failures}))
    pytest.fail(f"{len(failures)} failures:\n{classes}\nfirst, shrunk:\n{reproducer(small)}\n# {first.label}: {(found or [first])[0].detail}")


@quick(30)
@given(wide_models())
def test_python_row_and_batch_score_like_the_evaluator(model: Model) -> None:
    assert_scores_like_the_evaluator(model, engines("python"))


@quick(8)
@given(wide_models())
def test_c_single_row_and_batch_score_like_the_evaluator_with_every_compiler_and_flag(model: Model) -> None:
    assert_scores_like_the_evaluator(model, engines("gcc", "clang"))


@pytest.mark.parametrize("engine", ["sqlite", "duckdb", "postgres"])
@quick(25)
@given(model=wide_models())
def test_sql_scores_like_the_evaluator(engine: str, model: Model) -> None:
    assert_scores_like_the_evaluator(model, engines(engine))


@quick(3)
@given(wide_models())
def test_spark_scores_like_the_evaluator(model: Model) -> None:
    assert_scores_like_the_evaluator(model, engines("spark"))


@quick(40)
@given(wide_models())
def test_every_readable_target_reads_its_output_back_to_the_same_model(model: Model) -> None:
    assert_scores_like_the_evaluator(model, [], readable_targets())
