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


def train(data: Data, codes: bool = False) -> tuple[Any, Any]:
    """The teacher (categorical inputs as LightGBM's native categorical features, as a user
    with a pandas frame gets them) and the function that gives it a frame in its form.
    `codes=True`: the sibling trained on the category codes as plain numbers."""
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
    if codes:
        import pandas as pd

        model.fit(pd.DataFrame(matrix(frame(data.X)), columns=list(data.X.columns)), data.y)
    else:
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
    _m2cgen(group, data, frame, model_path, (data_matrix, grid_matrix), work, scalar)
    return group


def _m2cgen(group: Group, data: Data, frame: Any, model_path: Path, matrices: tuple[np.ndarray, np.ndarray], work: Path, scalar: int) -> None:
    """m2cgen's C and Python of the teacher; where m2cgen refuses it (it reads no native
    categorical split), of a sibling: the same configuration trained on the category codes
    as numbers, with pwlc's C of that sibling beside it for the ratio."""
    sources, refusal = _m2cgen_sources(group, model_path, work / "m2cgen")
    if refusal is None:
        for label, build_contender in _m2cgen_contenders(sources, *matrices, work, scalar, None, ""):
            group.attempt(label, build_contender)
        return
    group.failures.append(Failure("m2cgen C and Python, on the teacher", refusal))
    sibling = train(data, codes=True)[0]
    sibling_path = work / "lightgbm-codes.txt"
    sibling.booster_.save_model(str(sibling_path))
    sources, refusal = _m2cgen_sources(group, sibling_path, work / "m2cgen-codes")
    if refusal is not None:
        group.failures.append(Failure("m2cgen C and Python, on the sibling trained on category codes", refusal))
        return
    predict = partial(sibling.booster_.predict, raw_score=True, num_threads=1)
    reference = Reference(predict(matrices[0]), None, predict(matrices[1]), None)
    names = list(data.X.columns)
    import pandas as pd

    data_codes, grid_codes = (pd.DataFrame(m, columns=names) for m in matrices)
    group.notes.append(
        "m2cgen refuses the teacher (native categorical splits), so its rows score a sibling: the same "
        "configuration trained on the category codes as numbers (numeric splits only), compared with that "
        "sibling's LightGBM raw score; `pwlc C batch, sibling` is pwlc's C of the same sibling."
    )
    label = "pwlc C batch, sibling on codes (gcc -O2)"
    group.attempt(label, lambda: _with_reference(make.pwlc_c(label, pwlc.lower(sibling), data_codes, grid_codes, work / "c-codes"), reference))
    for label, build_contender in _m2cgen_contenders(sources, *matrices, work, scalar, reference, ", sibling on codes"):
        group.attempt(label, build_contender)


def _with_reference(contender: Contender, reference: Reference) -> Contender:
    contender.reference = reference
    return contender


def _m2cgen_sources(group: Group, model_path: Path, out: Path) -> tuple[dict[str, str], str | None]:
    """m2cgen's C and Python sources of a model, or its refusal (the exact error)."""
    try:
        answer = generate("m2cgen", {"peer": "m2cgen", "model": str(model_path), "inputs": {}, "out": str(out)})
    except Exception as exc:
        return {}, error_message(exc)
    group.versions["m2cgen"] = make.versions_text(answer["versions"])
    sources = answer["sources"]
    errors = [sources[language]["error"] for language in ("c", "python") if isinstance(sources[language], dict)]
    if errors:
        return {}, errors[0]
    return {k: Path(v).read_text() for k, v in sources.items()}, None


def _m2cgen_contenders(
    sources: dict[str, str], data_matrix: np.ndarray, grid_matrix: np.ndarray, work: Path, scalar: int, reference: Reference | None, which: str
) -> list[tuple[str, Any]]:
    built = []
    if "c" in sources:

        def c() -> Contender:
            library = compile_c(sources["c"] + ROW_LOOP, work / "m2cgen-c", "m2cgen")
            run, run_grid = row_function_batch(library, data_matrix), row_function_batch(library, grid_matrix)
            size = text_size(sources["c"])
            label = f"m2cgen C{which} (gcc -O2, a loop over rows)"
            return Contender(label, "m2cgen", "score", len(data_matrix), lambda: timed(run), run_grid, size, keep=library, reference=reference)

        built.append(("m2cgen C", c))
    if "python" in sources:

        def python() -> Contender:
            namespace: dict[str, Any] = {}
            exec(compile(sources["python"], "<m2cgen.py>", "exec"), namespace)
            data_rows, grid_rows = data_matrix[:scalar].tolist(), grid_matrix.tolist()
            label = f"m2cgen Python{which}, one row a call ({scalar:,} rows)"
            contender = make.one_row_a_call(label, "m2cgen", namespace["score"], data_rows, grid_rows, text_size(sources["python"]), False)
            return _with_reference(contender, reference) if reference is not None else contender

        built.append(("m2cgen Python", python))
    return built

