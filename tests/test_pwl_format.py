"""The .pwl reader: every mistake gets a positioned message; verify() catches the rest."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pwlc
import pwlc.backends.pwl
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
    for part in ("grammars/pwl.lark", "backends/pwl/reader.py", "diff/report.py"):
        assert (unpacked / "pwlc" / part).is_file(), part
    code = (
        f"import sys; sys.path.insert(0, {str(unpacked)!r}); import pwlc, pwlc.diff; assert pwlc.__file__.startswith({str(unpacked)!r});"
        f" model = pwlc.read({GOOD!r}, format='pwl'); print(model.link, pwlc.diff.compare(model, model).changed)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=tmp_path)
    assert out.stdout.strip() == "logistic False"


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


# --- round trips of any text --------------------------------------------------------

# Every character that must never end a line, a comment or a string in the file: C0 and C1
# controls, DEL, NEL, the Unicode line and paragraph separators, bidirectional controls.
# (A lone surrogate is not Unicode text: verify refuses it, below.)
HOSTILE = [chr(c) for c in [*range(0x20), 0x7F, 0x85, 0x9F, 0x2028, 0x2029, 0x202E, 0x2066]]
any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12) | st.sampled_from(["", " ", " lead", "trail ", "\r", "a\r\nb", *HOSTILE])


@st.composite
def renamed_models(draw: st.DrawFn) -> pwlc.Model:
    """A random model with its inputs, categories and description replaced by any text,
    and sometimes no terms at all."""
    model = draw(models())
    names = draw(st.lists(any_text, min_size=len(model.inputs), max_size=len(model.inputs), unique=True))
    rename = {declared.name: new for declared, new in zip(model.inputs, names)}
    categories: dict[str, str] = {}

    def category(key: str) -> str:
        return categories.setdefault(key, draw(any_text.filter(lambda t: t not in categories.values())))

    def term(t: object) -> object:
        if isinstance(t, pwlc.Table):
            return replace(t, feature=rename[t.feature], entries=tuple((category(k), v) for k, v in t.entries))
        if isinstance(t, pwlc.Grid):
            axes = [replace(axis, feature=rename[axis.feature]) for axis in (t.a, t.b)]
            axes = [replace(axis, categories=tuple(category(c) for c in axis.categories)) if isinstance(axis, pwlc.CategoryAxis) else axis for axis in axes]
            return replace(t, a=axes[0], b=axes[1])
        if isinstance(t, pwlc.Constant):
            return t
        return replace(t, feature=rename[t.feature])  # type: ignore[type-var]

    terms = () if draw(st.integers(0, 4)) == 0 else tuple(term(t) for t in model.terms)
    inputs = tuple(replace(i, name=rename[i.name]) for i in model.inputs)
    return pwlc.verify(replace(model, inputs=inputs, terms=terms, doc=draw(any_text)))  # type: ignore[arg-type]


@settings(max_examples=150, deadline=None)
@given(renamed_models())
def test_any_names_and_description_round_trip_exactly(model: pwlc.Model) -> None:
    text = pwlc.emit(model, "pwl")
    assert pwlc.read(text, format="pwl") == model
    assert not any(c in text for c in HOSTILE if c != "\n"), "a hostile character is written raw"
    assert all(line == "" or not line[0].isspace() or line.startswith("  ") for line in text.split("\n"))
    text.encode("utf-8")  # the file can be saved (a lone surrogate is escaped)


def test_every_control_and_line_break_character_round_trips_through_a_file(tmp_path: Path) -> None:
    odd = "".join(HOSTILE)
    model = pwlc.verify(
        pwlc.Model(
            (pwlc.Input(odd, "categorical"), pwlc.Input(" x\r"),),
            (pwlc.Table(odd, tuple((c, float(i)) for i, c in enumerate(HOSTILE))), pwlc.Curve(" x\r", (0.0,), (1.0,))),
            doc=f"  {odd} trailing  ",
        )
    )
    path = tmp_path / "odd.pwl"
    path.write_text(pwlc.emit(model, "pwl"), encoding="utf-8")
    assert pwlc.read(path) == model
    assert len(path.read_text(encoding="utf-8").splitlines()) == len(pwlc.emit(model, "pwl").split("\n")) - 1


def test_a_lone_surrogate_is_refused_with_its_position() -> None:
    text = 'input x : numeric\ninput "a\\ud800" : categorical\n'
    where, message = error(text)
    assert where == "2:1" and "input name 'a\\ud800' holds a lone surrogate" in message and "remove it" in message
    with pytest.raises(pwlc.VerifyError, match="lone surrogate"):
        pwlc.emit(pwlc.Model((pwlc.Input("x"),), (), doc="\udfff"), "pwl")


def test_a_model_without_terms_round_trips() -> None:
    model = pwlc.Model((pwlc.Input("x"),), (), "logistic", "score", " doc ")
    assert pwlc.read(pwlc.emit(model, "pwl"), format="pwl") == model


def test_strings_that_break_the_rules_are_positioned() -> None:
    assert error('model score "tab\there"\n')[0] == "1:17"
    assert "write \\t" in error('model score "tab\there"\n')[1]
    where, message = error('input x : numeric\ncurve "x { 0: 1 }\n')
    assert where == "2:7" and "unterminated string" in message
    assert "bad string escape" in error('model score "\\q"\n')[1]


# --- size and speed -------------------------------------------------------------------


def test_sources_over_16_mib_are_refused_with_the_size_and_what_to_do(tmp_path: Path) -> None:
    big = tmp_path / "big.pwl"
    with big.open("wb") as handle:
        handle.truncate((16 << 20) + 1)  # sparse: nothing is written or read
    with pytest.raises(pwlc.PwlcError) as caught:
        pwlc.read(big)
    message = str(caught.value)
    assert message.startswith(f"{big}: 16,777,217 bytes, over the 16 MiB (16,777,216 bytes) pwlc reads as a model") and "split it" in message
    text = "input x : numeric\n" + "#" * (16 << 20)
    with pytest.raises(pwlc.PwlcError, match=r"<string>: 16,777,234 bytes, over the 16 MiB"):
        pwlc.read(text, format="pwl")


def test_a_byte_that_is_not_utf8_is_shown_at_its_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "latin1.pwl"
    path.write_bytes('input x : numeric\r\ninput é : numeric\ntable "caf\xe9" { "a": 1 }\n'.encode().replace(b"\xc3\xa9\"", b"\xe9\""))
    with pytest.raises(pwlc.PwlcError) as caught:
        pwlc.read(path)
    assert str(caught.value).splitlines() == [
        f"{path}:3:11: not UTF-8 text: byte 0xe9 (invalid continuation byte); save the file as UTF-8",
        '    table "caf\ufffd" { "a": 1 }',
        "              ^",
    ]


def big_text(kind: str, size: int) -> str:
    """.pwl text of at most `size` characters (ASCII) of one shape: many terms, one long
    curve, a long table, a long description full of escapes, or nothing but comments."""
    head, item, tail = {
        "terms": ("", "input x{0} : numeric\ncurve x{0} (fx = log1p) {{ 0: 0.125, 1: -2.5e-3, 10: 7, 100: 1_000 }}\n", ""),
        "knots": ("input x : numeric\ncurve x { ", "{0}: {0}.5e-3, ", "}\n"),
        "table": ("input c : categorical\ntable c { ", '"c{0}": {0}, ', "}\n"),
        "escapes": ('model score "', "\\u2028\\n", '"\n'),
        "comments": ("", "# a comment line\n", ""),
    }[kind]
    parts, length = [head], len(head) + len(tail)
    while True:
        part = item.format(len(parts))
        if length + len(part) > size:
            return "".join(parts) + tail
        parts.append(part)
        length += len(part)


@pytest.mark.parametrize("kind", ["terms", "knots", "table", "escapes", "comments"])
def test_reading_is_linear_in_memory(kind: str) -> None:
    """Peak memory a reader allocates grows with the text at a small constant rate (a lark
    parse tree took ~120 bytes a character: 7 GB for 50 MB); measured with tracemalloc,
    so the bound does not depend on the machine's load."""
    import tracemalloc

    peaks = []
    for size in (1 << 18, 1 << 20):
        text = big_text(kind, size)
        tracemalloc.start()
        pwlc.read(text, format="pwl")
        peaks.append(tracemalloc.get_traced_memory()[1] / len(text))
        tracemalloc.stop()
    assert max(peaks) < 20, peaks  # bytes allocated at the peak (the model included), per character of text
    assert peaks[1] < 1.5 * peaks[0] + 1, peaks  # no more per character in a bigger file


