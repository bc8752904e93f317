"""statsmodels: fitted `OLS`/`WLS`/`GLM` results (from a formula or from arrays) and
`GLMGam` results, with an identity, logit or log link.

A formula's design (patsy) lists its terms and which columns of the design each one
fills; a term reads the data variables named in its factors. Every value is statsmodels'
own: a term's contribution is the design patsy builds for rows that vary its variable,
times the fitted parameters.

- a categorical term (`C(race)`, a string column; any contrast coding): a `Table` of each
  level's contribution (patsy refuses unseen levels and missing values: the table gives 0
  and no value);
- `bs(x, degree=0)`: a `Step` at the knots (patsy refuses x beyond the outer knots: the
  step holds its end values there; a missing value gives what patsy gives it);
- a plain numeric variable: `slope * x`, a `Linear` term (patsy drops a row with a
  missing value: no value there);
- other transforms (`np.log(x)`, `bs` of degree >= 1, which patsy extrapolates beyond its
  outer knots, `cr`, ...) and `GLMGam` smooths: exact functions for `pwlc.distill`.

Without a formula, each column of `exog` is linear (a constant column is the intercept).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pwlc.errors import UnsupportedError
from pwlc.frontends import advice
from pwlc.frontends.additive import Additive, Affine, Shape, ShapeFunction, linear_shape
from pwlc.frontends.steps import merged_step
from pwlc.ir import Input, InputKind, LinkKind, Table
from pwlc.semantics import Column, FloatArray, category_key

LINKS: dict[str, LinkKind] = {"Identity": "identity", "Logit": "logistic", "Log": "exp"}


def teacher(results: Any) -> Additive:
    model = results.model
    kind = type(model).__name__
    link = _link(model, results)
    params = np.asarray(results.params, dtype=np.float64)
    if params.ndim != 1:
        raise UnsupportedError(f"statsmodels {kind}: {advice.multiclass(results, params.shape[1])}")
    data = getattr(model, "data_linear", model.data)  # GLMGam keeps its formula part apart from the smooths
    design = getattr(model, "model_spec_linear", None) or getattr(data, "model_spec", None) or getattr(data, "design_info", None)
    if design is None and kind == "GLMGam":
        raise UnsupportedError(f"statsmodels GLMGam fitted on arrays: pwlc needs the formula of its linear part (GLMGam.from_formula), or {advice.black_box(results)}")
    if design is None:
        intercept, shapes = _array_shapes(model, params)
    elif type(design).__name__ != "DesignInfo":
        raise UnsupportedError(f"statsmodels {kind} built its formula with {type(design).__module__.split('.')[0]}; pwlc reads patsy designs: fit with the patsy formula engine, or {advice.black_box(results)}")
    else:
        linear = int(getattr(model, "k_exog_linear", params.size))
        intercept, shapes = _formula_shapes(results, design, model.data.frame, params[:linear])
    if kind == "GLMGam":
        shapes += _smooth_shapes(model, params[int(model.k_exog_linear) :])
    inputs: dict[str, Input] = {}
    for shape in shapes:
        wanted: InputKind = "categorical" if isinstance(shape.term, Table) else "numeric"
        if inputs.setdefault(shape.features[0], Input(shape.features[0], wanted)).kind != wanted:
            raise UnsupportedError(f"variable {shape.features[0]!r} is read both as categories and as a number; pwlc needs one kind per input: refit with one of them")
    return Additive(tuple(inputs.values()), tuple(shapes), intercept, link, f"a statsmodels {kind} ({getattr(model, 'formula', None) or 'arrays'})")


def _link(model: Any, results: Any) -> LinkKind:
    family = getattr(model, "family", None)
    if family is None:  # OLS, WLS, GLS
        return "identity"
    name = type(family.link).__name__
    if name not in LINKS:
        raise UnsupportedError(
            f"statsmodels {type(model).__name__} with the {name} link ({type(family).__name__} family): pwlc has the identity, logistic and exp links; "
            f"refit with link=sm.families.links.Log() (or Logit, Identity), or {advice.black_box(results)}"
        )
    return LINKS[name]


def _array_shapes(model: Any, params: FloatArray) -> tuple[float, list[Shape]]:
    names = [str(n) for n in model.exog_names]
    exog = np.asarray(model.exog, dtype=np.float64)
    constant = [j for j in range(exog.shape[1]) if np.ptp(exog[:, j]) == 0 and exog[0, j] != 0]
    intercept = float(sum(params[j] * exog[0, j] for j in constant))
    shapes = [_affine_shape(name, float(params[j]), f"exog column {name!r}") for j, name in enumerate(names) if j not in constant]
    return intercept, shapes


def _affine_shape(name: str, slope: float, description: str) -> Shape:
    return linear_shape(name, description, Affine(0.0, slope), None)  # statsmodels gives no value for a missing x


@dataclass(frozen=True)
class _Term:
    """One formula term (or several reading the same variable) and its design columns."""

    variable: str
    codes: tuple[str, ...]
    columns: tuple[int, ...]
    categorical: bool
    design: Any
    frame: Any  # the model's data: a valid row for every other variable
    params: FloatArray

    def missing(self) -> float | None:
        """The contribution of a missing value, None where patsy refuses it or gives NaN."""
        try:
            value = float(self.contribution([np.nan])[0])
        except Exception:  # patsy raises its own errors on values it cannot encode
            return None
        return None if np.isnan(value) else value

    def contribution(self, values: Sequence[Any]) -> FloatArray:
        import pandas as pd
        import patsy

        rows = self.frame.iloc[[0] * len(values)].reset_index(drop=True)
        rows[self.variable] = pd.Series(list(values), dtype=object if self.categorical else np.float64)
        (matrix,) = patsy.build_design_matrices([self.design], rows, NA_action="raise")
        return np.asarray(np.asarray(matrix)[:, list(self.columns)] @ self.params[list(self.columns)], dtype=np.float64)


def _formula_shapes(results: Any, design: Any, frame: Any, params: FloatArray) -> tuple[float, list[Shape]]:
    from patsy.eval import ast_names

    intercept = 0.0
    by_variable: dict[str, list[tuple[Any, slice]]] = {}
    for term, columns in design.term_slices.items():
        variables = sorted({name for factor in term.factors for name in ast_names(factor.code)} & {str(c) for c in frame.columns})
        if not term.factors:
            intercept += float(params[columns].sum())
        elif len(variables) != 1:
            raise UnsupportedError(
                f"formula term {term.name()!r} reads {len(variables)} variables ({', '.join(variables)}); pwlc lowers terms of one variable: "
                f"refit without interactions, or {advice.black_box(results)}"
            )
        else:
            by_variable.setdefault(variables[0], []).append((term, columns))
    shapes = []
    for variable, terms in by_variable.items():
        factors = [factor for term, _ in terms for factor in term.factors]
        categorical = all(design.factor_infos[f].type == "categorical" for f in factors)
        columns = tuple(k for _, s in terms for k in range(s.start, s.stop))
        term = _Term(variable, tuple(f.code for f in factors), columns, categorical, design, frame, params)
        shapes.append(_formula_shape(term, factors, design))
    return intercept, shapes


def _formula_shape(term: _Term, factors: list[Any], design: Any) -> Shape:
    description = f"formula term {' + '.join(term.codes)}"
    name = term.variable
    if term.categorical:
        levels = [level for f in factors for level in design.factor_infos[f].categories]
        levels = list(dict.fromkeys(level for level in levels if category_key(level) is not None))
        values = term.contribution(levels)
        return Shape((name,), description, term=Table(name, tuple((str(category_key(v)), float(s)) for v, s in zip(levels, values)), default=0.0))
    if term.codes == (name,) and len(term.columns) == 1:
        return _affine_shape(name, float(term.params[term.columns[0]]), description)
    splines = [t for f in factors for t in design.factor_infos[f].state.get("transforms", {}).values() if type(t).__name__ == "BS"]
    missing = term.missing()
    if len(factors) == 1 and len(splines) == 1 and splines[0]._degree == 0:
        knots = np.unique(np.asarray(splines[0]._all_knots, dtype=np.float64))
        # patsy refuses x beyond the outer knots: there the step holds its end values
        step = merged_step(name, knots[1:-1], "upper", lambda x: term.contribution(list(np.clip(x, knots[0], knots[-1]))), missing)
        return Shape((name,), description, term=step, missing=missing)
    return Shape(
        (name,),
        description,
        function=_present_only(name, lambda x: term.contribution(list(x)), missing),
        missing=missing,
        inexact="is a transform of the variable that is not piecewise constant (patsy extrapolates splines beyond their outer knots)",
        instead=f"write it as bs({name}, degree=0, df=...) for an exact lowering, or {advice.DISTILL}",
    )


def _smooth_shapes(model: Any, params: FloatArray) -> list[Shape]:
    shapes = []
    start = 0
    for smoother in model.smoother.smoothers:
        block = params[start : start + smoother.dim_basis]
        start += smoother.dim_basis
        name = str(smoother.variable_name)

        def contribution(x: FloatArray, smoother: Any = smoother, block: FloatArray = block) -> FloatArray:
            # statsmodels refuses x beyond the outer knots: there the shape holds its end value
            inside = np.clip(np.asarray(x, dtype=np.float64), np.min(smoother.knots), np.max(smoother.knots))
            return np.asarray(smoother.transform(inside) @ block, dtype=np.float64)

        shapes.append(
            Shape(
                (name,),
                f"GLMGam smooth of {name!r} ({type(smoother).__name__}, degree {getattr(smoother, 'degree', '?')})",
                function=_present_only(name, contribution, None),
                inexact="is a smooth spline (statsmodels evaluates it only inside its outer knots)",
                instead=advice.DISTILL,
            )
        )
    return shapes


def _present_only(name: str, function: Any, missing: float | None) -> ShapeFunction:
    """`function` on the present inputs, `missing` (None: NaN) on the missing ones."""

    def contribution(columns: Mapping[str, Column]) -> FloatArray:
        x = np.asarray(columns[name], dtype=np.float64)
        out = np.full(x.shape, np.nan if missing is None else missing)
        present = ~np.isnan(x)
        if present.any():
            out[present] = function(x[present])
        return out

    return contribution
