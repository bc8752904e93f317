"""Exactness of each frontend on real data (issue 4, "Must show").

For each frontend: the largest |pwlc score - library raw score| over the dataset's rows
plus the lowered model's edge grid (every edge and knot ±1 ulp, NaN, ±inf, unseen
categories; `pwlc.testing.edge_grid`). XGBoost adds float32 leaves in float32: its rows
compare pwlc with `predict`, with the float64 sum of the leaves XGBoost picks, and that
sum done in float32 with `predict` (0 means bit for bit). Spline frontends (pygam, cubic SplineTransformer)
cannot be lowered to step/linear terms exactly: for them the teacher's shapes
(`pwlc.frontends.teacher(model).score`) are compared, on the data rows.

    .venv/bin/python benchmarks/frontend_exactness.py
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

import pwlc
from pwlc.datasets import compas, diabetes, lending_club
from pwlc.frontends import teacher
from pwlc.testing import edge_grid, xgboost_leaves


def probes(model: pwlc.Model, X: pd.DataFrame, finite: bool = False) -> pd.DataFrame:
    grid = pd.DataFrame(edge_grid(model))
    for column in X.columns:
        if column not in grid:
            grid[column] = X[column].iloc[0]
        elif pd.api.types.is_numeric_dtype(X[column]):
            grid[column] = pd.to_numeric(grid[column], errors="coerce").astype(np.float64)
    out = pd.concat([X, grid[list(X.columns)]], ignore_index=True)
    return out[np.isfinite(out.select_dtypes("number")).all(axis=1)] if finite else out


def gap(a: Any, b: Any) -> float:
    return float(np.max(np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64))))


def categorical(X: pd.DataFrame, reference: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    out = X.copy()
    for column in columns:
        known = pd.Index(sorted(reference[column].dropna().unique()))
        out[column] = pd.Categorical(out[column].where(out[column].isin(known)), categories=known)
    return out


def main() -> None:
    import lightgbm
    import xgboost
    from interpret.glassbox import ExplainableBoostingClassifier, ExplainableBoostingRegressor
    from pygam import LinearGAM, LogisticGAM, f, l, s
    from sklearn.compose import make_column_transformer
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, SplineTransformer

    from pwlc.frontends.pygam import Named

    warnings.filterwarnings("ignore")
    c, loans, dia = compas(), lending_club(), diabetes()
    rows = []

    model = ExplainableBoostingClassifier(interactions=[(1, 2), (2, 4), (1, 5)], random_state=0).fit(c.X, c.y)
    ir = pwlc.lower(model)
    P = probes(ir, c.X)
    rows.append(("EBM classifier + 3 pairs", "COMPAS", len(P), gap(pwlc.evaluate(ir, P, output="score"), model.decision_function(P))))

    model = ExplainableBoostingRegressor(interactions=[(4, 5)], random_state=0).fit(loans.X, loans.y)
    ir = pwlc.lower(model)
    P = probes(ir, loans.X)
    rows.append(("EBM regressor + 1 pair (NaN)", "Lending Club", len(P), gap(pwlc.evaluate(ir, P, output="score"), model.predict(P))))

    constraints = [[j] for j in range(c.X.shape[1])]
    model = lightgbm.LGBMClassifier(n_estimators=300, num_leaves=8, interaction_constraints=constraints, verbose=-1).fit(categorical(c.X, c.X, c.categorical), c.y)
    ir = pwlc.lower(model)
    P = probes(ir, c.X)
    rows.append(("LightGBM classifier (cat.)", "COMPAS", len(P), gap(pwlc.evaluate(ir, P, output="score"), model.predict(categorical(P, c.X, c.categorical), raw_score=True))))

    Xn = loans.X[list(loans.numeric)]
    model = lightgbm.LGBMRegressor(n_estimators=300, num_leaves=8, interaction_constraints=[[j] for j in range(Xn.shape[1])], verbose=-1).fit(Xn, loans.y)
    ir = pwlc.lower(model)
    P = probes(ir, Xn)
    rows.append(("LightGBM regressor (NaN)", "Lending Club", len(P), gap(pwlc.evaluate(ir, P, output="score"), model.predict(P, raw_score=True))))

    model = xgboost.XGBRegressor(n_estimators=300, max_depth=3, interaction_constraints=[[col] for col in Xn.columns]).fit(Xn, loans.y)
    ir = pwlc.lower(model)
    P = probes(ir, Xn)
    rows.append(("XGBoost regressor (float32 sums)", "Lending Club", len(P), gap(pwlc.evaluate(ir, P, output="score"), model.predict(P, output_margin=True))))
    # Leaf by leaf: the float64 sum of the leaves XGBoost picks (pred_leaf; no ±inf rows).
    P = P[~np.isinf(P.select_dtypes("number")).any(axis=1)]
    base, leaves = xgboost_leaves(model, P)
    rows.append(("XGBoost regressor (its leaves)", "Lending Club", len(P), gap(pwlc.evaluate(ir, P, output="score"), base + leaves.astype(np.float64).sum(axis=1))))
    float32_sums = np.full(len(P), base, dtype=np.float32)
    for tree in range(leaves.shape[1]):
        float32_sums = float32_sums + leaves[:, tree]
    rows.append(("  its leaves in float32 vs predict", "Lending Club", len(P), gap(float32_sums, model.predict(P, output_margin=True))))

    X = c.X[["age", "priors_count", "length_of_stay", "race", "sex"]].copy()
    for column in ("race", "sex"):
        X[column] = pd.Categorical(X[column]).codes.astype(np.float64)
    for kind in (LinearGAM, LogisticGAM):
        gam = kind(s(0) + s(1) + l(2) + f(3) + f(4)).fit(X.to_numpy(), c.y)
        rows.append((f"pygam {kind.__name__} (shapes)", "COMPAS", len(X), gap(teacher(Named(gam, tuple(X.columns))).score(X), gam._linear_predictor(X.to_numpy()))))

    columns = make_column_transformer((SplineTransformer(n_knots=6), ["age", "priors_count"]), (OneHotEncoder(handle_unknown="ignore"), list(c.categorical)), ("passthrough", ["length_of_stay"]))
    pipeline = make_pipeline(columns, LogisticRegression(max_iter=2000)).fit(c.X, c.y)
    rows.append(("sklearn cubic splines (shapes)", "COMPAS", len(c.X), gap(teacher(pipeline).score(c.X), pipeline.decision_function(c.X))))

    pipeline = make_pipeline(SplineTransformer(degree=1, n_knots=6, extrapolation="constant"), Ridge()).fit(dia.X, dia.y)
    ir = pwlc.lower(pipeline)
    P = probes(ir, dia.X, finite=True)
    rows.append(("sklearn linear splines", "diabetes", len(P), gap(pwlc.evaluate(ir, P, output="score"), pipeline.predict(P))))

    print(f"{'frontend':<36}{'data':<14}{'rows':>7}  max |pwlc - library raw score|")
    for name, dataset, count, error in rows:
        print(f"{name:<36}{dataset:<14}{count:>7}  {error:.1e}")


if __name__ == "__main__":
    main()
