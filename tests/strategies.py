"""Hypothesis strategies for random, well-formed IR models (shared by the backend tests)."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from typing import Any

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
    Multiclass,
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
    terms = draw(sums_of_terms(inputs, max_terms, linear))
    link = draw(st.sampled_from(["identity", "logistic", "exp"]))
    return verify(Model(inputs, terms, link))  # type: ignore[arg-type]


@st.composite
def sums_of_terms(draw: st.DrawFn, inputs: tuple[Input, ...], max_terms: int = 6, linear: bool = False) -> tuple:
    """1 to `max_terms` random terms over `inputs` (and maybe a grid over the first two);
    `linear=True` also draws `Linear` terms."""
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
    return tuple(terms)


@st.composite
def multiclass_models(draw: st.DrawFn, max_terms: int = 4, max_classes: int = 5, linear: bool = False) -> Multiclass:
    """A random multiclass model: 3 to `max_classes` classes, each a random sum of terms
    over shared inputs (a class's terms drawn as `models` draws them, `linear` too)."""
    base = draw(models(max_terms, linear))
    count = draw(st.integers(3, max_classes))
    classes = draw(st.lists(st.one_of(names, categories), min_size=count, max_size=count, unique=True))
    scores = [base.terms] + [draw(sums_of_terms(base.inputs, max_terms, linear)) for _ in range(count - 1)]
    return verify(Multiclass(base.inputs, tuple(classes), tuple(scores), doc=base.doc))


# --- wide models: the differential fuzz (tests/model_fuzz) --------------------------------
#
# Everything a valid model may hold, not only everyday shapes: numbers from 1e-300 to 1e300
# and up to the verify() bound, knots one ulp apart, 17-digit knots, long steps, every axis
# kind with missing rows, every link, odd category strings, names that differ only by case
# or are keywords and runtime function names, docs holding control characters.

MAX_VALUE = 2.0**1022  # decided: verify() refuses a term value of larger magnitude
_KNOT_DOMAIN = {"log": 0.0, "log1p": -1.0}  # knots must lie above these for the transform

# Strings that have broken an emitter or a reader before, or could: quotes, escapes, comment
# and line markers of every target, control characters, Unicode lookalikes and "3" / "3.0".
ODD_STRINGS = [
    "", " ", "3", "3.0", "03", "-0", "1e3", "True", "true", "False", "NULL", "null", "None", "nan",
    "'", '"', "\\", "\\'", "it's", 'a"b', "\\n", "\n", "\r", "\r\n", "\t", "\x00", "a\x00b", "\x1b[31m",
    "\x7f", "\x85", "\u2028", "\u2029", "\ufeff", "é", "e\u0301", "日本", "🎉", "*/", "/*", "--", "-- x\r1",
    "#", "??/", "??=", "%s", "{0}", "$1", "`", "a\\", " x ", "Male", "male", "MALE",
]
KEYWORDS = [
    "class", "def", "return", "lambda", "None", "True", "import", "if", "else", "for",
    "int", "double", "struct", "const", "static", "void", "char", "NULL", "main", "sizeof", "inline",
    "select", "from", "where", "case", "when", "then", "end", "null", "true", "false", "order", "group", "limit",
]
RUNTIME_NAMES = [
    "curve", "step", "table", "grid", "steps", "knots", "categories", "logistic", "probability", "prediction",
    "math", "np", "numpy", "bisect", "exp", "log", "log1p", "isnan", "NAN", "INFINITY", "printf", "strcmp",
    "pwlc_curve", "PWLC_COUNT", "_TRANSFORMS", "score", "score_input", "score_batch", "score_rows", "LN", "EXP",
    "CAST", "inputs", "scores", "input", "INPUT_NAMES", "print", "len", "float", "str", "x",
]
# the argument names of the lambda in DuckDB's search over a long step (pwlc/backends/sql/search.py)
LAMBDA_NAMES = ["b", "B", "r", "R", "s", "S"]
# The key column the SQL runners add (tests/engines.py KEY) cannot also be an input.
_HARNESS_NAMES = {"row_id"}


def ulp_cluster(start: float, count: int) -> list[float]:
    """`start` and the `count` doubles above it, one ulp apart each."""
    out = [start]
    for _ in range(count):
        out.append(math.nextafter(out[-1], math.inf))
    return out


def _signed(magnitudes: st.SearchStrategy[float]) -> st.SearchStrategy[float]:
    return st.tuples(st.booleans(), magnitudes).map(lambda pair: -pair[1] if pair[0] else pair[1])


# a magnitude spread evenly over the decades 1e-300 .. 1e300
_log_uniform = st.tuples(st.floats(1.0, 10.0, exclude_max=True), st.integers(-300, 299)).map(lambda p: float(f"{p[0]!r}e{p[1]}"))
# 17 significant digits, as a fitter or a float32 round-trip prints them
_seventeen_digits = st.tuples(st.integers(10**16, 10**17 - 1), st.integers(-40, 40)).map(lambda p: float(f"{p[0]}e{p[1]}"))
wide_positions = st.one_of(
    _signed(_log_uniform),
    _signed(_seventeen_digits),
    st.floats(-1e6, 1e6, allow_nan=False, width=64),
    st.integers(-1000, 1000).map(float),
    st.sampled_from([0.0, 0.1, 0.5, 1.0, -1.0, 1e-300, -1e-300, 1e300, -1e300, 0.30000000000000004, 1.0000000000000002]),
)
# Beyond every draw above: where rule 9 draws the line for a knot interpolated from
# (identity curves, knot axes: within ±2**1022), and the largest doubles, which a step edge
# or a transformed curve's knot may be.
_bound_positions = st.sampled_from([MAX_VALUE, -MAX_VALUE, math.nextafter(MAX_VALUE, 0.0), -math.nextafter(MAX_VALUE, 0.0)])
_huge_positions = st.sampled_from([sys.float_info.max, -sys.float_info.max, 1e308, -1e308, MAX_VALUE * 1.5, -MAX_VALUE * 1.5])
wide_values = st.one_of(
    wide_positions,
    st.floats(-MAX_VALUE, MAX_VALUE, allow_nan=False, allow_infinity=False, width=64),
    st.sampled_from([MAX_VALUE, -MAX_VALUE, 1e-310, -5e-324, -0.0]),
)
wide_missing = st.one_of(st.none(), wide_values)
odd_strings = st.one_of(st.sampled_from(ODD_STRINGS), st.text(max_size=6))
model_names = st.one_of(
    st.sampled_from(["score", "risk", "Score", "naïve", "x" * 40, "_private", "pwlc_model", "score2", *[n for n in KEYWORDS + RUNTIME_NAMES if n.isidentifier()]]),
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True),
)
docs = st.one_of(
    st.just(""),
    st.lists(st.one_of(st.sampled_from(ODD_STRINGS + ["\r-- DROP TABLE input;", '"""', "* star", "  leading", "trailing  "]), st.text(max_size=8)), max_size=5).map("".join),
)


