"""Hypothesis strategies for random, well-formed IR models (shared by the backend tests)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from pwlc.ir import (
    MAX_VALUE,
    CategoryAxis,
    Constant,
    Curve,
    Grid,
    Input,
    KnotAxis,
    Linear,
    Model,
    Step,
    StepAxis,
    Table,
    verify,
)
from pwlc.semantics import transform_knots

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False, width=64)
values = st.one_of(finite, st.integers(-5, 5).map(float), st.sampled_from([0.0, -0.0, 0.1, 1e-300]))
missing = st.one_of(st.none(), values)
names = st.one_of(
    st.sampled_from(["age", "income", "x", "a b", 'q"uote', "select", "def", "naïve", "x_1"]),
    st.text(min_size=1, max_size=12),
)
categories = st.text(max_size=8)


def increasing(min_size: int = 1, max_size: int = 6, low: float = -1e5) -> st.SearchStrategy[tuple[float, ...]]:
    return st.lists(st.floats(min_value=low, max_value=1e5, allow_nan=False, width=64), min_size=min_size, max_size=max_size, unique=True).map(
        lambda xs: tuple(sorted(xs))
    )


@st.composite
def curves(draw: st.DrawFn, feature: str) -> Curve:
    fx = draw(st.sampled_from(["identity", "log", "log1p", "symlog1p"]))
    low = {"log": 1e-3, "log1p": -0.999}.get(fx, -1e5)
    # knots whose transforms coincide (log of 1e-3 and of the next double) verify refuses
    xs = draw(increasing(low=low).filter(lambda xs: bool(np.all(np.diff(transform_knots(fx, xs)) > 0))))
    ys = tuple(draw(values) for _ in xs)
    return Curve(feature, xs, ys, fx, draw(missing))  # type: ignore[arg-type]


@st.composite
def steps(draw: st.DrawFn, feature: str, min_edges: int = 0, max_edges: int = 6) -> Step:
    edges = draw(increasing(min_size=min_edges, max_size=max_edges))
    return Step(feature, edges, tuple(draw(values) for _ in range(len(edges) + 1)), draw(st.sampled_from(["upper", "lower"])), draw(missing))


# Slopes: ordinary ones, and the ends of what verify allows (±2**1022, a subnormal).
slopes = st.one_of(values, st.sampled_from([MAX_VALUE, -MAX_VALUE, 5e-324, -1e300, 3.0])).filter(lambda v: v != 0)


@st.composite
def linears(draw: st.DrawFn, feature: str) -> Linear:
    return Linear(feature, draw(slopes), draw(missing))


@st.composite
def long_step_models(draw: st.DrawFn) -> Model:
    """A model of one step long enough for SQL to write it in groups, and a constant."""
    step = draw(steps("x", min_edges=17, max_edges=150))
    return verify(Model((Input("x"),), (Constant(draw(values)), step)))


@st.composite
def tables(draw: st.DrawFn, feature: str) -> Table:
    keys = draw(st.lists(categories, max_size=5, unique=True))
    return Table(feature, tuple((k, draw(values)) for k in keys), draw(values), draw(missing))


@st.composite
def axes(draw: st.DrawFn, feature: str, kind: str) -> StepAxis | KnotAxis | CategoryAxis:
    if kind == "categorical":
        return CategoryAxis(feature, tuple(draw(st.lists(categories, max_size=3, unique=True))))
    if draw(st.booleans()):
        return StepAxis(feature, draw(increasing(min_size=0, max_size=3)), draw(st.sampled_from(["upper", "lower"])))
    return KnotAxis(feature, draw(increasing(max_size=3)))


@st.composite
def models(draw: st.DrawFn, max_terms: int = 6, linear: bool = False) -> Model:
    """Random valid models; `linear=True` also draws `Linear` terms (for the targets that
    print them)."""
    input_names = draw(st.lists(names, min_size=1, max_size=4, unique=True))
    inputs = tuple(Input(n, draw(st.sampled_from(["numeric", "numeric", "categorical"]))) for n in input_names)  # type: ignore[arg-type]
    terms: list = []
    # At least one term: an empty sum prints as `0.0`, which reads back as a constant term.
    for _ in range(draw(st.integers(1, max_terms))):
        declared = draw(st.sampled_from(inputs))
        if declared.kind == "categorical":
            terms.append(draw(tables(declared.name)))
        else:
            kinds = [curves(declared.name), steps(declared.name), values.map(Constant)] + ([linears(declared.name)] if linear else [])
            terms.append(draw(st.one_of(*kinds)))
    if len(inputs) >= 2 and draw(st.booleans()):
        a, b = inputs[0], inputs[1]
        axis_a, axis_b = draw(axes(a.name, a.kind)), draw(axes(b.name, b.kind))
        grid_values = tuple(tuple(draw(values) for _ in range(axis_b.size)) for _ in range(axis_a.size))
        missing_a, missing_b = (draw(st.none() | st.tuples(*(values for _ in range(axis.size)))) for axis in (axis_b, axis_a))
        terms.append(Grid(axis_a, axis_b, grid_values, draw(missing), missing_a, missing_b))
    link = draw(st.sampled_from(["identity", "logistic", "exp"]))
    return verify(Model(inputs, tuple(terms), link))  # type: ignore[arg-type]
