"""The common view every frontend produces: a trained model as `link(intercept + sum of shapes)`.

A `Shape` is one term of the teacher: an exact IR term when one exists (EBM bins, tree
splits, one-hot tables), or else a function that reproduces the teacher's contribution
exactly (a cubic spline, a linear term) and that only distillation can turn into a curve.
`Additive.lower()` is the exact IR, or an `UnsupportedError` naming the shape that has no
exact form; `Additive.score(X)` reproduces the teacher's raw score from the shapes (the
exactness test of a frontend); `pwlc.distill` fits curves to the shapes.

Users can also build one from plain functions:

    Additive.from_functions({"age": lambda x: -0.02 * x}, intercept=0.5, link="logistic")
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from pwlc.errors import UnsupportedError
from pwlc.frontends import advice
from pwlc.ir import (
    LINKS,
    Constant,
    Curve,
    Input,
    Linear,
    LinkKind,
    Model,
    Multiclass,
    Table,
    Term,
    term_features,
    verify,
)
from pwlc.semantics import Column, FloatArray, prepare_columns, term_values

# A shape's contribution for each row, from the prepared columns (see semantics.prepare_columns):
# numeric inputs as float64 arrays, categorical inputs as lists of category keys.
ShapeFunction = Callable[[Mapping[str, Column]], FloatArray]


@dataclass(frozen=True)
class Affine:
    """A term that is `offset + slope * x` on one numeric input, with no bound.

    Linear models give these (a passthrough or scaled column), in the input's own units: the
    IR holds `slope * x` as a `Linear` term (`linear_shape`) and the offset joins the
    teacher's intercept.
    """

    offset: float
    slope: float


@dataclass(frozen=True)
class Shape:
    """One term of a teacher: `term` when it is exactly an IR term, else `function`.

    `missing` is the contribution when the input is missing (None when the teacher has no
    defined value there); `description` names the term in messages ("term 3 (age)");
    `inexact` says why a `function` has no exact term and `instead` what the user can do;
    `affine` holds the coefficients of a linear column (see `linear_shape`).
    """

    features: tuple[str, ...]
    description: str
    term: Term | None = None
    function: ShapeFunction | None = None
    missing: float | None = None
    inexact: str = "is not piecewise constant or linear"
    instead: str = advice.DISTILL
    affine: Affine | None = None

    def values(self, columns: Mapping[str, Column], rows: int) -> FloatArray:
        """The teacher's contribution of this term for each row."""
        if self.term is not None:
            return term_values(self.term, columns, rows)
        assert self.function is not None, f"{self.description} has neither a term nor a function"
        return np.asarray(self.function(columns), dtype=np.float64)


def linear_shape(name: str, description: str, affine: Affine, missing: float | None) -> Shape:
    """The exact shape of a linear column `offset + slope * x`: a `Linear` term `slope * x`
    (a zero slope: a one-knot curve at 0), the offset left for the frontend to add to the
    teacher's intercept. `missing` is the whole contribution at a missing input (None: the
    library gives none); the term's is that less the offset."""
    rest = None if missing is None else missing - affine.offset
    term: Term = Linear(name, affine.slope, rest) if affine.slope != 0 else Curve(name, (0.0,), (0.0,), missing=rest)
    return Shape((name,), description, term=term, missing=rest, affine=affine)


@dataclass(frozen=True)
class Additive:
    """A teacher as `link(intercept + sum(shape for shape in shapes))` over `inputs`."""

    inputs: tuple[Input, ...]
    shapes: tuple[Shape, ...]
    intercept: float = 0.0
    link: LinkKind = "identity"
    doc: str = ""  # what the teacher is, as a noun phrase: "a LightGBM LGBMClassifier (300 trees)"
    name: str = "score"

    def __post_init__(self) -> None:
        if self.link not in LINKS:
            raise UnsupportedError(f"unknown link {self.link!r}; use one of {', '.join(LINKS)}")

    def lower(self) -> Model:
        """The exact IR, or `UnsupportedError` naming the first shape that has no exact form."""
        for shape in self.shapes:
            if shape.term is None:
                raise UnsupportedError(f"{shape.description}: {shape.inexact}, so it cannot be lowered exactly; {shape.instead}")
        terms: list[Term] = [Constant(self.intercept)] if self.intercept != 0.0 else []
        terms += [shape.term for shape in self.shapes if shape.term is not None]
        return verify(Model(self.inputs, tuple(terms), self.link, self.name, f"Lowered exactly by pwlc from {self.doc}."))

    def columns(self, data: Any) -> tuple[dict[str, Column], int]:
        """`data` read the way the IR reads it (numeric as float64, categories as strings)."""
        return prepare_columns(Model(self.inputs, ()), data)

    def contributions(self, data: Any) -> FloatArray:
        """Each shape's contribution: an array of shape (rows, len(shapes))."""
        columns, rows = self.columns(data)
        out = np.empty((rows, len(self.shapes)), dtype=np.float64)
        for k, shape in enumerate(self.shapes):
            out[:, k] = shape.values(columns, rows)
        return out

    def score(self, data: Any) -> FloatArray:
        """The raw score (before the link) reproduced from the shapes."""
        contributions = self.contributions(data)
        return np.asarray(self.intercept + contributions.sum(axis=1), dtype=np.float64)

    @classmethod
    def from_model(cls, model: Model) -> Additive:
        """View an IR model as a teacher (to distill it further)."""
        shapes = []
        intercept = 0.0
        for k, term in enumerate(model.terms):
            if isinstance(term, Constant):
                intercept += term.value
                continue
            features = term_features(term)
            shapes.append(Shape(features, f"term {k} ({' x '.join(features)})", term=term, missing=getattr(term, "missing", None)))
        source = model.doc.removeprefix("Lowered exactly by pwlc from ").rstrip(".") or "a pwlc model"
        return cls(model.inputs, tuple(shapes), intercept, model.link, source, model.name)

    @classmethod
    def from_functions(
        cls,
        functions: Mapping[str, Callable[[Any], Any]],
        *,
        intercept: float = 0.0,
        link: LinkKind = "identity",
        categories: Mapping[str, Iterable[Any]] | None = None,
        doc: str = "additive functions",
    ) -> Additive:
        """A generic additive model: one function per feature, plus an intercept and link.

        A numeric feature's function takes a float64 array and returns the contributions.
        A feature listed in `categories` is categorical: its function is called once per
        listed category and becomes an exact table (unseen categories and missing inputs
        contribute 0).
        """
        listed = {name: tuple(values) for name, values in (categories or {}).items()}
        inputs = []
        shapes = []
        for name, function in functions.items():
            if name in listed:
                inputs.append(Input(name, "categorical"))
                table = _table_from_function(name, function, listed[name])
                shapes.append(Shape((name,), f"function for {name!r}", term=table, missing=table.missing))
            else:
                inputs.append(Input(name, "numeric"))
                shapes.append(Shape((name,), f"function for {name!r}", function=_numeric_function(name, function)))
        return cls(tuple(inputs), tuple(shapes), float(intercept), link, doc)


