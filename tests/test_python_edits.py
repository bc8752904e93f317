"""Hand edits of emitted Python: every file pwlc reads back computes, run by CPython, what
pwlc read (scalar and batch); everything else is refused where it is, with what to do.

The property test applies random reviewer edits (tests/python_edits.py) to random valid
models; the tests after it pin each class of edit the issue names (issue 14)."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from pathlib import Path

import black
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pwlc
from pwlc.backends.python import emit
from pwlc.backends.python.runtime_copy import runtime_source
from tests.python_edits import ADVICE, EDITS, edit, reorder_signature
from tests.python_runs import assert_agrees, compare
from tests.strategies import models

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "models"
RECIDIVISM = pwlc.read(GOLDEN / "recidivism.pwl")
TEXT = emit(RECIDIVISM)
MARKER_LINE = next(line for line in TEXT.splitlines() if line.startswith("# --- pwlc runtime"))


def read(text: str) -> pwlc.Model:
    """What `pwlc.read` makes of Python `text` (parsed, then verified)."""
    return pwlc.read(text, format="python")


def refusal(text: str) -> tuple[int, int, str]:
    """The line, column and message of pwlc's refusal of `text` (which must be refused as
    a one-line `file:line:col: message`, the source line and a caret)."""
    with pytest.raises(pwlc.PwlcError) as caught:
        read(text)
    message = str(caught.value)
    first, source, caret = message.splitlines()
    found = re.match(r"<string>:(\d+):(\d+): (.*)", first)
    assert found, message
    assert caret.strip() == "^" and len(caret) - 4 == int(found.group(2)), message
    assert ADVICE.search(found.group(3)), f"no advice in: {message}"
    return int(found.group(1)), int(found.group(2)), found.group(3)


def points_at(text: str, construct: str, occurrence: int = 0) -> tuple[int, int]:
    """The line and column of `construct` in `text` (its `occurrence`-th appearance)."""
    offset = -1
    for _ in range(occurrence + 1):
        offset = text.index(construct, offset + 1)
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def assert_refused_at(text: str, construct: str, says: str, occurrence: int = 0) -> None:
    line, column, message = refusal(text)
    assert says in message, message
    assert (line, column) == points_at(text, construct, occurrence), f"{message} at {line}:{column}, not at {construct!r}"


# --- the property -------------------------------------------------------------------------

EXAMPLES = int(os.environ.get("PWLC_EDIT_EXAMPLES", "120"))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(models(), st.randoms(use_true_random=False))
def test_an_edited_file_is_read_as_cpython_runs_it_or_refused_where_it_is(model: pwlc.Model, rng: random.Random) -> None:
    text, done = edit(emit(model), rng)
    try:
        read_back = read(text)
    except pwlc.PwlcError as error:
        message = str(error)
        assert re.match(r"<string>:\d+:\d+: ", message), f"{done}: {message}"
        assert message.splitlines()[-1].strip() == "^", f"{done}: {message}"
        assert ADVICE.search(message.splitlines()[0]), f"{done}: no advice in {message}"
        return
    assert_agrees(text, read_back)


def test_every_edit_operator_applies_to_the_golden_files() -> None:
    """The operators do edit (so the property test is not vacuous)."""
    rng = random.Random(0)
    for operator in EDITS:
        text = CONSTANT_TEXT if operator.__name__ == "constant_sum" else TEXT  # per_row is in the constant model's
        assert any(operator(text, rng) not in (None, text) for _ in range(5)), operator.__name__


# --- 1: a call bound by Python's rules ------------------------------------------------------


def test_a_call_by_position_after_the_signature_was_reordered_is_refused() -> None:
    """The issue's case: `score`'s parameters reordered, `probability` left as it was. The
    caret on `score`'s first parameter out of order (the edit), the message naming
    `probability`'s line."""
    text = TEXT.replace("    age: float,\n    priors_count: float,", "    priors_count: float,\n    age: float,", 1)
    line = points_at(text, "def probability")[0]
    assert_refused_at(text, "priors_count: float,", f"`probability` (line {line}) takes (age, priors_count, length_of_stay, sex, c_charge_degree), but `score` takes (priors_count, age,")


