"""The C backend: emitted C compiled by gcc and clang with every warning an error, run
through ctypes and compared with the reference evaluator; the reader on emitted,
reformatted and hand-edited files."""

from __future__ import annotations

import ctypes
import math
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, example, given, settings

import pwlc
from pwlc.backends import c
from pwlc.errors import ParseError, UnsupportedError
from pwlc.ir import CategoryAxis, Constant, Curve, Grid, Input, KnotAxis, Model, StepAxis, Table
from pwlc.semantics import evaluate
from pwlc.testing import edge_grid, mismatches
from tests import differential, engines
from tests.conftest import require_engine
from tests.strategies import models

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "models"
MODELS = sorted(GOLDEN.glob("*.pwl"))
COMPILERS = ["gcc", "clang"]


def require_compiler(name: str) -> None:
    """Skip locally, fail in CI, when a tool is missing (`bash .ci/compilers.sh` installs it)."""
    if shutil.which(name) is None:
        require_engine(name, f"{name} is not on PATH (bash .ci/compilers.sh installs it)")


@pytest.mark.parametrize("compiler", COMPILERS)
@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_compiled_model_scores_the_edge_grid_like_the_evaluator(path: Path, compiler: str) -> None:
    require_compiler(compiler)
    model = pwlc.read(path)
    grid = edge_grid(model)
    _, messages = engines.load_c(model, compiler)
    assert messages == ""  # no warning at all, not just none fatal
    got = engines.run_c(model, grid, compiler)
    expected = evaluate(model, grid, output="score")
    bad = mismatches(got, expected)
    assert not bad, f"{compiler}: rows {bad} differ: {got[bad]} vs {expected[bad]}"


# Grids whose value with one input missing depends on the other input (EBM pairs).
MISSING_LINES = Model(
    (Input("age"), Input("income"), Input("region", "categorical"), Input("hours")),
    (
        Constant(0.25),
        Grid(  # step x step, with `missing` for both missing
            StepAxis("age", (30.0, 45.5), "upper"),
            StepAxis("income", (50000.0,), "lower"),
            ((0.1, -0.1), (0.2, -0.2), (0.3, -0.3)),
            missing=0.0,
            missing_a=(0.7, -0.7),
            missing_b=(1.5, 2.5, 3.5),
        ),
        Grid(  # knot x knot, no `missing`: both missing (or only b) makes the score missing
            KnotAxis("hours", (0.0, 40.0, 80.0)),
            KnotAxis("income", (0.0, 100000.0)),
            ((0.0, 0.5), (0.25, 1.0), (-0.5, 2.0)),
            missing_a=(-1.0, 3.0),
        ),
        Grid(  # category x step: the column runs over the categories, then unseen
            CategoryAxis("region", ("north", "south")),
            StepAxis("age", (40.0,), "upper"),
            ((1.0, 2.0), (3.0, 4.0), (-5.0, -6.0)),
            missing=9.0,
            missing_a=(0.125, 0.375),
            missing_b=(10.0, 20.0, 30.0),
        ),
        Grid(  # knot x step, both lines, no `missing`
            KnotAxis("age", (20.0, 60.0)),
            StepAxis("hours", (), "upper"),
            ((1.0,), (2.0,)),
            missing_a=(5.0,),
            missing_b=(-2.0, 6.0),
        ),
    ),
)


def test_grid_missing_row_and_column_round_trip() -> None:
    text = c.emit(MISSING_LINES)
    assert "static const double missing_a[] = {0.7, -0.7};" in text
    assert c.read(text) == MISSING_LINES
    assert c.emit(c.read(text)) == text


