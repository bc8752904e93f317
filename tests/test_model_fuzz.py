"""A quick run of the model fuzz (tests/model_fuzz): random valid models from anywhere
verify() allows, on every engine, compared with the evaluator in ulps, and read back from
every readable target.

Each test is exactly the first models of a long run, `python -m tests.model_fuzz --models
N --seed 0 --engines E` (same models, same rows, the slow engines on the same models), so
a failure here is reproduced there. A failure of a known class owned by a backend still in
progress (tests/model_fuzz/known.py) is set aside; that class's own reproducer is a strict
xfail below. Any other failure fails the test, with its model shrunk on the IR and shown
as Python that builds it.
"""

from __future__ import annotations

import pytest

from pwlc.ir import Model
from tests.conftest import require_engine
from tests.model_fuzz import Failure, FuzzEngine, all_engines, check_model, readable_targets
from tests.model_fuzz.draw import models
from tests.model_fuzz.known import KNOWN, KnownClass, known_class
from tests.model_fuzz.shrink import reproducer, shrink

SEED = 0
SHRINK_SECONDS = 20.0


def engines(*families: str) -> list[FuzzEngine]:
    """The engines of these families (c: gcc and clang); a missing one skips locally and fails in CI."""
    wanted = set(families) | ({"gcc", "clang"} if "c" in families else set())
    chosen = [e for e in all_engines() if e.family in wanted]
    assert chosen or not families, f"no engine of {families}"
    missing = {e.family: reason for e in chosen if (reason := e.unavailable()) is not None}
    for family, reason in missing.items():
        require_engine(family, reason)
    return chosen


def quick_fuzz(count: int, chosen: list[FuzzEngine], targets: list[str] = []) -> None:  # noqa: B006 - never mutated
    unknown: list[tuple[int, Model, Failure]] = []
    for index, model in enumerate(models(count, SEED)):
        for failure in check_model(model, chosen, targets, index, SEED).failures:
            if failure.kind != "refused" and known_class(failure, model) is None:
                unknown.append((index, model, failure))
    if not unknown:
        return
    index, model, first = unknown[0]

    def still_fails(candidate: Model) -> bool:
        return any(f.key == first.key and known_class(f, candidate) is None for f in check_model(candidate, chosen, targets, index, SEED).failures)

    small = shrink(model, still_fails, SHRINK_SECONDS)
    found = [f for f in check_model(small, chosen, targets, index, SEED).failures if f.key == first.key]
    classes = "\n".join(sorted({f"  {f.label}: {f.kind}" for _, _, f in unknown}))
    pytest.fail(
        f"{len(unknown)} failures of no known class (tests/model_fuzz/known.py) in {count} models:\n{classes}\n"
        f"first (model {index}), shrunk:\n{reproducer(small)}\n# {first.label}: {(found or [first])[0].detail}"
    )


def test_python_row_and_batch_score_like_the_evaluator() -> None:
    quick_fuzz(30, engines("python"))


def test_c_single_row_and_batch_score_like_the_evaluator_with_every_compiler_and_flag() -> None:
    # the builds other than -O2 run on every other model, as in the long run
    quick_fuzz(10, engines("gcc", "clang"))


@pytest.mark.parametrize("engine, count", [("sqlite", 25), ("duckdb", 25), ("postgres", 12)])
def test_sql_scores_like_the_evaluator(engine: str, count: int) -> None:
    quick_fuzz(count, engines(engine))


def test_spark_scores_like_the_evaluator() -> None:
    quick_fuzz(1, engines("spark"))  # a JVM query costs more than everything else here


def test_every_readable_target_reads_its_output_back_to_the_same_model() -> None:
    quick_fuzz(40, [], readable_targets())


def test_the_c_driver_takes_a_model_named_like_its_input() -> None:
    """The runner's driver renames the model's exported functions in their declarations
    only: a struct field of the same name stays (a macro renamed it: 'struct input_columns
    has no member named input', a harness failure the long run showed)."""
    from pwlc.ir import Curve, Input

    model = Model(inputs=(Input("input"), Input("score_batch")), terms=(Curve("input", (0.0, 1.0), (1.0, 2.0)),), link="logistic", name="input")
    report = check_model(model, engines("c"), [], 0)
    assert not report.failures
    assert all(report.outcomes[f"{e.name} {mode}"].rows > 0 for e in engines("c") for mode in ("row", "batch"))


class StillFails(AssertionError):
    """The known class's reproducer still fails as the class says (the strict xfail)."""


def _xfail(known: KnownClass) -> pytest.MarkDecorator:
    reason = f"fuzz findings {known.finding} ({known.owner}): {known.what}; when this passes, delete the class from tests/model_fuzz/known.py"
    return pytest.mark.xfail(strict=True, raises=StillFails, reason=reason)


@pytest.mark.parametrize("known", [pytest.param(k, marks=_xfail(k), id=f"{k.finding}-{n}") for n, k in enumerate(KNOWN)])
def test_known_class_still_fails_as_recorded(known: KnownClass) -> None:
    """Each gate of the quick fuzz is still needed: its reproducer fails on its engines
    exactly as the class says (and nothing else fails on it)."""
    families = known.engines.split(",")
    targets = [f[len("read:") :] for f in families if f.startswith("read:")]
    chosen = engines(*[f for f in families if not f.startswith("read:")])
    failures = [f for f in check_model(known.reproducer, chosen, targets, 0).failures if f.kind != "refused"]
    others = [f for f in failures if not known.matches(f, known.reproducer)]
    assert not others, f"the reproducer of {known.finding} fails otherwise too: {others[:3]}"
    if failures:
        raise StillFails(f"{known.finding}: {failures[0].label}: {failures[0].kind}: {failures[0].detail}")


if not KNOWN:  # no class is known today: no reproducer to run (an empty parametrization would be a skip)
    del test_known_class_still_fails_as_recorded
