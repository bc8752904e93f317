"""Real models for the edit fuzz to start from, kept as .pwl files in tests/edit_fuzz/seeds/
so that the fuzz needs no training (regenerate with `python -m tests.edit_fuzz.distilled`).

From COMPAS (pwlc.datasets.compas): an EBM with pairs, distilled to 3 segments a curve and
optimized with -O2 (what `make demo` emits), and unrounded (17-digit numbers); a LightGBM model of one-feature trees,
distilled; and that LightGBM model lowered exactly (long steps, grouped in SQL).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pwlc

FOLDER = Path(__file__).resolve().parent / "seeds"
SEED = 0


def _write(name: str, model: pwlc.Model) -> None:
    path = FOLDER / f"{name}.pwl"
    path.write_text(pwlc.emit(model, "pwl"), encoding="utf-8")
    print(f"{path}: {len(model.terms)} terms")


def main() -> None:
    import lightgbm
    from interpret.glassbox import ExplainableBoostingClassifier

    from pwlc.datasets import compas

    warnings.filterwarnings("ignore")
    FOLDER.mkdir(exist_ok=True)
    data = compas()
    X, y = data.X, data.y
    ebm = ExplainableBoostingClassifier(interactions=3, outer_bags=2, random_state=SEED).fit(X, y)
    distilled = pwlc.distill(ebm, X, segments=3)
    optimized, _ = pwlc.optimize(distilled, "O2", data=X, teacher=ebm.decision_function(X))
    _write("compas_ebm", optimized)
    _write("compas_ebm_unrounded", distilled)

    numeric = X[["age", "priors_count", "length_of_stay"]]
    booster = lightgbm.LGBMClassifier(n_estimators=40, num_leaves=6, interaction_constraints=[[0], [1], [2]], random_state=SEED, verbose=-1)
    booster.fit(numeric, y)
    exact = pwlc.lower(booster)
    _write("compas_lightgbm_exact", exact)
    _write("compas_lightgbm", pwlc.distill(exact, numeric, segments=4))


if __name__ == "__main__":
    main()