@pytest.mark.parametrize("compiler", COMPILERS)
def test_grid_missing_row_and_column_score_like_the_evaluator(compiler: str) -> None:
    require_compiler(compiler)
    grid = edge_grid(MISSING_LINES)
    _, messages = engines.load_c(MISSING_LINES, compiler)
    assert messages == ""
    got = engines.run_c(MISSING_LINES, grid, compiler)
    expected = evaluate(MISSING_LINES, grid, output="score")
    assert mismatches(got, expected) == []
    # Worked by hand: (constant, step grid, knot grid, category grid, knot x step grid).
    nan = math.nan
    rows = {"age": [nan, 35.0, nan, nan, 50.0], "income": [60000.0, nan, nan, 20000.0, 100000.0], "region": ["south", "north", None, None, "west"], "hours": [60.0, 10.0, nan, 70.0, nan]}
    expected = [
        0.25 - 0.7 + 0.85 + 20.0 + 5.0,  # age missing: rows along income, region, hours
        nan,  # only income missing: the knot grid has neither missing_b nor `missing`
        nan,  # all missing: the knot grid has no `missing`
        0.25 + 0.7 + 0.1 + 9.0 + 5.0,  # age and region missing: the category grid's `missing`
        0.25 - 0.3 + 3.0 - 6.0 + 4.0,  # hours missing: missing_a at income 100000, missing_b at age 50
    ]
    assert mismatches(engines.run_c(MISSING_LINES, rows, compiler), expected) == []


def test_hand_edited_missing_row_reads_back() -> None:
    text = c.emit(MISSING_LINES).replace("missing_a[] = {0.7, -0.7};", "missing_a[] = {0.75, -0.7}; /* was 0.7 */", 1)
    model = pwlc.read(text, format="c")
    assert model.terms[1].missing_a == (0.75, -0.7)  # type: ignore[union-attr]
    assert model.terms[1:] != MISSING_LINES.terms[1:] and model.terms[2:] == MISSING_LINES.terms[2:]


@pytest.mark.parametrize(
    ("edit", "message", "where"),
    [
        (lambda t: t.replace("values, 0.0, missing_a, missing_b)", "values, 0.0, missing_x, missing_b)", 1), "expected the name of the static const array of missing_a", "values, 0.0, missing_x"),
        (lambda t: t.replace("missing_a[] = {0.7, -0.7};", "missing_a[] = {0.7};", 1), "missing_a has 1 values, axis 'income' has 2 cells", "age_income_grid(double a"),
        (lambda t: t.replace("values, 0.0, missing_a, missing_b)", "values, 0.0, missing_a)", 1), "pwlc_grid takes 7 arguments, given 6", "return pwlc_grid("),
    ],
    ids=["unknown-array", "short-row", "arguments"],
)
def test_grid_missing_row_mistakes_point_at_the_grid(edit, message: str, where: str) -> None:  # type: ignore[no-untyped-def]
    text = edit(c.emit(MISSING_LINES))
    with pytest.raises(pwlc.errors.PwlcError) as caught:
        pwlc.read(text, format="c")
    error = caught.value
    assert message in error.message, error.message
    assert error.span is not None
    expected_line = text.count("\n", 0, text.index(where)) + 1 + where.count("\n")  # the last line of `where`
    assert error.span.line == expected_line, str(error)


def _row_struct(model: Model) -> type[ctypes.Structure]:
    names = c.c_names(model)
    fields = [(names.fields[i.name], ctypes.c_char_p if i.kind == "categorical" else ctypes.c_double) for i in model.inputs]
    return type("Row", (ctypes.Structure,), {"_fields_": fields})


def test_per_row_function_and_link_function() -> None:
    """`score(&row)` is the raw score and `score_probability(&row)` the prediction."""
    model = pwlc.read(GOLDEN / "recidivism.pwl")
    library, _ = engines.load_c(model)
    row_type = _row_struct(model)
    grid = edge_grid(model)
    scores, predictions = evaluate(model, grid, output="score"), evaluate(model, grid)
    for function, expected in ((library.score, scores), (library.score_probability, predictions)):
        function.argtypes, function.restype = [ctypes.POINTER(row_type)], ctypes.c_double
        got = []
        for i in range(len(expected)):
            values = {}
            for declared in model.inputs:
                value = grid[declared.name][i]
                field = c.c_names(model).fields[declared.name]
                values[field] = (None if value is None else value.encode()) if declared.kind == "categorical" else (math.nan if value is None else value)
            got.append(function(ctypes.byref(row_type(**values))))
        assert mismatches(got, expected) == []