@pytest.mark.parametrize(
    ("call", "says", "at"),
    [
        ("score(priors_count, age, length_of_stay, sex, c_charge_degree)", "this passes `priors_count` as `score`'s `age`", "priors_count, age"),
        ("score(age, priors_count, length_of_stay, sex)", "passes no `c_charge_degree`", "score(age, priors_count, length_of_stay, sex))"),
        ("score(age, priors_count, length_of_stay, sex, c_charge_degree, age)", "this argument is extra", "age))"),
        ("score(age, priors_count, length_of_stay, sex, age=age)", "gets 'age' twice", "age=age"),
        ("score(age, priors_count, length_of_stay, sex, c_charge_degree=sex)", "this passes `sex` as `score`'s `c_charge_degree`", "sex)"),
    ],
)
def test_the_link_functions_call_is_bound_as_python_binds_it(call: str, says: str, at: str) -> None:
    compact = black.format_str(TEXT, mode=black.Mode(line_length=200, magic_trailing_comma=False))
    text = compact.replace("score(age, priors_count, length_of_stay, sex, c_charge_degree))", call + ")")
    assert text != compact
    assert_refused_at(text, at, says)


def test_a_call_by_keyword_in_any_order_is_read_and_runs_the_same() -> None:
    compact = black.format_str(TEXT, mode=black.Mode(line_length=200, magic_trailing_comma=False))
    text = compact.replace(
        "score(age, priors_count, length_of_stay, sex, c_charge_degree))",
        "score(sex=sex, c_charge_degree=c_charge_degree, age=age, length_of_stay=length_of_stay, priors_count=priors_count))",
    )
    assert read(text) == RECIDIVISM
    assert_agrees(text, RECIDIVISM)


def test_a_signature_reordered_everywhere_reads_inputs_in_the_new_order() -> None:
    for seed in range(5):
        text = reorder_signature(TEXT, random.Random(seed), everywhere=True)
        assert text is not None
        model = read(text)
        assert sorted(model.inputs, key=lambda i: i.name) == sorted(RECIDIVISM.inputs, key=lambda i: i.name)
        assert model.terms == RECIDIVISM.terms
        assert_agrees(text, model)


@pytest.mark.parametrize(
    ("old", "new", "says", "at"),
    [
        ('fx="log1p")', 'fx="log1p", missing=0, colour=1)', "curve() has no argument 'colour'", "colour"),
        ("default=0)", "default=0, missing=0, default=1)", "gets 'default' twice", "default=1"),
        ("(70, -0.6)])", '(70, -0.6)], "identity", None, 3)', "takes at most 4 arguments", "3)"),
        ("curve(age, [(18", "curve(x=age, knots=[(18", None, None),
        ("(70, -0.6)])", '(70, -0.6)], "identity", 0.25)', None, None),
    ],
)
def test_runtime_calls_are_bound_by_position_then_name_then_default(old: str, new: str, says: str | None, at: str | None) -> None:
    text = TEXT.replace(old, new, 1)
    assert text != TEXT
    if says is None:
        assert_agrees(text, read(text))
    else:
        assert at is not None
        assert_refused_at(text, at, says)


# --- 2: the runtime ------------------------------------------------------------------------


def test_an_edit_of_the_runtime_is_refused_at_the_edited_line() -> None:
    text = TEXT.replace("            return math.inf\n", "            return 1e308\n", 1)
    assert_refused_at(text, "1e308\n", "the runtime below the marker was edited")
    line, _, message = refusal(text)
    assert "pwlc fmt FILE.py" in message and "change the terms above" in message


@pytest.mark.parametrize(
    ("old", "new", "at"),
    [
        ("    if b:\n", "    if b or True:\n", "True:"),  # a changed condition
        ("import numpy as np\n\n    x = np.asarray(x, dtype=float)", "import numpy as np\n\n    x = np.asarray(x, dtype=np.float32)", "np.float32"),
        ("def _when_missing(missing):\n", "def _when_missing(missing):\n    missing = 0\n", "missing = 0"),
        ('        return _numpy_or_math("log")\n', '        return _numpy_or_math("log10")\n', "log10"),
        ("return y0 + (y1 - y0)", "return y0 - (y1 - y0)", "y0 - (y1"),  # an operator (no position of its own in ast)
        ("    if x < x1:\n", "    if x <= x1:\n", "x <= x1"),
    ],
)
def test_any_change_to_what_the_runtime_computes_is_refused_there(old: str, new: str, at: str) -> None:
    assert old in TEXT
    text = TEXT.replace(old, new, 1)
    line, column, message = refusal(text)
    assert "runtime below the marker was edited" in message
    assert line == points_at(text, at)[0]
    assert column <= points_at(text, at)[1]  # on the statement or expression holding the change