@st.composite
def input_names(draw: st.DrawFn, min_size: int = 1, max_size: int = 5) -> list[str]:
    """Distinct input names, often including some that differ only by case."""
    pool = st.one_of(st.sampled_from(["age", "Age", "AGE", "x", "X", *KEYWORDS, *RUNTIME_NAMES, *LAMBDA_NAMES]), odd_strings, st.text(min_size=1, max_size=10))
    names = draw(st.lists(pool.filter(lambda n: n not in _HARNESS_NAMES), min_size=min_size, max_size=max_size, unique=True))
    if draw(st.booleans()):  # a case twin of one of them
        twin = draw(st.sampled_from(names)).swapcase()
        if twin not in names and twin not in _HARNESS_NAMES:
            names.append(twin)
    return names


@st.composite
def wide_knots(draw: st.DrawFn, fx: str = "identity", min_size: int = 1, max_size: int = 8, interpolated: bool = True) -> tuple[float, ...]:
    """Strictly increasing positions inside fx's domain whose transforms (as numpy computes
    them on the array) increase strictly too; some of them one ulp apart. Knots an identity
    curve or a knot axis interpolates from (`interpolated`) stay within ±2**1022 (rule 9);
    step edges and a transformed curve's knots may be any finite double."""
    low = _KNOT_DOMAIN.get(fx, -math.inf)
    raw = interpolated and fx == "identity"
    extremes = _bound_positions if raw else st.one_of(_bound_positions, _huge_positions)
    rarely = st.integers(0, 29).flatmap(lambda k: extremes if k == 17 else wide_positions)  # hypothesis favours 0 and the bounds
    points = draw(st.lists(rarely, min_size=min_size, max_size=max_size))
    if points and draw(st.booleans()):
        points += ulp_cluster(draw(st.sampled_from(points)), draw(st.integers(1, 3)))
    bound = MAX_VALUE if raw else sys.float_info.max
    candidates = sorted({p + 0.0 for p in points if low < p <= bound and p >= -bound})  # + 0.0: -0.0 and 0.0 are one knot
    kept = strictly_transformed(fx, candidates)
    if len(kept) < min_size:  # the domain ate the draw: fall back to knots that always work
        kept = strictly_transformed(fx, sorted(set(kept) | {1.0, 2.0, 3.0, 4.0}))[:max(min_size, 1)]
    return tuple(kept)