def test_input_names_array_lists_the_original_names() -> None:
    model = pwlc.read(GOLDEN / "hostile_names.pwl")
    library, _ = engines.load_c(model)
    names = (ctypes.c_char_p * (len(model.inputs) + 1)).in_dll(library, "score_input_names")
    assert [n.decode() if n is not None else None for n in names] == [i.name for i in model.inputs] + [None]


def test_header_matches_the_source_file(tmp_path: Path) -> None:
    """A caller that includes the .h compiles and links against the .c with no warning."""
    model = pwlc.read(GOLDEN / "grids.pwl")
    (tmp_path / "score.c").write_text(c.emit(model))
    (tmp_path / "score.h").write_text(c.emit_header(model))
    (tmp_path / "main.c").write_text(
        '#include <math.h>\n#include <stdio.h>\n#include "score.h"\n'
        "int main(void)\n{\n"
        '    struct score_input row = {30.0, 50000.0, "north", NAN};\n'
        "    double ages[1] = {30.0}, incomes[1] = {50000.0}, hours[1] = {NAN}, out[1];\n"
        '    const char *regions[1] = {"north"};\n'
        "    struct score_columns columns = {ages, incomes, regions, hours};\n"
        "    score_batch(1, &columns, out);\n"
        '    printf("%.17g %.17g %.17g\\n", score(&row), out[0], score_probability(&row));\n'
        "    return 0;\n}\n"
    )
    build = subprocess.run(
        ["gcc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-o", str(tmp_path / "main"), str(tmp_path / "main.c"), str(tmp_path / "score.c"), "-lm"],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0 and build.stderr == "", build.stderr
    printed = [float(v) for v in subprocess.run([str(tmp_path / "main")], capture_output=True, text=True, check=True).stdout.split()]
    data = {"age": [30.0], "income": [50000.0], "region": ["north"], "hours": [math.nan]}
    expected = [evaluate(model, data, output="score")[0]] * 2 + [evaluate(model, data)[0]]
    assert mismatches(printed, expected) == []


# --- reader -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_round_trip_and_stability(path: Path) -> None:
    model = pwlc.read(path)
    text = c.emit(model)
    assert c.read(text) == model
    assert c.emit(c.read(text)) == text


@pytest.mark.parametrize("style", ["LLVM", "GNU", "{BasedOnStyle: Google, ColumnLimit: 60}"])
@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_clang_formatted_file_reads_the_same(path: Path, style: str) -> None:
    require_compiler("clang-format")
    model = pwlc.read(path)
    formatted = subprocess.run(["clang-format", f"--style={style}"], input=c.emit(model), capture_output=True, text=True, check=True).stdout
    assert formatted != c.emit(model)
    assert c.read(formatted) == model


def _hand_edited(text: str) -> str:
    """The recidivism file as a reviewer might edit it: a knot moved and one added (the batch
    reads the same array), integers and a reformatted array, a table entry added, comments."""
    text = text.replace(
        "static const double age_curve_knots[][2] = {{18.0, 0.61}, {25.0, 0.2}, {46.0, -0.45}, {70.0, -0.6}};",
        "// a knot moved and one added; integers are fine\n"
        "static const double age_curve_knots[][2] = {\n  {18, 0.61},\n  {30.0, .2},   /* was 25 */\n  {46.0, -0.45},\n  {80.0, -0.7}, /* new */\n};",
    )
    return text.replace('{{"Female", -0.2}, {"Male", 0.05}}', '{{"Female", -0.2}, {"Male", 0.05}, {"Other", 0.0}}')


def test_hand_edited_file_reads_back() -> None:
    model = pwlc.read(GOLDEN / "recidivism.pwl")
    edited = c.read(_hand_edited(c.emit(model)), "risk.c")
    assert edited.terms[1] == Curve("age", (18.0, 30.0, 46.0, 80.0), (0.61, 0.2, -0.45, -0.7))
    assert edited.terms[4] == Table("sex", (("Female", -0.2), ("Male", 0.05), ("Other", 0.0)))
    assert edited.terms[:1] + edited.terms[2:4] + edited.terms[5:] == model.terms[:1] + model.terms[2:4] + model.terms[5:]
    grid = edge_grid(edited)
    for compiler in COMPILERS:
        require_compiler(compiler)
        got = engines.run_c_source(_hand_edited(c.emit(model)), edited, grid, compiler)
        assert mismatches(got, evaluate(edited, grid, output="score")) == []


@pytest.mark.parametrize(
    ("edit", "message", "where"),
    [
        (lambda t: t.replace("PWLC_COUNT(age_curve_knots)", "3", 1), "count 3 does not match the 4 items of age_curve_knots", "age_curve_knots, 3, PWLC_IDENTITY"),
        (lambda t: t.replace("+ age_curve(row->age)", "+ age_curv(row->age)", 1), "age_curv is not defined, and age_curve (line 375) is called nowhere: name the call and the function alike", "age_curv(row"),
        # the function renamed, its call not: its knots array still has the old name
        (lambda t: t.replace("double age_curve(double x)", "double age_curve2(double x)", 1), "age_curve2 is called nowhere, and score calls age_curve, which is not defined", "age_curve2(double x)"),
        # a step's batch names its function: the definition renamed, not its two calls
        (lambda t: t.replace("double c_charge_degree_table(const char", "double charge_table(const char", 1), "charge_table is called nowhere, and score calls c_charge_degree_table", "charge_table(const char"),
        (lambda t: t.replace("{18.0, 0.61}", "{18.0, 0.61, 1.0}", 1), "more values than a double[2] holds", "{18.0, 0.61, 1.0}"),
        (lambda t: t.replace("PWLC_IDENTITY, NAN)", "PWLC_SQRT, NAN)", 1), "expected one of PWLC_IDENTITY", "age_curve_knots, PWLC_COUNT(age_curve_knots), PWLC_SQRT"),
        (lambda t: t.replace("age_curve_knots[][2] =", "age_curve_knots[][2 =", 1), "expected `]` after the size, found `=`", "knots[][2 ="),
        (lambda t: t.replace('"Female"', '"Fe\\qmale"', 1), "unknown escape \\q", '"Fe'),
    ],
    ids=["count", "unknown-function", "renamed-curve-function", "renamed-table-function", "long-pair", "transform", "syntax", "escape"],
)
def test_reader_errors_point_at_the_mistake(edit, message: str, where: str) -> None:  # type: ignore[no-untyped-def]
    text = edit(c.emit(pwlc.read(GOLDEN / "recidivism.pwl")))
    with pytest.raises(ParseError) as caught:
        c.read(text, "risk.c")
    error = caught.value
    assert message in error.message
    assert error.span is not None and error.span.file == "risk.c"
    line = text.splitlines()[error.span.line - 1]
    expected_line = text.count("\n", 0, text.index(where)) + 1 + where.count("\n")  # the last line of `where`
    assert error.span.line == expected_line, str(error)
    assert re.search(r"risk\.c:\d+:\d+: ", str(error)) and line in str(error)



# --- the batch: score's terms again, checked when read back ----------------------------------


@pytest.mark.parametrize(
    ("edit", "detail", "where"),
    [
        (lambda t: t.replace("        + sex_table(row->sex)\n", "", 1), "(term 5 of score_rows, on line 454, is not in score; it would go here)", "+ c_charge_degree_table(row->"),
        (lambda t: t.replace("    return -0.35\n", "    return -0.3\n", 1), "(term 1;", "pwlc_constant_rows(m, sum, -0.35)"),
        (lambda t: t.replace("sum, sex_table);", "sum, c_charge_degree_table);", 1), "(term 5;", "columns->sex + start, sum, c_charge_degree_table);"),
        (lambda t: t.replace("PWLC_LOG1P, NAN);", "PWLC_IDENTITY, NAN);", 1), "(term 4;", "columns->length_of_stay + start"),
        (lambda t: t.replace(" " * 20 + "age_curve_knots, PWLC_COUNT(age_curve_knots)", " " * 20 + "priors_count_curve_knots, PWLC_COUNT(priors_count_curve_knots)", 1), "(term 2;", "columns->age + start"),
        (lambda t: t.replace("PWLC_IDENTITY, 0.0);", "PWLC_IDENTITY, 0.5);", 2).replace("PWLC_IDENTITY, 0.5);", "PWLC_IDENTITY, 0.0);", 1), "(term 3;", "columns->priors_count + start"),
        (lambda t: t.replace("    pwlc_category_rows(m, columns->c_charge_degree + start, sum, c_charge_degree_table);\n", "", 1), "(term 6 of score, on line 420, is not in score_rows; it would go here)", "sum, sex_table);\n}"),
        (lambda t: t.replace("    pwlc_zero_rows(m, sum);\n", "    pwlc_zero_rows(m, sum);\n    pwlc_constant_rows(m, sum, 1.0);\n", 1), "(term 1: score_rows adds it, score does not)", "pwlc_constant_rows(m, sum, 1.0)"),
        (lambda t: t.replace("        + c_charge_degree_table(row->c_charge_degree);\n", ";\n", 1).replace("+ sex_table(row->sex)\n;", "+ sex_table(row->sex);"), "(term 6 of score_rows, on line 455, is not in score; it would go here)", "+ sex_table(row->sex);"),
    ],
    ids=[
        "term-deleted-from-score-only",
        "constant-edited-in-score-only",
        "batch-calls-another-term",
        "fx-edited-in-score-only",
        "batch-curve-reads-other-knots",
        "missing-edited-in-batch-only",
        "batch-lost-a-term",
        "batch-gained-a-term",
        "score-lost-its-last-term",
    ],
)
def test_batch_that_differs_from_score_is_refused(edit, detail: str, where: str) -> None:  # type: ignore[no-untyped-def]
    text = edit(c.emit(pwlc.read(GOLDEN / "recidivism.pwl")))
    with pytest.raises(ParseError) as caught:
        c.read(text, "risk.c")
    error = caught.value
    assert error.message.startswith(c.BATCH_MISMATCH) and detail in error.message, error.message
    assert error.span is not None
    expected_line = text.count("\n", 0, text.index(where)) + 1 + where.count("\n")  # the last line of `where`
    assert error.span.line == expected_line, str(error)


def test_batch_edited_along_with_score_reads_back_and_scores_the_same() -> None:
    """Deleting a term by hand: its function, its line in score and its line in the batch."""
    model = pwlc.read(GOLDEN / "recidivism.pwl")
    text = c.emit(model).replace("        + sex_table(row->sex)\n", "", 1)
    text = text.replace("    pwlc_category_rows(m, columns->sex + start, sum, sex_table);\n", "", 1)
    text = re.sub(r'/\* table on "sex" \*/\nstatic double sex_table.*?\n}\n\n', "", text, count=1, flags=re.DOTALL)
    edited = c.read(text)
    assert edited.terms == tuple(t for t in model.terms if not (isinstance(t, Table) and t.feature == "sex"))
    assert c.emit(edited) == text  # so the compiled code below is the edited file itself
    grid = edge_grid(model)
    assert mismatches(engines.run_c(edited, grid), evaluate(edited, grid, output="score")) == []


def test_batch_must_start_from_zero() -> None:
    text = c.emit(pwlc.read(GOLDEN / "recidivism.pwl")).replace("    pwlc_zero_rows(m, sum);\n", "", 1)
    with pytest.raises(ParseError, match="starts with pwlc_zero_rows"):
        c.read(text)


@pytest.mark.parametrize("compiler", COMPILERS)
def test_batch_over_many_blocks_with_repeated_and_distinct_strings(compiler: str) -> None:
    """Rows in several blocks; a category given by one shared pointer, by distinct copies of
    the same text, by NULL and by unseen text, in a pseudo-random order (the batch remembers
    a category's value by the string's address)."""
    require_compiler(compiler)
    model = pwlc.read(GOLDEN / "tables.pwl")
    library, _ = engines.load_c(model, compiler)
    grid = edge_grid(model)
    n = 1000  # about four blocks
    rng = __import__("random").Random(0)
    columns = {name: [values[rng.randrange(len(values))] for _ in range(n)] for name, values in grid.items()}
    shared = {}  # one buffer per text, reused for every other row
    pointers: dict[str, list[object]] = {}
    for declared in model.inputs:
        if declared.kind != "categorical":
            continue
        column = []
        for i, value in enumerate(columns[declared.name]):
            if value is None:
                column.append(None)
            elif i % 2:
                column.append(shared.setdefault(value, ctypes.create_string_buffer(value.encode())))
            else:
                column.append(ctypes.create_string_buffer(value.encode()))
        pointers[declared.name] = column
    struct = engines.columns_struct(model)
    names = c.c_names(model)
    keep = []
    fields = {}
    for declared in model.inputs:
        if declared.kind == "categorical":
            array = (ctypes.c_char_p * n)(*[None if b is None else ctypes.cast(b, ctypes.c_char_p) for b in pointers[declared.name]])
        else:
            array = (ctypes.c_double * n)(*[math.nan if v is None else float(v) for v in columns[declared.name]])
        keep.append(array)
        fields[names.fields[declared.name]] = ctypes.cast(array, dict(struct._fields_)[names.fields[declared.name]])
    out = (ctypes.c_double * n)()
    batch = library.score_batch
    batch.argtypes = [ctypes.c_size_t, ctypes.POINTER(struct), ctypes.POINTER(ctypes.c_double)]
    batch(n, ctypes.byref(struct(**fields)), out)
    assert mismatches(list(out), evaluate(model, columns, output="score")) == []

def test_reserved_model_name_is_refused() -> None:
    with pytest.raises(UnsupportedError, match="reserved in C"):
        c.emit(Model((), (Constant(1.0),), name="double"))


@pytest.mark.parametrize("name", ["pwlc_curve", "PWLC_LOG", "pwlc_table"])
def test_an_input_named_like_the_runtime_reads_back_and_runs(name: str) -> None:
    """The model fuzz's reproducer (seed 2705): an input `pwlc_curve` became a field the
    reader took for a use of the runtime's `pwlc_curve`, refusing pwlc's own file."""
    require_compiler("gcc")
    for terms in ((), (Curve(name, (0.0, 1.0), (2.0, -1.0)),)):
        model = Model((Input(name),), terms)
        text = c.emit(model)
        assert c.read(text) == model
        grid = edge_grid(model)
        assert mismatches(engines.run_c_source(text, model, grid), evaluate(model, grid, output="score")) == []


def _holds_nul(model: Model) -> bool:
    """Whether a category holds a NUL, where a C string ends (C refuses the model)."""
    grid = edge_grid(model)
    return any(isinstance(v, str) and "\x00" in v for column in grid.values() for v in column)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models())
