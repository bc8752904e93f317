"""pygam `LinearGAM` / `LogisticGAM` with spline `s()`, linear `l()` and factor `f()` terms.

Each term's contribution is pygam's own `partial_dependence(term=i, X)`; the intercept is
the intercept term's coefficient. Factor terms (integer category codes) are exact tables;
spline and linear terms are exact functions but not piecewise linear, so `lower` refuses
them and `pwlc.distill` fits curves to them. pygam models are trained on bare arrays: the
features are named x0, x1, ... unless wrapped as `Named(model, names)` (distill does this
with the columns of its data).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from pwlc.errors import UnsupportedError
from pwlc.frontends.additive import Additive, Shape, ShapeFunction
from pwlc.ir import Input, LinkKind, Table
from pwlc.semantics import Column, FloatArray


@dataclass(frozen=True)
class Named:
    """A pygam model with the names of its features (in column order)."""

    model: Any
    names: tuple[str, ...]


def teacher(model: Any) -> Additive:
    names = model.names if isinstance(model, Named) else None
    gam = model.model if isinstance(model, Named) else model
    kind = type(gam).__name__
    if kind not in ("LinearGAM", "LogisticGAM"):
        raise UnsupportedError(f"pygam {kind}: pwlc handles LinearGAM and LogisticGAM")
    width = int(gam.statistics_["m_features"]) if hasattr(gam, "statistics_") else None
    if width is None:
        raise UnsupportedError(f"this pygam {kind} is not fitted")
    if names is None:
        names = tuple(f"x{j}" for j in range(width))
    if len(names) < width:
        raise UnsupportedError(f"pygam {kind} has {width} features but {len(names)} names were given")
    intercept = 0.0
    inputs: dict[str, Input] = {}
    shapes = []
    for i, term in enumerate(gam.terms):
        kind_of_term = type(term).__name__
        if term.isintercept:
            intercept += float(gam.coef_[gam.terms.get_coef_indices(i)][0])
            continue
        if kind_of_term not in ("SplineTerm", "LinearTerm", "FactorTerm"):
            raise UnsupportedError(f"pygam term {i} ({kind_of_term}) is not a one-feature term; pwlc handles s(), l() and f() terms")
        feature = int(term.feature)
        name = names[feature]
        description = f"pygam term {i} ({kind_of_term} on {name!r})"
        contribution = _term_function(gam, i, feature, width, name)
        if kind_of_term == "FactorTerm":
            inputs[name] = Input(name, "categorical")
            codes = np.arange(term.n_coefs) + float(term.edge_knots_[0]) + 0.5
            values = contribution({name: codes})
            table = Table(name, tuple((str(int(code)), float(v)) for code, v in zip(codes, values)), default=0.0)
            shapes.append(Shape((name,), description, term=table))
        else:
            inputs[name] = Input(name, "numeric")
            shapes.append(Shape((name,), description, function=contribution))
    link: LinkKind = "logistic" if kind == "LogisticGAM" else "identity"
    return Additive(tuple(inputs.values()), tuple(shapes), intercept, link, f"a pygam {kind} ({len(shapes)} terms)")


def _term_function(gam: Any, term: int, feature: int, width: int, name: str) -> ShapeFunction:
    # Other features do not enter this term; pygam wants a full matrix with valid values.
    valid = _valid_row(gam, width)

    def contribution(columns: Mapping[str, Column]) -> FloatArray:
        column = columns[name]
        x = np.array([float(k) if k is not None else np.nan for k in column]) if isinstance(column, list) else np.asarray(column, dtype=np.float64)
        matrix = np.tile(valid, (x.size, 1))
        matrix[:, feature] = x
        return np.asarray(gam.partial_dependence(term=term, X=matrix), dtype=np.float64)

    return contribution


def _valid_row(gam: Any, width: int) -> FloatArray:
    """A row of feature values inside every term's range (the lower edge knot)."""
    row = np.zeros(width)
    for term in gam.terms:
        if not term.isintercept and hasattr(term, "edge_knots_"):
            row[int(term.feature)] = float(term.edge_knots_[0]) + (0.5 if type(term).__name__ == "FactorTerm" else 0.0)
    return row