def strictly_transformed(fx: str, xs: list[float]) -> list[float]:
    """The longest-from-the-left run of `xs` whose transforms strictly increase (decided:
    verify() refuses knots whose transforms, as numpy computes fx(xs), do not)."""
    from pwlc.semantics import transform

    while True:
        t = transform(fx, np.asarray(xs, dtype=np.float64))
        kept = [x for i, x in enumerate(xs) if i == 0 or t[i] > max(t[:i])]
        if kept == xs:
            return xs
        xs = kept


@st.composite
def wide_curves(draw: st.DrawFn, feature: str) -> Curve:
    fx = draw(st.sampled_from(["identity", "identity", "log", "log1p", "symlog1p"]))
    xs = draw(wide_knots(fx))
    return Curve(feature, xs, tuple(draw(wide_values) for _ in xs), fx, draw(wide_missing))  # type: ignore[arg-type]


@st.composite
def wide_steps(draw: st.DrawFn, feature: str) -> Step:
    long = draw(st.integers(0, 5)) == 0
    if long and draw(st.booleans()):
        edges = draw(very_long_edges())
    else:
        edges = draw(wide_knots(min_size=17, max_size=40, interpolated=False) if long else wide_knots(min_size=0, max_size=8, interpolated=False))
    values = tuple(draw(wide_values) for _ in range(len(edges) + 1))
    return Step(feature, edges, values, draw(st.sampled_from(["upper", "lower"])), draw(wide_missing))


