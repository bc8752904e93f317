"""User text in the emitted C (description, input names, categories, model name) cannot
leave its comment, string literal or identifier: every hostile character is fed through,
the file compiled, run and read back. Round trips that must be exact: descriptions with
any spacing, a model with no terms, categories with a NUL (refused: C strings end there)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pwlc.backends import c
from pwlc.errors import PwlcError, UnsupportedError, VerifyError
from pwlc.ir import CategoryAxis, Constant, Curve, Grid, Input, Model, StepAxis, Table, verify
from tests.c_harness import check_refused, check_runs_as_read

# Every character or sequence that could end a comment, a string or a line in C, or that
# gcc or clang read specially: comment ends and starts, trigraphs (and `??/` before a line
# end, a line splice), a backslash before a line end, every control and line-break
# character, NUL, bidi overrides, lone surrogates, quotes.
HOSTILE = list(dict.fromkeys([
    "*/", "/*", "*/ #error injected /*", "//", "\\", "ends with a backslash \\", "a??/", "??/\nx", "??=", "??'", "??(", "??)",
    "??!", "??<", "??>", "??-", "???=", '"', "'", '"); exit(1); ("', "\n#error injected\n", "line\\\nsplice", "\r", "\r\n", "\x0b", "\x0c", "\x85",
    "\u2028", "\u2029", "\x00", "\x1b[31m", "\x7f", "\u202eevil", "zero\u200bwidth", "\ufeff", "naïve", "数据", "🙂",
    " leading", "trailing ", "  ", "*", " * star", "Compiled by pwlc. Edit the numbers freely, then read this file back with",
] + [chr(code) for code in range(0x20)]))
SURROGATES = ["\ud800", "x\udfffy"]


def model_with(names: list[str], categories: list[str], doc: str = "") -> Model:
    """Curves on numeric inputs and tables on categorical ones, all named by `names`, with
    `categories` as table keys and grid categories; values differ so a mix-up shows."""
    inputs, terms = [], []
    for k, name in enumerate(names):
        if k % 2:
            inputs.append(Input(name, "categorical"))
            terms.append(Table(name, tuple((key, float(k + j + 1)) for j, key in enumerate(categories)), default=-1.0, missing=0.5))
        else:
            inputs.append(Input(name))
            terms.append(Curve(name, (0.0, 1.0 + k), (float(k), -k / 3.0), missing=0.25))
    if len(names) >= 2:
        cells = (tuple(float(j) for j in range(len(categories) + 1)),) * 2
        terms.append(Grid(StepAxis(names[0], (0.5,)), CategoryAxis(names[1], tuple(categories)), cells, missing=-0.5))
    return verify(Model(tuple(inputs), (Constant(0.125), *terms), "logistic", doc=doc))


def test_hostile_text_everywhere_compiles_runs_and_reads_back() -> None:
    categories = [text for text in HOSTILE if "\x00" not in text]
    model = model_with(HOSTILE, categories, doc="\n".join(HOSTILE))
    text = c.emit(model)
    assert "\r" not in text and "\x00" not in text and "??" not in text and "\u2028" not in text and "\u202e" not in text
    assert all(not line.endswith("\\") for line in text.splitlines())
    assert check_runs_as_read(text, flags=()) == model  # no warning: an escaped `#error` would stop the compilers


@pytest.mark.parametrize("surrogate", SURROGATES)
def test_a_name_category_or_doc_with_a_lone_surrogate_is_refused(surrogate: str) -> None:
    """No file can hold a lone surrogate: verify refuses the model before any backend sees it."""
    for names, categories, doc in (([surrogate, "b"], ["a"], ""), (["a", "b"], [surrogate], ""), (["a", "b"], ["a"], surrogate)):
        with pytest.raises(VerifyError, match="lone surrogate"):
            model_with(names, categories, doc)


def test_a_category_holding_nul_is_refused_for_c() -> None:
    """C compares categories as NUL-terminated strings: "a\\0b" would match an input "a"."""
    with pytest.raises(UnsupportedError, match=r"category 'a\\x00b' holds a NUL character, where a C string ends \(C would match its prefix\)"):
        c.emit(model_with(["x", "y"], ["a\x00b"]))
    text = c.emit(model_with(["x", "y"], ["a"]))
    check_refused(text.replace('{"a", 2.0}', '{"a\\0b", 2.0}'), '"a\\0b"', "a string here holds a NUL, where C ends it")
    check_refused(text.replace('{"a", 2.0}', "{ab, 2.0}").replace("/* table on", "static const char ab[] = {'a', 0, 'b', 0};\n/* table on", 1), "ab, 2.0", "ab must end with its one NUL")


@pytest.mark.parametrize("name", ["naïve", "x y", "1st", "a-b", "double", "sin", "linux", "NAN", "pwlc_score", "_score", "M_PI", "main", "printf", "malloc", "abs", "exit", "time"])
def test_a_model_name_that_cannot_be_the_c_function_is_refused(name: str) -> None:
    with pytest.raises(UnsupportedError, match="rename the model"):
        c.emit(Model((), (Constant(1.0),), name=name))


@pytest.mark.parametrize(
    "doc",
    ["", " leading", "trailing ", "  both  ", "*", "* star", " * star", "**", "\n", "\n\n", " ", "a\n\nb", "a\r\nb", "tab\tend\t",
     "Compiled by pwlc. Edit the numbers freely, then read this file back with\nmore", "x */ y", "/* x", "back\\", "back\\\nslash", "??/", "\\u0041"],
)
def test_descriptions_read_back_exactly(doc: str) -> None:
    model = Model((Input("x"),), (Curve("x", (0.0, 1.0), (0.0, 1.0)),), doc=doc)
    assert c.read(c.emit(model)).doc == doc


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(list("ab */\\?=\n\r\t\x00\u2028") + SURROGATES), max_size=30).map("".join) | st.text(max_size=30))
def test_random_descriptions_read_back_exactly(doc: str) -> None:
    model = Model((Input("x"),), (Constant(1.0),), doc=doc)
    text = c.emit(model)
    assert c.read(text).doc == doc
    assert c.emit(c.read(text)) == text


_names = st.lists(st.sampled_from(list("a*/\\?=\"' \n\r\x0b\x85\u2028\u202e\x00") + ["??", "*/"]), min_size=1, max_size=8).map("".join)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_names, min_size=2, max_size=4, unique=True), st.lists(_names.filter(lambda s: "\x00" not in s), max_size=3, unique=True), _names)
def test_random_hostile_names_compile_run_and_read_back(names: list[str], categories: list[str], doc: str) -> None:
    model = model_with(names, categories, doc)
    assert check_runs_as_read(c.emit(model), flags=()) == model


def test_a_model_with_no_terms_round_trips_and_scores_zero() -> None:
    for model in (Model((), ()), Model((Input("x"),), ()), Model((Input("x"), Input("c", "categorical")), (), "logistic")):
        text = c.emit(model)
        assert c.read(text) == model and c.emit(c.read(text)) == text
        assert check_runs_as_read(text, flags=()) == model
    # `return 0.0;` with a batch that adds nothing is no terms; with pwlc_constant_rows(m, sum, 0.0), a constant 0
    with_zero = Model((Input("x"),), (Constant(0.0),))
    assert c.read(c.emit(with_zero)) == with_zero != Model((Input("x"),), ())


def test_a_name_is_kept_out_of_a_comment_it_is_shown_in() -> None:
    """Term comments show the input's name; they are not read back, but are comments still."""
    model = model_with(["*/ #error x /*", "??/"], ["a"])
    text = c.emit(model)
    assert '/* curve on "*\\/ #error x /\\*" */' in text
    try:
        assert c.read(text) == model
    except PwlcError as error:  # pragma: no cover - shown on failure
        raise AssertionError(str(error)) from None