def test_a_runtime_reformatted_or_commented_is_the_runtime() -> None:
    for width in (40, 120):
        text = black.format_str(TEXT, mode=black.Mode(line_length=width, magic_trailing_comma=False)).replace("    if b:\n", "    if b:  # nonzero\n")
        assert read(text) == RECIDIVISM
        assert_agrees(text, RECIDIVISM)


def test_runtime_definitions_of_a_deleted_term_may_stay_and_missing_ones_are_named() -> None:
    without_tables = "".join(line for line in TEXT.splitlines(keepends=True) if "+ table(" not in line)
    assert read(without_tables).terms == RECIDIVISM.terms[:4]
    start = TEXT.index("def table(")
    end = TEXT.index("def logistic(")
    assert_refused_at(TEXT[:start] + TEXT[end:], "def logistic(", "pwlc writes `table` here")


def test_the_marker_reworded_moved_or_deleted_is_refused_where_it_should_be() -> None:
    assert_refused_at(TEXT.replace("# --- pwlc runtime:", "# --- runtime:"), "# --- runtime:", "expected the runtime marker here")
    deleted = TEXT.replace(MARKER_LINE + "\n", "")
    assert_refused_at(deleted, "def _is_batch", "belongs to pwlc's runtime")
    indented = TEXT.replace("    return (\n", f"    return (\n{MARKER_LINE}\n", 1)
    assert_refused_at(indented, MARKER_LINE, "must start a line of its own, after the functions")


def test_a_file_without_its_runtime_reads_and_pwlc_fmt_writes_the_runtime_back(tmp_path: Path) -> None:
    """The regeneration workflow: delete from the marker line on, run `pwlc fmt`."""
    path = tmp_path / "risk.py"
    edited = TEXT.replace("(25, 0.2)", "(30, 0.25)")
    path.write_text(edited[: edited.index(MARKER_LINE)], encoding="utf-8")
    model = pwlc.read(path)
    subprocess.run([sys.executable, "-m", "pwlc", "fmt", str(path)], check=True, capture_output=True, env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)})
    restored = path.read_text(encoding="utf-8")
    assert restored == emit(model) and read(restored) == model
    assert model.terms[1].xs[1] == 30.0
    assert_agrees(restored, model)


def test_the_imports_the_runtime_needs_are_checked() -> None:
    assert_refused_at(TEXT.replace("import math\n", ""), MARKER_LINE, "the runtime below needs `import math`")
    assert_refused_at(TEXT.replace("import math\n", "import math\nimport os\n"), "os", "imports only what its runtime needs")


# --- 3 and 5: every construct is read exactly or refused at it, saying what to do ---------

