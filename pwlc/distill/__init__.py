"""Distillation: a trained model (or an IR model) -> an IR model of few-knot curves.

    student = pwlc.distill(ebm, X)               # segments spent where they buy fidelity
    student = pwlc.distill(ebm, X, segments=3)   # or a fixed count per curve

Each term of the teacher (see `pwlc.frontends.teacher`) becomes:

- numeric shape -> a piecewise-linear `Curve` from `pwlc.fit`, fitted to the teacher's
  contribution at every distinct value of the feature in `X`, weighted by how often the
  value occurs (so the curve is good where the data is). Smooth shapes (splines, linear
  terms) are also sampled finely over the data range, with a small share of the weight, so
  the curve follows them between data values. The teacher's value for a missing input is
  carried over. Without `segments` or `tol`, each curve's count comes from a budget of 5
  segments per curve spent where it lowers the distance to the teacher most
  (`pwlc.distill.budget`);
- categorical table -> kept as it is (already exact and small);
- linear term (`slope * x`, a linear model's column) -> kept as it is (exact, and as
  readable as a term gets);
- pair -> a small bilinear `Grid` (`pwlc.distill.pairs`: knots at data quantiles on numeric
  axes, categories kept; cells fitted to the teacher's pair on `X`, kept within the
  teacher's own range for the pair);
- the intercept and link are carried over (an intercept beyond the range one value may
  hold, the teacher's constants summed, as several constants).

A model pwlc has no frontend for (a classifier or regressor object, or a function of a
frame) is distilled through its predictions (`pwlc.distill.black_box`: partial
dependence, a classifier's log-odds with a logistic link), then the joint `refit` pass on
its scores.

Lossy: `distill_report` returns the error each term introduced (RMS and max on `X`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from pwlc.distill.black_box import class_scorers, has_predictions, is_black_box, partial_dependence, scorer
from pwlc.distill.budget import (
    AVERAGE_SEGMENTS,
    MAX_SEGMENTS,
    MIN_GAIN,
    NEGLIGIBLE,
    allocate,
    allocate_knots,
    fewest_knots,
)
from pwlc.distill.pairs import distill_pair
from pwlc.errors import DataError, UnsupportedError
from pwlc.frontends import teacher as as_teacher
from pwlc.frontends.additive import Additive, MulticlassAdditive, Shape
from pwlc.ir import MAX_VALUE, Constant, Curve, Linear, LinkKind, Model, Multiclass, Step, Table, Term, verify
from pwlc.semantics import Column, FloatArray

Progress = Callable[[int, int, str], None]

# Smooth shapes are also sampled at this many points across the data range, together
# carrying this share of the data's weight.
FINE_SAMPLES = 256
FINE_WEIGHT = 0.05
REFIT_FOLDS = 5  # cross-validation folds of `refit=True`


@dataclass(frozen=True)
class TermError:
    """What distilling one term cost, measured on the rows of `X` where it is defined."""

    description: str
    rms: float
    max: float


@dataclass(frozen=True)
class Distillation:
    """The distilled model and what each term's fit cost (before any joint refit)."""

    model: Model | Multiclass
    errors: tuple[TermError, ...]