def _numeric_function(name: str, function: Callable[[Any], Any]) -> ShapeFunction:
    def apply(columns: Mapping[str, Column]) -> FloatArray:
        x = np.asarray(columns[name], dtype=np.float64)
        return np.broadcast_to(np.asarray(function(x), dtype=np.float64), x.shape).copy()

    return apply


def _table_from_function(name: str, function: Callable[[Any], Any], values: Sequence[Any]) -> Table:
    from pwlc.semantics import category_key

    entries = []
    for value in values:
        key = category_key(value)
        if key is None:
            continue
        try:
            contribution = float(np.asarray(function(np.array([value], dtype=object))).ravel()[0])
        except Exception as exc:  # the user's function: report which category broke it
            raise UnsupportedError(f"the function for {name!r} failed on category {key!r} ({type(exc).__name__}: {exc}); make it accept every listed category") from None
        if not math.isfinite(contribution):
            raise UnsupportedError(f"the function for {name!r} gives {contribution} for category {key!r}; give it a finite value there")
        entries.append((key, contribution))
    return Table(name, tuple(entries), default=0.0, missing=0.0)


@dataclass(frozen=True)
class MulticlassAdditive:
    """A multiclass teacher: one `Additive` per class (identity link: each is that class's
    raw score), the prediction their softmax (`pwlc.semantics` rules M1-M4).

    Frontends build one from the per-class scores a library keeps (an EBM's last score
    axis, a booster's trees round-robin over the classes, a linear model's coefficient
    rows); `lower()` is the exact `Multiclass`, `score(X)` the (rows, K) raw scores.
    """

    classes: tuple[str, ...]
    teachers: tuple[Additive, ...]
    doc: str = ""
    name: str = "score"

    def __post_init__(self) -> None:
        if len(self.classes) != len(self.teachers):
            raise UnsupportedError(f"{len(self.classes)} classes but {len(self.teachers)} class scores; give one Additive a class")
        for label, teacher in zip(self.classes, self.teachers):
            if teacher.link != "identity":
                raise UnsupportedError(f"class {label!r}: a class's score has no link of its own (got {teacher.link!r}); give it link='identity' (the softmax is the link)")

    @property
    def inputs(self) -> tuple[Input, ...]:
        found: dict[str, Input] = {}
        for teacher in self.teachers:
            for declared in teacher.inputs:
                found.setdefault(declared.name, declared)
        return tuple(found.values())

    def lower(self) -> Multiclass:
        """The exact IR, or `UnsupportedError` naming the first shape with no exact form."""
        models = [replace(teacher, inputs=self.inputs).lower() for teacher in self.teachers]
        return verify(Multiclass.from_models(self.classes, models, self.name, f"Lowered exactly by pwlc from {self.doc}."))

    def score(self, data: Any) -> FloatArray:
        """The (rows, K) raw scores reproduced from each class's shapes."""
        columns = [teacher.score(data) for teacher in self.teachers]
        return np.stack(columns, axis=1)

    @classmethod
    def from_model(cls, model: Multiclass) -> MulticlassAdditive:
        """View an IR multiclass model as a teacher (to distill it further)."""
        teachers = tuple(replace(Additive.from_model(m), doc="") for m in model.class_models())
        source = model.doc.removeprefix("Lowered exactly by pwlc from ").rstrip(".") or "a pwlc model"
        return cls(model.classes, teachers, source, model.name)


def class_names(labels: Iterable[Any]) -> tuple[str, ...]:
    """A library's class labels as pwlc's class names (`category_key`: 1 and 1.0 are "1")."""
    from pwlc.semantics import category_key

    labels = list(labels)
    names = tuple(str(category_key(label) or label) for label in labels)  # (numpy's str_ made str)
    if len(set(names)) != len(names):
        raise UnsupportedError(f"class labels {labels!r} do not have distinct names; give the classes distinct labels and refit")
    return names