BODY = '    """The log-odds: the sum of one term per line."""\n'
# (edit: old -> new text, the construct the caret must be on, what the message says)
REFUSED = [
    ((BODY, BODY + "    if age > 30:\n        return 1.0\n"), "if age", "write a condition as a step() or table() term"),
    ((BODY, BODY + "    for k in []:\n        pass\n"), "for k", "write the terms out"),
    ((BODY, BODY + "    global x\n"), "global", "use no global variables"),
    ((BODY, BODY + "    assert age\n"), "assert", "remove it"),
    ((BODY, BODY + "    print(age)\n"), "(age)", "expected '='"),
    ((BODY, BODY + "    def helper():\n        return 1\n"), "def helper", "`return` and the sum"),
    ((BODY, BODY + "    total = 1.0; total = 2.0\n"), ";", "one statement a line"),
    ((BODY, BODY + "    x = 1.0\n"), "x = 1.0", "the next sum does not start from it"),
    ((BODY, BODY + "    KNOTS = [(18, 0.61), (70, -0.6)]\n"), "KNOTS", "a variable holding knots or values is not read"),  # B-py4
    # B-py3: text CPython cannot run (pwlc used to read it: it skipped layout)
    ((BODY + "    return (\n", BODY[:-1] + " return (\n"), "return (", "put 'return' on a line of its own"),
    (("    return (\n", "    return # c\n    (\n"), "\n    (\n", "the line ends here"),
    (("\ndef score(", "\n def score("), " def score", "unexpected indentation"),
    (("    return (\n", "  return (\n"), " return (", "indent each block by the same spaces"),
    ((BODY, BODY + "    curve = 1.0\n"), "curve = 1.0", "the total needs a name of its own"),
    (("    )\n\n\ndef probability", "    )\n    x = 1\n\n\ndef probability"), "x = 1", "nothing after its `return` is run"),
    (("import math\n", "import math\n\nAGE = [(18, 0.61), (25, 0.2)]\n"), "AGE", "a variable holding knots or values is not read"),
    (("import math\n", "import math\nimport numpy\n"), "numpy", "imports only what its runtime needs"),
    (("import math\n", "import math\nimport numpy as np\n"), "as np", "without `as`"),
    (("import math\n", "import math\nfrom math import exp\n"), "exp\n", "imports only what its runtime needs"),
    (("import math\n", "import math\nfrom typing import Optional as curve\n"), "as curve", "without `as`"),
    (("import math\n", "import math\nx = 1\n"), "x = 1", "no module-level variable but INPUT_NAMES"),
    (("import math\n", 'import math\n"""A second string."""\n'), '"""A second', "make it a # comment"),
    (("import math\n", "import math\nif True:\n    pass\n"), "if True", "write a condition"),
    (("import math\n", "import math\nclass C:\n    pass\n"), "class", "reads only the functions it writes"),
    (("\n\ndef score(", "\n\n@cache\ndef score("), "@cache", "decorators change what a function does"),
    (("    age: float,\n", "    age: float = 30,\n"), "= 30", "remove `= ...`"),
    (("    age: float,\n", "    *age: float,\n"), "*age", "plain parameters only"),
    (("    age: float,\n", "    age: list,\n"), "list", "annotate an input `float` (a number) or `str`"),
    (("    age: float,\n", "    age: Optional[float],\n"), "Optional[float]", "add `from typing import Optional`"),
    ((") -> float:\n    \"\"\"logistic", ") -> Foo:\n    \"\"\"logistic"), "Foo", "annotate the result `float`"),
    (("    age: float,\n", "    age: float,\n    curve: float,\n"), "curve: float", "would hide what the function calls"),
    (("    age: float,\n", "    age: float,\n    age: float,\n"), "age: float,\n    priors", "appears twice", ),
    (("+ curve(age,", "+ curve(*[age],"), "*[age]", "not unpacked"),
    (("default=0)", "default=0, **{})"), "**{}", "not unpacked"),
    (("default=0)", "default=0, colour=1)"), "colour", "has no argument 'colour'"),
    (("(18, 0.61)", "(18, 0.61 if age else 0)"), "if age", "write a condition"),
    (("(18, 0.61)", "(18, lambda: 0)"), "lambda", "write the value itself"),
    (("(18, 0.61)", "(18, 0.61 > 0)"), ">", "expected"),
    (("(18, 0.61)", "(18, 2 ** 3)"), "**", "pwlc reads + - * / between numbers"),
    (("(18, 0.61)", "(18, 7 // 2)"), "//", "pwlc reads + - * / between numbers"),
    (("(18, 0.61)", "(18, ~1)"), "~", "write the value itself"),
    (("(18, 0.61)", "(18, True)"), "True", "not a bool"),
    (("(18, 0.61)", "(18, math.pi)"), "math.pi", "expected a number"),
    (("(18, 0.61)", "(18, 1 / 0)"), "/ 0", "division by zero"),
    (("(18, 0.61)", "(18, 1e308 * 10)"), "1e308 * 10", "this is inf in Python"),
    (("(18, 0.61)", "(18, 10 ** 400)"), "**", "pwlc reads + - * / between numbers"),
    (("(18, 0.61)", "(18, 9007199254740993)"), "9007199254740993", "not exactly a double"),
    (("(18, 0.61)", "(18, 1j)"), "1j", "not imaginary ones"),
    (("(18, 0.61)", "(18, 0.61, 3)"), "(18, 0.61, 3)", "a pair (x, y) of two numbers"),
    (("(18, 0.61)", "(18, [0.61][0])"), "[0.61][0]", "expected"),
    (('"Female": -0.2', 'f"Female": -0.2'), 'f"Female"', "not f-strings"),
    (('"Female": -0.2', 'b"Female": -0.2'), 'b"Female"', "not bytes"),
    (('"Female": -0.2', '"Male": -0.2'), '"Male": 0.05', "appears twice"),
    (("-0.35\n", "-0.35\n        + (0.1 + curve(age, [(0, 1)]))\n"), "(0.1 + curve", "remove the parentheses"),
    (("-0.35\n", "-0.35\n        - curve(age, [(0, 1)])\n"), "curve(age, [(0, 1)])", "cannot be subtracted"),
    (("-0.35\n", "-0.35\n        + 2 * curve(age, [(0, 1)])\n"), "2 * curve", "scale its values instead"),
    (("-0.35\n", "-0.35\n        + spline(age)\n"), "spline(age)", "spline() is not a pwlc term"),
    (("-0.35\n", "-0.35\n        + curve(sex, [(0, 1)])\n"), "curve(sex", "is categorical but this term needs a numeric input"),
    (("-0.35\n", "9007199254740992\n        + 1\n        + 1\n"), "9007199254740992\n", "write one of them as a float"),  # at the largest
    (("    return (\n", "    total = (1.0)\n    return (\n        -0.5 + total +\n"), "total = (1.0)", "the next sum does not start from it"),
]