@st.composite
def very_long_edges(draw: st.DrawFn) -> tuple[float, ...]:
    """257 to 1,100 step edges (past SEARCH_OVER: DuckDB's SQL searches them instead of a
    CASE), from a seeded generator: spread over 1e-300..1e300 or packed in one range, some
    one ulp apart, now and then the largest doubles."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    count = int(draw(st.integers(257, 1100)))
    if draw(st.booleans()):
        magnitudes = 10.0 ** rng.uniform(-300, 300, count)
        points = np.where(rng.random(count) < 0.5, -magnitudes, magnitudes)
    else:
        points = rng.normal(draw(st.sampled_from([0.0, 50.0, 1e6])), draw(st.sampled_from([1.0, 1e3, 1e-6])), count)
    edges = {float(p) + 0.0 for p in points}
    for start in rng.choice(sorted(edges), 4):
        edges.update(ulp_cluster(float(start), 3))
    if draw(st.booleans()):
        edges.update([sys.float_info.max, -sys.float_info.max])
    return tuple(sorted(edges))


@st.composite
def wide_tables(draw: st.DrawFn, feature: str) -> Table:
    keys = draw(st.lists(odd_strings, max_size=6, unique=True))
    return Table(feature, tuple((k, draw(wide_values)) for k in keys), draw(wide_values), draw(wide_missing))


@st.composite
def wide_axes(draw: st.DrawFn, feature: str, kind: str) -> StepAxis | KnotAxis | CategoryAxis:
    if kind == "categorical":
        return CategoryAxis(feature, tuple(draw(st.lists(odd_strings, max_size=3, unique=True))))
    if draw(st.booleans()):
        return StepAxis(feature, draw(wide_knots(min_size=0, max_size=4, interpolated=False)), draw(st.sampled_from(["upper", "lower"])))
    return KnotAxis(feature, draw(wide_knots(max_size=4)))


@st.composite
def wide_grids(draw: st.DrawFn, a: Input, b: Input) -> Grid:
    axis_a, axis_b = draw(wide_axes(a.name, a.kind)), draw(wide_axes(b.name, b.kind))
    values = tuple(tuple(draw(wide_values) for _ in range(axis_b.size)) for _ in range(axis_a.size))
    missing_a, missing_b = (draw(st.none() | st.tuples(*(wide_values for _ in range(axis.size)))) for axis in (axis_b, axis_a))
    return Grid(axis_a, axis_b, values, draw(wide_missing), missing_a, missing_b)


@st.composite
def wide_models(draw: st.DrawFn, max_terms: int = 7) -> Model:
    """A random valid model from anywhere in the space verify() allows (see above)."""
    names = draw(input_names())
    inputs = tuple(Input(n, draw(st.sampled_from(["numeric", "numeric", "categorical"]))) for n in names)  # type: ignore[arg-type]
    terms: list = []
    # a model without terms now and then (it must survive every backend too)
    for _ in range(draw(st.sampled_from([0, *range(1, max_terms + 1), *range(2, max_terms + 1)]))):
        kind = draw(st.sampled_from(["term", "term", "term", "constant", "grid"]))
        if kind == "constant":
            terms.append(Constant(draw(wide_values)))
        elif kind == "grid" and len(inputs) >= 2:
            a, b = draw(st.lists(st.sampled_from(inputs), min_size=2, max_size=2, unique=True))
            terms.append(draw(wide_grids(a, b)))
        else:
            declared = draw(st.sampled_from(inputs))
            if declared.kind == "categorical":
                terms.append(draw(wide_tables(declared.name)))
            else:
                terms.append(draw(st.one_of(wide_curves(declared.name), wide_steps(declared.name))))
    link = draw(st.sampled_from(["identity", "logistic", "exp"]))
    return verify(Model(inputs, tuple(terms), link, draw(model_names), draw(docs)))  # type: ignore[arg-type]


def draw_examples(strategy: st.SearchStrategy[Any], count: int, seed: int, each: Callable[[Any], None] | None = None) -> list[Any]:
    """`count` values of `strategy`, the same ones for the same seed: hypothesis's own
    generation, outside a test (for the long runs, which want every draw, not a failure).
    With `each`, every value is handed to it as it is drawn (and none is kept): a long run
    then starts at once and holds one model at a time. `each` may raise `StopDrawing` to
    end the draws early; any other exception propagates."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as seeded

    found: list[Any] = []
    taken = 0

    @settings(max_examples=count, database=None, deadline=None, phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @seeded(seed)
    @given(strategy)
    def collect(value: Any) -> None:
        nonlocal taken
        if taken == count:
            return
        taken += 1
        if each is None:
            found.append(value)
        else:
            each(value)

    try:
        collect()
    except StopDrawing:
        pass
    return found


class StopDrawing(Exception):
    """Raised by `draw_examples`'s `each` to stop drawing (a long run out of time)."""
