"""The Python reader is linear in time and memory (issue 15, "Readers"): memory grows with
the file, not faster; a very long line is shown as a window around the caret.
`benchmarks/python_reader_scale.py` measures seconds and peak RSS at 1, 4 and 16 MiB."""

from __future__ import annotations

import sys
import time
import tracemalloc
from pathlib import Path

import pytest

import pwlc
from pwlc.backends.python import read

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from python_reader_scale import docstring, knots, terms  # noqa: E402


def peak_bytes(text: str) -> int:
    tracemalloc.start()
    try:
        read(text)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(("shape", "small"), [(docstring, 2**20), (knots, 2**14), (terms, 2**14)], ids=["docstring", "knots", "terms"])
def test_memory_grows_with_the_file_not_faster(shape: object, small: int) -> None:
    """Four times the text takes at most about four times the memory (a 50 MB docstring
    took 6.9 GB before), and never more than 64 bytes a character."""
    make = shape  # type: ignore[assignment]
    little, big = make(small), make(4 * small)  # type: ignore[operator]
    peaks = peak_bytes(little), peak_bytes(big)
    assert peaks[1] < 5 * peaks[0], peaks
    assert peaks[1] < 64 * len(big), (peaks[1], len(big))


def test_time_grows_with_the_file_not_faster() -> None:
    """Many terms, each on its line (spans of every term used to rescan the file)."""
    seconds = []
    for size in (2**16, 2**18):
        text = terms(size)
        start = time.perf_counter()
        read(text)
        seconds.append(time.perf_counter() - start)
    assert seconds[1] < 8 * seconds[0] + 0.5, seconds


def test_terms_on_one_very_long_line_read_linearly_and_errors_show_a_window() -> None:
    line = " + ".join(f"curve(x, [(0, {k}), (1, 0.5)])" for k in range(900))  # 1000 is the most
    text = f"def score(x: float) -> float:\n    return {line}\n"
    start = time.perf_counter()
    assert len(read(text).terms) == 900
    assert time.perf_counter() - start < 30
    bad = text.replace("(1, 0.5)])\n", "(1, 0.5)], colour=1)\n")
    with pytest.raises(pwlc.PwlcError) as caught:
        read(bad)
    first, source, caret = str(caught.value).splitlines()
    column = bad.index("colour") - bad.index("\n")
    assert first.startswith(f"<string>:2:{column}: curve() has no argument 'colour'")
    assert len(source) < 300 and source.strip().startswith("…")
    assert source[len(caret) - 1 : len(caret) + 5] == "colour"