@pytest.mark.parametrize(("edit", "at", "says"), REFUSED, ids=[f"{k}:{r[1].strip()[:20]}" for k, r in enumerate(REFUSED)])
def test_a_construct_pwlc_does_not_read_is_refused_at_it_with_advice(edit: tuple[str, str], at: str, says: str) -> None:
    old, new = edit
    assert old in TEXT, old
    text = TEXT.replace(old, new, 1)
    line, column, message = refusal(text)
    assert says in message, message
    offset = text.index(at, text.index(new) if new in text else 0)
    assert (line, column) == (text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)), f"{message} at {line}:{column}, not at {at!r}"


def test_an_annotation_needs_its_import_above_the_function_as_python_evaluates_it_there() -> None:
    below = TEXT.replace("    age: float,\n", "    age: Optional[float],\n", 1).replace(MARKER_LINE, "from typing import Optional\n\n\n" + MARKER_LINE)
    assert_refused_at(below, "Optional[float]", "add `from typing import Optional`")
    above = below.replace("from typing import Optional\n\n\n", "").replace("import math\n", "from typing import Optional\nimport math\n")
    assert read(above) == RECIDIVISM


def test_a_function_defined_twice_and_a_second_model_are_refused() -> None:
    twice = TEXT.replace("\n\ndef probability(", "\n\ndef score(x: float) -> float:\n    return 1.0\n\n\ndef probability(", 1)
    assert_refused_at(twice, "score(x", "`score` is bound twice")
    second = TEXT.replace("\n\ndef probability(", "\n\ndef other(x: float) -> float:\n    return 1.0\n\n\ndef probability(", 1)
    assert_refused_at(second, "other", "a second scoring function")
    two_links = TEXT.replace(MARKER_LINE, "def p2(\n    age: float,\n    priors_count: float,\n    length_of_stay: float,\n    sex: str,\n    c_charge_degree: str,\n) -> float:\n    return exp(score(age, priors_count, length_of_stay, sex, c_charge_degree))\n\n\n" + MARKER_LINE)
    assert_refused_at(two_links, "p2", "a second link function")


def test_deep_nesting_and_huge_sums_are_refused_at_a_position() -> None:
    """CPython itself refuses 200 nested brackets and cannot compile ~3000 chained
    operators: pwlc refuses before either, at the place (never a RecursionError)."""
    deep = TEXT.replace("-0.35", "(" * 1000 + "-0.35" + ")" * 1000, 1)
    line, column, message = refusal(deep)
    first = points_at(deep, "((((")
    assert "nested more than 50 levels deep" in message and line == first[0] and first[1] < column <= first[1] + 50
    signs = TEXT.replace("-0.35", "-" * 1000 + "0.35", 1)
    assert "nested more than 50 levels deep" in refusal(signs)[2]
    lists = TEXT.replace("(18, 0.61)", "(18, " + "[" * 1000 + "1" + "]" * 1000 + ")", 1)
    assert "nested more than 50 levels deep" in refusal(lists)[2]
    long_sum = TEXT.replace("-0.35\n", "-0.35\n" + "        + 0.5\n" * 1500, 1)
    assert "more than 1000 operations in one expression" in refusal(long_sum)[2]
    unclosed = TEXT.replace("[(18, 0.61)", "[[(18, 0.61)", 1)
    assert_refused_at(unclosed, ")\n", "does not close the '[' opened")
    assert_refused_at(TEXT[: TEXT.index("(70, -0.6)])")], "[(18", "this bracket is never closed")  # the innermost one open


