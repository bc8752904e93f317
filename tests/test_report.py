"""The HTML report: a plot per term, the teacher on the same axes, and it renders in Chromium."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import pwlc
from pwlc.ir import Constant
from pwlc.report import build_report
from tests.conftest import require_engine

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "models"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def sample(model: pwlc.Model, rows: int = 1500) -> dict[str, object]:
    rng = np.random.default_rng(7)
    data: dict[str, object] = {}
    for declared in model.inputs:
        if declared.kind == "categorical":
            data[declared.name] = rng.choice(["north", "south", "Male", "Female", "F", "M", "other"], rows).tolist()
        else:
            column = rng.lognormal(2, 1.5, rows)
            column[:15] = np.nan
            data[declared.name] = column
    return data


@pytest.fixture(scope="module")
def grids_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[pwlc.Model, Path]:
    model = pwlc.read(GOLDEN / "grids.pwl")
    teacher = dataclasses.replace(model, terms=(Constant(-0.9), *model.terms[1:]))
    data = sample(model)
    labels = (np.random.default_rng(1).uniform(size=1500) < pwlc.evaluate(model, data)).astype(float)
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(build_report(model, data, teacher=teacher, labels=labels))
    return model, path


def test_one_embedded_image_per_term_and_the_summary(grids_report: tuple[pwlc.Model, Path]) -> None:
    model, path = grids_report
    text = path.read_text()
    shaped = [t for t in model.terms if not isinstance(t, Constant)]
    assert len(re.findall(r'<img alt="[^"]*" src="data:image/png;base64,', text)) == len(shaped)
    assert "http" not in text.replace("http-equiv", "")  # self-contained: nothing fetched
    assert "<td>AUC</td>" in text and "<td>log loss</td>" in text
    # The teacher differs only in its intercept, so every term matches it exactly.
    assert text.count("vs teacher: RMS 0, max 0") == len(shaped)
    assert "grid(hours, income, knots([0, 40, 80])" in text


def test_report_renders_every_image_in_chromium(grids_report: tuple[pwlc.Model, Path], tmp_path: Path) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        require_engine("Chromium", "`chromium` is not on PATH (make test installs it with .ci/chromium.sh)")
    sync_api = pytest.importorskip("playwright.sync_api")
    _, path = grids_report
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(path.as_uri())
        images = page.evaluate("Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        browser.close()
    assert len(images) == 4
    assert all(complete and width > 100 and height > 100 for complete, width, height in images)
    assert (tmp_path / "report.png").stat().st_size > 10_000
