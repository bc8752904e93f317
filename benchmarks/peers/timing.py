"""Contenders, interleaved rounds, medians and exactness: what every benchmark row shares."""

from __future__ import annotations

import statistics
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

Output = Literal["score", "probability"]
Timing = tuple[float, float, Any]  # CPU seconds, wall seconds, scores
TOLERANCE = 1e-9  # a row is off when |Δ| > 1e-9 · max(1, |teacher|)


def timed(score: Callable[[], Any]) -> Timing:
    """Time one in-process scoring call: CPU time of this process (every thread) and wall time."""
    cpu, wall = time.process_time(), time.perf_counter()
    scores = score()
    return time.process_time() - cpu, time.perf_counter() - wall, scores


@dataclass
class Contender:
    """One way of scoring the benchmark's rows.

    `run` scores the first `rows` data rows and returns (cpu, wall, scores): in-process
    contenders wrap their call in `timed`, peers in another virtualenv time the call in
    their worker. `grid` scores the edge grid (untimed). `versus` names the pwlc
    contenders this one is compared with (pwlc's own rows have none)."""

    label: str
    tool: str
    output: Output
    rows: int
    run: Callable[[], Timing]
    grid: Callable[[], Any]
    code: str = ""
    note: str = ""
    headline: bool = False  # a pwlc contender that gets a "pwlc ÷ peer" column
    keep: Any = None  # what `run` needs alive (a loaded library, column arrays)
    profile: Callable[[], list[str]] | None = None  # where the time goes, when a peer is faster
    reference: Reference | None = None  # when not the group's teacher (m2cgen's sibling model)
    cpu: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)
    scores: np.ndarray | None = None
    grid_scores: np.ndarray | None = None
    error: str = ""

    def rate(self, clock: str = "cpu") -> float:
        seconds = statistics.median(self.cpu if clock == "cpu" else self.wall)
        return self.rows / seconds


@dataclass
class Failure:
    """A peer that could not be installed, built or run, and the exact error."""

    label: str
    error: str


@dataclass
class Reference:
    """The teacher's own outputs: raw score and probability (None for a regressor), on the
    data rows and on the edge grid (NaN where the teacher itself refuses the row)."""

    score: np.ndarray
    probability: np.ndarray | None
    grid_score: np.ndarray
    grid_probability: np.ndarray | None

    def on_data(self, output: Output) -> np.ndarray:
        values = self.score if output == "score" else self.probability
        assert values is not None
        return values

    def on_grid(self, output: Output) -> np.ndarray:
        values = self.grid_score if output == "score" else self.grid_probability
        assert values is not None
        return values


@dataclass
class Group:
    """One benchmark row: a teacher, its reference outputs and the contenders."""

    title: str
    description: str
    reference: Reference
    contenders: list[Contender] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    grid_rows: int = 0
    grid_excluded: int = 0  # grid rows the teacher cannot score (not counted)
    versions: dict[str, str] = field(default_factory=dict)  # peer -> its packages' versions
    workers: list[Any] = field(default_factory=list)  # peers' worker processes, stopped after the rounds

    def attempt(self, label: str, build: Callable[[], Contender | None]) -> None:
        """Build a contender; a peer that fails to build is listed with its error."""
        try:
            contender = build()
        except Exception as exc:
            self.failures.append(Failure(label, error_message(exc)))
            return
        if contender is not None:
            self.contenders.append(contender)


def error_message(exc: BaseException) -> str:
    text = str(exc).strip().replace("\n", " ")
    if len(text) > 400:
        text = text[:400] + " ..."
    if type(exc).__name__ == "PeerFailed":  # the worker's message already says where
        return text
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" (at {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {text}{where}"


def interleave(group: Group, rounds: int) -> None:
    """Run the contenders in turn, A B C A B C ..., `rounds` times; keep the first round's
    scores for the exactness columns. A contender that fails in a round is moved to the
    failures with its error."""
    for round_number in range(rounds):
        for contender in list(group.contenders):
            if contender.error:
                continue
            try:
                cpu, wall, scores = contender.run()
            except Exception as exc:
                contender.error = error_message(exc)
                continue
            contender.cpu.append(cpu)
            contender.wall.append(wall)
            if round_number == 0:
                contender.scores = np.asarray(scores, dtype=np.float64).ravel()
        print(f"    round {round_number + 1}/{rounds} done", flush=True)
    for contender in [c for c in group.contenders if c.error]:
        group.contenders.remove(contender)
        group.failures.append(Failure(contender.label, contender.error))
    for contender in list(group.contenders):
        try:
            contender.grid_scores = np.asarray(contender.grid(), dtype=np.float64).ravel()
        except Exception as exc:
            contender.note += f" The edge grid failed: {error_message(exc)}."


def off_rows(actual: np.ndarray, expected: np.ndarray) -> tuple[int, float]:
    """Rows of `actual` off by more than TOLERANCE from `expected` (its first rows), and the
    largest |Δ| (inf when a row gave NaN). NaN in `expected` marks a row the teacher itself
    refuses: not counted."""
    expected = expected[: len(actual)]
    counted = ~np.isnan(expected)
    a, e = actual[counted], expected[counted]
    with np.errstate(invalid="ignore"):
        delta = np.abs(a - e)
        close = (a == e) | (delta <= TOLERANCE * np.maximum(1.0, np.abs(e)))
        biggest = float("inf") if np.isnan(a).any() else float(delta.max(initial=0.0))
    return int(np.count_nonzero(~close)), biggest
