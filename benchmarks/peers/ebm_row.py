"""Row (2): an EBM with pairs, against ml2sql's SQL, ebm2onnx + onnxruntime and EBM's own
predict."""

from __future__ import annotations

import json
import pickle
import warnings
from pathlib import Path
from typing import Any

import numpy as np

import pwlc

from . import contenders as make
from .inputs import Data, duckdb_table, grid_frame, output_column
from .timing import Group, Output, Reference
from .venvs import Worker, generate

PAIRS = {"COMPAS": 3, "Lending Club": 5}


def train(data: Data) -> Any:
    from interpret.glassbox import ExplainableBoostingClassifier, ExplainableBoostingRegressor

    kind = ExplainableBoostingClassifier if data.classification else ExplainableBoostingRegressor
    return kind(interactions=PAIRS[data.name], outer_bags=4, random_state=0).fit(data.X, data.y)


def outputs(ebm: Any, frame: Any, classifier: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """The EBM's raw score (log-odds or regression value) and probability."""
    if classifier:
        return np.asarray(ebm.decision_function(frame)), np.asarray(ebm.predict_proba(frame))[:, 1]
    return np.asarray(ebm.predict(frame)), None


def attributes(ebm: Any, classifier: bool) -> dict[str, Any]:
    """The fitted state an EBM of another interpret version is rebuilt from (worker.py's
    `ebm_from_attributes`): interpret 0.6 cannot read 0.7's pickle (numpy 2's modules) and
    has no JSON reader."""

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        if isinstance(value, np.ndarray):
            return value.tolist()
        if isinstance(value, np.generic):
            return value.item()
        return value

    simple = ("feature_names_in_", "feature_types_in_", "term_names_", "link_", "link_param_", "n_features_in_")
    return {
        "classifier": classifier,
        "classes": plain(getattr(ebm, "classes_", [])),
        "bins": plain(ebm.bins_),
        "term_scores": plain(ebm.term_scores_),
        "term_features": plain(ebm.term_features_),
        "intercept": plain(ebm.intercept_),
        "attributes": {name: plain(getattr(ebm, name)) for name in simple if hasattr(ebm, name)},
    }


def build(data: Data, work: Path, args: Any) -> Group:
    warnings.filterwarnings("ignore", category=UserWarning)
    classifier = data.classification
    ebm = train(data)
    exact = pwlc.lower(ebm)
    distilled, _ = pwlc.optimize(pwlc.distill(ebm, data.X, segments=3), "O2", data=data.X)
    grid = grid_frame(exact, data)
    score, probability = outputs(ebm, data.rows, classifier)
    grid_score, grid_probability = outputs(ebm, grid, classifier)
    pairs = [name for name in ebm.term_names_ if " & " in name]
    group = Group(
        f"EBM with {len(pairs)} pairs, {data.name}",
        f"{type(ebm).__name__}(interactions={PAIRS[data.name]}, outer_bags=4), pairs {', '.join(pairs)}; "
        f"{len(data.numeric)} numeric + {len(data.categorical)} categorical inputs, trained on {len(data.X):,} real rows. "
        "pwlc exact = `pwlc.lower(ebm)`; distilled = `pwlc.optimize(pwlc.distill(ebm, X, segments=3), 'O2')` "
        "(lossy by design: its rows off are the distillation's error, not a bug).",
        Reference(score, probability, grid_score, grid_probability),
        grid_rows=len(grid),
    )
    work.mkdir(parents=True, exist_ok=True)
    data.rows.to_parquet(work / "data.parquet")
    grid.to_parquet(work / "grid.parquet")
    files = {"data": str(work / "data.parquet"), "grid": str(work / "grid.parquet")}
    n = len(data.rows)
    connections = (duckdb_table(data.rows, data.numeric), duckdb_table(grid, data.numeric))

    group.attempt("pwlc exact SQL, DuckDB", lambda: make.pwlc_duckdb("pwlc exact SQL, DuckDB", exact, connections, n))
    group.attempt("pwlc exact C", lambda: make.pwlc_c("pwlc exact C batch (gcc -O2)", exact, data.rows, grid, work / "c"))
    group.attempt("pwlc distilled SQL, DuckDB", lambda: make.pwlc_duckdb("pwlc distilled SQL, DuckDB", distilled, connections, n))
    sqlite_rows = min(args.sqlite_rows, n)
    group.attempt("pwlc exact SQL, SQLite", lambda: make.pwlc_sqlite(f"pwlc exact SQL, SQLite ({sqlite_rows:,} rows)", exact, data.rows, grid, data.numeric, sqlite_rows))
    if classifier:
        group.attempt("EBM predict_proba", lambda: make.in_process("EBM predict_proba", "EBM", "probability", n, lambda f: ebm.predict_proba(f)[:, 1], data.rows, grid))
    else:
        group.attempt("EBM predict", lambda: make.in_process("EBM predict", "EBM", "score", n, ebm.predict, data.rows, grid))

    with open(work / "ebm.pickle", "wb") as handle:
        pickle.dump(ebm, handle)

    def onnx() -> make.Contender:
        spec = {"peer": "ebm2onnx", "model": str(work / "ebm.pickle"), "inputs": files, "out": str(work / "ebm2onnx"),
                "numeric": list(data.numeric), "categorical": list(data.categorical), "classifier": classifier}  # fmt: skip
        worker = Worker("ebm2onnx", spec).start()
        group.workers.append(worker)
        group.versions["ebm2onnx"] = make.versions_text(worker.info["versions"])
        return make.remote("ebm2onnx + onnxruntime (1 thread)", "ebm2onnx", "probability" if classifier else "score", n, worker)

    group.attempt("ebm2onnx + onnxruntime", onnx)
    (work / "ebm-attributes.json").write_text(json.dumps(attributes(ebm, classifier)))
    group.attempt("ml2sql", lambda: _ml2sql(group, work, files, classifier, connections, n, score, probability))
    return group


def _ml2sql(group: Group, work: Path, files: dict[str, str], classifier: bool, connections: Any, n: int, score: Any, probability: Any) -> make.Contender:
    """ml2sql's SQL (written in its own env, from the EBM rebuilt there) on the same DuckDB."""
    spec = {"peer": "ml2sql", "model": str(work / "ebm-attributes.json"), "inputs": files, "out": str(work / "ml2sql"), "classifier": classifier}
    answer = generate("ml2sql", spec)
    group.versions["ml2sql"] = make.versions_text(answer["versions"])
    rebuilt = np.load(answer["rebuilt_scores"]["data"])
    expected = probability if classifier else score
    agree = np.max(np.abs(rebuilt - expected))
    group.notes.append(
        f"ml2sql: the EBM is handed over as its fitted attributes and rebuilt in ml2sql's interpret; the rebuilt EBM's "
        f"own predict differs from the teacher's by at most {agree:.1e} on the data rows, so ml2sql's SQL is judged "
        "against the teacher."
    )
    query = Path(answer["sql"]).read_text()
    output: Output = "probability" if classifier else "score"
    return make.duckdb_sql("ml2sql SQL, DuckDB", "ml2sql", query, output_column(connections[1], query, classifier), output, connections, n)