# --- the grammar ----------------------------------------------------------------------


def test_the_reader_accepts_the_language_of_the_grammar() -> None:
    """grammars/pwl.lark defines the format; the hand-written reader must agree with it on
    every text: random edits of the golden files (and random models) are accepted by both
    or refused as a syntax error by both. (A text the reader refuses for a bad word or
    number first is not compared: the grammar does not check words.)"""
    import random

    from lark.exceptions import UnexpectedInput

    from pwlc.grammar import parser
    from tests.fuzzing import mutate

    def grammar_accepts(text: str) -> bool:
        try:
            parser("pwl.lark").parse(text)
        except UnexpectedInput:
            return False
        return True

    seeds = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "golden" / "pwl").glob("*.pwl"))]
    rng = random.Random(19)
    for case in range(1500):
        text = seeds[case % len(seeds)] if case < len(seeds) else mutate(rng.choice(seeds), rng)
        try:
            pwlc.backends.pwl.read(text)
            reader = True
        except pwlc.ParseError as refusal:
            if not refusal.message.startswith(("unexpected", "unterminated string")):
                continue
            reader = False
        assert grammar_accepts(text) == reader, text


def test_a_mistake_deep_in_a_long_line_shows_a_window_of_it() -> None:
    """A million-knot curve on one line: the message shows ~500 characters around the
    mistake (marked … where cut), with the caret under it, not the whole line."""
    knots = ", ".join(f"{i}: {i % 3}" for i in range(20_000))
    text = "input x : numeric\ncurve x { " + knots.replace("10000: 1", "10000 1") + " }\n"
    where, message = error(text)
    column = text.split("\n")[1].index("10000 1") + 7
    assert where == f"2:{column}"
    _, shown, caret = message.splitlines()
    assert shown.startswith("    …") and shown.endswith("…") and len(shown) < 520
    assert shown[caret.index("^")] == "1" and shown[caret.index("^") - 6 : caret.index("^")] == "10000 "
