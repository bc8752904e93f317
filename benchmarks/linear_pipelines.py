"""A linear model as code: pwlc's linear terms against the one-segment curves pwlc used
before it had them (issue 16), side by side in one run.

The model: scikit-learn's Ridge behind a ColumnTransformer (SimpleImputer + StandardScaler
on Lending Club's 17 numeric columns, OneHotEncoder on its 3 categorical ones), trained on
the 10,000 real rows. Two pwlc models of it:

- `pwlc.lower` (exact): one linear term a numeric column (`coef / scale * x`, the scalers'
  offsets in the intercept) and one table a categorical column;
- the same model with each linear term as the one-segment curve through its values at the
  data's smallest and largest x: what `pwlc.distill(pipeline, X, segments=1)` fitted before
  pwlc had linear terms (exact inside the data, flat beyond it, a CASE in SQL).

For each: DuckDB rows/s (the query pwlc prints, wall time, best of 3) and C rows/s (gcc -O2,
`NAME_batch`, CPU time of this thread, best of 7) on 1,000,000 rows drawn from the real ones,
with scikit-learn's `predict` on the same rows; and max |score - predict| on the first
20,000 rows and on each numeric column alone at ±1e6 (beyond the data).

    .venv/bin/python benchmarks/linear_pipelines.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from scoring import BEST_OF, C_BEST_OF, CATEGORICAL, NUMERIC, Emitted, best_time, load  # noqa: E402

import pwlc  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "linear_pipelines.md"
FAR = 1e6


def pipeline(X: Any, y: np.ndarray) -> Any:
    from sklearn.compose import make_column_transformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    columns = make_column_transformer(
        (make_pipeline(SimpleImputer(), StandardScaler()), list(NUMERIC)),
        (OneHotEncoder(handle_unknown="ignore"), list(CATEGORICAL)),
    )
    return make_pipeline(columns, Ridge(alpha=1.0)).fit(X, y)


def as_curves(model: pwlc.Model, X: Any) -> pwlc.Model:
    """`model` with each linear term as the curve through its ends over the data."""
    from dataclasses import replace

    terms = []
    for term in model.terms:
        if isinstance(term, pwlc.Linear):
            low, high = float(np.nanmin(X[term.feature])), float(np.nanmax(X[term.feature]))
            term = pwlc.Curve(term.feature, (low, high), (term.slope * low, term.slope * high), missing=term.missing)
        terms.append(term)
    return replace(model, terms=tuple(terms))


def far_rows(X: Any) -> Any:
    """Row 0 of X with each numeric column alone at -FAR and at +FAR."""
    import pandas as pd

    rows = []
    for name in NUMERIC:
        for value in (-FAR, FAR):
            row = X.iloc[[0]].copy()
            row[name] = value
            rows.append(row)
    return pd.concat(rows, ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    X, y, data = load(args.rows)
    model = pipeline(X, y)
    lowered = pwlc.lower(model)
    distilled = as_curves(lowered, X)
    far = far_rows(X)
    checked = data.iloc[:20_000]
    expected, expected_far = model.predict(checked), model.predict(far)
    predict, _ = best_time(lambda: model.predict(data))
    lines = [
        f"Lending Club, Ridge behind SimpleImputer + StandardScaler ({len(NUMERIC)} numeric) and OneHotEncoder ({len(CATEGORICAL)} categorical);",
        f"trained on {len(X):,} real rows, scored on {len(data):,} drawn from them. DuckDB: wall time, best of {BEST_OF};",
        f"C: gcc -O2, NAME_batch, CPU time of this thread, best of {C_BEST_OF}. scikit-learn predict: {len(data) / predict:,.0f} rows/s (wall).",
        "",
        f"  {'pwlc model':<38}{'DuckDB rows/s':>15}{'C rows/s':>14}{'max |Δ| data':>14}{'max |Δ| at ±1e6':>17}",
    ]
    rates = {}
    for label, student in (("lower: linear terms (exact)", lowered), ("one-segment curves (before)", distilled)):
        emitted = Emitted(student, data)
        duck, scores = best_time(emitted.duckdb())
        c_seconds, c_scores = best_time(emitted.c_batch(), C_BEST_OF, time.thread_time)
        assert np.array_equal(scores[:20_000], c_scores[:20_000]) or np.allclose(scores[:20_000], c_scores[:20_000], rtol=1e-12)
        gap = float(np.max(np.abs(pwlc.evaluate(student, checked, output="score") - expected)))
        gap_far = float(np.max(np.abs(pwlc.evaluate(student, far, output="score") - expected_far)))
        rates[label] = (len(data) / duck, len(data) / c_seconds)
        lines.append(f"  {label:<38}{len(data) / duck:>15,.0f}{len(data) / c_seconds:>14,.0f}{gap:>14.1e}{gap_far:>17.1e}")
    (linear_duck, linear_c), (curve_duck, curve_c) = rates.values()
    lines += ["", f"linear terms over curves: DuckDB {linear_duck / curve_duck:.2f}x, C {linear_c / curve_c:.2f}x the rows/s"]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        RESULTS.write_text(f"# Linear pipelines\n\n`.venv/bin/python benchmarks/linear_pipelines.py --rows {args.rows}`\n\n```\n{text}\n```\n")


if __name__ == "__main__":
    main()
