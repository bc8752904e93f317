"""Exactness checks shared by the frontend tests: a lowered model against the library's own
raw score, on real data rows and on the lowered model's edge grid
(`pwlc.testing.edge_grid`: every edge and knot ±1 ulp, NaN, ±inf, unseen categories),
typed as the library wants them."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

import pwlc
import pwlc.semantics
from pwlc.testing import edge_grid

EXACT = 1e-9


def probes(model: pwlc.Model, X: pd.DataFrame, *, tiny: bool = False) -> pd.DataFrame:
    """The data, then the edge grid of `model`, then each input's probes alone (the other
    columns at the first data row: a library that refuses ±inf or unseen categories still
    scores every other probe). Columns are typed like X's: numeric as float64 (a category
    probe that is not a number becomes NaN), object as object (None stays None), pandas
    categoricals as categoricals (unseen categories become missing, as the libraries read
    them). `tiny`: add values around zero that LightGBM reads as zero."""
    grid = edge_grid(model)
    rows = len(next(iter(grid.values()), []))
    columns = {}
    for column in X.columns:
        values = list(grid[column]) if column in grid else [X[column].iloc[0]] * rows
        columns[column] = _typed(values, X[column])
    frames = [X.reset_index(drop=True), pd.DataFrame(columns)]
    for name in grid:
        alone = list(grid[name])
        frames.append(pd.DataFrame({c: _typed(alone if c == name else [X[c].iloc[0]] * len(alone), X[c]) for c in X.columns}))
    if tiny:
        zero = float(np.float32(1e-35))
        values = [zero, -zero, np.nextafter(zero, 1.0), np.nextafter(-zero, -1.0), 1e-40, -1e-40, 0.0, -0.0]
        categorical = {i.name for i in model.inputs if i.kind == "categorical"}
        frames.append(
            pd.DataFrame(
                {
                    c: _typed(values if pd.api.types.is_numeric_dtype(X[c]) and c not in categorical else [X[c].iloc[0]] * len(values), X[c])
                    for c in X.columns
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _typed(values: list[Any], like: pd.Series) -> pd.Series:
    if isinstance(like.dtype, pd.CategoricalDtype):
        known = like.cat.categories
        return pd.Series(pd.Categorical([v if v in set(known) else None for v in values], categories=known))
    if pd.api.types.is_numeric_dtype(like):
        return pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").astype(np.float64)
    if like.dtype == object:
        return pd.Series(values, dtype=object)
    return pd.Series(values, dtype=like.dtype)


def library_scores(score: Callable[[Any], Any], frame: pd.DataFrame, classes: int = 0) -> np.ndarray:
    """`score` on every row of `frame`, NaN on the rows the library refuses (found by
    halving the frame: a few calls per refused row). `classes`: the number of scores a row
    (an array of shape (rows, classes)) for a multiclass model."""
    out = np.full((len(frame), classes) if classes else len(frame), np.nan)

    def run(low: int, high: int) -> None:
        if low >= high:
            return
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                found = np.asarray(score(frame.iloc[low:high]), dtype=np.float64)
                out[low:high] = found.reshape(high - low, classes) if classes else found.ravel()
                return
            except Exception:  # the library refuses one of these rows
                if high - low == 1:
                    return
        middle = (low + high) // 2
        run(low, middle)
        run(middle, high)

    run(0, len(frame))
    return out


# A linear column is computed `(x - mean) / scale * coef` by a library, `coef / scale * x`
# by pwlc's linear term: both round, apart by a few ulps of the size of the row's terms.
RELATIVE = 1e-12


def assert_exact(model: pwlc.Model | pwlc.Multiclass, frame: pd.DataFrame, raw: np.ndarray, *, data_rows: int, tolerance: float = EXACT, relative: float = 0.0) -> int:
    """pwlc's score equals the library's raw score on every row the library scores, and
    the library scores the data rows and at least a third of the edge grid. Returns the
    number of grid rows compared. A multiclass model's rows hold one score per class.
    `relative`: also allow that much of the size of the row's terms (the sum of their
    magnitudes), for models with linear terms; the same infinity on both sides is equal."""
    score = pwlc.evaluate(model, frame, output="score")
    assert score.shape == raw.shape, f"pwlc gives scores of shape {score.shape}, the library {raw.shape}"
    scored = ~np.isnan(raw).any(axis=1) if raw.ndim == 2 else ~np.isnan(raw)
    assert scored[:data_rows].all(), "the library refused some data rows"
    grid_rows = int(scored[data_rows:].sum())
    assert grid_rows >= (len(frame) - data_rows) / 3, f"the library scored only {grid_rows} of {len(frame) - data_rows} grid rows"
    if isinstance(model, pwlc.Multiclass):
        for k, name in enumerate(model.classes):
            _assert_close(model.class_model(k), frame, score[:, k], raw[:, k], scored, tolerance, relative, f"class {name!r}: ")
    else:
        _assert_close(model, frame, score, raw, scored, tolerance, relative, "")
    return grid_rows


def _assert_close(model: pwlc.Model, frame: pd.DataFrame, score: np.ndarray, raw: np.ndarray, scored: np.ndarray, tolerance: float, relative: float, where: str) -> None:
    """One score column of `assert_exact`, on the rows the library scored."""
    with np.errstate(invalid="ignore", over="ignore"):
        gap = np.where(score[scored] == raw[scored], 0.0, np.abs(score[scored] - raw[scored]))
        size = np.nansum(np.abs(pwlc.semantics.evaluate_terms(model, frame)[scored]), axis=1) + np.abs(raw[scored]) if relative else 0.0
    assert not np.isnan(gap).any(), f"{where}pwlc gives no score where the library gives one"
    excess = gap - (tolerance + relative * size)
    worst = int(np.argmax(excess))
    assert excess[worst] <= 0, f"{where}|pwlc - library| = {gap[worst]} at row {int(np.flatnonzero(scored)[worst])} (pwlc {score[scored][worst]}, library {raw[scored][worst]})"


def require_library(name: str) -> Any:
    """Import a teacher library; skip locally and fail in CI when it is missing."""
    import importlib

    from tests.conftest import require_engine

    try:
        return importlib.import_module(name)
    except ImportError as error:
        require_engine(f"the {name} library", str(error))
        raise  # unreachable: require_engine skips or fails