def distill(
    model_or_ir: Any,
    X: Any,
    *,
    segments: int | None = None,
    tol: float | None = None,
    knots: int | None = None,
    score_tol: float | None = None,
    mono: str = "auto",
    fx: str = "auto",
    pair_knots: int = 4,
    refit: bool = False,
    link: LinkKind | None = None,
    black_box: bool = False,
    feature_names: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> Model | Multiclass:
    """Distill a trained model, an IR `Model` or a black box into a compact IR (a
    `Multiclass` for a multiclass teacher: each class's score distilled on its own).

    `X`: the data the curves are fitted on (DataFrame or mapping of columns). `segments`:
    linear pieces per curve; `tol`: instead, the fewest pieces within this RMS error per
    curve; neither: 5 per curve on average, spent where they lower the distance to the
    teacher most (1 to 10 per curve). `mono`, `fx`: passed to the fitter. `pair_knots`:
    knots per numeric axis of a pair grid. `refit`: re-solve all values jointly against
    the teacher's scores at the end, with the ridge (or no refit) that 5-fold
    cross-validation on `X` finds closest to the teacher on the rows left out.
    `knots`: instead of `segments`, the total knots of all curves, spent where they bring
    the score closest to the teacher (a curve that buys too little is dropped, its mean
    joining the intercept, or becomes one step: its edge counts as a knot); `score_tol`:
    the fewest knots in all within this RMS distance of the teacher's score on `X` (both
    per class for a multiclass teacher).

    A model no frontend reads is distilled through its predictions (partial dependence),
    as is any model with `black_box=True`: a binary classifier's log-odds with a logistic
    link; a regressor's or a function's output with the identity link, or the `link` given
    ("logistic" when a function returns probabilities, "exp" to fit the log of a positive
    prediction). `feature_names`: names for a model trained on a bare array (default: the
    columns of `X`). `progress(done, total, what)` is called after each term.
    """
    return _distill(
        model_or_ir, X, feature_names, progress, measure=False, segments=segments, tol=tol, knots=knots, score_tol=score_tol, mono=mono, fx=fx, pair_knots=pair_knots, refit=refit, link=link, black_box=black_box
    ).model


def distill_report(
    model_or_ir: Any,
    X: Any,
    *,
    segments: int | None = None,
    tol: float | None = None,
    knots: int | None = None,
    score_tol: float | None = None,
    mono: str = "auto",
    fx: str = "auto",
    pair_knots: int = 4,
    refit: bool = False,
    link: LinkKind | None = None,
    black_box: bool = False,
    feature_names: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> Distillation:
    """`distill`, with the error each term introduced on `X`."""
    return _distill(
        model_or_ir, X, feature_names, progress, measure=True, segments=segments, tol=tol, knots=knots, score_tol=score_tol, mono=mono, fx=fx, pair_knots=pair_knots, refit=refit, link=link, black_box=black_box
    )


def _distill(
    model_or_ir: Any,
    X: Any,
    feature_names: Sequence[str] | None,
    progress: Progress | None,
    *,
    measure: bool,
    segments: int | None,
    tol: float | None,
    knots: int | None,
    score_tol: float | None,
    mono: str,
    fx: str,
    pair_knots: int,
    refit: bool,
    link: LinkKind | None,
    black_box: bool,
) -> Distillation:
    """The work of `distill_report`; the per-term errors (a pass over every row per term)
    only when `measure`."""
    _check_options(segments, tol, knots, score_tol, pair_knots)
    frame = _frame(X, feature_names)
    size = _Size(segments, tol, knots, score_tol)
    options: dict[str, Any] = {"measure": measure, "size": size, "mono": mono, "fx": fx, "pair_knots": pair_knots}
    if black_box or is_black_box(model_or_ir):
        if not has_predictions(model_or_ir):
            raise UnsupportedError(f"black_box=True needs a model with predict or predict_proba, or a function; {type(model_or_ir).__name__} has neither")
        if len(frame) == 0:
            raise DataError("X has no rows: a black box is distilled through its predictions on X; give the rows it was trained on (or a sample)")
        sample = frame.iloc[: min(len(frame), 50)]
        classes = class_scorers(model_or_ir, link, sample)
        if classes is not None:  # a classifier of 3+ classes: each class's centred log-probability
            labels, scorers, source = classes
            fitted = [_fit(*partial_dependence(score, frame, "identity", f"{source}, class {label!r}", progress), frame, progress, refit=True, **options) for label, score in zip(labels, scorers)]
            return _joined(labels, fitted, source, options)
        score, chosen_link, description = scorer(model_or_ir, link, sample)
        teacher, target = partial_dependence(score, frame, chosen_link, description, progress)
        return _fit(teacher, target, frame, progress, refit=True, **options)
    found = _frontend_teacher(model_or_ir, feature_names or [str(c) for c in frame.columns])
    if isinstance(found, MulticlassAdditive):
        if link is not None:
            raise UnsupportedError(f"link={link!r} applies to black boxes; {found.doc} is a softmax over its classes' scores: leave link out")
        fitted = [_fit(teacher, None, frame, progress, refit=refit, **options) for teacher in found.teachers]
        return _joined(found.classes, fitted, found.doc, options, found.name)
    if link is not None and link != found.link:
        raise UnsupportedError(
            f"link={link!r} applies to black boxes; {found.doc} has its own link ({found.link}): "
            "leave link out (or pass black_box=True to distill its predictions instead)"
        )
    return _fit(found, None, frame, progress, refit=refit, **options)


def _fit(
    teacher: Additive,
    target: FloatArray | None,
    frame: Any,
    progress: Progress | None,
    *,
    refit: bool,
    measure: bool,
    size: _Size,
    mono: str,
    fx: str,
    pair_knots: int,
) -> Distillation:
    """The curves, tables and grids of one teacher's shapes; `refit`: then every value
    jointly, to `target` (a black box's own scores) or the teacher's."""
    columns, rows = teacher.columns(frame)
    kinds = {declared.name: declared.kind for declared in teacher.inputs}
    fit_options = {"tol": size.tol, "mono": mono, "fx": fx}
    terms: list[Term | _Choices] = []  # _Choices: a curve's fits at every count, chosen below
    for done, shape in enumerate(teacher.shapes, start=1):
        terms.append(_distill_shape(shape, kinds, columns, rows, fit_options, size, pair_knots))
        if progress is not None:
            progress(done, len(teacher.shapes), shape.description)
    chosen = _spend_knots(terms, size, rows) if size.total else _spend_segments(terms)
    errors = tuple(_term_error(shape, term, columns, rows) for shape, term in zip(teacher.shapes, chosen)) if measure else ()
    dropped = [term for term in chosen if isinstance(term, Constant)]  # curves a knot budget left out
    intercept = _intercept(teacher.intercept + sum(term.value for term in dropped))
    kept = [term for term in chosen if not isinstance(term, Constant)]
    doc = f"Distilled by pwlc ({size.text()}) from {teacher.doc}."
    student = verify(Model(teacher.inputs, (*intercept, *kept), teacher.link, teacher.name, doc))
    if refit:
        student = _refit(student, frame, teacher.score(frame) if target is None else target)
    return Distillation(student, errors)


def _joined(classes: Sequence[str], fitted: list[Distillation], source: str, options: dict[str, Any], name: str = "score") -> Distillation:
    """The classes' distillations as one multiclass model; the errors name the class."""
    models = [done.model for done in fitted if isinstance(done.model, Model)]  # (each is one score)
    errors = tuple(replace(error, description=f"class {label!r}: {error.description}") for label, done in zip(classes, fitted) for error in done.errors)
    doc = f"Distilled by pwlc ({options['size'].text()}) from {source}."
    return Distillation(verify(Multiclass.from_models(tuple(classes), models, name, doc)), errors)


def _check_options(segments: int | None, tol: float | None, knots: int | None, score_tol: float | None, pair_knots: int) -> None:
    if segments is not None and (int(segments) != segments or segments < 1):
        raise UnsupportedError(f"segments must be a whole number of at least 1, not {segments}; leave it out to let pwlc choose per curve")
    if tol is not None and not tol > 0:
        raise UnsupportedError(f"tol must be positive, not {tol}; it is the largest RMS error a curve may add, in score units")
    if knots is not None and (int(knots) != knots or knots < 0):
        raise UnsupportedError(f"knots must be a whole number of at least 0, not {knots}; it is the total number of knots of all curves")
    if score_tol is not None and not score_tol > 0:
        raise UnsupportedError(f"score_tol must be positive, not {score_tol}; it is the RMS distance to the teacher's score allowed, in score units")
    given = [name for name, value in (("segments", segments), ("tol", tol), ("knots", knots), ("score_tol", score_tol)) if value is not None]
    if len(given) > 1:
        raise UnsupportedError(f"give one of segments, tol, knots and score_tol, not {' and '.join(given)}: each chooses the curves' segment counts")
    if pair_knots < 2:
        raise UnsupportedError(f"pair_knots must be at least 2, not {pair_knots} (a grid axis needs two knots to interpolate between)")


def _frontend_teacher(model: Any, names: Sequence[str]) -> Additive | MulticlassAdditive:
    """The frontend's view of `model`; a refusal of a model that predicts says how to
    distill it through its predictions instead."""
    try:
        return as_teacher(_named(model, names))
    except UnsupportedError as exc:
        if has_predictions(model) and "black_box=True" not in str(exc):
            raise UnsupportedError(
                f"{exc}; or distill its predictions instead (partial dependence, approximate): pwlc.distill(model, X, black_box=True)"
            ) from None
        raise


def _intercept(value: float) -> list[Term]:
    """The teacher's intercept as constant terms: none for 0; beyond the range one value may
    hold (the teacher's constants summed), parts of ±MAX_VALUE and the rest, which add up to
    it exactly (MAX_VALUE is a multiple of the ulp of any larger double: each step is exact)."""
    if not math.isfinite(value):
        raise UnsupportedError(
            f"the teacher's constants sum to {value}, beyond the doubles; pwlc keeps every value within ±2**1022: "
            "scale the model's values down"
        )
    parts: list[Term] = []
    while abs(value) > MAX_VALUE:
        part = math.copysign(MAX_VALUE, value)
        parts.append(Constant(part))
        value -= part
    return parts + ([Constant(value)] if value != 0.0 else [])


@dataclass(frozen=True)
class _Size:
    """How the curves' segment counts are chosen: at most one of these is given."""

    segments: int | None
    tol: float | None  # RMS per curve
    knots: int | None  # in all
    score_tol: float | None  # RMS of the whole score

    @property
    def total(self) -> bool:
        """Whether the counts come from a budget over all curves together (knots may be dropped)."""
        return self.knots is not None or self.score_tol is not None

    def text(self) -> str:
        if self.segments is not None:
            return f"{self.segments} segments per curve"
        if self.tol is not None:
            return f"RMS tolerance {self.tol} per curve"
        if self.knots is not None:
            return f"{self.knots} knots in all, spent where they buy fidelity"
        if self.score_tol is not None:
            return f"the fewest knots within RMS {self.score_tol} of the teacher's score"
        return f"{AVERAGE_SEGMENTS} segments per curve on average, spent where they buy fidelity"


def _frame(X: Any, names: Sequence[str] | None) -> Any:
    import pandas as pd

    if isinstance(X, pd.DataFrame):
        return X
    if isinstance(X, np.ndarray):
        if X.ndim != 2 or names is None or len(names) != X.shape[1]:
            raise DataError(f"X is a {X.ndim}-d array: pass a DataFrame with named columns, or feature_names= with one name per column")
        return pd.DataFrame(X, columns=list(names))
    try:
        return pd.DataFrame(dict(X))
    except (TypeError, ValueError) as exc:
        raise DataError(f"X must be a DataFrame or a mapping of column name to values ({exc})") from None


def _named(model: Any, names: Sequence[str]) -> Any:
    """Models trained on bare arrays (pygam) take their feature names from the data."""
    if type(model).__module__.split(".")[0] == "pygam":
        from pwlc.frontends import pygam

        return pygam.Named(model, tuple(names))
    return model


# --- one term ---------------------------------------------------------------------------


def _distill_shape(
    shape: Shape,
    kinds: Mapping[str, str],
    columns: dict[str, Column],
    rows: int,
    fit_options: dict[str, Any],
    size: _Size,
    pair_knots: int,
) -> Term | _Choices:
    """The term for `shape`; for a curve whose count is chosen later, its fits at every count."""
    if len(shape.features) == 2:
        return distill_pair(shape, kinds, columns, rows, pair_knots)
    if len(shape.features) != 1:
        raise UnsupportedError(
            f"{shape.description} is an interaction of {len(shape.features)} inputs; pwlc distills main effects and pairs: "
            "retrain without higher-order interactions, or distill the model's predictions with black_box=True"
        )
    (name,) = shape.features
    if isinstance(shape.term, Linear):  # `slope * x` is as readable as a term gets: kept as is
        return shape.term
    if kinds[name] == "categorical":
        if not isinstance(shape.term, Table):
            raise UnsupportedError(
                f"{shape.description}: a categorical shape needs an exact table; give the categorical input's shape as a Table "
                "(Additive.from_functions(..., categories=...) builds one)"
            )
        return shape.term
    return _distill_curve(shape, name, np.asarray(columns[name], dtype=np.float64), fit_options, size)


@dataclass(frozen=True)
class _Choices:
    """A curve whose segment count is chosen with the others': its fitting data, and the
    error (weighted SSE on the data, in score units) of a quick fit at every count 1..n."""

    shape: Shape
    name: str
    points: tuple[FloatArray, FloatArray, FloatArray]  # x, target, weight
    errors: tuple[float, ...]
    options: Mapping[str, Any]
    mean: float  # the constant closest to the teacher's shape (on the rows, missing ones too)
    dropped: float  # the error of that constant
    one_knot: tuple[Term, float] | None  # the one-knot option's term and error (`_one_knot`)

    fitted: dict[int, tuple[Curve, float]] = field(default_factory=dict, compare=False, repr=False)

    def knot_options(self) -> list[int]:
        """The knots of each option: dropped (0), the one-knot option (1: a step, see
        `_one_knot`), then s + 1 for s segments."""
        return [0, *([1] if self.one_knot is not None else []), *range(2, len(self.errors) + 2)]

    def option_errors(self) -> list[float]:
        return [self.dropped, *([self.one_knot[1]] if self.one_knot is not None else []), *self.errors]

    def option(self, knots: int) -> tuple[Term, float]:
        """The term of the option with that many knots (see `knot_options`) and its error."""
        if knots == 1 and self.one_knot is not None:
            return self.one_knot
        return self.fit(knots - 1) if knots else (Constant(self.mean), self.dropped)

    def fit(self, segments: int) -> tuple[Curve, float]:
        """The curve with that many segments (full knot search), and its error."""
        from pwlc.fit import fit

        if segments not in self.fitted:
            result = fit(*self.points, feature=self.name, segments=segments, **self.options)
            self.fitted[segments] = (replace(result.curve, missing=self.shape.missing), result.sse)
        return self.fitted[segments]


def _distill_curve(shape: Shape, name: str, x: FloatArray, fit_options: dict[str, Any], size: _Size) -> Term | _Choices:
    from pwlc.fit import fit, fit_path

    finite = x[np.isfinite(x)]
    if finite.size == 0:
        raise DataError(f"{shape.description}: the data has no finite value of {name!r} to fit a curve to; give rows where {name!r} is known")
    values, counts = np.unique(finite, return_counts=True)
    weights = counts.astype(np.float64)
    if shape.term is None and values.size > 1:  # smooth: follow it between data values too
        fine = np.linspace(values[0], values[-1], FINE_SAMPLES)
        values = np.concatenate([values, fine])
        weights = np.concatenate([weights, np.full(FINE_SAMPLES, FINE_WEIGHT * weights.sum() / FINE_SAMPLES)])
    target = shape.values({name: values}, values.size)
    if values.size == 1 or np.ptp(target) == 0.0:  # flat: a knot budget drops it (with its missing value)
        return Constant(float(target[0])) if size.total else Curve(name, (float(values.min()),), (float(target[0]),), missing=shape.missing)
    if size.segments is None and size.tol is None:
        options = {"mono": fit_options["mono"], "fx": fit_options["fx"]}
        path = fit_path(values, target, weights, feature=name, max_segments=MAX_SEGMENTS, **options)
        missing_rows = int(np.isnan(x).sum())
        mean, dropped = _dropped(target, weights, shape.missing, missing_rows)
        one_knot = _one_knot(shape, name, values, target, weights, missing_rows)
        return _Choices(shape, name, (values, target, weights), tuple(result.sse for result in path), options, mean, dropped, one_knot)
    curve = fit(values, target, weights, feature=name, segments=size.segments, **fit_options).curve
    return replace(curve, missing=shape.missing)


def _one_knot(shape: Shape, name: str, x: FloatArray, target: FloatArray, weights: FloatArray, missing_rows: int) -> tuple[Term, float] | None:
    """A knot budget's one-knot option for a curve, and its error: one step (its edge the
    knot, at the data value that splits the teacher's shape best in the least-squares
    sense; flat beyond the data, as a curve is), with the teacher's own value where the
    input is missing. Exact for a two-valued input (a 36 or 60 month term), where a curve
    takes two knots. Should the step's error be beyond the doubles: a curve flat where the
    input is known, when the teacher has a value for a missing one (what that value alone
    buys); else None."""
    order = np.argsort(x, kind="stable")
    x, target, weights = x[order], target[order], weights[order]
    centred = target - float(np.average(target, weights=weights))  # (sums of squares without cancellation)
    mass, first = np.cumsum(weights)[:-1], np.cumsum(weights * centred)[:-1]
    total, sum_total = float(weights.sum()), float(weights @ centred)
    with np.errstate(all="ignore"):
        explained = first**2 / mass + (sum_total - first) ** 2 / (total - mass)
    explained[~(x[1:] > x[:-1])] = -np.inf  # a step's edge lies between distinct values
    if x.size > 1 and np.isfinite(explained).any():
        split = int(np.argmax(explained)) + 1
        lower, upper = (float(np.average(target[part], weights=weights[part])) for part in (slice(None, split), slice(split, None)))
        error = float(weights @ (target - np.where(np.arange(x.size) < split, lower, upper)) ** 2)
        if math.isfinite(error):
            return Step(name, (float(x[split]),), (lower, upper), "upper", shape.missing), error
    if missing_rows and shape.missing is not None:
        flat, known_error = _dropped(target, weights, None, 0)
        return Curve(name, (float(x.min()),), (flat,), missing=shape.missing), known_error
    return None


def _dropped(target: FloatArray, weights: FloatArray, missing: float | None, missing_rows: int) -> tuple[float, float]:
    """The constant closest to a curve's target (weighted; the rows where its input is
    missing count with the teacher's missing value, which a dropped curve loses too) and its
    weighted squared error."""
    if missing is not None and missing_rows:
        target, weights = np.append(target, missing), np.append(weights, float(missing_rows))
    mean = float(np.average(target, weights=weights))
    return mean, float(np.sum(weights * (target - mean) ** 2))


def _spend_knots(terms: Sequence[Term | _Choices], size: _Size, rows: int) -> list[Term]:
    """Each curve at the count `budget.allocate_knots` (or `fewest_knots`) gives it over the
    quick fits, then fitted with the full knot search; a curve given no segment is dropped
    (returned as the `Constant` of its mean). With `knots`, the same knots spread evenly
    (every curve one more segment than the next at most) are fitted too, and kept when
    closer to the teacher: a quick fit can misjudge a curve's count."""
    choices = [term for term in terms if isinstance(term, _Choices)]
    paths = [choice.option_errors() for choice in choices]
    costs = [choice.knot_options() for choice in choices]
    if not all(math.isfinite(error) for path in paths for error in path):
        raise UnsupportedError(
            "the teacher's shapes are so large (near ±2**1022) that their squared errors are beyond the doubles: "
            "a knot budget cannot compare them; give segments= instead"
        )
    if size.knots is not None:
        options = allocate_knots(paths, size.knots, costs)
        fits = [choice.option(cost[option]) for choice, cost, option in zip(choices, costs, options)]
    else:
        assert size.score_tol is not None
        bound = size.score_tol**2 * rows
        options = fewest_knots(paths, bound, costs)
        fits = [choice.option(cost[option]) for choice, cost, option in zip(choices, costs, options)]
        # The full knot search is closer than the quick fits: fewer knots may still be within.
        while options and sum(error for _, error in fits) <= bound:
            fewer = allocate_knots(paths, sum(cost[option] for cost, option in zip(costs, options)) - 1, costs)
            trial = [choice.option(cost[option]) for choice, cost, option in zip(choices, costs, fewer)]
            if sum(error for _, error in trial) > bound:
                break
            options, fits = fewer, trial
    if size.knots is not None and choices and size.knots >= 2 * len(choices):
        even = _even_counts([len(choice.errors) for choice in choices], size.knots)
        if [cost[option] for cost, option in zip(costs, options)] != [count + 1 for count in even]:
            uniform: list[tuple[Term, float]] = [choice.fit(count) for choice, count in zip(choices, even)]
            if sum(error for _, error in uniform) < sum(error for _, error in fits):
                fits = uniform
    return _with_curves(terms, [term for term, _ in fits])


def _even_counts(limits: Sequence[int], knots: int) -> list[int]:
    """`knots` spread over the curves as evenly as they take them (at least two each):
    segments per curve, at most `limits`."""
    counts = [1] * len(limits)
    left = knots - 2 * len(limits)
    while left > 0:
        open_ = [j for j in range(len(limits)) if counts[j] < limits[j]]
        if not open_:
            break
        for j in sorted(open_, key=lambda j: counts[j])[:left]:
            counts[j] += 1
            left -= 1
    return counts


def _spend_segments(terms: Sequence[Term | _Choices]) -> list[Term]:
    """Each curve fitted at the count `budget.allocate` gives it from the quick fits (a
    budget of what AVERAGE_SEGMENTS for every curve would use), then with fewer segments
    while the full search stays exact (a quick fit can miss the exact knots of a teacher
    that is itself piecewise linear). Kept when it is as close to the teacher with fewer
    segments, or clearly closer (`budget.MIN_GAIN`); else AVERAGE_SEGMENTS for every curve,
    as when a sum of squares is beyond the doubles (a teacher near ±2**1022): its errors
    cannot be compared."""
    choices = [term for term in terms if isinstance(term, _Choices)]
    even = [min(AVERAGE_SEGMENTS, len(c.errors)) for c in choices]
    if not all(math.isfinite(error) for c in choices for error in c.errors):
        return _with_curves(terms, [c.fit(count)[0] for c, count in zip(choices, even)])
    counts = allocate([c.errors for c in choices], sum(even))
    negligible = NEGLIGIBLE * sum(c.errors[0] for c in choices) * len(choices)  # rounding, for curves fitted exactly
    fits = []
    for k, choice in enumerate(choices):
        fitted = choice.fit(counts[k])
        while counts[k] > 1 and fitted[1] <= negligible:
            fewer = choice.fit(counts[k] - 1)
            if fewer[1] > negligible:
                break
            fitted, counts[k] = fewer, counts[k] - 1
        fits.append(fitted)
    if counts != even:
        uniform = [c.fit(count) for c, count in zip(choices, even)]
        error, even_error = sum(sse for _, sse in fits), sum(sse for _, sse in uniform)
        smaller = sum(counts) < sum(even) and error <= even_error + negligible
        if not smaller and error > (1 - MIN_GAIN) * even_error + negligible:
            fits = uniform
    return _with_curves(terms, [curve for curve, _ in fits])


def _with_curves(terms: Sequence[Term | _Choices], curves: Sequence[Term]) -> list[Term]:
    """The terms with each `_Choices` replaced by its curve, in order."""
    chosen = iter(curves)
    return [next(chosen) if isinstance(term, _Choices) else term for term in terms]


def _term_error(shape: Shape, term: Term, columns: dict[str, Column], rows: int) -> TermError:
    from pwlc.semantics import term_values

    change = np.abs(term_values(term, columns, rows) - shape.values(columns, rows))
    change = change[np.isfinite(change)]
    if change.size == 0:
        return TermError(shape.description, 0.0, 0.0)
    return TermError(shape.description, float(np.sqrt(np.mean(change**2))), float(change.max()))


def _refit(student: Model, frame: Any, scores: FloatArray) -> Model:
    """The joint refit, its ridge (or no refit) chosen by 5-fold cross-validation on the
    rows: kept only where it brings rows it did not see closer to the teacher."""
    from pwlc.passes import optimize
    from pwlc.passes.refit import Refit

    refitted, _ = optimize(student, [Refit(cv=REFIT_FOLDS if len(frame) >= REFIT_FOLDS else 0)], data=frame, teacher=scores)
    return refitted


__all__ = ["Distillation", "TermError", "distill", "distill_report"]
