"""The example notebooks run top to bottom in a Jupyter kernel (nbclient), as a user runs them."""

from __future__ import annotations

import os
from pathlib import Path

from pwlc.datasets import compas
from tests.conftest import require_engine
from tests.real_data import load

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run_notebook(path: Path, folder: Path):
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    # ipykernel's `python3` kernel runs this interpreter (jupyter_client puts sys.executable
    # for its "python"), with this checkout's pwlc first on the path.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(EXAMPLES.parent), os.environ.get("PYTHONPATH", "")]))}
    client = NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}})
    client.execute(env=env)  # raises CellExecutionError, with the cell and its traceback, on any error
    return notebook


def outputs(cell) -> dict[str, str]:
    """A cell's outputs by MIME type (text/plain, text/html; stdout as "stdout")."""
    found: dict[str, str] = {}
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream" and output["name"] == "stdout":
            found["stdout"] = found.get("stdout", "") + output["text"]
        for mime, value in output.get("data", {}).items():
            found[mime] = value
    return found


def test_the_notebook_runs_the_demo_flow_end_to_end(tmp_path: Path) -> None:
    try:
        import ipykernel  # noqa: F401
        import nbclient  # noqa: F401
    except ImportError as missing:
        require_engine("Jupyter", f"{missing.name} is not installed (make test installs it: pwlc[test])")
    load(compas)  # skip locally, fail in CI, without the COMPAS data
    notebook = run_notebook(EXAMPLES / "distill_in_a_notebook.ipynb", tmp_path)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code)  # every cell ran
    shown = [outputs(cell) for cell in code]
    models = [o["text/html"] for o in shown if "pwlc-model" in o.get("text/html", "")]
    assert len(models) == 2 and all("<table>" in html and "data:image/png;base64," in html for html in models)
    assert any("pwlc-report" in o.get("text/html", "") and "vs teacher: RMS" in o["text/html"] for o in shown)
    printed = "".join(o.get("stdout", "") for o in shown)
    assert "emitted Python == predict_proba: True" in printed
    assert "read back unchanged: True" in printed
    assert "intercept read back: -1.0" in printed
    assert (tmp_path / "risk.py").is_file()