def test_random_models_round_trip(model: Model) -> None:
    if _holds_nul(model):
        with pytest.raises(UnsupportedError, match="holds a NUL character, where a C string ends"):
            c.emit(model)
        return
    text = c.emit(model)
    assert c.read(text) == model
    assert c.emit(c.read(text)) == text


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models())
# one ulp below the last knot under log1p, glibc's log1p is the knot's and numpy's one ulp less:
# C gives 1.0, the evaluator 0.9999999999996 (exact comparison failed; within the log1p envelope)
@example(Model((Input("age"), Input("income")), (Curve("age", (0.0,), (0.0,)), Curve("age", (52149.0, 52241.66341962532), (0.0, 1.0), "log1p"))))
def test_random_models_compile_and_match_the_evaluator(model: Model) -> None:
    """Exact without transforms; with a log or log1p, within the evaluator's envelope for
    libm's last bit (tests/differential.py), which knots close together enlarge."""
    assume(not _holds_nul(model))
    grid = edge_grid(model)
    got = engines.run_c(model, grid)
    want = differential.expected(model, grid)
    outside = differential.ulps_outside(got, want.score, want.score_low, want.score_high, want.nan_allowed)
    bad = np.flatnonzero(outside > differential.TOLERANCE_ULPS)
    assert not len(bad), f"rows {bad[:5].tolist()}: C gives {got[bad[:5]]}, the evaluator {want.score[bad[:5]]}"


def test_models_without_inputs_or_terms_compile() -> None:
    """Empty structs are not C99: a model with no inputs (or no term reading them) still compiles clean."""
    for model in (Model((), ()), Model((), (Constant(2.5),)), Model((Input("x"),), (Constant(-1.0),), link="exp")):
        data = {declared.name: [1.0] for declared in model.inputs} or {"no input": [0.0]}
        _, messages = engines.load_c(model)
        assert messages == ""
        assert mismatches(engines.run_c(model, data), evaluate(model, data, output="score")) == []
