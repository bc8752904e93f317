"""Shared test configuration: the --update-golden flag and engine availability rules."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite golden files in place with the current output (review with `git diff golden/`)",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# In CI every property test runs a fixed sequence of examples, so whether a commit lands does
# not depend on the draw; locally the examples are random, and the standing fuzzers
# (`python -m tests.model_fuzz`, `python -m tests.edit_fuzz`) explore far beyond either.
settings.register_profile("ci", derandomize=True, print_blob=True)
if IN_CI:
    settings.load_profile("ci")


def require_engine(name: str, reason: str) -> None:
    """Skip locally, but fail in CI, when an engine a test needs is not available."""
    if IN_CI:
        pytest.fail(f"{name} is required in CI but unavailable: {reason}")
    pytest.skip(f"{name} unavailable: {reason}")
