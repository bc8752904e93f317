"""A peer, run inside its own virtualenv (`.venv-peers/<venv>/bin/python worker.py SPEC`).

Standalone on purpose: it imports neither pwlc nor anything of the benchmark, only the
peer's own packages, numpy and pandas, so it runs under whatever versions the peer pins.

SPEC is a JSON file naming the peer (`peer`), the handed-over model (`model`) and input
files (`inputs`: name -> .npy matrix or .parquet frame), and a folder for results (`out`).
The worker loads the model, builds whatever the peer builds (compiles a library, an ONNX
session...) and reads every input into the form the peer scores (a float64 matrix, one
array per column), then prints one JSON line: {"ready": true, "versions": ..., "code": ...}.
Only then does the parent start timing: it writes `run NAME` lines, and for each the
worker times the peer's scoring call alone (process CPU time and wall time around that one
call, the input already in memory), saves the scores to OUT/NAME.npy and prints
{"cpu": s, "wall": s}. Start-up, imports, loading, compiling and input conversion are
never inside a timing. Any failure is printed as {"error": "<the exception, exact>"}.

A spec may also ask for code only (`generate`: m2cgen, ml2sql, orbital): the worker
writes the peer's emitted source to OUT and exits.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

for _name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_name] = "1"

import numpy as np  # noqa: E402

Scorer = Callable[[Any], Any]


def version(*names: str) -> dict[str, str]:
    found = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return found


def text_size(paths: list[Path]) -> dict[str, int]:
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in paths]
    return {"lines": sum(len(t.splitlines()) for t in texts), "bytes": sum(len(t.encode()) for t in texts)}


def read_input(path: str) -> Any:
    if path.endswith(".npy"):
        return np.load(path)
    import pandas as pd

    return pd.read_parquet(path)


# --- tree compilers over a LightGBM model text; inputs are float64 matrices -------------


def tl2cgen_peer(spec: dict[str, Any], out: Path) -> tuple[Scorer, Callable[[Any], Any], dict]:
    import tl2cgen
    import treelite

    model = treelite.frontend.load_lightgbm_model(spec["model"])
    source_dir = out / "tl2cgen-src"
    tl2cgen.generate_c_code(model, dirpath=str(source_dir), params={})
    library = out / "tl2cgen.so"
    tl2cgen.export_lib(model, toolchain="gcc", libpath=str(library), params={}, verbose=False)
    predictor = tl2cgen.Predictor(str(library), nthread=1)

    def prepare(matrix: np.ndarray) -> Any:
        return tl2cgen.DMatrix(matrix, dtype="float64")

    def score(dmatrix: Any) -> np.ndarray:
        return predictor.predict(dmatrix, pred_margin=True)

    code = text_size(sorted(source_dir.glob("*.c")) + sorted(source_dir.glob("*.h")))
    return score, prepare, {"code": code, "versions": version("tl2cgen", "treelite", "numpy")}


def gtil_peer(spec: dict[str, Any], out: Path) -> tuple[Scorer, Callable[[Any], Any], dict]:
    import treelite

    model = treelite.frontend.load_lightgbm_model(spec["model"])

    def score(matrix: np.ndarray) -> np.ndarray:
        return treelite.gtil.predict(model, matrix, nthread=1, pred_margin=True)

    return score, np.ascontiguousarray, {"code": None, "versions": version("treelite", "numpy")}


def lleaves_peer(spec: dict[str, Any], out: Path) -> tuple[Scorer, Callable[[Any], Any], dict]:
    import lleaves

    model = lleaves.Model(model_file=spec["model"])
    model.compile(raw_score=True)  # no cache file: lleaves never checks one is stale
    code: dict[str, Any]
    try:  # the LLVM IR lleaves generates (before optimisation), for its size
        import llvmlite.ir
        from lleaves.compiler.ast import parse_to_ast
        from lleaves.compiler.codegen import gen_forest

        forest = parse_to_ast(spec["model"])
        forest.raw_score = True
        module = llvmlite.ir.Module(name="forest")
        gen_forest(forest, module, 34, "forest_root", True)
        (out / "lleaves.ll").write_text(str(module))
        code = text_size([out / "lleaves.ll"])
    except Exception as exc:  # the size is a side figure: say why it is missing
        code = {"error": f"{type(exc).__name__}: {exc}"}

    def score(matrix: np.ndarray) -> np.ndarray:
        return model.predict(matrix, n_jobs=1)

    return score, np.ascontiguousarray, {"code": code, "versions": version("lleaves", "llvmlite", "numpy")}


# --- EBM as ONNX ------------------------------------------------------------------------


def ebm2onnx_peer(spec: dict[str, Any], out: Path) -> tuple[Scorer, Callable[[Any], Any], dict]:
    import pickle

    import ebm2onnx
    import onnxruntime

    with open(spec["model"], "rb") as handle:
        ebm = pickle.load(handle)
    numeric, categorical = spec["numeric"], spec["categorical"]
    # ebm2onnx reads dtypes from pandas and refuses pandas 3 string columns: give them by hand.
    dtypes = {name: "double" for name in numeric} | {name: "str" for name in categorical}
    dtypes = {name: dtypes[name] for name in ebm.feature_names_in_}
    classifier = spec["classifier"]
    graph = ebm2onnx.to_onnx(ebm, dtypes, predict_proba=classifier)
    serialized = graph.SerializeToString()
    (out / "ebm.onnx").write_bytes(serialized)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    session = onnxruntime.InferenceSession(serialized, options, providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    shapes = {i.name: i.shape for i in session.get_inputs()}

    def prepare(frame: Any) -> dict[str, np.ndarray]:
        feeds = {}
        for name in names:
            column = frame[name]
            if name in categorical:  # ONNX strings cannot be None: a missing category is ""
                array = np.array(["" if v is None else str(v) for v in column.tolist()], dtype=object)
            else:
                array = column.to_numpy(dtype=np.float64)
            feeds[name] = array.reshape(-1, 1) if len(shapes[name]) == 2 else array
        return feeds

    output = "probabilities" if classifier else "prediction"

    def score(feeds: dict[str, np.ndarray]) -> np.ndarray:
        (result,) = session.run([output], feeds)
        return np.asarray(result)[:, 1] if classifier else np.asarray(result)

    code = {"lines": len(graph.graph.node), "bytes": len(serialized), "unit": "ONNX nodes"}
    return score, prepare, {"code": code, "versions": version("ebm2onnx", "onnxruntime", "onnx", "interpret-core", "numpy")}


TIMED = {"tl2cgen": tl2cgen_peer, "gtil": gtil_peer, "lleaves": lleaves_peer, "ebm2onnx": ebm2onnx_peer}


# --- code generators: write the peer's source, untimed ----------------------------------


def m2cgen_generate(spec: dict[str, Any], out: Path) -> dict:
    import lightgbm
    import m2cgen

    # m2cgen takes the scikit-learn wrappers, not a Booster: the booster goes in a regressor's
    # shell, so that the code returns the raw score (a classifier's would apply the sigmoid);
    # a classifier's objective line says "regression" for m2cgen's regressor (the trees and
    # so the raw score are unchanged).
    text = Path(spec["model"]).read_text()
    text = "\n".join("objective=regression" if line.startswith("objective=") else line for line in text.split("\n"))
    shell = lightgbm.LGBMRegressor()
    shell._Booster = lightgbm.Booster(model_str=text)
    shell.fitted_ = True
    sources = {}
    for language, export in (("c", m2cgen.export_to_c), ("python", m2cgen.export_to_python)):
        try:
            sources[language] = export(shell, function_name="score")
        except Exception as exc:
            sources[language] = {"error": f"{type(exc).__name__}: {exc}"}
    for language, text in sources.items():
        if isinstance(text, str):
            (out / f"m2cgen.{language}").write_text(text)
    return {"sources": {k: v if isinstance(v, dict) else str(out / f"m2cgen.{k}") for k, v in sources.items()},
            "versions": version("m2cgen", "lightgbm", "numpy")}  # fmt: skip


def ebm_from_attributes(path: str) -> Any:
    """An EBM of the installed interpret, its fitted attributes set from a JSON of them
    (written by the parent from the teacher; see peers/ebm.py)."""
    from interpret.glassbox import ExplainableBoostingClassifier, ExplainableBoostingRegressor

    state = json.loads(Path(path).read_text())
    ebm = (ExplainableBoostingClassifier if state["classifier"] else ExplainableBoostingRegressor)()
    for name, value in state["attributes"].items():
        setattr(ebm, name, value)
    ebm.bins_ = [
        [bins if isinstance(bins, dict) else np.asarray(bins, dtype=np.float64) for bins in feature] for feature in state["bins"]
    ]
    ebm.term_scores_ = [np.asarray(s, dtype=np.float64) for s in state["term_scores"]]
    ebm.term_features_ = [tuple(t) for t in state["term_features"]]
    ebm.intercept_ = np.asarray(state["intercept"], dtype=np.float64) if state["classifier"] else float(state["intercept"])
    ebm.feature_names_in_ = np.asarray(state["attributes"]["feature_names_in_"], dtype=object)
    ebm.feature_names = list(ebm.feature_names_in_)  # interpret 0.6's name, which ml2sql reads
    if state["classifier"]:
        ebm.classes_ = np.asarray(state["classes"])
    for name in ("bin_weights_", "standard_deviations_"):
        setattr(ebm, name, [np.zeros_like(s) for s in ebm.term_scores_])
    ebm.histogram_weights_ = [None] * len(ebm.bins_)
    ebm.unique_val_counts_ = np.zeros(len(ebm.bins_), dtype=np.int64)
    ebm.zero_val_counts_ = np.zeros(len(ebm.bins_), dtype=np.int64)
    ebm.has_fitted_ = True
    return ebm


def ml2sql_generate(spec: dict[str, Any], out: Path) -> dict:
    """ml2sql's SQL for the EBM rebuilt in its interpret version; the rebuilt EBM's own
    scores on every input are saved too (they show whether the hand-over is exact)."""
    from ml2sql.utils.output_scripts import ebm_as_code

    ebm = ebm_from_attributes(spec["model"])
    checks = {}
    for name, path in spec["inputs"].items():
        frame = read_input(path)
        scores = ebm.predict_proba(frame)[:, 1] if spec["classifier"] else ebm.predict(frame)
        np.save(out / f"ml2sql-ebm-{name}.npy", np.asarray(scores, dtype=np.float64))
        checks[name] = str(out / f"ml2sql-ebm-{name}.npy")
    # ml2sql's own defaults (utils/create_config.py): split into CTEs, scores to 15 decimals.
    ebm_as_code.save_model_and_extras(ebm, str(out / "ml2sql-model"), {"sql_split": True, "sql_decimals": 15})
    sql = (out / "ml2sql-model" / "model" / "ebm_in_sql.sql").read_text().replace("<source_table>", "input")
    (out / "ml2sql.sql").write_text(sql)
    return {"sql": str(out / "ml2sql.sql"), "rebuilt_scores": checks,
            "versions": version("ml2sql", "interpret-core", "interpret", "numpy", "scikit-learn", "duckdb")}  # fmt: skip


def orbital_generate(spec: dict[str, Any], out: Path) -> dict:
    import pickle

    import orbital
    import orbital.types

    with open(spec["model"], "rb") as handle:
        pipeline = pickle.load(handle)
    features = {name: orbital.types.DoubleColumnType() for name in spec["numeric"]}
    features |= {name: orbital.types.StringColumnType() for name in spec["categorical"]}
    parsed = orbital.parse_pipeline(pipeline, features=features)
    sql = orbital.export_sql("input", parsed, dialect="duckdb")
    (out / "orbital.sql").write_text(sql)
    return {"sql": str(out / "orbital.sql"), "versions": version("orbital", "scikit-learn", "sqlglot", "numpy")}


GENERATORS = {"m2cgen": m2cgen_generate, "ml2sql": ml2sql_generate, "orbital": orbital_generate}


# The protocol's own channel: a copy of stdout made at start-up. File descriptor 1 then
# points at stderr, so that whatever a peer prints (tl2cgen logs to stdout) never mixes in.
PROTOCOL = os.fdopen(os.dup(1), "w")
os.dup2(2, 1)


def reply(message: dict) -> None:
    PROTOCOL.write(json.dumps(message) + "\n")
    PROTOCOL.flush()


def error_text(exc: BaseException) -> str:
    where = traceback.extract_tb(exc.__traceback__)[-1]
    return f"{type(exc).__name__}: {exc} (at {Path(where.filename).name}:{where.lineno})"


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    out = Path(spec["out"])
    out.mkdir(parents=True, exist_ok=True)
    peer = spec["peer"]
    try:
        if peer in GENERATORS:
            reply({"ready": True, **GENERATORS[peer](spec, out)})
            return
        score, prepare, info = TIMED[peer](spec, out)
        inputs = {name: prepare(read_input(path)) for name, path in spec["inputs"].items()}
        score(inputs["grid"])  # one warm-up call on the small grid: first-call set-up is not scoring
    except Exception as exc:
        reply({"error": error_text(exc)})
        return
    reply({"ready": True, **info})
    for line in sys.stdin:
        command, _, name = line.strip().partition(" ")
        if command != "run":
            break
        try:
            cpu, wall = time.process_time(), time.perf_counter()
            scores = score(inputs[name])
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            np.save(out / f"{peer}-{name}.npy", np.asarray(scores, dtype=np.float64).ravel())
            reply({"cpu": cpu, "wall": wall})
        except Exception as exc:
            reply({"error": error_text(exc)})


if __name__ == "__main__":
    main()
