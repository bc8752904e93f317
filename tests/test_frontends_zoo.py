"""The frontend zoo (benchmarks/frontends.py) on a few hundred rows of each dataset: no
model kind gives a wrong model without an error or ends in a traceback, and each kind ends
as the table in benchmarks/results/frontends.md says (exact or refused)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from benchmarks.frontends import ZOO, Data, run
from tests.frontend_checks import require_library
from tests.real_data import load

RESULTS = Path(__file__).parent.parent / "benchmarks" / "results" / "frontends.md"


def recorded() -> dict[str, str]:
    """Model kind -> outcome, from the committed table."""
    rows = re.findall(r"^\| (.+?) \| [^|]+ \| [^|]* \| (exact|refused|WRONG|TRACEBACK) \|", RESULTS.read_text(), flags=re.MULTILINE)
    return dict(rows)


@pytest.fixture(scope="module")
def data():
    from pwlc import datasets

    load(datasets.compas)
    load(datasets.lending_club)
    for library in ("catboost", "statsmodels"):
        require_library(library)
    return Data.load(400)


@pytest.mark.parametrize(("family", "kind"), [(family, kind) for family, (_, _, kinds) in ZOO.items() for kind in kinds])
def test_every_kind_is_exact_or_refused_as_recorded(data, family, kind):
    outcome = run(family, kind, data)
    assert outcome.result in ("exact", "refused"), outcome
    assert recorded()[outcome.kind] == outcome.result
