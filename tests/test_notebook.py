"""A model in a notebook: its HTML (a table of terms, largest first, and their plots), its
text in IPython, `pwlc.show`, and the HTML rendered in Chromium."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import pwlc
from pwlc.ir import Constant, Curve, Grid, Input, KnotAxis, Linear, Model, Multiclass, Table, term_features
from pwlc.notebook import MAX_PLOTS, MAX_ROWS, model_text
from tests.conftest import require_engine
from tests.test_report import CHROMIUM_FLAGS, GOLDEN, sample

ROW = re.compile(r"<tr><td>([\w, ]+)</td><td>([^<]*)</td><td>([^<]*)</td><td[^>]*>([^<]*)</td></tr>")
IMAGE = re.compile(r'<img alt="([^"]*)" src="data:image/png;base64,')


def many_curves(count: int, seed: int = 3) -> tuple[Model, list[str]]:
    """`count` curves of random heights in random order, and their names, tallest first."""
    rng = np.random.default_rng(seed)
    heights = rng.permutation(np.arange(1, count + 1)) / 8.0
    names = [f"f{i}" for i in range(count)]
    terms = [Curve(name, (0.0, 1.0, 2.0), (0.0, float(h), -float(h) / 2)) for name, h in zip(names, heights)]
    model = Model(tuple(Input(n) for n in names), (Constant(0.5), *terms), "logistic")
    return model, [name for _, name in sorted(zip(-heights, names))]


ALL_GOLDEN = sorted(GOLDEN.parent.glob("models*/*.pwl")) + sorted(GOLDEN.parent.glob("multiclass/*.pwl"))


@pytest.mark.parametrize("path", ALL_GOLDEN, ids=lambda p: p.stem)
def test_every_term_is_a_row_and_a_picture(path: Path) -> None:
    model = pwlc.read(path)
    html = model._repr_html_()
    rows = ROW.findall(html)
    if isinstance(model, Multiclass):  # a line an input (or pair), every class's terms on it
        terms = [t for scored in model.scores for t in scored if not isinstance(t, Constant)]
        lines = {" × ".join(term_features(t)) for t in terms}
        assert sorted(name for _, name, _, _ in rows) == sorted(lines)
        assert {kind for kinds, *_ in rows for kind in kinds.split(", ")} == {type(t).__name__.lower() for t in terms}
        assert len(IMAGE.findall(html)) >= min(len(lines), MAX_PLOTS)
    else:
        terms = [t for t in model.terms if not isinstance(t, Constant)]
        assert len(rows) == len(terms) <= MAX_ROWS
        assert sorted(kind for kind, *_ in rows) == sorted(type(t).__name__.lower() for t in terms)
        assert len(IMAGE.findall(html)) == min(len(terms), MAX_PLOTS)
        assert len(model_text(model).splitlines()) == 2 + len(terms)  # a header, the column names, a line a term
    assert "<body" not in html and "http" not in html


def test_ranges_are_every_value_a_term_can_give() -> None:
    model = Model(
        (Input("a"), Input("s", "categorical"), Input("b")),
        (
            Curve("a", (0.0, 1.0), (-0.25, 0.5), missing=2.0),
            Table("s", (("x", 0.125), ("y", -1.0)), default=3.0),
            Linear("b", 0.25),
        ),
    )
    rows = {name: (size, contribution) for _, name, size, contribution in ROW.findall(model._repr_html_())}
    assert rows == {"a": ("2 knots", "-0.25 .. 2"), "s": ("2 categories", "-1 .. 3"), "b": ("slope 0.25", "unbounded (slope × x)")}


def test_hundreds_of_terms_largest_first_and_the_rest_counted() -> None:
    model, tallest_first = many_curves(300)
    html = model._repr_html_()
    rows = ROW.findall(html)
    assert [name for _, name, _, _ in rows] == tallest_first[:MAX_ROWS]
    assert f"{300 - MAX_ROWS} more terms not listed" in html
    assert IMAGE.findall(html) == tallest_first[:MAX_PLOTS]
    assert f"{300 - MAX_PLOTS} more terms not drawn" in html
    text = model_text(model)
    assert [line.split()[1] for line in text.splitlines()[2 : 2 + MAX_ROWS]] == tallest_first[:MAX_ROWS]
    assert text.endswith(f"... {300 - MAX_ROWS} more terms not listed (the smallest ranges)")


def test_ipython_pretty_prints_the_table() -> None:
    try:
        from IPython.lib import pretty
    except ImportError:
        require_engine("IPython", "IPython is not installed (make test installs it with ipykernel: pwlc[test])")
    model = pwlc.read(GOLDEN / "recidivism.pwl")
    assert pretty.pretty(model) == model_text(model)
    assert repr(model).startswith("Model(inputs=")  # repr() itself stays the dataclass's


def three_classes() -> Multiclass:
    inputs = (Input("age"), Input("sex", "categorical"), Input("hours"))
    grid = Grid(KnotAxis("age", (20.0, 60.0)), KnotAxis("hours", (0.0, 40.0)), ((0.0, 1.0), (3.0, -1.0)))
    scores = tuple(
        (
            Constant(float(k)),
            Curve("age", (20.0, 40.0, 60.0), (0.0, 0.5 * k, -k)),
            Table("sex", (("F", 0.1 * k), ("M", -0.2)), default=0.0),
            *((grid,) if k != 1 else ()),
        )
        for k in range(3)
    )
    return Multiclass(inputs, ("low", "mid", "high"), scores)


def test_a_multiclass_model_shows_a_line_an_input_and_a_line_a_class() -> None:
    model = three_classes()
    html = model._repr_html_()
    rows = ROW.findall(html)
    assert [(kind, name) for kind, name, _, _ in rows] == [("grid", "age × hours"), ("curve", "age"), ("table", "sex")]
    assert rows[1][2] == "low: 3 knots / mid: 3 knots / high: 3 knots"
    assert rows[1][3] == "-2 .. 1"  # every class's values
    # One picture for the curves of all classes, one for the tables, one a class for the grid.
    assert IMAGE.findall(html) == ["age × hours (class low)", "age × hours (class high)", "age", "sex"]
    assert "softmax over 3 classes (low, mid, high)" in model_text(model)


def test_show_is_the_reports_view_against_the_teacher() -> None:
    model = pwlc.read(GOLDEN / "grids.pwl")
    teacher = dataclasses.replace(model, terms=(Constant(-0.9), *model.terms[1:]))
    shown = pwlc.show(model, teacher=teacher, data=sample(model))
    shaped = [t for t in model.terms if not isinstance(t, Constant)]
    assert shown._repr_html_() is shown.html
    assert len(IMAGE.findall(shown.html)) == len(shaped)
    assert shown.html.count("vs teacher: RMS 0, max 0") == len(shaped)
    assert "<body" not in shown.html
    css = shown.html.split("<style>")[1].split("</style>")[0]
    assert all(rule.strip().startswith(".pwlc-report") for rule in re.findall(r"(?:^|})([^{}]+){", css))  # styles only itself


def test_show_lowers_a_trained_teacher_and_takes_a_multiclass_model() -> None:
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    data = {"a": rng.normal(size=400), "b": rng.normal(size=400)}
    X = np.column_stack([data["a"], data["b"]])
    labels = np.array(["x", "y", "z"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 1)]
    import pandas as pd

    frame = pd.DataFrame(data)
    teacher = LogisticRegression().fit(frame, labels)
    student = pwlc.distill(teacher, frame, segments=2)
    shown = pwlc.show(student, teacher=teacher, data=frame)
    assert IMAGE.findall(shown.html) == ["a", "b"]  # a picture an input, a line a class
    assert shown.html.count("vs teacher: RMS 0, max 0") == 6  # linear terms are kept exactly: 2 inputs x 3 classes
    assert "x: " in shown.html and "z: " in shown.html


def test_a_model_renders_as_a_table_and_plots_in_chromium(tmp_path: Path) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        require_engine("Chromium", "`chromium` is not on PATH (make test installs it with .ci/chromium.sh)")
    try:
        from playwright import sync_api
    except ImportError:
        require_engine("playwright", "playwright is not installed (make test installs it: pwlc[test])")
    page_path = tmp_path / "model.html"
    shown = [pwlc.read(GOLDEN / "recidivism.pwl")._repr_html_(), three_classes()._repr_html_(), many_curves(60)[0]._repr_html_()]
    page_path.write_text('<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>' + "<hr>".join(shown) + "</body></html>")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(page_path.as_uri())
        images = page.evaluate("Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.naturalHeight, i.getBoundingClientRect().width])")
        tables = page.evaluate("Array.from(document.querySelectorAll('.pwlc-model table')).map(t => [t.rows.length, t.getBoundingClientRect().height])")
        page.screenshot(path=str(tmp_path / "model.png"), full_page=True)
        browser.close()
    assert len(images) == 5 + 4 + MAX_PLOTS
    assert all(complete and width > 100 and height > 100 and shown_width > 100 for complete, width, height, shown_width in images)
    assert [rows for rows, _ in tables] == [1 + 5, 1 + 3, 1 + MAX_ROWS] and all(height > 50 for _, height in tables)
    assert (tmp_path / "model.png").stat().st_size > 10_000
