"""`pwlc.testing.edge_grid`, the probe rows every engine is compared with the evaluator on:
it must reach every boundary of every kind of term."""

from __future__ import annotations

import math

from hypothesis import given, settings

import pwlc
from pwlc import CategoryAxis, Curve, Grid, Input, KnotAxis, Model, Step, StepAxis, Table
from pwlc.testing import UNSEEN_CATEGORY, edge_grid
from tests.strategies import models

SPECIAL = [math.nan, math.inf, -math.inf, 0.0, -0.0, 1e308, -1e308, 5e-324, -5e-324]


def boundaries(model: Model) -> dict[str, set]:
    """Each input's knots, edges and categories, found here independently of pwlc.testing."""
    found: dict[str, set] = {i.name: set() for i in model.inputs}
    for term in model.terms:
        if isinstance(term, Curve):
            found[term.feature] |= set(term.xs)
        elif isinstance(term, Step):
            found[term.feature] |= set(term.edges)
        elif isinstance(term, Table):
            found[term.feature] |= {k for k, _ in term.entries}
        elif isinstance(term, Grid):
            for axis in (term.a, term.b):
                found[axis.feature] |= set(getattr(axis, "edges", getattr(axis, "knots", getattr(axis, "categories", ()))))
    return found


def same_double(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    return a == b


def contains(column: list, value: object) -> bool:
    return any(same_double(v, value) for v in column)


def assert_probes_every_boundary(model: Model) -> None:
    grid = edge_grid(model)
    rows = {len(column) for column in grid.values()}
    assert len(rows) <= 1, "every column has as many rows"
    for declared in model.inputs:
        column, points = grid[declared.name], boundaries(model)[declared.name]
        if declared.kind == "categorical":
            assert points <= set(column) and UNSEEN_CATEGORY in column and None in column
            continue
        for special in SPECIAL:
            assert contains(column, special), (declared.name, special)
        ordered = sorted(points)
        for p in ordered:
            for probe in (p, math.nextafter(p, -math.inf), math.nextafter(p, math.inf)):
                assert contains(column, probe), (declared.name, probe)
        for a, b in zip(ordered, ordered[1:]):
            middle = (a + b) / 2 if math.isfinite(a + b) else a / 2 + b / 2
            assert contains(column, middle), (declared.name, a, b)
        # Missing while every other input is present, at least once.
        others = [n for n in grid if n != declared.name]
        assert any(
            (v is None or (isinstance(v, float) and math.isnan(v))) and all(grid[o][k] is not None and not (isinstance(grid[o][k], float) and math.isnan(grid[o][k])) for o in others)
            for k, v in enumerate(column)
        ), declared.name


def test_every_kind_of_term_is_probed_at_each_of_its_boundaries() -> None:
    model = pwlc.verify(
        Model(
            (Input("x"), Input("y"), Input("c", "categorical"), Input("z")),
            (
                Curve("x", (-(2.0**1022), 0.0, 5e-324, 2.0**1022), (1.0, 2.0, 3.0, 4.0), missing=0.0),
                Step("y", (-2.5, 0.0, 7.0), (0.0, 1.0, 2.0, 3.0), "lower"),
                Table("c", (("a", 1.0), ("", 2.0), ("3", 3.0)), default=-1.0),
                Grid(KnotAxis("z", (0.0, 1.0, 4.0)), CategoryAxis("c", ("a", "b")), ((1.0, 2.0, 0.0), (3.0, 4.0, 0.0), (5.0, 6.0, 0.0)), missing_a=(1.0, 2.0, 3.0)),
                Grid(StepAxis("x", (1.0,)), StepAxis("y", (3.0, 9.0), "lower"), ((1.0, 2.0, 3.0), (4.0, 5.0, 6.0)), missing_b=(7.0, 8.0)),
            ),
        )
    )
    assert_probes_every_boundary(model)
    grid = edge_grid(model)
    rows = list(zip(grid["x"], grid["y"]))
    # A grid's two inputs meet at every pair of their own boundaries.
    for x in (1.0, math.nextafter(1.0, 2.0), -1e308):
        for y in (3.0, math.nextafter(9.0, 0.0), math.inf):
            assert any(same_double(a, x) and same_double(b, y) for a, b in rows), (x, y)
    # The missing row of z is walked along c: z missing at every probe of c.
    walked = {c for z, c in zip(grid["z"], grid["c"]) if isinstance(z, float) and math.isnan(z)}
    assert {"a", "b", UNSEEN_CATEGORY, None} <= walked


@settings(max_examples=100, deadline=None)
@given(models())
def test_random_models_are_probed_at_each_of_their_boundaries(model: Model) -> None:
    assert_probes_every_boundary(model)
