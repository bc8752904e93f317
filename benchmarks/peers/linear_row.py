"""Row (3): scikit-learn linear pipelines (numbers passed through or standardized, categories
one-hot) against orbital's SQL and scikit-learn's own predict. pwlc lowers them exactly
(`pwlc.lower(pipeline)`: a linear term `coef * x` per number, a table per one-hot column);
the distillation routes below are kept for a pipeline it would refuse."""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path
from typing import Any

import numpy as np

import pwlc

from . import contenders as make
from .inputs import Data, duckdb_table, grid_frame, output_column
from .timing import Group, Reference
from .venvs import generate


def pipeline(data: Data) -> tuple[Any, list[str], str]:
    """Lending Club: passthrough + one-hot into Ridge; COMPAS: StandardScaler + one-hot into
    LogisticRegression. Numeric columns with a missing value are left out (scikit-learn's
    linear models refuse NaN). Returns the fitted pipeline, its numeric columns, its summary."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = [name for name in data.numeric if not data.X[name].isna().any()]
    scaler: Any = StandardScaler() if data.classification else "passthrough"
    estimator: Any = LogisticRegression(max_iter=2000) if data.classification else Ridge(alpha=1.0)
    columns = ColumnTransformer([("numbers", scaler, numeric), ("categories", OneHotEncoder(handle_unknown="ignore"), list(data.categorical))])
    model = Pipeline([("columns", columns), ("model", estimator)]).fit(data.X[numeric + list(data.categorical)], data.y)
    summary = f"ColumnTransformer({'StandardScaler' if data.classification else 'passthrough'} on {len(numeric)} numeric, OneHotEncoder on {len(data.categorical)} categorical) → {type(estimator).__name__}"
    return model, numeric, summary


def teacher_outputs(model: Any, frame: Any, classifier: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """Raw score (decision_function / predict) and probability; a row the pipeline refuses
    (NaN, ±inf: scikit-learn raises) is NaN."""

    def on(rows: Any) -> tuple[np.ndarray, np.ndarray | None]:
        if classifier:
            return np.asarray(model.decision_function(rows), dtype=np.float64), np.asarray(model.predict_proba(rows), dtype=np.float64)[:, 1]
        return np.asarray(model.predict(rows), dtype=np.float64), None

    try:
        return on(frame)
    except (ValueError, TypeError):
        score, probability = np.full(len(frame), np.nan), np.full(len(frame), np.nan)
        for i in range(len(frame)):
            try:
                s, p = on(frame.iloc[[i]])
            except (ValueError, TypeError):
                continue
            score[i] = s[0]
            if p is not None:
                probability[i] = p[0]
        return score, probability if classifier else None


FAR = 1e6  # where the grid's ±inf go


def finite(grid: Any, numeric: list[str]) -> Any:
    """The grid without the numbers scikit-learn refuses: ±inf as ±FAR, NaN as 0."""
    out = grid.copy()
    for name in numeric:
        values = out[name].to_numpy(dtype=np.float64).copy()
        values[np.isposinf(values)], values[np.isneginf(values)], values[np.isnan(values)] = FAR, -FAR, 0.0
        out[name] = values
    return out


def pwlc_model(model: Any, X: Any, classifier: bool) -> tuple[pwlc.Model, str]:
    """The pipeline lowered exactly if pwlc can; else distilled through its frontend (one
    segment a curve); else distilled as a black box. The route taken, said in words."""
    try:
        return pwlc.lower(model), "`pwlc.lower(pipeline)`, exact: a linear term `coef * x` per numeric input, a table per one-hot input"
    except pwlc.PwlcError as refused:
        why = f"`pwlc.lower` refuses it ({str(refused).splitlines()[0]})"
    try:
        return pwlc.distill(model, X, segments=1), why + "; distilled through its frontend, 1 segment a curve"
    except pwlc.PwlcError as refused:
        why += f"; `pwlc.distill(pipeline)` refuses it too ({str(refused).splitlines()[0]})"
    function = model.decision_function if classifier else model.predict
    return pwlc.distill(function, X, segments=1), why + "; distilled as a black box (the raw score), 1 segment a curve"


def build(data: Data, work: Path, args: Any) -> Group:
    warnings.filterwarnings("ignore", category=UserWarning)
    classifier = data.classification
    model, numeric, summary = pipeline(data)
    names = numeric + list(data.categorical)
    X, rows = data.X[names], data.rows[names]
    compiled, route = pwlc_model(model, X, classifier)
    grid = finite(grid_frame(compiled, data)[names], numeric)
    score, probability = teacher_outputs(model, rows, classifier)
    grid_score, grid_probability = teacher_outputs(model, grid, classifier)
    group = Group(
        f"scikit-learn linear pipeline, {data.name}",
        f"{summary}, trained on {len(X):,} real rows. pwlc: {route}. The edge grid is that model's, with "
        f"±inf as ±{FAR:g} and NaN as 0 (scikit-learn refuses both).",
        Reference(score, probability, grid_score, grid_probability),
        grid_rows=len(grid),
        grid_excluded=int(np.isnan(grid_score).sum()),
    )
    work.mkdir(parents=True, exist_ok=True)
    n = len(rows)
    numeric_tuple = tuple(numeric)
    connections = (duckdb_table(rows, numeric_tuple), duckdb_table(grid, numeric_tuple))
    group.attempt("pwlc SQL, DuckDB", lambda: make.pwlc_duckdb("pwlc SQL, DuckDB", compiled, connections, n))
    if classifier:
        teacher = make.in_process("scikit-learn predict_proba", "scikit-learn", "probability", n, lambda f: model.predict_proba(f)[:, 1], rows, grid)
    else:
        teacher = make.in_process("scikit-learn predict", "scikit-learn", "score", n, model.predict, rows, grid)
    teacher.grid = lambda: group.reference.on_grid(teacher.output)  # row by row where it refuses some
    group.contenders.append(teacher)
    with open(work / "pipeline.pickle", "wb") as handle:
        pickle.dump(model, handle)

    def orbital() -> make.Contender:
        spec = {"peer": "orbital", "model": str(work / "pipeline.pickle"), "inputs": {}, "out": str(work / "orbital"),
                "numeric": numeric, "categorical": list(data.categorical)}  # fmt: skip
        answer = generate("orbital", spec)
        group.versions["orbital"] = make.versions_text(answer["versions"])
        query = Path(answer["sql"]).read_text()
        return make.duckdb_sql("orbital SQL, DuckDB", "orbital", query, output_column(connections[1], query, classifier), "probability" if classifier else "score", connections, n)

    group.attempt("orbital", orbital)
    return group
