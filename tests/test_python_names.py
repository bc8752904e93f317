"""User text in emitted Python (issue 15): a model's name either works or is refused with
advice; every piece of user text (doc, input names, categories) stays inside its string
literal, whatever characters it holds, and reads back exactly (doc included)."""

from __future__ import annotations

import builtins
import keyword
import math
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pwlc
from pwlc.backends.python import emit, read
from pwlc.backends.python.names import module_names
from pwlc.errors import UnsupportedError
from pwlc.ir import CategoryAxis, Constant, Curve, Grid, Input, KnotAxis, Model, Table, verify
from pwlc.testing import edge_grid
from tests.python_runs import assert_agrees, probes
from tests.strategies import models

# Every control and line-break character (Python's str.splitlines breaks at \x0b \x0c
# \x1c-\x1e \x85 \u2028 \u2029 besides \n and \r), NUL, quotes, a backslash, a
# docstring's end, a bidi override, tabs, and spaces where black strips them. (A lone
# surrogate is not Unicode text: verify refuses it.)
HOSTILE_TEXT = (
    "".join(map(chr, range(32)))
    + "\x7f\x85\xa0\u2028\u2029\u202e\u200b\ufeff"
    + '"""' + "'''" + '"' + "\\" + "\\n" + "\\" + "# --- pwlc runtime" + " \t "
)
DOCS = [
    "",
    " ",
    "  leading and trailing spaces  ",
    "\r\nlines\r\nwith \r returns\r",
    "\n\nblank lines around\n\n",
    '"quoted first" and last"',
    "\\ a backslash at the end \\",
    "tabs\tinside\t",
    HOSTILE_TEXT,
    "Compiled by pwlc. Edit the numbers freely",
    "a doc\n# -*- coding: latin-1 -*-\nwith a coding line second",
]


def model_with_text(doc: str, text: str) -> Model:
    """A model whose doc, input names and categories hold `text`."""
    number, category = "x" + text, "c" + text
    return verify(
        Model(
            (Input(number), Input(category, "categorical")),
            (
                Constant(0.25),
                Curve(number, (0.0, 1.0), (1.0, -1.0), missing=0.5),
                Table(category, ((text, 1.0), ("", 2.0), (text[::-1], 3.0)), default=-1.0),
                Grid(KnotAxis(number, (0.0, 2.0)), CategoryAxis(category, (text, "b")), ((1.0, 2.0, 3.0), (4.0, 5.0, 6.0)), missing=0.0),
            ),
            "logistic",
            "naïve",
            doc,
        )
    )


@pytest.mark.parametrize("doc", DOCS, ids=[repr(d)[:20] for d in DOCS])
def test_user_text_stays_in_its_literal_runs_and_reads_back_exactly(doc: str) -> None:
    model = model_with_text(doc, HOSTILE_TEXT)
    text = emit(model)
    assert read(text) == model and read(text).doc == doc
    assert emit(read(text)) == text
    assert_agrees(text, model)


def test_the_file_on_disk_runs_in_a_fresh_python_and_reads_back(tmp_path: Path) -> None:
    """As a user would: the file written out, imported by another Python process."""
    model = model_with_text(HOSTILE_TEXT, HOSTILE_TEXT)
    path = tmp_path / "hostile.py"
    path.write_text(emit(model), encoding="utf-8")
    columns = edge_grid(model)
    rows = [[columns[i.name][k] for i in model.inputs] for k in range(len(columns[model.inputs[0].name]))]
    code = (  # the rows go in and the scores come out pickled: exact for any string and double
        "import math, pickle, runpy, sys\n"
        f"module = runpy.run_path({str(path)!r})\n"
        "rows = pickle.load(sys.stdin.buffer)\n"
        "sys.stdout.buffer.write(pickle.dumps([module['naïve'](*row) for row in rows]))\n"
    )
    numeric = [[math.nan if v is None and k == 0 else v for k, v in enumerate(row)] for row in rows]
    out = subprocess.run([sys.executable, "-I", "-c", code], input=pickle.dumps(numeric), capture_output=True, check=True)
    got = pickle.loads(out.stdout)  # noqa: S301  (our own child's output)
    expected = pwlc.evaluate(model, columns, output="score")
    assert all((g == e) or (math.isnan(g) and math.isnan(e)) for g, e in zip(got, expected))
    assert pwlc.read(path) == model


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(), st.text(), st.text(min_size=1))
def test_any_doc_and_names_round_trip_and_run(model: Model, doc: str, category: str) -> None:
    model = verify(Model(model.inputs, model.terms, model.link, model.name, doc))
    text = emit(model)
    assert read(text) == model and read(text).doc == doc
    assert emit(read(text)) == text
    assert_agrees(text, model, probes(model, rows=10))


@pytest.mark.parametrize("inputs", [(), (Input("x"),)], ids=["no inputs", "an input"])
def test_a_model_without_terms_round_trips_without_a_constant(inputs: tuple[Input, ...]) -> None:
    model = verify(Model(inputs, (), "logistic", "score", " doc "))
    text = emit(model)
    assert "sum([])" in text and read(text) == model and read(text).terms == ()
    assert_agrees(text, model)


# --- model names --------------------------------------------------------------------------

NAMES = sorted(module_names() | set(keyword.kwlist) | set(dir(builtins)) | {"np", "numpy", "total", "x", "score", "match", "case", "type", "_", "naïve", "ﬁle", "Ⅸ"})


@pytest.mark.parametrize("name", NAMES)
def test_a_model_name_works_in_python_or_is_refused_with_advice(name: str) -> None:
    """Named like a runtime function, a module, a keyword or a builtin, a model either
    gives a module that runs and reads back, or pwlc refuses it and says what to do."""
    model = verify(Model((Input("x"), Input("c", "categorical")), (Curve("x", (0.0, 1.0), (0.0, 1.0)), Table("c", (("a", 1.0),))), "logistic", name))
    try:
        text = emit(model)
    except UnsupportedError as error:
        assert "rename the model" in str(error), str(error)
        return
    assert read(text) == model
    assert_agrees(text, model)


def test_names_pwlc_refuses_include_every_clash_found() -> None:
    for name in ("logistic", "curve", "math", "probability", "class", "float", "sum", "_is_batch", "INPUT_NAMES", "ﬁle"):
        with pytest.raises(UnsupportedError):
            emit(Model((), (Constant(1.0),), "logistic", name))
    for name in ("np", "numpy", "total", "risk", "match", "naïve"):
        model = verify(Model((Input(name), Input("total" if name != "total" else "x")), (Curve(name, (0.0, 1.0), (0.0, 1.0)),), "logistic", name))
        assert read(emit(model)) == model


@pytest.mark.parametrize("name", sorted(module_names() | {"np", "total", "sum", "score", "__debug__", "float", "None", "class"}))
def test_an_input_named_like_anything_in_the_module_works(name: str) -> None:
    model = verify(Model((Input(name), Input("y")), (Curve(name, (0.0, 1.0), (0.0, 1.0)), Curve("y", (0.0, 1.0), (1.0, 2.0))), "exp"))
    text = emit(model)
    assert read(text) == model
    assert_agrees(text, model)
