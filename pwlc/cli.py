"""The `pwlc` command line (also `python -m pwlc`).

    pwlc compile IN [-t TARGET] [-O0..-O3 | -p PIPELINE] [--data DATA] [-o OUT]
    pwlc distill MODEL --data DATA [--segments N | --tol T | --knots N | --score-tol T] [-o OUT]
    pwlc report IN --data DATA [--teacher MODEL] [--labels COL] [-o report.html]
    pwlc fmt FILE... [--check]
    pwlc diff OLD NEW [--data DATA] [--tol T] [--json]
    pwlc check FILE --against MODEL [--data DATA] [--tol T] [--json]
    pwlc list
    pwlc demo

A user mistake prints `file:line:col: message` with the source line and a caret, and
exits with status 1 (2 for `diff` and `check`, whose 1 means "the scores moved"); pwlc
never shows a traceback for one.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pwlc.errors import PwlcError, UnsupportedError
from pwlc.ir import Multiclass

EPILOG = """targets: pwl, python, c, sql[:DIALECT] (e.g. sql:duckdb, sql:postgres, sql:sqlite, sql:spark).
Input files are parsed, never executed. Loading a pickled model (.pkl/.joblib) runs code
stored in the file: pwlc only does it when you pass --allow-pickle, for files you trust."""


def _parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="pwlc", description="Compile additive models into short, readable code, and read it back.", epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    verbs = top.add_subparsers(dest="verb", metavar="VERB", required=True)

    compile_ = verbs.add_parser("compile", help="print a model (.pwl, or emitted .py/.c/.sql) for a target")
    compile_.add_argument("input", help="a .pwl file or a file pwlc emitted (and you edited)")
    compile_.add_argument("-t", "--target", help="pwl, python, c or sql:DIALECT (default: from the suffix of -o, else python)")
    compile_.add_argument("-f", "--from", dest="source_format", help="format of IN when its suffix does not say (e.g. sql:postgres)")
    compile_.add_argument("-o", "--output", help="file to write (default: standard output)")
    _add_sql_options(compile_)
    _add_pipeline_options(compile_)
    compile_.set_defaults(run=_compile)

    distill = verbs.add_parser("distill", help="distill a trained model into piecewise-linear curves")
    distill.add_argument("model", help="EBM JSON (to_jsonable), LightGBM model text, or a pickle/joblib file (with --allow-pickle)")
    distill.add_argument("--data", required=True, help="CSV or Parquet data the curves are fitted on")
    size = distill.add_mutually_exclusive_group()
    size.add_argument("--segments", type=int, help="segments per curve (default: 5 per curve on average, spent where they bring the curves closest to the teacher)")
    size.add_argument("--tol", type=float, help="the largest RMS error a curve may add; pwlc picks the fewest segments within it")
    size.add_argument("--knots", type=int, help="the total knots of all curves, spent where they bring the score closest to the teacher (curves that buy nothing are dropped)")
    size.add_argument("--score-tol", type=float, help="the largest RMS distance of the whole score from the teacher's; pwlc picks the fewest knots in all within it")
    distill.add_argument("--allow-pickle", action="store_true", help="allow loading a pickle (this runs code stored in the file)")
    distill.add_argument("-o", "--output", help="file to write (default: standard output); the suffix picks the format unless -t is given")
    distill.add_argument("-t", "--target", help="output target (default: from the suffix of -o, else pwl)")
    _add_sql_options(distill)
    _add_pipeline_options(distill, data_option=False)  # lossy passes measure on --data
    distill.set_defaults(run=_distill)

    report = verbs.add_parser("report", help="an HTML fidelity report: each term plotted against the teacher, with metrics")
    report.add_argument("input", help="the distilled model (.pwl or an emitted file)")
    report.add_argument("--data", required=True, help="CSV or Parquet data to plot and measure on")
    report.add_argument("--teacher", help="the trained model the input was distilled from (see distill for formats)")
    report.add_argument("--labels", help="column of DATA holding the true labels or targets, for metrics")
    report.add_argument("--queries", help="column of DATA holding query ids (ranking: NDCG@5 and @10)")
    report.add_argument("--allow-pickle", action="store_true", help="allow loading a pickled teacher (this runs code stored in the file)")
    report.add_argument("-o", "--output", default="report.html", help="file to write (default: report.html)")
    report.set_defaults(run=_report)

    fmt = verbs.add_parser("fmt", help="re-print files in pwlc's canonical form (in place)")
    fmt.add_argument("files", nargs="+")
    fmt.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file would change")
    fmt.set_defaults(run=_fmt)

    diff = verbs.add_parser("diff", help="what changed between two models (any formats pwlc reads), term by term, and how far it moves the scores")
    diff.add_argument("old", help="the model before (.pwl, or an emitted .py/.c/.sql)")
    diff.add_argument("new", help="the model after (any format pwlc reads, not necessarily the same)")
    _add_comparison_options(diff)
    diff.set_defaults(run=_diff)

    check = verbs.add_parser("check", help="does a deployed file still compute what a model computes (exit 1 when not, within --tol)")
    check.add_argument("file", help="the deployed file (.pwl, .py, .c or .sql)")
    check.add_argument("--against", required=True, help="the trained model (EBM JSON, LightGBM text, XGBoost JSON, a pickle with --allow-pickle) or another pwlc file")
    check.add_argument("--allow-pickle", action="store_true", help="allow loading a pickled model (this runs code stored in the file)")
    _add_comparison_options(check)
    check.set_defaults(run=_check)

    list_ = verbs.add_parser("list", help="list targets, frontends and passes")
    list_.set_defaults(run=_list)

    demo = verbs.add_parser("demo", help="train a teacher on bundled real data, distill it, emit and check every target")
    demo.add_argument("-o", "--output-dir", default="demo-out", help="where to write the emitted files (default: demo-out)")
    demo.set_defaults(run=_demo)
    return top


def _add_sql_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--table", default="input", help="SQL targets: the table the query reads (default: input)")
    command.add_argument("--keys", default="", help="SQL targets: comma-separated columns carried through to the output, e.g. id,date")


def _add_comparison_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--data", help="CSV or Parquet rows to measure the score change on (default: both models' edge grids)")
    command.add_argument("--tol", type=float, default=0.0, help="the largest score change that passes (default 0: any change fails); exit 1 above it")
    command.add_argument("--json", action="store_true", help="print the comparison as JSON, for tools")


def _add_pipeline_options(command: argparse.ArgumentParser, data_option: bool = True) -> None:
    group = command.add_mutually_exclusive_group()
    group.add_argument("-O", dest="level", choices=["0", "1", "2", "3"], help="optimisation preset -O0 .. -O3")
    group.add_argument("-p", "--pipeline", help="passes to run, e.g. 'fold-constants,merge-segments{tol=1e-3},round{digits=3}'")
    if data_option:
        command.add_argument("--data", dest="pipeline_data", help="CSV or Parquet data on which lossy passes measure their error")
    else:
        command.set_defaults(pipeline_data=None)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        run: Callable[[argparse.Namespace], int] = args.run
        return run(args)
    except PwlcError as error:
        print(error, file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader of our output went away (`pwlc diff ... | head`)
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (so that exiting does not complain again)
        return 1
    except OSError as error:
        print(f"pwlc: {error.strerror or error}: {error.filename or ''}".rstrip(": "), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # a pwlc bug: one line, not a traceback, unless asked for
        if os.environ.get("PWLC_DEBUG"):
            raise
        print(f"pwlc: internal error ({type(error).__name__}: {error}); this is a bug in pwlc: please report it, with PWLC_DEBUG=1 for the traceback", file=sys.stderr)
        return 2


# --- verbs --------------------------------------------------------------------------


def _compile(args: argparse.Namespace) -> int:
    from pwlc.api import read

    target = _output_target(args.target, args.output, "python")
    if args.pipeline_data and not (args.pipeline or args.level):
        raise PwlcError("--data is what -O2/-O3 or -p passes measure their error on: give one of them, or drop --data")
    model = read(Path(args.input), format=args.source_format)
    model = _optimise(model, args)
    _write(model, target, args.output, _sql_options(args, target))
    return 0


def _distill(args: argparse.Namespace) -> int:
    from pwlc.api import emit  # noqa: F401  (fail early if the backends are broken)
    from pwlc.datasets import load_table
    from pwlc.distill import distill_report

    target = _output_target(args.target, args.output, "pwl")
    teacher = _load_teacher(Path(args.model), args.allow_pickle)
    data = load_table(Path(args.data))
    with _progress("distilling") as report:
        distilled = distill_report(teacher, data, segments=args.segments, tol=args.tol, knots=args.knots, score_tol=args.score_tol, progress=report)
    print(f"{'term':<40} {'RMS error':>10} {'max error':>10}", file=sys.stderr)
    for error in distilled.errors:
        print(f"{error.description[:40]:<40} {error.rms:>10.4g} {error.max:>10.4g}", file=sys.stderr)
    model = _optimise(distilled.model, args, default_data=data)
    _write(model, target, args.output, _sql_options(args, target))
    return 0


def _load_teacher(path: Path, allow_pickle: bool) -> Any:
    """Load a trained model; the pickle warning is one line, not a Python warning."""
    from pwlc.frontends import load_model

    with _warnings_as_lines():
        return load_model(path, allow_pickle=allow_pickle)


@contextmanager
def _warnings_as_lines() -> Iterator[None]:
    """Python warnings raised inside (the pickle warning) print as `pwlc: warning: ...`."""
    import warnings

    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:  # type: ignore[assignment]
            warnings.simplefilter("always")
            yield
    finally:
        for warning in caught:
            print(f"pwlc: warning: {warning.message}", file=sys.stderr)


def _sql_options(args: argparse.Namespace, target: str) -> dict[str, Any]:
    if not target.startswith("sql"):
        return {}
    if not args.table.strip():
        raise PwlcError("--table must name the table the query reads")
    return {"table": args.table, "keys": tuple(k for k in args.keys.split(",") if k)}


def _report(args: argparse.Namespace) -> int:
    from pwlc.api import read
    from pwlc.datasets import load_table
    from pwlc.errors import DataError

    model = read(Path(args.input))
    data = load_table(Path(args.data))
    teacher = None
    if args.teacher:
        from pwlc.frontends import lower

        teacher = lower(_load_teacher(Path(args.teacher), args.allow_pickle))
        if isinstance(teacher, Multiclass) != isinstance(model, Multiclass):
            raise UnsupportedError(f"{args.teacher}: a {'multiclass' if isinstance(teacher, Multiclass) else 'one-score'} teacher for a {'multiclass' if isinstance(model, Multiclass) else 'one-score'} model; give the teacher the model was distilled from")
    extra = {}
    for option in ("labels", "queries"):
        column = getattr(args, option)
        if column is not None:
            if column not in data.columns:
                raise DataError(f"{args.data}: no column {column!r} for --{option}")
            extra[option] = data[column].to_numpy()
    with _progress("plotting") as report:
        if isinstance(model, Multiclass):
            from pwlc.report_multiclass import build_multiclass_report

            if "queries" in extra:
                raise UnsupportedError("--queries is for rankers; a multiclass model takes --labels (each row's class)")
            text = build_multiclass_report(model, data, teacher=teacher, progress=report, **extra)  # type: ignore[arg-type]
        else:
            from pwlc.report import build_report

            text = build_report(model, data, teacher=teacher, progress=report, **extra)  # type: ignore[arg-type]
    write_files({Path(args.output): text})
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


def _fmt(args: argparse.Namespace) -> int:
    from pwlc.api import emit, read, read_source
    from pwlc.backends import SUFFIXES

    changed = []
    for name in args.files:
        path = Path(name)
        target = SUFFIXES.get(path.suffix.lower())
        if target is None:
            raise PwlcError(f"{path}: pwlc formats .pwl and emitted {', '.join(s for s in SUFFIXES if s != '.pwl')} files")
        text = read_source(path)
        options: dict[str, Any] = {}
        if target == "sql":  # keep the dialect, table and keys the file was printed with
            from pwlc.backends.sql import query_options

            found = vars(query_options(text))
            target = f"sql:{found.pop('dialect')}" if found.get("dialect") else target
            options = found
        formatted = emit(read(path, format=target), target, **options)
        _refuse_to_drop_comments(text, formatted, path, target)
        if formatted != text:
            changed.append(path)
            if not args.check:
                write_files({path: formatted})
    for path in changed:
        print(f"{'would reformat' if args.check else 'reformatted'} {path}", file=sys.stderr)
    return 1 if args.check and changed else 0


def _diff(args: argparse.Namespace) -> int:
    """Exit 0 when the score change is within --tol, 1 above it, 2 on an error."""
    from pwlc.diff import load

    return _comparing(args, lambda: (load(Path(args.old)), args.old), lambda: (load(Path(args.new)), args.new), terms=True)


def _check(args: argparse.Namespace) -> int:
    """`diff` of a deployed file against the model it should compute, with its worst rows."""
    from pwlc.diff import load, load_reference

    def reference() -> tuple[Any, str]:
        with _warnings_as_lines():
            model, how = load_reference(Path(args.against), allow_pickle=args.allow_pickle)
        return model, args.against if how == "a pwlc model" else f"{args.against} ({how})"

    return _comparing(args, reference, lambda: (load(Path(args.file)), args.file), terms=False)


def _comparing(args: argparse.Namespace, old: Callable[[], tuple[Any, str]], new: Callable[[], tuple[Any, str]], *, terms: bool) -> int:
    """Compare two models as `diff` and `check` do; any mistake is exit status 2 (1 means
    "the scores moved more than --tol"). Nothing is written."""
    import json

    from pwlc.diff import compare, read_data
    from pwlc.diff.report import report, write

    try:
        if not args.tol >= 0:
            raise PwlcError(f"--tol must be a number >= 0, not {args.tol}")
        old_model, old_label = old()
        new_model, new_label = new()
        data = None if args.data is None else read_data(args.data, old_model, new_model)
        comparison = compare(old_model, new_model, data, labels=(old_label, new_label), data_label=args.data or "")
    except (PwlcError, OSError) as error:
        print(error if isinstance(error, PwlcError) else f"pwlc: {error.strerror or error}: {error.filename or ''}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(comparison.to_json(args.tol), indent=2, ensure_ascii=False))
    else:
        write(report(comparison, args.tol, terms=terms, worst_rows=not terms), sys.stdout)
    return 0 if comparison.within(args.tol) else 1


def _list(args: argparse.Namespace) -> int:
    from pwlc.api import targets

    print("targets:   " + ", ".join(t if t != "sql" else "sql[:DIALECT]" for t in targets()))
    for title, lister in (("frontends", "pwlc.frontends:supported"), ("passes", "pwlc.passes:available")):
        names = _optional(lister)
        if names is not None:
            print(f"{title + ':':<11}" + ", ".join(names()))
    return 0


def _demo(args: argparse.Namespace) -> int:
    from pwlc.demo import main as demo

    return int(demo(Path(args.output_dir)) or 0)


# --- pieces -------------------------------------------------------------------------


def _refuse_to_drop_comments(text: str, formatted: str, path: Path, target: str) -> None:
    """The IR keeps no comments, so re-printing would lose a person's notes: say where."""
    kept = {line.strip() for line in formatted.splitlines()}
    for span, comment in _comments(text, path, target):
        if comment.rstrip() not in kept:
            raise PwlcError("fmt would drop this comment (a model keeps no comments); put the note in the model's doc string", span)


