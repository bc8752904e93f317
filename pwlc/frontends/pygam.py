"""pygam GAMs (`LinearGAM`, `LogisticGAM`, `PoissonGAM`, `GammaGAM`, any `GAM` with an
identity, logit or log link) with spline `s()`, linear `l()`, factor `f()` and tensor
`te()` terms.

Each term's contribution is pygam's own `partial_dependence(term=i, X)`; the intercept is
the intercept term's coefficient; the raw score is pygam's linear predictor.

- `f()`: pygam splits the codes' range [min, max] into as many equal bins as there were
  distinct codes and gives each bin a value, so a code between two seen codes takes a
  neighbour's value. Lowered to a `Table` over every integer code in the range (pygam
  refuses codes outside it, and NaN);
- `s(spline_order=0)`: piecewise constant inside the edge knots and 0 outside: an exact
  `Step`, its edges where pygam's rescaling `(x - lo) / (hi - lo)` crosses each knot;
- `te()` of order-0 splines: an exact step `Grid` the same way;
- `l()`: `slope * x`, a `Linear` term (pygam refuses NaN: no value there);
- `s()` of higher order and other `te()`: exact functions that no pwlc term expresses
  (pygam extrapolates splines linearly beyond the edge knots): `lower` refuses them,
  `pwlc.distill` fits them.

pygam models are trained on bare arrays: the features are named x0, x1, ... unless wrapped
as `Named(model, names)` (distill does this with the columns of its data).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pwlc.errors import UnsupportedError
from pwlc.frontends import advice
from pwlc.frontends.additive import Additive, Affine, Shape, ShapeFunction, linear_shape
from pwlc.frontends.steps import lowest_reaching, merged_step, representatives
from pwlc.ir import Grid, Input, LinkKind, StepAxis, Table
from pwlc.semantics import Column, FloatArray

LINKS: dict[str, LinkKind] = {"identity": "identity", "logit": "logistic", "log": "exp"}
MAX_CODES = 10_000  # a factor term over more integer codes than this is refused


@dataclass(frozen=True)
class Named:
    """A pygam model with the names of its features (in column order)."""

    model: Any
    names: tuple[str, ...]


def teacher(model: Any) -> Additive:
    names = model.names if isinstance(model, Named) else None
    gam = model.model if isinstance(model, Named) else model
    kind = type(gam).__name__
    if not hasattr(gam, "statistics_"):
        raise UnsupportedError(f"this pygam {kind} is not fitted; fit it first")
    link = LINKS.get(str(gam.link))
    if link is None:
        raise UnsupportedError(f"pygam {kind} with the {gam.link} link: pwlc has the identity, logistic and exp links; refit with link='identity', 'logit' or 'log', or {advice.black_box(gam)}")
    width = int(gam.statistics_["m_features"])
    if names is None:
        names = tuple(f"x{j}" for j in range(width))
    if len(names) < width:
        raise UnsupportedError(f"pygam {kind} has {width} features but {len(names)} names were given; give one name per column")
    valid = _valid_row(gam, width)
    intercept = 0.0
    inputs: dict[str, Input] = {}
    shapes = []
    for i, term in enumerate(gam.terms):
        if term.isintercept:
            intercept += float(gam.coef_[gam.terms.get_coef_indices(i)][0])
            continue
        term_kind = type(term).__name__
        features = [int(j) for j in np.atleast_1d(term.feature)]
        description = f"pygam term {i} ({term_kind} on {', '.join(repr(names[j]) for j in features)})"
        if getattr(term, "by", None) is not None:
            raise UnsupportedError(f"{description} is multiplied by feature {names[int(term.by)]!r} (by=), so it reads two inputs; refit without by=, or {advice.black_box(gam, link)}")
        if term_kind not in ("SplineTerm", "LinearTerm", "FactorTerm", "TensorTerm"):
            raise UnsupportedError(f"{description}: pwlc reads s(), l(), f() and te() terms; refit with those, or {advice.black_box(gam, link)}")
        contribution = _term_function(gam, i, features, [names[j] for j in features], valid)
        for j in features:
            inputs.setdefault(names[j], Input(names[j], "categorical" if term_kind == "FactorTerm" else "numeric"))
            if inputs[names[j]].kind != ("categorical" if term_kind == "FactorTerm" else "numeric"):
                raise UnsupportedError(f"{description}: feature {names[j]!r} is a factor in one term and a number in another; pwlc needs one kind per input: refit with one kind for it")
        shapes.append(_shape(gam, i, term, features, [names[j] for j in features], description, contribution))
    return Additive(tuple(inputs.values()), tuple(shapes), intercept, link, f"a pygam {kind} ({len(shapes)} terms)")


def _shape(gam: Any, i: int, term: Any, features: list[int], names: list[str], description: str, contribution: ShapeFunction) -> Shape:
    kind = type(term).__name__
    if kind == "FactorTerm":
        return Shape((names[0],), description, term=_factor_table(term, names[0], contribution))
    if kind == "LinearTerm":
        slope = float(gam.coef_[gam.terms.get_coef_indices(i)][0])
        return linear_shape(names[0], description, Affine(0.0, slope), None)
    marginals = term._terms if kind == "TensorTerm" else [term]
    if all(_is_step(m) for m in marginals):
        axes = [StepAxis(name, _step_edges(m), "upper") for name, m in zip(names, marginals)]
        if kind == "SplineTerm":
            return Shape((names[0],), description, term=merged_step(names[0], axes[0].edges, "upper", lambda x: contribution({names[0]: x}), None))
        return Shape((names[0], names[1]), description, term=_step_grid(axes, contribution))
    orders = ", ".join(sorted({str(int(m.spline_order)) for m in marginals}))
    if any(getattr(m, "dtype", "numerical") == "categorical" for m in marginals):
        why = "is a tensor product over a factor"
    elif any(m.basis == "cp" for m in marginals):
        why = "is a periodic spline"
    else:
        why = f"is a spline of order {orders} that pygam extrapolates linearly beyond its edge knots"
    if len(names) == 2:  # pwlc.distill fits pairs on grids of cells only: this one goes through predictions
        instead = f"refit it with spline_order=0 for an exact step grid, or {_black_box(gam)}"
        return Shape(tuple(names), description, function=contribution, inexact=why, instead=instead)
    return Shape(tuple(names), description, function=contribution, inexact=why, instead=f"refit it with spline_order=0 for an exact step, or {advice.DISTILL}")


def _black_box(gam: Any) -> str:
    """How to distill a pygam model through its predictions (it takes arrays)."""
    link = LINKS[str(gam.link)]
    call = "model.predict_proba(X.to_numpy())" if hasattr(gam, "predict_proba") and link == "logistic" else "model.predict(X.to_numpy())"
    suffix = f", link={link!r}" if link != "identity" else ""
    return f"distill the GAM as a black box: pwlc.distill(lambda X: {call}, X{suffix})"


def _is_step(term: Any) -> bool:
    return int(term.spline_order) == 0 and term.basis != "cp" and getattr(term, "dtype", "numerical") == "numerical"


def _step_edges(term: Any) -> tuple[float, ...]:
    """The raw x where an order-0 spline changes bin: pygam rescales x to
    `(x - lo) / (hi - lo)` and bins it between equally spaced knots on [0, 1], the last one
    moved up by 1e-9 (pygam.utils.b_spline_basis); outside them every basis is 0."""
    lo, hi = (float(k) for k in np.sort(term.edge_knots_)[[0, -1]])
    scale = hi - lo if hi != lo else 1.0
    knots = np.linspace(0.0, 1.0, int(term.n_splines) + 1)
    knots[-1] += 1e-9
    edges = lowest_reaching(lambda x: (x - lo) / scale, knots)
    return tuple(float(e) for e in edges if np.isfinite(e))


def _step_grid(axes: Sequence[StepAxis], contribution: ShapeFunction) -> Grid:
    """The values of a tensor term of order-0 splines on every pair of bins."""
    points = [representatives(axis.edges, "upper") for axis in axes]
    pairs = np.array(list(itertools.product(*points)))
    values = contribution({axes[0].feature: pairs[:, 0], axes[1].feature: pairs[:, 1]}).reshape(len(points[0]), len(points[1]))
    return Grid(axes[0], axes[1], tuple(tuple(float(v) for v in row) for row in values))


def _factor_table(term: Any, name: str, contribution: ShapeFunction) -> Table:
    low, high = float(term.edge_knots_[0]) + 0.5, float(term.edge_knots_[-1]) - 0.5
    codes = np.arange(np.ceil(low), np.floor(high) + 1)
    if codes.size > MAX_CODES:
        raise UnsupportedError(f"pygam f() term on {name!r} spans {codes.size} integer codes; recode the categories as 0..K-1 and refit")
    values = contribution({name: codes})
    return Table(name, tuple((str(int(code)), float(v)) for code, v in zip(codes, values)), default=0.0)


def _term_function(gam: Any, term: int, features: list[int], names: list[str], valid: FloatArray) -> ShapeFunction:
    # Other features do not enter this term; pygam wants a full matrix with valid values.
    def contribution(columns: Mapping[str, Column]) -> FloatArray:
        rows = len(columns[names[0]])
        matrix = np.tile(valid, (rows, 1))
        for feature, name in zip(features, names):
            column = columns[name]
            matrix[:, feature] = np.array([np.nan if k is None else float(k) for k in column]) if isinstance(column, list) else np.asarray(column, dtype=np.float64)
        return np.asarray(gam.partial_dependence(term=term, X=matrix), dtype=np.float64)

    return contribution


def _valid_row(gam: Any, width: int) -> FloatArray:
    """A row of feature values inside every term's range (the lower edge knot; the lowest
    code of a factor)."""
    row = np.zeros(width)
    for term in gam.terms:
        for marginal in getattr(term, "_terms", [term]):
            if not marginal.isintercept and hasattr(marginal, "edge_knots_"):
                row[int(marginal.feature)] = float(marginal.edge_knots_[0]) + (0.5 if getattr(marginal, "dtype", "numerical") == "categorical" else 0.0)
    return row
