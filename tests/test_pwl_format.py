"""The .pwl reader: every mistake gets a positioned message; verify() catches the rest."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings

import pwlc
from tests.strategies import models

ROOT = Path(__file__).resolve().parent.parent
GOOD = """model score (link = logistic) "doc"
input age : numeric
input sex : categorical
constant -0.35
curve age (fx = log, missing = 0) { 18: 0.61, 25: 0.2, 46: -0.45 }
step age (at_edge = lower) { 1, 30: 2 }
table sex (default = 0) { "F": -0.2, "M": 0.05 }
"""


def error(text: str) -> tuple[str, str]:
    with pytest.raises(pwlc.PwlcError) as caught:
        pwlc.read(text, format="pwl")
    message = str(caught.value)
    match = re.match(r"<string>:(\d+):(\d+): ", message)
    assert match, message
    assert message.splitlines()[-1].strip() == "^"
    return f"{match.group(1)}:{match.group(2)}", message


def test_good_text_reads() -> None:
    model = pwlc.read(GOOD, format="pwl")
    assert [type(t).__name__ for t in model.terms] == ["Constant", "Curve", "Step", "Table"]
    assert model.link == "logistic" and model.doc == "doc"


def test_numbers_as_people_write_them() -> None:
    model = pwlc.read("input x : numeric\ncurve x { -.5: 1e3, 7: +2.50, 1_000: -0 }", format="pwl")
    assert model.terms[0] == pwlc.Curve("x", (-0.5, 7.0, 1000.0), (1000.0, 2.5, -0.0))


@pytest.mark.parametrize(
    ("edit", "where", "says"),
    [
        (("18: 0.61", "18 0.61"), "5:40", "expected ':'"),
        (("fx = log", "fx = sqrt"), "5:17", "unknown transform 'sqrt'"),
        (("missing = 0", "missng = 0"), "5:22", "unknown option 'missng'"),
        (("25: 0.2", "15: 0.2"), "5:1", "knot positions must be strictly increasing"),
        (("18: 0.61", "0: 0.61"), "5:1", "fx=log needs every knot > 0"),
        (("input sex", "input sexx"), "7:1", "undeclared input 'sex'"),
        (("step age", "step sex"), "6:1", "input 'sex' is categorical but this term needs a numeric input"),
        (("link = logistic", "link = probit"), "1:21", "unknown link 'probit'"),
        (('"M": 0.05', '"F": 0.05'), "7:1", "a category appears twice"),
        (("46: -0.45", "46: 1e400"), "5:60", "too large for a double"),
        (("-0.35", "-0.35 $"), "4:16", "unexpected character '$'"),
        (("numeric", "number"), "2:13", "unknown input kind 'number'"),
    ],
)
def test_mistakes_are_positioned(edit: tuple[str, str], where: str, says: str) -> None:
    assert edit[0] in GOOD
    position, message = error(GOOD.replace(*edit, 1))
    assert says in message
    assert position == where, message


def test_truncated_file() -> None:
    _, message = error(GOOD[: GOOD.index("25: 0.2")])
    assert "unexpected end of file" in message


def test_duplicate_input_and_grid_shape_errors() -> None:
    _, message = error("input x : numeric\ninput x : numeric\n")
    assert "declared twice" in message
    text = "input a : numeric\ninput b : numeric\ngrid a x b { a: steps [1], b: knots [0, 1], values [[1, 2]] }\n"
    _, message = error(text)
    assert "1 rows, axis 'a' has 2 cells" in message
    grid = "grid a x b { a: steps [1], b: knots [0, 1], values [[1, 2], [3, 4]], missing a [5, 6], %s }\n"
    header = "input a : numeric\ninput b : numeric\n"
    assert error(header + grid % "missing b [7]")[1].startswith("<string>:3:1: grid on 'a' x 'b': missing_b has 1 values, axis 'a' has 2 cells")
    assert "`missing c` names no axis of this grid" in error(header + grid % "missing c [7, 8]")[1]
    where, message = error(header + grid % "missing a [7, 8]")
    assert (where, "`missing a` is given twice" in message) == ("3:88", True)


def test_grammars_ship_in_the_wheel(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("pwlc-*.whl"))
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    assert (unpacked / "pwlc" / "grammars" / "pwl.lark").is_file()
    code = f"import sys; sys.path.insert(0, {str(unpacked)!r}); import pwlc; assert pwlc.__file__.startswith({str(unpacked)!r}); print(pwlc.read({GOOD!r}, format='pwl').link)"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=tmp_path)
    assert out.stdout.strip() == "logistic"


@settings(max_examples=80, deadline=None)
@given(models())
def test_random_models_round_trip_through_pwl(model: pwlc.Model) -> None:
    text = pwlc.emit(model, "pwl")
    assert pwlc.read(text, format="pwl") == model
    assert pwlc.emit(pwlc.read(text, format="pwl"), "pwl") == text


def test_import_pwlc_stays_light() -> None:
    code = "import sys, pwlc; print(sorted(m for m in ('cvxpy', 'black', 'pandas', 'sklearn', 'interpret', 'lightgbm', 'matplotlib', 'duckdb', 'sqlglot', 'scipy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "[]"
