"""Row (1): LightGBM, 300 one-feature trees, against the tree compilers."""

from __future__ import annotations

import warnings
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

import pwlc

from . import contenders as make
from .inputs import ROW_LOOP, Data, compile_c, grid_frame, row_function_batch, text_size
from .timing import Contender, Failure, Group, Reference, error_message, timed
from .venvs import Worker, generate


def train(data: Data) -> tuple[Any, Any]:
    """The teacher (categorical inputs as LightGBM's native categorical features, as a user
    with a pandas frame gets them) and the function that gives it a frame in its form."""
    import lightgbm

    categories = {name: sorted(data.X[name].unique()) for name in data.categorical}

    def frame(rows: Any) -> Any:
        out = rows.copy()
        for name in data.categorical:
            out[name] = out[name].astype("category").cat.set_categories(categories[name])
        return out

    constraints = [[j] for j in range(data.X.shape[1])]
    kind = lightgbm.LGBMClassifier if data.classification else lightgbm.LGBMRegressor
    model = kind(n_estimators=300, learning_rate=0.05, num_leaves=8, interaction_constraints=constraints, verbose=-1, random_state=0)
    model.fit(frame(data.X), data.y)
    return model, frame


def matrix(frame: Any) -> np.ndarray:
    """What LightGBM itself scores: a float64 matrix, categories as their codes, NaN for a
    missing or unseen category (the input tl2cgen, lleaves, GTIL and m2cgen take)."""
    columns = []
    for name in frame.columns:
        column = frame[name]
        if str(column.dtype) == "category":
            codes = column.cat.codes.to_numpy().astype(np.float64)
            codes[codes < 0] = np.nan
            columns.append(codes)
        else:
            columns.append(column.to_numpy(dtype=np.float64))
    return np.ascontiguousarray(np.column_stack(columns))


def build(data: Data, work: Path, args: Any) -> Group:
    warnings.filterwarnings("ignore", category=UserWarning)
    teacher, frame = train(data)
    booster = teacher.booster_
    exact = pwlc.lower(teacher)
    grid = grid_frame(exact, data)
    rows, grid_rows = frame(data.rows), frame(grid)
    predict = partial(booster.predict, raw_score=True, num_threads=1)
    reference = Reference(predict(rows), None, predict(grid_rows), None)
    group = Group(
        f"LightGBM, {data.name}",
        f"{'LGBMClassifier' if data.classification else 'LGBMRegressor'}(n_estimators=300, num_leaves=8, "
        f"interaction_constraints one feature per tree), {len(data.numeric)} numeric + {len(data.categorical)} "
        f"categorical inputs (native categorical splits); trained on {len(data.X):,} real rows. Outputs compared "
        "with LightGBM's raw score (`predict(raw_score=True)`).",
        reference,
        grid_rows=len(grid),
    )
    work.mkdir(parents=True, exist_ok=True)
    model_path = work / "lightgbm.txt"
    booster.save_model(str(model_path))
    data_matrix, grid_matrix = matrix(rows), matrix(grid_rows)
    gtil_rows = min(args.gtil_rows, len(data_matrix))
    np.save(work / "data.npy", data_matrix)
    np.save(work / "data-gtil.npy", data_matrix[:gtil_rows])
    np.save(work / "grid.npy", grid_matrix)

    n = len(data.rows)
    group.attempt("pwlc C batch (gcc -O2)", lambda: make.pwlc_c("pwlc C batch (gcc -O2)", exact, data.rows, grid, work / "c"))
    group.attempt("pwlc Python batch (numpy)", lambda: make.pwlc_python_batch("pwlc Python batch (numpy)", exact, data.rows, grid))
    scalar = min(args.scalar_rows, n)
    group.attempt("pwlc Python, one row a call", lambda: make.pwlc_python_rows(f"pwlc Python, one row a call ({scalar:,} rows)", exact, data.rows, grid, scalar))
    group.attempt("LightGBM predict", lambda: make.in_process("LightGBM predict (num_threads=1)", "LightGBM", "score", n, predict, rows, grid_rows))

    def worker(peer: str, venv: str, inputs: dict[str, Path]) -> Worker:
        spec = {"peer": peer, "model": str(model_path), "inputs": {k: str(v) for k, v in inputs.items()}, "out": str(work / peer)}
        started = Worker(venv, spec).start()
        group.workers.append(started)
        group.versions[peer] = make.versions_text(started.info["versions"])
        return started

    full = {"data": work / "data.npy", "grid": work / "grid.npy"}
    group.attempt("tl2cgen", lambda: make.remote("tl2cgen (gcc, Predictor nthread=1)", "tl2cgen", "score", n, worker("tl2cgen", "treelite", full)))
    group.attempt("lleaves", lambda: make.remote("lleaves (n_jobs=1)", "lleaves", "score", n, worker("lleaves", "lleaves", full)))
    gtil = {"data": work / "data-gtil.npy", "grid": work / "grid.npy"}
    group.attempt("treelite GTIL", lambda: make.remote(f"treelite GTIL (nthread=1; {gtil_rows:,} rows)", "treelite GTIL", "score", gtil_rows, worker("gtil", "treelite", gtil)))
    m2cgen = _m2cgen(group, model_path, work)
    if m2cgen:
        for label, build_contender in _m2cgen_contenders(m2cgen, data_matrix, grid_matrix, work, scalar):
            group.attempt(label, build_contender)
    return group


def _m2cgen(group: Group, model_path: Path, work: Path) -> dict[str, Any]:
    try:
        answer = generate("m2cgen", {"peer": "m2cgen", "model": str(model_path), "inputs": {}, "out": str(work / "m2cgen")})
    except Exception as exc:
        group.failures.append(Failure("m2cgen", error_message(exc)))
        return {}
    group.versions["m2cgen"] = make.versions_text(answer["versions"])
    sources = answer["sources"]
    for language in ("c", "python"):
        if isinstance(sources[language], dict):
            group.failures.append(Failure(f"m2cgen {language}", sources[language]["error"]))
    return {k: Path(v).read_text() for k, v in sources.items() if isinstance(v, str)}


def _m2cgen_contenders(sources: dict[str, str], data_matrix: np.ndarray, grid_matrix: np.ndarray, work: Path, scalar: int) -> list[tuple[str, Any]]:
    built = []
    if "c" in sources:

        def c() -> Contender:
            library = compile_c(sources["c"] + ROW_LOOP, work / "m2cgen-c", "m2cgen")
            run, run_grid = row_function_batch(library, data_matrix), row_function_batch(library, grid_matrix)
            size = text_size(sources["c"])
            return Contender("m2cgen C (gcc -O2, a loop over rows)", "m2cgen", "score", len(data_matrix), lambda: timed(run), run_grid, size, keep=library)

        built.append(("m2cgen C", c))
    if "python" in sources:

        def python() -> Contender:
            namespace: dict[str, Any] = {}
            exec(compile(sources["python"], "<m2cgen.py>", "exec"), namespace)
            data_rows, grid_rows = data_matrix[:scalar].tolist(), grid_matrix.tolist()
            return make.one_row_a_call(f"m2cgen Python, one row a call ({scalar:,} rows)", "m2cgen", namespace["score"], data_rows, grid_rows, text_size(sources["python"]), False)

        built.append(("m2cgen Python", python))
    return built