def _comments(text: str, path: Path, target: str) -> list[tuple[Any, str]]:
    """The comments of a .pwl or Python file (above the runtime), with where they start."""
    from pwlc.errors import Span

    if target == "pwl":
        from pwlc.backends import pwl

        return pwl.comments(text, str(path))
    if target != "python":
        return []
    from pwlc.backends.python import comments

    return [(Span.of_line(text, str(path), line, column), comment) for line, column, comment in comments(text, str(path))]


def _optimise(model: Any, args: argparse.Namespace, default_data: Any = None) -> Any:
    pipeline = args.pipeline or (f"O{args.level}" if args.level else None)
    if not pipeline:
        return model
    from pwlc.passes import optimize

    data = default_data
    if args.pipeline_data:
        from pwlc.datasets import load_table

        data = load_table(Path(args.pipeline_data))
    with _progress("optimizing") as report:
        result, reports = optimize(model, pipeline, data=data, progress=report)
    print(reports, file=sys.stderr)
    return result


def _output_target(target: str | None, output: str | None, default: str) -> str:
    """The target: `-t`, else the one the suffix of `-o` names, else `default`. A `-t`
    whose backend writes another suffix than `-o` has is a mistake (`-t python -o m.pwl`)."""
    from pwlc.backends import SUFFIXES, parse_target

    named = SUFFIXES.get(Path(output).suffix.lower()) if output else None
    if target is None:
        return named or default
    name, _ = parse_target(target)
    if named is not None and named != name:
        raise PwlcError(f"-t {target} writes {name} but -o {output} names a {Path(output or '').suffix} file ({named}); drop -t to write {named}, or give -o a {_suffix(name)} name")
    return target


