"""Optimization passes: IR -> IR rewrites that make a model shorter, better fitted, more readable.

A pass is a frozen dataclass whose fields are its options, with a `name`; `run(model, data)`
returns the rewritten model. Pipelines are written as text, xDSL/MLIR style:

    fold-constants,merge-segments{tol=1e-3},round{tol=1e-3,digits=3}

or as a preset `O0`..`O3` (also spelled `-O2`). `optimize(model, pipeline, data)` runs a
pipeline and reports, per pass, knots and terms before/after and the score change it
introduced (max and RMS), measured with the reference evaluator `pwlc.semantics`.

Lossy passes take a tolerance `tol` (in score units: log-odds for a logistic link) and keep
the score change within it: on the rows of `data` when data is given, and for every
possible input (a sup-norm bound, summed over terms) when it is not or when the pass has
`over=all`. A bound on data says nothing about other rows: the benchmark
benchmarks/passes_compas.py measures both on held-out rows. `refit` is a fit, not
a simplification: it states no bound, and its report shows how far it moved the scores.

    fold-constants{centre}                one intercept, centred terms, one term per feature (exact)
    merge-segments{tol,over}              drop knots, edges, table entries within tol
    round{tol,digits,over}                shortest decimals within tol
    prune{threshold,tol,over}             drop terms contributing at most threshold
    refit{target,label,loss,monotone,smooth,ridge,cv,cv_groups,alternate,solver,...}
                                          re-solve every value jointly (cvxpy)

Presets (`PRESETS`): O0 nothing; O1 exact clean-up; O2 readable within 0.005 per pass;
O3 also prunes, merges harder and refits toward the original (needs data).
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, Union, overload

import numpy as np

from pwlc.errors import PwlcError, Span
from pwlc.ir import Model, Multiclass, verify
from pwlc.passes.context import PassData, score_change

__all__ = [
    "PASSES",
    "PRESETS",
    "Pass",
    "PassData",
    "PassReport",
    "Report",
    "available",
    "measure",
    "optimize",
    "parse_pipeline",
]


class Pass:
    """Base of every pass: a frozen dataclass (its fields are its options) with a name.

    `tol` is the stated bound of a lossy pass (None for lossless passes and fits).
    """

    name: ClassVar[str] = ""

    def run(self, model: Model, data: PassData | None) -> Model:
        raise NotImplementedError

    def apply(self, model: Model, data: PassData | None) -> tuple[Model, str]:
        """`run`, plus a one-line note for the report (a fit says how its loss moved)."""
        return self.run(model, data), ""

    @property
    def stated_error(self) -> float | None:
        return getattr(self, "tol", None)

    def spec(self) -> str:
        """The pass as pipeline text: its name and the options that differ from defaults."""
        options = [
            f"{f.name}={_option_text(getattr(self, f.name))}"
            for f in dataclasses.fields(self)  # type: ignore[arg-type]
            if f.default is not dataclasses.MISSING and getattr(self, f.name) != f.default
        ]
        return self.name + ("{" + ",".join(options) + "}" if options else "")


def _option_text(value: Any) -> str:
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str) and any(c in value for c in ',}{="'):
        return '"' + value.replace('"', '\\"') + '"'
    return str(value)


# --- registry ---------------------------------------------------------------------------

PASSES: dict[str, type[Pass]] = {}


def register(cls: type[Pass]) -> type[Pass]:
    """Class decorator: make a pass available to pipelines by its `name`."""
    PASSES[cls.name] = cls
    return cls


def _load_passes() -> None:
    # Imported here (not at the top) because each pass module imports this one for `Pass`.
    from pwlc.passes import fold, merge, prune, refit, round  # noqa: F401


def available() -> list[str]:
    """Names of the passes and presets a pipeline can use (for `pwlc list`)."""
    _load_passes()
    return sorted(PASSES) + [f"-{name}" for name in PRESETS]


# Presets. Tolerances are absolute, in score units (log-odds for a logistic link).
PRESETS: dict[str, str] = {
    "O0": "",
    "O1": "fold-constants,merge-segments{tol=1e-09}",
    "O2": "fold-constants,merge-segments{tol=0.005},round{tol=0.005}",
    "O3": "fold-constants,prune{threshold=0.01},merge-segments{tol=0.02},refit,fold-constants,round{tol=0.005}",
}


# --- pipeline text ----------------------------------------------------------------------


def parse_pipeline(text: str, filename: str = "<pipeline>") -> list[Pass]:
    """Parse `name{opt=value,...},name,...` (or a preset O0..O3 / -O2) into passes.

    Errors are `PwlcError`s pointing at the offending character of `text`.
    """
    _load_passes()
    return _PipelineParser(text, filename).pipeline()


class _PipelineParser:
    def __init__(self, text: str, filename: str):
        self.text = text
        self.filename = filename
        self.pos = 0

    def fail(self, message: str, at: int | None = None) -> PwlcError:
        return PwlcError(message, Span.at(self.text, self.filename, self.pos if at is None else at))

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self) -> str:
        self.skip_space()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def word(self, what: str) -> tuple[str, int]:
        self.skip_space()
        start = self.pos
        while self.pos < len(self.text) and (self.text[self.pos].isalnum() or self.text[self.pos] in "-_"):
            self.pos += 1
        if self.pos == start:
            found = repr(self.text[start]) if start < len(self.text) else "end of pipeline"
            raise self.fail(f"expected {what}, found {found}")
        return self.text[start : self.pos], start

    def pipeline(self) -> list[Pass]:
        passes: list[Pass] = []
        if not self.peek():
            return passes
        while True:
            passes += self.item()
            if not self.peek():
                return passes
            if self.peek() != ",":
                raise self.fail(f"expected ',' between passes, found {self.peek()!r}")
            self.pos += 1

    def item(self) -> list[Pass]:
        name, start = self.word("a pass name")
        preset = name.lstrip("-")
        if preset in PRESETS:
            return parse_pipeline(PRESETS[preset])
        if name not in PASSES:
            raise self.fail(f"unknown pass {name!r} (known: {', '.join(sorted(PASSES))}; presets {', '.join(PRESETS)})", start)
        cls = PASSES[name]
        options: dict[str, Any] = {}
        if self.peek() == "{":
            self.pos += 1
            while self.peek() != "}":
                key, key_at = self.word("an option name")
                if self.peek() != "=":
                    raise self.fail(f"expected '=' after option {key!r}")
                self.pos += 1
                value_at = self.pos
                raw = self.value()
                options[key] = self.convert(cls, key, raw, key_at, value_at)
                if self.peek() == ",":
                    self.pos += 1
                elif self.peek() != "}":
                    raise self.fail("expected ',' or '}' after an option value" if self.peek() else "unclosed '{'")
            self.pos += 1
        try:
            return [cls(**options)]
        except PwlcError as exc:
            raise PwlcError(f"{name}: {exc.message}", Span.at(self.text, self.filename, start)) from None

    def value(self) -> str:
        self.skip_space()
        if self.peek() == '"':
            start = self.pos
            self.pos += 1
            out = []
            while self.pos < len(self.text) and self.text[self.pos] != '"':
                if self.text[self.pos] == "\\" and self.pos + 1 < len(self.text):
                    self.pos += 1
                out.append(self.text[self.pos])
                self.pos += 1
            if self.pos >= len(self.text):
                raise self.fail("unterminated string", start)
            self.pos += 1
            return "".join(out)
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in ",}":
            self.pos += 1
        raw = self.text[start : self.pos].strip()
        if not raw:
            raise self.fail("expected an option value", start)
        return raw

    def convert(self, cls: type[Pass], key: str, raw: str, key_at: int, value_at: int) -> Any:
        hints = typing.get_type_hints(cls)
        names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
        if key not in names:
            raise self.fail(f"{cls.name} has no option {key!r} (options: {', '.join(names) or 'none'})", key_at)
        try:
            return _convert(hints[key], raw)
        except ValueError as exc:
            raise self.fail(f"{cls.name}: option {key}: {exc}", value_at) from None


def _convert(hint: Any, raw: str) -> Any:
    """Turn option text into the field's type (float, int, bool, str, or None for `none`)."""
    options = typing.get_args(hint) if typing.get_origin(hint) in (Union, types.UnionType) else (hint,)
    if type(None) in options and raw.lower() == "none":
        return None
    for kind in options:
        if kind is bool:
            if raw.lower() in ("true", "yes", "1", "on"):
                return True
            if raw.lower() in ("false", "no", "0", "off"):
                return False
        elif kind is int:
            try:
                return int(raw)
            except ValueError:
                pass
        elif kind is float:
            try:
                value = float(raw)
            except ValueError:
                continue
            if math.isnan(value):
                raise ValueError("NaN is not a valid option value")
            return value
        elif kind is str:
            return raw
    wanted = " or ".join("none" if k is type(None) else getattr(k, "__name__", str(k)) for k in options)
    raise ValueError(f"{raw!r} is not a valid {wanted}")