# --- carets on the edited construct, where two places disagree ---------------------------------

_MODULE_DOC_END = TEXT.index('"""\n\nimport')


@pytest.mark.parametrize(
    ("old", "new", "at", "says"),
    [
        # a knot moved or added out of order: at that knot, not at the curve( call
        ("(25, 0.2), (46, -0.45)", "(25, 0.2), (4.6, -0.45)", "4.6, -0.45", "knot positions must be strictly increasing (25.0 then 4.6)"),
        ("(15, 0.9)]", "(15, 0.9), (14, 1)]", "14, 1)", "knot positions must be strictly increasing (15.0 then 14.0)"),
        # a parameter renamed in score's signature only: at it (probability still names `age`)
        ("    age: float,\n", "    age_years: float,\n", "age_years", "reads `age`, and the link function takes `age` too, but this parameter is `age_years`"),
        # the same disagreement made by editing the term: at the term, naming the parameter
        ("curve(age,", "curve(agee,", "agee", "`agee` is none (parameter `age`, line 12, is read by no term)"),
        # score renamed where it is defined: at its name, naming probability's call
        ("def score(", "def score_v2(", "score_v2", "`probability` (line 37) calls `score`, but the scoring function is named `score_v2`"),
        # a docstring's closing quotes cut short: there, not where Python stops lines later
        ('sum of one term per line."""', 'sum of one term per line.""', '""\n    return', "this string's closing \"\"\" is cut short"),
        (TEXT[_MODULE_DOC_END - 30 : _MODULE_DOC_END + 3], TEXT[_MODULE_DOC_END - 30 : _MODULE_DOC_END + 2], '""\n\nimport', "is cut short, so the string runs on to line"),
    ],
    ids=["knot-moved", "knot-added", "parameter-renamed", "term-renamed", "function-renamed", "docstring-cut", "module-docstring-cut"],
)
def test_a_refusal_points_at_the_edited_place_of_two_that_disagree(old: str, new: str, at: str, says: str) -> None:
    text = TEXT.replace(old, new, 1)
    assert text != TEXT
    assert_refused_at(text, at, says)


def test_a_parameter_renamed_that_input_names_maps_is_refused_at_the_parameter() -> None:
    """INPUT_NAMES still names `class_`, the signature now `class__renamed`: at the
    parameter (the edit), naming INPUT_NAMES's line."""
    text = emit(pwlc.read(GOLDEN / "tables.pwl"))
    edited = text.replace("class_: str", "class__renamed: str", 1)
    assert edited != text
    line = points_at(edited, "INPUT_NAMES = ")[0]
    assert_refused_at(edited, "class__renamed", f"INPUT_NAMES (line {line}) names `class_`, which is not a parameter of `score`")


# --- 4: edits a reviewer would make are read with Python's meaning ----------------------

ACCEPTED = [
    ("(18, 0.61), (25, 0.2), (46, -0.45), (70, -0.6)]", "[18, 0.61], [25, 0.2], [46, -0.45], [70, -0.6]]"),
    ("[(18, 0.61), (25, 0.2), (46, -0.45), (70, -0.6)]", "((18, 0.61), (25, 0.2), (46, -0.45), (70, -0.6))"),
    ("(25, 0.2)", "(25, 0.1 + 0.1)"),
    ("(46, -0.45)", "((46.0 - 25.0) + 25, -0.45)"),
    ("(46, -0.45)", "(21.0 + 25, -0.9 / 2)"),
    ("(70, -0.6)", "(70, 1 / 3)"),
    ("(70, -0.6)", "(7 * 10, -(0.1 * 3))"),
    ("(70, -0.6)", "(0x46, -6e-1)"),
    ("(70, -0.6)", "(7_0.0, -.6)"),
    ("-0.35\n", "-0.35\n        + 0.1 + 0.2\n        - (0.1 + 0.2)\n"),
    ("-0.35\n", "-0.35\n        + 9007199254740992.0\n        + 1\n        + 1\n"),
    ("    age: float,\n", "    age: float | None,\n"),
    ("    sex: str,\n", "    sex: None | str,\n"),
    ("    age: float,\n", "    age: int,\n"),
    ("import math\n", "import math\nfrom typing import Optional\n"),
    ("(70, -0.6)])\n", "(70, -0.6)])  # the oldest\n"),
    ("(18, 0.61), ", "(18, 0.61),  # first\n            "),
    ("    return (\n", "    # the sum of the terms\n    return (  # here\n"),
    ("default=0)", "default=0, missing=None)"),
    ('fx="log1p"', "fx='log1p'"),
    ('{"Female": -0.2', '{"Fem" "ale": -0.2'),
    ('{"Female": -0.2', "{u'Female': -0.2"),
]


