"""A screenshot of a `pwlc report` page as headless Chromium renders it (issue 7).

    .venv/bin/python -m pwlc demo -o demo-out
    .venv/bin/python benchmarks/report_screenshot.py demo-out/compas_report.html benchmarks/results/report_chromium.png

Prints how many of the page's images rendered; the test suite checks the same in
tests/test_report.py.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def main() -> None:
    from playwright.sync_api import sync_playwright

    page_file, picture = Path(sys.argv[1]).resolve(), Path(sys.argv[2])
    with sync_playwright() as playwright:
        executable = shutil.which("chromium") or shutil.which("chromium-browser")
        browser = playwright.chromium.launch(executable_path=executable) if executable else playwright.chromium.launch()
        page = browser.new_page(viewport={"width": 1200, "height": 1600})
        page.goto(page_file.as_uri())
        rendered = page.evaluate("Array.from(document.images).filter(i => i.complete && i.naturalWidth > 0).length")
        total = page.evaluate("document.images.length")
        print(f"{rendered} of {total} images rendered")
        page.screenshot(path=str(picture))
        browser.close()


if __name__ == "__main__":
    main()
