"""A CI-sized fuzz run of every reader (the long run: `python -m tests.fuzzing`)."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzzing import check, mutate, seed_texts

SEEDS = seed_texts()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SEEDS), st.randoms(use_true_random=False))
def test_mutated_files_read_or_fail_with_a_position(seed: tuple[str, str], rng: random.Random) -> None:
    target, text = seed
    mutated = mutate(text, rng)
    problem = check(target, mutated)
    assert problem is None, f"{target}: {problem}\n{mutated}"


@pytest.mark.parametrize(("target", "text"), SEEDS[:: max(1, len(SEEDS) // 20)])
def test_every_prefix_of_a_file_reads_or_fails_cleanly(target: str, text: str) -> None:
    for end in range(0, len(text), max(1, len(text) // 60)):
        assert check(target, text[:end]) is None, f"{target} truncated at {end}"