@pytest.mark.parametrize(("old", "new"), ACCEPTED, ids=[new.strip()[:30] for _, new in ACCEPTED])
def test_a_reasonable_edit_is_read_as_python_computes_it(old: str, new: str) -> None:
    assert old in TEXT
    text = TEXT.replace(old, new, 1)
    assert_agrees(text, read(text))


def test_literal_arithmetic_gives_what_cpython_gives() -> None:
    text = TEXT.replace("(25, 0.2)", "(25, 0.1 + 0.2)").replace("(46, -0.45)", "(46, 1 / 3 * 3 - 1e-17)")
    curve = read(text).terms[1]
    assert curve.ys[1] == 0.1 + 0.2 and curve.ys[2] == 1 / 3 * 3 - 1e-17  # noqa: PLR0124 (the point is CPython's own arithmetic)
    assert curve.ys[1] != 0.3


def test_options_of_optional_annotations_a_bom_crlf_and_black_are_all_read() -> None:
    marker = TEXT.index(MARKER_LINE)  # the annotations above it
    optional = (re.sub(r": (float|str)\b", r": Optional[\1]", TEXT[:marker]) + TEXT[marker:]).replace("import math\n", "from typing import Optional\nimport math\n")
    for text in (optional, "\ufeff" + TEXT, TEXT.replace("\n", "\r\n"), TEXT.replace("\n", "\r")):
        assert read(text) == RECIDIVISM
        assert_agrees(text, RECIDIVISM)
    for width in (30, 60, 100, 300):
        for magic in (True, False):
            text = black.format_str(TEXT, mode=black.Mode(line_length=width, magic_trailing_comma=magic))
            assert read(text) == RECIDIVISM


def test_every_golden_file_reads_back_and_runs_as_read() -> None:
    for path in sorted(GOLDEN.glob("*.pwl")):
        model = pwlc.read(path)
        text = emit(model)
        assert read(text) == model
        found = compare(text, model)
        assert not any(found.values()), (path.name, found)


# --- A6: a sum no input reaches still gives a batch one score a row -------------------------

CONSTANT = pwlc.Model((pwlc.ir.Input("a"), pwlc.ir.Input("b")), (pwlc.ir.Constant(1.5),))
CONSTANT_TEXT = emit(CONSTANT)


@pytest.mark.parametrize(
    ("new", "at", "says"),
    [
        ("return 1.5", "1.5", "a batch would get one number back"),
        ("return sum([])", "sum([])", "a batch would get one number back"),
        ("return per_row(1.5)", "per_row", "pass them after the sum"),
        ("return per_row(1.5, a, a)", "a)", "each once"),
        ("return per_row(1.5, 2.0)", "2.0", "pass an input of `score` here"),
        ("return per_row(1.5, a=a)", "per_row", "takes the sum, then the inputs"),
        ("return per_row(1.5, a) + 1", "per_row", "per_row() is not a pwlc term"),
    ],
)
def test_a_constant_sum_without_per_row_is_refused_at_it(new: str, at: str, says: str) -> None:
    text = CONSTANT_TEXT.replace("return per_row(1.5, a, b)", new, 1)
    assert text != CONSTANT_TEXT
    assert_refused_at(text, at, says, occurrence=text[: text.index(new)].count(at))


