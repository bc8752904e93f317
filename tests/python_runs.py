"""Running an emitted (maybe edited) Python module, and comparing it with the evaluator.

`compare(source, model)` runs `source` in CPython, row by row and on numpy arrays (the
batch path), on `edge_grid(model)` plus random rows, and returns what disagrees with
`pwlc.evaluate(model)`, for the score and the prediction (`model` is what pwlc read
from `source`). Agreement is NaN where the evaluator gives NaN and the same double
elsewhere (0.0 and -0.0 count as one: Python's sum starts from its first term, the
evaluator's from 0.0), on both paths: the runtime computes transforms and the link's exp
with numpy's functions, as the evaluator does, one number at a time too.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from pwlc.backends.python.names import LINK_FUNCTIONS
from pwlc.ir import Model
from pwlc.semantics import evaluate
from pwlc.testing import UNSEEN_CATEGORY, edge_grid

Columns = dict[str, list[Any]]


def random_rows(model: Model, rows: int, rng: np.random.Generator) -> Columns:
    """Random inputs around the model's own numbers, and odd values (NaN, ±inf, huge)."""
    grid = edge_grid(model)
    out: Columns = {}
    for declared in model.inputs:
        seen = [v for v in grid[declared.name] if v is not None and not (isinstance(v, float) and math.isnan(v))]
        if declared.kind == "categorical":
            choices = [*seen, UNSEEN_CATEGORY, None, 3, 2.5, True]
            out[declared.name] = [choices[k] for k in rng.integers(0, len(choices), rows)]
            continue
        # Between two neighbouring probes, as a blend (the probes reach ±1.8e308, so a
        # difference of two may overflow).
        finite = sorted({v for v in seen if math.isfinite(v)} | {-1.0, 1.0})
        pick, u = rng.integers(0, len(finite) - 1, rows), rng.uniform(size=rows)
        values = np.array(finite)[pick] * (1 - u) + np.array(finite)[pick + 1] * u
        odd = rng.choice(np.array([math.nan, math.inf, -math.inf, 1e300, -1e300, 5e-324, 0.0]), rows)
        values = np.where(rng.uniform(size=rows) < 0.1, odd, values)
        out[declared.name] = [float(v) for v in values]
    return out


def probes(model: Model, rows: int = 50, seed: int = 0) -> Columns:
    """`edge_grid(model)` followed by `rows` random rows."""
    grid, extra = edge_grid(model), random_rows(model, rows, np.random.default_rng(seed))
    return {name: grid[name] + extra[name] for name in grid}


def run(source: str, model: Model, columns: Columns) -> dict[str, np.ndarray]:
    """What `source`, exec'd by CPython, computes on `columns`: its scoring function and
    its link function (if the model has a link), row by row and on arrays."""
    namespace: dict[str, Any] = {}
    # From bytes, as CPython reads a file: a byte order mark is skipped, "\r\n" is a line break.
    exec(compile(source.encode("utf-8", "surrogatepass"), f"<{model.name}.py>", "exec"), namespace)  # noqa: S102  (running it is the point)
    functions = {"score": namespace[model.name]}
    if model.link in LINK_FUNCTIONS:
        functions["prediction"] = namespace[LINK_FUNCTIONS[model.link][0]]
    n = len(next(iter(columns.values()))) if columns else 1
    arrays = [
        np.array(columns[i.name], dtype=object) if i.kind == "categorical" else np.array([math.nan if v is None else v for v in columns[i.name]], dtype=float)
        for i in model.inputs
    ]
    out = {}
    for output, function in functions.items():
        rows = [function(*(_scalar(columns[i.name][k], i.kind) for i in model.inputs)) for k in range(n)]
        out[output] = np.array(rows, dtype=float)
        batch = np.asarray(function(*arrays), dtype=float)
        # A batch gets one score for each row; a model without inputs has no batch to give.
        out[f"{output} (batch)"] = batch if model.inputs else np.broadcast_to(batch, (n,))
    return out


def _scalar(value: Any, kind: str) -> Any:
    return math.nan if value is None and kind == "numeric" else value


def disagreements(got: np.ndarray, expected: np.ndarray) -> list[int]:
    """Rows where `got` is not `expected`: NaN must meet NaN, other values be equal
    (every row, when `got` is not one value for each row)."""
    if got.shape != expected.shape:
        return list(range(len(expected)))
    same = (got == expected) | (np.isnan(got) & np.isnan(expected))
    return [int(i) for i in np.flatnonzero(~same)]


def compare(source: str, model: Model, columns: Columns | None = None) -> dict[str, list[int]]:
    """For each path (score, prediction, row by row and batch), the rows where running
    `source` disagrees with the evaluator on `model`; empty lists when it agrees."""
    columns = probes(model) if columns is None else columns
    found = {}
    for path, got in run(source, model, columns).items():
        output = "score" if path.startswith("score") else "prediction"
        expected = evaluate(model, columns, output=output)
        found[path] = disagreements(got, expected)
    return found


def assert_agrees(source: str, model: Model, columns: Columns | None = None) -> None:
    problems = {path: rows[:5] for path, rows in compare(source, model, columns).items() if rows}
    assert not problems, f"the file computes something else than pwlc read, rows: {problems}"