def _suffix(backend_name: str) -> str:
    from pwlc.backends import SUFFIXES

    return next(suffix for suffix, name in SUFFIXES.items() if name == backend_name)


def _write(model: Any, target: str, output: str | None, options: dict[str, Any] | None = None) -> None:
    """Print `model` for `target` to `output` (standard output when None). A C target also
    writes the header beside the source: both files or neither."""
    from pwlc.api import emit
    from pwlc.backends import backend, parse_target

    text = emit(model, target, **(options or {}))
    if output is None:
        sys.stdout.write(text)
        return
    path = Path(output)
    files = {path: text}
    module = backend(parse_target(target)[0])
    if hasattr(module, "emit_header"):  # C: the header with the documented ABI goes beside the source
        files[path.with_suffix(".h")] = module.emit_header(model)
    write_files(files)
    print(f"wrote {', '.join(map(str, files))}", file=sys.stderr)


def write_files(files: dict[Path, str]) -> None:
    """Write every file or none: each goes to a temporary file in its own folder first and
    is renamed into place once all are written (a failure leaves the old files as they
    were, and no empty or partial file). Errors name the path."""
    import tempfile

    temporary: dict[Path, Path] = {}
    try:
        for path, text in files.items():
            folder = path.parent
            if path.is_dir():
                raise PwlcError(f"{path}: is a folder; give -o a file name")
            if not folder.is_dir():
                missing = "is not a folder" if folder.exists() else "does not exist; create it first"
                raise PwlcError(f"{path}: cannot write it: {str(folder)!r} {missing}")
            try:
                with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=folder, prefix=f".{path.name}.", suffix=".tmp", delete=False) as handle:
                    temporary[path] = Path(handle.name)
                    handle.write(text)
                os.chmod(handle.name, _mode_for(path))
            except OSError as exc:
                raise PwlcError(f"{path}: cannot write it ({exc.strerror or exc})") from None
        for path, written in temporary.items():
            try:
                os.replace(written, path)
            except OSError as exc:
                raise PwlcError(f"{path}: cannot write it ({exc.strerror or exc})") from None
    finally:
        for written in temporary.values():
            written.unlink(missing_ok=True)


def _mode_for(path: Path) -> int:
    """The permissions of the file being replaced, or those a new file gets (umask)."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _optional(reference: str) -> Any:
    """`module:attribute` if that module exists yet, else None."""
    import importlib

    module_name, attribute = reference.split(":")
    try:
        return getattr(importlib.import_module(module_name), attribute, None)
    except ImportError:
        return None


class _progress:
    """A rich progress bar on a terminal; silent when stderr is not a terminal."""

    def __init__(self, description: str):
        self.description = description
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self) -> Callable[[int, int, str], None]:
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import Progress

            # On stderr: stdout may be the emitted code.
            self.bar = Progress(console=Console(stderr=True), transient=True)
            self.bar.start()
            self.task = self.bar.add_task(self.description, total=None)
        return self.update

    def update(self, done: int, total: int, what: str = "") -> None:
        if self.bar is not None:
            self.bar.update(self.task, completed=done, total=total, description=f"{self.description} {what}".strip())

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


if __name__ == "__main__":
    sys.exit(main())