@pytest.mark.parametrize(
    "new",
    ["return per_row(1.5 - 0.5, a, b)", "return per_row(1.5, b)", "return per_row(sum([]), b, a)", "return per_row(1.5 + step(a, 0, [(1, 2)]), a)"],
)
def test_edits_inside_per_row_are_read_and_give_a_score_for_each_row(new: str) -> None:
    text = CONSTANT_TEXT.replace("return per_row(1.5, a, b)", new, 1)
    if "step(" in new:  # a term that reads an input: its runtime and imports too
        marker = text.index(MARKER_LINE) + len(MARKER_LINE)
        text = (text[:marker] + "\n\n" + runtime_source(["step", "per_row"])).replace("\n\ndef score(", "import bisect\nimport math\n\n\ndef score(", 1)
    model = read(text)
    assert_agrees(text, model)


# --- integers past 2**53 ----------------------------------------------------------------------

_EXACT = 2**53  # past it, not every integer is a double: CPython's ints are exact, the evaluator's doubles are not


@st.composite
def big_integer(draw: st.DrawFn) -> str:
    """A number literal, or literal arithmetic, with an int past 2**53 in it."""
    near = draw(st.integers(_EXACT - 3, _EXACT + 3) | st.integers(_EXACT, 2**70) | st.integers(0, 2**16).map(lambda k: _EXACT + 2 * k))
    other = draw(st.integers(1, 3) | st.integers(_EXACT, _EXACT + 3))
    form = draw(st.sampled_from(["{a}", "-{a}", "{a} + {b}", "{a} - {b}", "{a} * 1.0", "1.0 * {a}", "{a} / {b}", "({a} + {b}) * 1.0", "{a} + 0.5", "{a}.0"]))
    return form.format(a=near, b=other)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.sampled_from(["recidivism", "steps", "tables", "grids", "minimal"]), big_integer(), st.randoms(use_true_random=False))
def test_integers_past_2_53_are_read_as_cpython_computes_them_or_refused_at_the_literal(name: str, number: str, rng: random.Random) -> None:
    """CPython adds, multiplies and compares such ints exactly; pwlc's evaluator rounds to
    doubles. A literal that holds one is read with Python's own arithmetic (an int that
    is exactly a double, or arithmetic that makes a float, as CPython makes it) or refused
    there, saying to write a float. The edited file then runs in CPython as read."""
    text = emit(pwlc.read(GOLDEN / f"{name}.pwl"))
    code, runtime = text.split(MARKER_LINE)
    start = code.find('"""', code.find("def "))
    numbers = [m for m in re.finditer(r"(?<![\w.'\"])-?\d+\.\d+(?:e[-+]?\d+)?(?![\w.])", code) if m.start() > start]
    chosen = rng.choice(numbers)
    edited = code[: chosen.start()] + number + code[chosen.end() :] + MARKER_LINE + runtime
    try:
        read_back = read(edited)
    except pwlc.PwlcError as error:
        message = str(error).splitlines()[0]
        assert ADVICE.search(message), message
        line = code.count("\n", 0, chosen.start()) + 1
        if "integer" in message or "2**53" in message:  # refused for the int: saying to write a float, at it ...
            assert "float" in message and error.span is not None, message
            # ... or, for a sum its ints may take past 2**53, at the summand holding it
            later_summands = [n for n, text in enumerate(code.splitlines(), 1) if re.match(r"\s*[+-] ", text) and error.span.line < n <= line]
            assert error.span.line <= line and not later_summands, f"{number}: {error}"
        return
    assert_agrees(edited, read_back)


def test_integers_past_2_53_cases() -> None:
    """The cases the property draws, each once: read or refused as CPython computes them."""
    knot = "(25, 0.2)"
    assert knot in TEXT
    # not a double: refused at it
    assert_refused_at(TEXT.replace(knot, "(25, 9007199254740993)", 1), "9007199254740993", "not exactly a double; write the double you mean, as a float")
    assert_refused_at(TEXT.replace(knot, "(25, 9007199254740992 + 1)", 1), "9007199254740992 + 1", "not exactly a double")
    # a double: read as it is; CPython's int + float rounds the int first, as the reader does
    for value, read_as in (("9007199254740994", 9007199254740994.0), ("9007199254740993 * 1.0", 9007199254740992.0), ("(9007199254740992 + 1) / 1", 9007199254740992.0)):
        edited = TEXT.replace(knot, f"(25, {value})", 1)
        model = read(edited)
        assert model.terms[1].ys[1] == read_as  # type: ignore[union-attr]
        assert_agrees(edited, model)