# --- running and reporting --------------------------------------------------------------


@dataclass(frozen=True)
class PassReport:
    """What one pass did. Errors are score changes (after - before) on the data given to
    `optimize`, or on probe points of every knot and edge when no data was given."""

    spec: str
    knots_before: int
    knots_after: int
    terms_before: int
    terms_after: int
    stated_error: float | None  # the pass's bound (its tol); None: lossless or a fit
    max_error: float
    rms_error: float
    note: str = ""

    def __str__(self) -> str:
        stated = "none (exact or a fit)" if self.stated_error is None else f"{self.stated_error:.3g}"
        text = (
            f"{self.spec}: knots {self.knots_before} -> {self.knots_after}, terms {self.terms_before} -> {self.terms_after},"
            f" score change max {self.max_error:.3g} rms {self.rms_error:.3g} (stated bound {stated})"
        )
        return text + (f"; {self.note}" if self.note else "")


@dataclass(frozen=True)
class Report:
    """The per-pass reports of one `optimize` call; `str(report)` is a table for the CLI."""

    passes: tuple[PassReport, ...]
    rows: int | None  # rows of data the errors were measured on (None: probe points)

    def __iter__(self) -> Iterator[PassReport]:
        return iter(self.passes)

    def __len__(self) -> int:
        return len(self.passes)

    def __str__(self) -> str:
        where = f"{self.rows} rows of data" if self.rows is not None else "probe points (no data given)"
        header = f"{'pass':<36} {'knots':>11} {'terms':>9} {'stated':>9} {'max err':>9} {'rms err':>9}"
        lines = [f"score change per pass, measured on {where}:", header]
        for p in self.passes:
            stated = "-" if p.stated_error is None else f"{p.stated_error:.3g}"
            lines.append(
                f"{p.spec:<36} {p.knots_before:>4} -> {p.knots_after:<4} {p.terms_before:>3} -> {p.terms_after:<3}"
                f" {stated:>9} {p.max_error:>9.3g} {p.rms_error:>9.3g}" + (f"  {p.note}" if p.note else "")
            )
        return "\n".join(lines)


