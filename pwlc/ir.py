"""The intermediate representation: a model is a link applied to a sum of terms.

Every node is a frozen dataclass, so models compare by value and can be hashed and
shared freely. A node read from text carries a `Span` (where it came from); spans are
excluded from equality, so `read(emit(m)) == m` compares meaning, not position.

What each node computes is defined once, in `pwlc.semantics`; this module only says
what a well-formed node looks like (`verify`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args, overload

from pwlc.errors import Span, VerifyError

Transform = Literal["identity", "log", "log1p", "symlog1p"]
EdgeSide = Literal["upper", "lower"]
LinkKind = Literal["identity", "logistic", "exp"]
InputKind = Literal["numeric", "categorical"]

TRANSFORMS: tuple[str, ...] = get_args(Transform)
# The largest magnitude of a term value (a knot value, step or table value, default,
# missing value, grid cell, constant): the difference of any two values is then a finite
# double, so interpolating never overflows (`verify`, rule 8 of `pwlc.semantics`).
MAX_VALUE = 2.0**1022
EDGE_SIDES: tuple[str, ...] = get_args(EdgeSide)
LINKS: tuple[str, ...] = get_args(LinkKind)
INPUT_KINDS: tuple[str, ...] = get_args(InputKind)

# A span never takes part in equality or hashing: it says where a node was read from.
_span = field(default=None, compare=False, hash=False, repr=False)


@dataclass(frozen=True)
class Input:
    """A declared model input: any string name, numeric or categorical."""

    name: str
    kind: InputKind = "numeric"
    span: Span | None = _span


@dataclass(frozen=True)
class Constant:
    """A term that contributes the same value for every row (the intercept)."""

    value: float
    span: Span | None = _span


@dataclass(frozen=True)
class Curve:
    """Piecewise-linear in `fx(x)` through `(xs[i], ys[i])`, flat outside the end knots.

    Knots are stored in raw units of the feature. `missing` is the contribution when the
    input is missing; None makes a missing input give a missing score.
    """

    feature: str
    xs: tuple[float, ...]
    ys: tuple[float, ...]
    fx: Transform = "identity"
    missing: float | None = None
    span: Span | None = _span

    @property
    def knots(self) -> tuple[tuple[float, float], ...]:
        return tuple(zip(self.xs, self.ys))


@dataclass(frozen=True)
class Step:
    """A step function: `values[k]` on the k-th bin between consecutive `edges`.

    `len(values) == len(edges) + 1`. A value exactly on an edge falls into the bin on
    `at_edge` side of it: "upper" for EBM (bins are [cut, next)), "lower" for trees
    (`x <= threshold` goes left).
    """

    feature: str
    edges: tuple[float, ...]
    values: tuple[float, ...]
    at_edge: EdgeSide = "upper"
    missing: float | None = None
    span: Span | None = _span


@dataclass(frozen=True)
class Table:
    """A lookup table for a categorical input.

    Categories are strings. `default` is used for a category not in the table (unseen),
    `missing` for a missing input (None makes the score missing).
    """

    feature: str
    entries: tuple[tuple[str, float], ...]
    default: float = 0.0
    missing: float | None = None
    span: Span | None = _span

    def lookup(self) -> dict[str, float]:
        return dict(self.entries)


@dataclass(frozen=True)
class StepAxis:
    """One axis of a step grid: bins split at `edges` (as in `Step`)."""

    feature: str
    edges: tuple[float, ...]
    at_edge: EdgeSide = "upper"

    @property
    def size(self) -> int:
        return len(self.edges) + 1


@dataclass(frozen=True)
class KnotAxis:
    """One axis of a bilinear grid: values are interpolated between `knots`, flat outside."""

    feature: str
    knots: tuple[float, ...]

    @property
    def size(self) -> int:
        return len(self.knots)


@dataclass(frozen=True)
class CategoryAxis:
    """One axis of a grid over a categorical input; the last cell is for unseen categories."""

    feature: str
    categories: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.categories) + 1


Axis = StepAxis | KnotAxis | CategoryAxis


@dataclass(frozen=True)
class Grid:
    """A pairwise interaction term over two inputs.

    `values[i][j]` is the value in cell i of axis `a` and cell j of axis `b`: a step grid
    when both axes are `StepAxis`/`CategoryAxis` (exact lowering of an EBM pair), bilinear
    where an axis is a `KnotAxis` (after distillation). `missing` is the contribution
    when either input is missing (None makes the score missing).

    An EBM pair's value when one input is missing depends on the other: `missing_a` is
    the row used when `a` is missing and `b` is not (one value per cell or knot of `b`,
    read like a row of `values`), `missing_b` the column used when only `b` is missing
    (one value per cell or knot of `a`). Left None, `missing` applies in those cases too.
    """

    a: Axis
    b: Axis
    values: tuple[tuple[float, ...], ...]
    missing: float | None = None
    missing_a: tuple[float, ...] | None = None
    missing_b: tuple[float, ...] | None = None
    span: Span | None = _span

    @property
    def features(self) -> tuple[str, str]:
        return (self.a.feature, self.b.feature)


@dataclass(frozen=True)
class Linear:
    """`slope * x` for a numeric input, inside and beyond any range (not flat outside the
    data, as a linear model's term is not): rule 10 of `pwlc.semantics`.

    `missing` is the contribution when the input is missing; None makes a missing input
    give a missing score. A model's intercept stays a `Constant`.
    """

    feature: str
    slope: float
    missing: float | None = None
    span: Span | None = _span


Term = Constant | Curve | Step | Table | Grid | Linear


@dataclass(frozen=True)
class Model:
    """`link(sum(terms))` over declared `inputs`.

    `name` is the name of the emitted scoring function; `doc` is a free-text description
    (where the model came from), printed as the header of emitted code.
    """

    inputs: tuple[Input, ...]
    terms: tuple[Term, ...]
    link: LinkKind = "identity"
    name: str = "score"
    doc: str = ""
    span: Span | None = _span

    def input(self, name: str) -> Input:
        for declared in self.inputs:
            if declared.name == name:
                return declared
        raise KeyError(name)

    @property
    def intercept(self) -> float:
        """The sum of the constant terms."""
        return exact_sum(t.value for t in self.terms if isinstance(t, Constant))

    def _repr_html_(self) -> str:  # Jupyter: a table of terms and their plots (`pwlc.notebook`)
        from pwlc.notebook import model_html

        return model_html(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # IPython in a terminal: the table
        from pwlc.notebook import model_text

        printer.text(model_text(self))


@dataclass(frozen=True)
class Multiclass:
    """`softmax(sum(scores[0]), ..., sum(scores[K-1]))` over declared `inputs`.

    One sum of terms per class (rules M1-M4 of `pwlc.semantics`); `classes[k]` names the
    class scored by `scores[k]`. A class's terms may read any input. `class_model(k)` is
    class k's score as a `Model` (identity link), so everything that works on one sum of
    terms (passes, distill, diff, edge grids) maps over the classes; `from_models` puts
    per-class models back together.
    """

    inputs: tuple[Input, ...]
    classes: tuple[str, ...]
    scores: tuple[tuple[Term, ...], ...]
    name: str = "score"
    doc: str = ""
    span: Span | None = _span
    # Where each class's header was read from (a `class "NAME"` line), when it was.
    class_spans: tuple[Span | None, ...] = field(default=(), compare=False, hash=False, repr=False)

    def input(self, name: str) -> Input:
        for declared in self.inputs:
            if declared.name == name:
                return declared
        raise KeyError(name)

    def class_model(self, k: int) -> Model:
        """Class k's score as a model of its own: its terms, identity link, same inputs."""
        return Model(self.inputs, self.scores[k], "identity", self.name, self.doc, span=self.class_span(k))

    def class_models(self) -> list[Model]:
        return [self.class_model(k) for k in range(len(self.classes))]

    def _repr_html_(self) -> str:  # Jupyter: a table of terms and their plots (`pwlc.notebook`)
        from pwlc.notebook import model_html

        return model_html(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # IPython in a terminal: the table
        from pwlc.notebook import model_text

        printer.text(model_text(self))

    def class_span(self, k: int) -> Span | None:
        return self.class_spans[k] if k < len(self.class_spans) and self.class_spans[k] is not None else self.span

    @classmethod
    def from_models(cls, classes: Iterable[str], models: Iterable[Model], name: str | None = None, doc: str | None = None) -> Multiclass:
        """One class per model, in order: their terms become the classes' scores.

        The inputs are the first model's, then any other model's not yet declared, in
        order (an input must have the same kind in every model). Each model must have an
        identity link (a class's score is its raw sum); name and doc default to the first
        model's."""
        models = list(models)
        classes = tuple(classes)
        if len(classes) != len(models):
            raise VerifyError(f"{len(classes)} class names for {len(models)} class models")
        if not models:
            raise VerifyError("a multiclass model needs at least 3 classes, got none")
        inputs: dict[str, Input] = {}
        for label, model in zip(classes, models):
            if model.link != "identity":
                raise VerifyError(f"class {label!r}: a class's score has no link of its own (got {model.link!r}); the softmax is the link")
            for declared in model.inputs:
                known = inputs.setdefault(declared.name, declared)
                if known.kind != declared.kind:
                    raise VerifyError(f"class {label!r}: input {declared.name!r} is {declared.kind} but {known.kind} in another class; give it one kind")
        first = models[0]
        return cls(
            tuple(inputs.values()),
            classes,
            tuple(model.terms for model in models),
            first.name if name is None else name,
            first.doc if doc is None else doc,
        )


AnyModel = Model | Multiclass


def all_terms(model: AnyModel) -> tuple[Term, ...]:
    """Every term of a model; of a multiclass model, every class's, class after class."""
    if isinstance(model, Multiclass):
        return tuple(term for terms in model.scores for term in terms)
    return model.terms


def exact_sum(values: Iterable[float]) -> float:
    """`math.fsum`, but ±inf (not OverflowError) when the exact sum is beyond the doubles."""
    values = list(values)
    try:
        return math.fsum(values)
    except OverflowError:
        return sum(values)


def term_features(term: Term) -> tuple[str, ...]:
    """The inputs a term reads, in order."""
    if isinstance(term, Constant):
        return ()
    if isinstance(term, Grid):
        return term.features
    return (term.feature,)


# --- verification -------------------------------------------------------------------


@overload
def verify(model: Model) -> Model: ...


@overload
def verify(model: Multiclass) -> Multiclass: ...


def verify(model: AnyModel) -> AnyModel:
    """Check that `model` is well formed; return it unchanged or raise `VerifyError`.

    Besides shapes, kinds and order: every value within ±MAX_VALUE (rule 8 of
    `pwlc.semantics`), a curve's knots strictly increasing once transformed (rule 2), and
    every name, category and the description Unicode text (no lone surrogate: no file can
    hold one). The error points at the offending node's source position when it was read
    from text. A `Multiclass` is checked by `verify_multiclass`.
    """
    if isinstance(model, Multiclass):
        return verify_multiclass(model)
    _check(model.link in LINKS, f"unknown link {model.link!r}", model.span)
    _check(model.name.isidentifier(), f"function name {model.name!r} is not an identifier", model.span)
    _unicode(model.doc, "the description", model.span)
    kinds: dict[str, str] = {}
    for declared in model.inputs:
        _unicode(declared.name, "input name", declared.span or model.span)
        _check(declared.kind in INPUT_KINDS, f"input {declared.name!r}: unknown kind {declared.kind!r}", declared.span or model.span)
        _check(declared.name not in kinds, f"input {declared.name!r} is declared twice", declared.span or model.span)
        kinds[declared.name] = declared.kind
    for term in model.terms:
        span = term.span or model.span
        for name, wanted in zip(term_features(term), _wanted_kinds(term)):
            _check(name in kinds, f"term reads undeclared input {name!r}", span)
            if wanted is not None:
                _check(kinds[name] == wanted, f"input {name!r} is {kinds[name]} but this term needs a {wanted} input", span)
        _verify_term(term, span)
    return model


def verify_multiclass(model: Multiclass) -> Multiclass:
    """Check a multiclass model: at least 3 classes (2 is a logistic `Model`), class names
    distinct strings, one sum of terms per class, and each class's terms as `verify`
    checks a model's (its errors name the class)."""
    _check(
        len(model.classes) >= 3,
        f"a multiclass model needs at least 3 classes, got {len(model.classes)}; two classes are one logistic"
        " model (link = logistic) of the second class's score minus the first's",
        model.span,
    )
    _check(len(model.scores) == len(model.classes), f"{len(model.classes)} classes but {len(model.scores)} class scores", model.span)
    verify(Model(model.inputs, (), "identity", model.name, model.doc, span=model.span))  # its inputs, name and doc
    seen: set[str] = set()
    for k, label in enumerate(model.classes):
        span = model.class_span(k)
        _check(isinstance(label, str), f"class name {label!r} is not a string", span)
        _unicode(label, "class name", span)
        _check(label not in seen, f"class {label!r} appears twice; class names must be distinct", span)
        seen.add(label)
    for k, label in enumerate(model.classes):
        try:
            verify(model.class_model(k))
        except VerifyError as exc:
            raise VerifyError(f"class {label!r}: {exc.message}", exc.span) from None
    return model


def _wanted_kinds(term: Term) -> tuple[str | None, ...]:
    if isinstance(term, Table):
        return ("categorical",)
    if isinstance(term, Grid):
        return tuple("categorical" if isinstance(axis, CategoryAxis) else "numeric" for axis in (term.a, term.b))
    return ("numeric",)


def verify_term(term: Term, span: Span | None = None) -> None:
    """Check one term on its own (not which inputs it reads); raise `VerifyError`."""
    _verify_term(term, span or term.span)


def is_valid_term(term: Term) -> bool:
    """Whether `term` on its own passes `verify` (for passes choosing between candidates)."""
    try:
        _verify_term(term, None)
    except VerifyError:
        return False
    return True


def _verify_term(term: Term, span: Span | None) -> None:
    if isinstance(term, Constant):
        _value([term.value], "constant", span)
    elif isinstance(term, Curve):
        where = f"curve on {term.feature!r}"
        _check(len(term.xs) >= 1, f"{where}: needs at least one knot", span)
        _check(len(term.xs) == len(term.ys), f"{where}: {len(term.xs)} knot positions but {len(term.ys)} values", span)
        # identity interpolates in raw units (rule 9); a transform's knots are only compared raw
        (_position if term.fx == "identity" else _finite)(term.xs, f"{where}: knot position", span)
        _value(term.ys, f"{where}: knot value", span)
        _increasing(term.xs, f"{where}: knot positions", span)
        _check(term.fx in TRANSFORMS, f"{where}: unknown transform {term.fx!r}", span)
        if term.fx == "log":
            _check(term.xs[0] > 0, f"{where}: fx=log needs every knot > 0 (first is {term.xs[0]!r})", span)
        if term.fx == "log1p":
            _check(term.xs[0] > -1, f"{where}: fx=log1p needs every knot > -1 (first is {term.xs[0]!r})", span)
        _transforms_apart(term, where, span)
        _value_or_none(term.missing, where, span)
    elif isinstance(term, Step):
        where = f"step on {term.feature!r}"
        _check(len(term.values) == len(term.edges) + 1, f"{where}: {len(term.edges)} edges need {len(term.edges) + 1} values, got {len(term.values)}", span)
        _finite(term.edges, f"{where}: edge", span)
        _value(term.values, f"{where}: value", span)
        _increasing(term.edges, f"{where}: edges", span)
        _check(term.at_edge in EDGE_SIDES, f"{where}: at_edge must be 'upper' or 'lower'", span)
        _value_or_none(term.missing, where, span)
    elif isinstance(term, Table):
        where = f"table on {term.feature!r}"
        keys = [key for key, _ in term.entries]
        _check(all(isinstance(k, str) for k in keys), f"{where}: categories must be strings", span)
        for key in keys:
            _unicode(key, f"{where}: category", span)
        _check(len(set(keys)) == len(keys), f"{where}: a category appears twice", span)
        _value([v for _, v in term.entries], f"{where}: value", span)
        _value([term.default], f"{where}: default", span)
        _value_or_none(term.missing, where, span)
    elif isinstance(term, Grid):
        where = f"grid on {term.a.feature!r} x {term.b.feature!r}"
        _check(term.a.feature != term.b.feature, f"{where}: both axes read the same input", span)
        for axis in (term.a, term.b):
            _verify_axis(axis, where, span)
        _check(len(term.values) == term.a.size, f"{where}: {len(term.values)} rows, axis {term.a.feature!r} has {term.a.size} cells", span)
        for row in term.values:
            _check(len(row) == term.b.size, f"{where}: a row has {len(row)} values, axis {term.b.feature!r} has {term.b.size} cells", span)
            _value(row, f"{where}: value", span)
        _value_or_none(term.missing, where, span)
        for line, missing, along in (("missing_a", term.missing_a, term.b), ("missing_b", term.missing_b, term.a)):
            if missing is not None:
                _check(len(missing) == along.size, f"{where}: {line} has {len(missing)} values, axis {along.feature!r} has {along.size} cells", span)
                _value(missing, f"{where}: {line} value", span)
    elif isinstance(term, Linear):
        _verify_linear(term, span)
    else:
        raise VerifyError(f"unknown term {type(term).__name__}", span)


def _verify_linear(term: Linear, span: Span | None) -> None:
    """Rule 10: a finite, nonzero slope within ±MAX_VALUE (a zero slope is a constant)."""
    where = f"linear term on {term.feature!r}"
    _value([term.slope], f"{where}: slope", span)
    _check(term.slope != 0, f"{where}: slope is 0, so the term is a constant; drop it (or write `constant`)", span)
    _value_or_none(term.missing, where, span)


def _verify_axis(axis: Axis, where: str, span: Span | None) -> None:
    if isinstance(axis, StepAxis):
        _finite(axis.edges, f"{where}: edge", span)
        _increasing(axis.edges, f"{where}: edges", span)
        _check(axis.at_edge in EDGE_SIDES, f"{where}: at_edge must be 'upper' or 'lower'", span)
    elif isinstance(axis, KnotAxis):
        _check(len(axis.knots) >= 1, f"{where}: an axis needs at least one knot", span)
        _position(axis.knots, f"{where}: knot", span)
        _increasing(axis.knots, f"{where}: knots", span)
    elif isinstance(axis, CategoryAxis):
        _check(len(set(axis.categories)) == len(axis.categories), f"{where}: a category appears twice", span)
        for category in axis.categories:
            _unicode(category, f"{where}: category", span)
    else:
        raise VerifyError(f"{where}: unknown axis {type(axis).__name__}", span)


def _check(ok: bool, message: str, span: Span | None) -> None:
    if not ok:
        raise VerifyError(message, span)


def _unicode(text: str, what: str, span: Span | None) -> None:
    """Text is Unicode: no lone surrogate (which no UTF-8 file can hold)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise VerifyError(
            f"{what} {text!r} holds a lone surrogate ({text[exc.start]!r}): that is not Unicode text and no file can"
            " hold it; remove it (a model's text is saved as UTF-8)",
            span,
        ) from None
    except AttributeError:
        raise VerifyError(f"{what} {text!r} is not a string", span) from None


def _finite(values: Iterable[float], what: str, span: Span | None) -> None:
    for v in values:
        _check(isinstance(v, (int, float)) and math.isfinite(v), f"{what} {v!r} is not a finite number", span)


def _value(values: Iterable[float], what: str, span: Span | None) -> None:
    """Finite, and at most MAX_VALUE in magnitude (rule 8)."""
    _within_max(values, what, span, "pwlc keeps every value within ±2**1022 (about ±4.49e307) so that the"
                " difference of two values is a finite number; scale the model's values down")


def _position(values: Iterable[float], what: str, span: Span | None) -> None:
    """A knot interpolated from: finite and within ±MAX_VALUE, so `x - x0` and `x1 - x0`
    stay finite (rule 9). Step edges are only compared, and may be any finite double."""
    _within_max(values, what, span, "a knot is interpolated from, so pwlc keeps it within ±2**1022 (about"
                " ±4.49e307) where the distance between two knots is a finite number; move the knot inside that"
                " range (the curve is flat beyond its end knots anyway)")


def _within_max(values: Iterable[float], what: str, span: Span | None, why: str) -> None:
    for v in values:
        if isinstance(v, (int, float)) and -MAX_VALUE <= v <= MAX_VALUE:  # (NaN compares false)
            continue
        _finite([v], what, span)
        _check(False, f"{what} {v!r} is too large: {why}", span)


def _value_or_none(value: float | None, where: str, span: Span | None) -> None:
    if value is not None:
        _value([value], f"{where}: missing value", span)


def _transforms_apart(curve: Curve, where: str, span: Span | None) -> None:
    """Rule 2 of `pwlc.semantics`: fx(knot) strictly increasing, as numpy computes it, so
    that no segment divides by zero."""
    if curve.fx == "identity" or curve.fx not in TRANSFORMS:
        return
    from pwlc.semantics import transform_knots

    t = transform_knots(curve.fx, curve.xs)
    for i in range(len(t) - 1):
        if not t[i] < t[i + 1]:
            left, right = curve.xs[i], curve.xs[i + 1]
            raise VerifyError(
                f"{where}: knots {left!r} and {right!r} have the same {curve.fx} ({float(t[i])!r}), so the segment"
                f" between them has no width; drop one of them or move them further apart",
                span,
            )


def _increasing(values: tuple[float, ...], what: str, span: Span | None) -> None:
    found = out_of_order(values)
    if found is not None:
        raise VerifyError(f"{what} must be strictly increasing ({values[found[0]]!r} then {values[found[0] + 1]!r})", span)


def out_of_order(values: Sequence[float]) -> tuple[int, int] | None:
    """Where strictly increasing `values` first fail: (i, k) for the pair values[i],
    values[i + 1] in the wrong order and k, the one of them out of line with its other
    neighbour too (an edit most likely moved or inserted that one); None when they increase."""
    for i in range(len(values) - 1):
        if not values[i] < values[i + 1]:
            left_is_off = i + 2 < len(values) and not values[i] < values[i + 2] and (i == 0 or values[i - 1] < values[i + 1])
            return i, i if left_is_off else i + 1
    return None

