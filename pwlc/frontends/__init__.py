"""Frontends: read a trained model into pwlc.

    pwlc.lower(model)      # the exact IR (step curves, tables, step grids)
    teacher(model)         # the model as an `Additive` (exact shapes), what distill fits

The frontend is chosen by the model's type name, so no ML library is imported to pick one;
each frontend module imports its library only when it runs.
"""

from __future__ import annotations

import importlib
import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pwlc.errors import PwlcError, UnsupportedError
from pwlc.frontends.additive import Additive, MulticlassAdditive, Shape
from pwlc.frontends.sklearn import MODELS as SKLEARN_MODELS
from pwlc.ir import Model, Multiclass, verify

STATSMODELS_RESULTS = ("RegressionResultsWrapper", "RegressionResults", "OLSResults", "GLMResultsWrapper", "GLMResults", "GLMGamResultsWrapper", "GLMGamResults")

# (top-level package, class name) -> frontend module.
FRONTENDS: dict[tuple[str, str], str] = {
    ("interpret", "ExplainableBoostingClassifier"): "ebm",
    ("interpret", "ExplainableBoostingRegressor"): "ebm",
    ("lightgbm", "LGBMClassifier"): "lightgbm",
    ("lightgbm", "LGBMRegressor"): "lightgbm",
    ("lightgbm", "LGBMRanker"): "lightgbm",
    ("lightgbm", "Booster"): "lightgbm",
    ("xgboost", "XGBClassifier"): "xgboost",
    ("xgboost", "XGBRegressor"): "xgboost",
    ("xgboost", "XGBRanker"): "xgboost",
    ("xgboost", "Booster"): "xgboost",
    **{("pygam", kind): "pygam" for kind in ("GAM", "LinearGAM", "LogisticGAM", "PoissonGAM", "GammaGAM", "InvGaussGAM", "ExpectileGAM")},
    **{("sklearn", kind): "sklearn" for kind in SKLEARN_MODELS},
    **{("catboost", kind): "catboost" for kind in ("CatBoost", "CatBoostClassifier", "CatBoostRegressor", "CatBoostRanker")},
    **{("statsmodels", kind): "statsmodels" for kind in STATSMODELS_RESULTS},
    ("pwlc", "Named"): "pygam",  # a pygam model with feature names (pwlc.frontends.pygam.Named)
    ("pwlc", "WithCategories"): "catboost",  # a CatBoost model with its categories (pwlc.frontends.catboost.with_categories)
}

# Model types pwlc knows and does not read: what each is, and what to do instead.
REFUSED: dict[tuple[str, str], tuple[str, str]] = {
    ("statsmodels", kind): (
        "statsmodels MNLogit (a multinomial logit: one linear score a class under a softmax)",
        "fit scikit-learn LogisticRegression on the same columns (multinomial for 3+ classes), which pwlc lowers exactly"
        " to a multiclass model, or distill one class's probability: pwlc.distill(lambda X: results.predict(X)[:, k], X, link='logistic')",
    )
    for kind in ("MultinomialResultsWrapper", "MultinomialResults")
}

__all__ = ["Additive", "MulticlassAdditive", "Shape", "load_model", "lower", "supported", "teacher"]


def supported() -> list[str]:
    """Model types pwlc reads (for `pwlc list`)."""
    return sorted({f"{package}.{name}" for package, name in FRONTENDS if package != "pwlc"} | {"EBM JSON", "pwlc.Additive", "pwlc.Model"})


def teacher(model: Any) -> Additive | MulticlassAdditive:
    """`model` as an `Additive`: the intercept, link and one exact shape per term (a
    multiclass model: a `MulticlassAdditive`, one `Additive` per class)."""
    if isinstance(model, (Additive, MulticlassAdditive)):
        return model
    if isinstance(model, Model):
        return Additive.from_model(model)
    if isinstance(model, Multiclass):
        return MulticlassAdditive.from_model(model)
    if isinstance(model, Mapping) and "ebm" in model:
        from pwlc.frontends import ebm

        return ebm.teacher(model)
    kind = type(model)
    key = (kind.__module__.split(".")[0], kind.__name__)
    if key in REFUSED:
        what, instead = REFUSED[key]
        raise UnsupportedError(f"{what} is not read by pwlc; {instead}")
    if key not in FRONTENDS:
        raise UnsupportedError(
            f"pwlc has no frontend for {kind.__module__}.{kind.__name__} (supported: {', '.join(supported())}); "
            "a model with predict or predict_proba (a classifier too), or a function of a frame, is distilled "
            "through its predictions: pwlc.distill(model, X)"
        )
    module = importlib.import_module(f"pwlc.frontends.{FRONTENDS[key]}")
    result: Additive | MulticlassAdditive = module.teacher(model)
    return result


def lower(model: Any) -> Model | Multiclass:
    """The exact IR of a trained additive model (a `Multiclass` for a classifier of 3 or
    more classes).

    Raises `UnsupportedError` for a model that is not additive (naming the tree or term)
    or whose shapes are not piecewise constant (splines: use `pwlc.distill`).
    """
    if isinstance(model, (Model, Multiclass)):
        return verify(model)
    return teacher(model).lower()


PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib")


def load_model(path: str | os.PathLike[str], *, allow_pickle: bool = False) -> Any:
    """Load a trained model from a file.

    `.json`: an EBM `to_jsonable()` export (or an XGBoost JSON model); `.txt`/`.model`:
    LightGBM model text; `.pkl`/`.pickle`/`.joblib`: a pickle, which RUNS CODE stored in the
    file when loaded, so only with `allow_pickle=True` for files you trust.
    """
    path = Path(path)
    if not path.is_file():
        raise PwlcError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in PICKLE_SUFFIXES:
        if not allow_pickle:
            raise UnsupportedError(f"{path}: loading a pickle runs code stored in the file; allow it (--allow-pickle) only for files you trust")
        warnings.warn(f"loading {path} as a pickle runs code stored in it", stacklevel=2)
        import joblib

        try:
            return joblib.load(path)
        except Exception as exc:  # a broken or foreign pickle can raise anything
            raise UnsupportedError(f"{path}: cannot load the pickle ({type(exc).__name__}: {exc}); save it again with joblib.dump(model, path) where the same library versions are installed") from None
    text = path.read_text(encoding="utf-8", errors="replace")
    if suffix == ".json":
        if '"learner"' in text[:4096]:
            from pwlc.frontends import xgboost

            return xgboost.load(path)
        from pwlc.frontends import ebm

        return ebm.load_json(text)
    if suffix in (".txt", ".model") and text.startswith("tree\n"):
        from pwlc.frontends import lightgbm

        return lightgbm.load(text)
    raise UnsupportedError(
        f"{path}: not a model pwlc can read; save it as an EBM JSON export (json.dump(ebm.to_jsonable(), file)), a LightGBM model text "
        "(booster.save_model('model.txt')), an XGBoost JSON model (model.save_model('model.json')), or a pickle/joblib file (with allow_pickle=True)"
    )