def count_knots(model: Model) -> int:
    """Knots a reader sees: curve knots, step edges, grid axis knots and edges, table entries."""
    from pwlc.ir import CategoryAxis, Curve, Grid, KnotAxis, Step, StepAxis, Table

    total = 0
    for term in model.terms:
        if isinstance(term, Curve):
            total += len(term.xs)
        elif isinstance(term, Step):
            total += len(term.edges)
        elif isinstance(term, Table):
            total += len(term.entries)
        elif isinstance(term, Grid):
            for axis in (term.a, term.b):
                total += len(axis.knots) if isinstance(axis, KnotAxis) else len(axis.edges) if isinstance(axis, StepAxis) else len(axis.categories) if isinstance(axis, CategoryAxis) else 0
    return total


def measure(before: Model, after: Model, data: Any = None) -> tuple[float, float]:
    """Max and RMS of the score change from `before` to `after`, by the reference evaluator.

    On `data` when given; otherwise on the edge grids of both models (every knot and edge,
    ±1 ulp, midpoints, missing, ±inf, unseen categories). A row missing in one model but
    not the other counts as an infinite change.
    """
    from pwlc.semantics import evaluate
    from pwlc.testing import edge_grid

    if data is None:
        grids = [edge_grid(before), edge_grid(after)]
        data = {name.name: grids[0][name.name] + grids[1][name.name] for name in before.inputs}
    return _change_stats(evaluate(before, data, output="score"), evaluate(after, data, output="score"))


def _change_stats(before: Any, after: Any) -> tuple[float, float]:
    change = score_change(before, after)
    if change.size == 0:
        return 0.0, 0.0
    with np.errstate(over="ignore"):
        return float(change.max()), float(np.sqrt(np.mean(np.square(change))))


@overload
def optimize(
    model: Model, pipeline: str | list[Pass] = ..., data: Any = ..., *, teacher: Any = ..., progress: Callable[[int, int, str], None] | None = ...
) -> tuple[Model, Report]: ...


@overload
def optimize(
    model: Multiclass, pipeline: str | list[Pass] = ..., data: Any = ..., *, teacher: Any = ..., progress: Callable[[int, int, str], None] | None = ...
) -> tuple[Multiclass, Report]: ...


def optimize(
    model: Model | Multiclass,
    pipeline: str | list[Pass] = "O2",
    data: Any = None,
    *,
    teacher: Any = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> tuple[Model | Multiclass, Report]:
    """Run `pipeline` (text, preset name or list of passes) on `model`.

    `data` (a mapping of column -> values or a DataFrame) is what lossy passes keep their
    tolerance on and what errors are measured on; `teacher` optionally gives the teacher's
    raw scores for those rows (the target of `refit`; by default, the scores of `model`).
    Returns the optimized (verified) model and a `Report`. `progress(done, total, what)`
    is called before each pass. A `Multiclass` model is optimized class by class
    (`pwlc.passes.multiclass`; `teacher` then has one column a class).
    """
    passes = parse_pipeline(pipeline) if isinstance(pipeline, str) else list(pipeline)
    verify(model)
    if teacher is not None and data is None:
        raise PwlcError("teacher scores need the data rows they belong to: pass data= as well")
    if isinstance(model, Multiclass):
        from pwlc.passes.multiclass import optimize_multiclass

        return optimize_multiclass(model, passes, data, teacher, progress)
    context = PassData.from_data(model, data, teacher) if data is not None else None
    reports: list[PassReport] = []
    current = model
    for done, step in enumerate(passes):
        if progress is not None:
            progress(done, len(passes), step.spec())
        with np.errstate(over="ignore"):  # scores may reach ±inf (values near ±2**1022): defined, not worth a warning
            result, note = step.apply(current, context)
        verify(result)
        # With data, the scores come from the context, which keeps the last two models'
        # (equal to the reference evaluator's, bitwise): each model is scored once.
        worst, rms = measure(current, result) if context is None else _change_stats(context.score(current), context.score(result))
        reports.append(
            PassReport(
                step.spec(),
                count_knots(current),
                count_knots(result),
                len(current.terms),
                len(result.terms),
                step.stated_error,
                worst,
                rms,
                note,
            )
        )
        current = result
    return current, Report(tuple(reports), None if context is None else context.rows)
