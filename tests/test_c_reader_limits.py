"""The C reader is linear in time and bounded in memory, and refuses what nests too deep
with a position instead of overflowing Python's stack (benchmarks/c_reader_scale.py
measures it at 1, 4 and 16 MiB)."""

from __future__ import annotations

import time

import pytest

from pwlc.backends import c
from pwlc.errors import ParseError
from pwlc.ir import Constant, Curve, Input, Model

MODEL = Model((Input("x"),), (Constant(0.5), Curve("x", (0.0, 1.0), (0.0, 1.0))))
TEXT = c.emit(MODEL)


def cpu_seconds(text: str) -> float:
    started = time.process_time()
    try:
        c.read(text)
    except ParseError:
        pass
    return time.process_time() - started


def test_a_description_of_80_kb_of_spaces_reads_fast() -> None:
    """The old reader's description regex took 9 s on this (quadratic in leading white space)."""
    model = Model(MODEL.inputs, MODEL.terms, doc=" " * 80_000 + "x" + " " * 80_000)
    text = c.emit(model)
    assert cpu_seconds(text) < 1.0
    assert c.read(text).doc == model.doc
    assert cpu_seconds(" " * 80_000 + TEXT) < 1.0


@pytest.mark.parametrize(("opening", "closing"), [("(", ")"), ("- ", ""), ("{", "}")])
def test_deep_nesting_is_refused_at_a_position(opening: str, closing: str) -> None:
    deep = opening * 100_000 + "1.0" + closing * 100_000
    text = TEXT.replace("{{0.0, 0.0}, {1.0, 1.0}}", "{{0.0, 0.0}, {1.0, " + deep + "}}") if opening != "{" else TEXT.replace("{{0.0, 0.0}, {1.0, 1.0}}", deep)
    with pytest.raises(ParseError, match="nested more than 100 deep") as caught:
        c.read(text)
    assert caught.value.span is not None and caught.value.span.line == text[: text.index(deep)].count("\n") + 1


def test_many_comments_and_trigraphs_in_them_read_in_linear_time() -> None:
    """Each trigraph is checked to lie in a comment; with many of both that must not be quadratic."""
    small = TEXT.replace("/* One field per input", "/* what??! */\n" * 5_000 + "/* One field per input")
    big = TEXT.replace("/* One field per input", "/* what??! */\n" * 40_000 + "/* One field per input")
    assert c.read(big) == MODEL
    assert cpu_seconds(big) < 10 * cpu_seconds(small) + 0.5


def test_reading_is_linear_in_the_number_of_knots() -> None:
    def file_of(n: int) -> str:
        xs = tuple(float(k) + 0.123456789 for k in range(n))
        return c.emit(Model((Input("x"),), (Curve("x", xs, tuple(-x / 7 for x in xs)),)))

    small, big = file_of(10_000), file_of(80_000)
    assert cpu_seconds(big) < 16 * cpu_seconds(small) + 0.5  # 8 times the knots, linear is 8 times the time


def test_a_long_string_and_a_long_sum_read() -> None:
    long_name = Model((Input("x" * 200_000),), (Constant(1.0), *[Constant(float(k)) for k in range(5_000)]))
    text = c.emit(long_name)
    assert cpu_seconds(text) < 5.0
    assert c.read(text) == long_name
