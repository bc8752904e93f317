"""Hand edits of an emitted C file: each accepted one is compiled (gcc and clang) and run,
and must score like `pwlc.evaluate` of what pwlc read from it; each refused one must be
refused at the edited construct, saying what is not read and what to write instead."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

import pwlc
from pwlc.backends import c
from pwlc.ir import Constant, Curve, Input, Model, Step, Table
from tests.c_harness import EDIT_FLAGS, check_refused, check_runs_as_read, require_compiler

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "models"
RECIDIVISM = pwlc.read(GOLDEN / "recidivism.pwl")
TEXT = c.emit(RECIDIVISM)
AGE_KNOTS = "static const double age_curve_knots[][2] = {{18.0, 0.61}, {25.0, 0.2}, {46.0, -0.45}, {70.0, -0.6}};"
AGE_TERM = "        + age_curve(row->age)\n"
SEX_ENTRIES = '{{"Female", -0.2}, {"Male", 0.05}}'
STEPS = c.emit(pwlc.read(GOLDEN / "steps.pwl"))


def edit(old: str, new: str, text: str = TEXT, count: int = 1) -> str:
    assert old in text, old
    return text.replace(old, new, count)


def refused(text: str, where: str, message: str, original: str = TEXT) -> None:
    check_refused(text, where, message, original)


def age_knots(new: str) -> str:
    return edit("{{18.0, 0.61}, {25.0, 0.2}, {46.0, -0.45}, {70.0, -0.6}}", new)


def age_curve(model: Model) -> Curve:
    term = model.terms[1]
    assert isinstance(term, Curve) and term.feature == "age"
    return term


# --- 1. the translation phases: directives, line splices, trigraphs, comments ---------------


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (edit(AGE_TERM, "#if 0\n" + AGE_TERM + "#endif\n"), "#if 0"),
        (edit(AGE_KNOTS, "#define AGE 18.0\n" + AGE_KNOTS), "#define AGE"),
        (edit("/* One field per input", "#include <stdio.h>\n/* One field per input"), "#include <stdio.h>"),
        (edit("/* One field per input", "  %: pragma once\n/* One field per input"), "%: pragma once"),
        (edit("/* One field per input", "#\n/* One field per input"), "#\n/* One field per input"),
    ],
    ids=["if-0", "define", "include", "digraph", "null-directive"],
)
def test_a_directive_outside_the_runtime_is_refused(text: str, where: str) -> None:
    refused(text, where, "preprocessor directive")


def test_a_line_comment_ending_in_a_backslash_swallows_the_next_line() -> None:
    """C splices the line after `// ... \\` into the comment: here a knot of a multi-line array."""
    knots = AGE_KNOTS.replace("= {{", "= {\n    {").replace("}, {", "},\n    {").replace("}};", "},\n};")
    text = edit(AGE_KNOTS, knots.replace("    {46.0, -0.45},\n", "    // moved below \\\n    {46.0, -0.45},\n"))
    model = check_runs_as_read(text, flags=(*EDIT_FLAGS, "-Wno-comment"))  # -Wall warns of it
    assert age_curve(model).xs == (18.0, 25.0, 70.0)


def test_a_line_comment_that_swallows_code_is_refused_at_the_comment_when_the_rest_does_not_read() -> None:
    """`// ... \\` at the end of a line hides the next line from C: when the file does not
    read without it, the caret is on that comment (the edit), not where reading failed."""
    text = edit("static double age_curve(double x)\n", "static double age_curve(double x)  // continues \\\n")
    refused(text, "// continues", "this // comment ends in a backslash, so C continues it onto the next line, and does not compile `{` there: "
            "delete the backslash (read as C compiles it, the file is refused at line 377: expected `;` or a body")
    text = edit("    pwlc_zero_rows(m, sum);\n", "    pwlc_zero_rows(m, sum);  // see below \\\n")
    refused(text, "// see below", "does not compile `pwlc_constant_rows(m, sum, -0.35);` there")


@pytest.mark.parametrize(
    ("old", "new", "value"),
    [
        ("{25.0, 0.2}", "{25.0, 0.\\\n2}", 0.2),  # inside a number
        ("{25.0, 0.2}", "{25.0, 0.\\   \n2}", 0.2),  # spaces after the backslash: gcc and clang splice too
        ("{25.0, 0.2}", "{25.0, 0.\\\r\n2}", 0.2),  # a CRLF line end
    ],
    ids=["number", "trailing-spaces", "crlf"],
)
def test_line_splices_are_read_as_c_joins_them(old: str, new: str, value: float) -> None:
    model = check_runs_as_read(edit(old, new), flags=(*EDIT_FLAGS, "-Wno-error"))  # gcc warns of a space before the newline
    assert age_curve(model).ys[1] == value


@pytest.mark.parametrize("ending", ["\\\n", "\\", "\\  \r\n"], ids=["newline", "no-newline", "spaces-crlf"])
def test_a_file_ending_in_a_backslash_is_refused_there(ending: str) -> None:
    """C99 5.1.1.2 leaves a backslash-newline at the end of a file undefined (gcc: an error
    under -Werror); found by the random C edits (a `//` comment ending in `\\` on the last line)."""
    text = TEXT.rstrip("\n") + " // joins the next line " + ending
    refused(text, "\\", "the file ends in a backslash")
    assert check_runs_as_read(TEXT.rstrip("\n") + " // a last comment\n") == RECIDIVISM


def test_a_splice_inside_a_name_joins_it() -> None:
    model = check_runs_as_read(edit(AGE_TERM, "        + age_cu\\\nrve(row->age)\n"))
    assert model == RECIDIVISM


def test_trigraphs() -> None:
    """`??=` is `#` under -std=c99 and `??=` in GNU C: refused in code and strings; in a
    comment it means nothing either way, but `??/` there may join two lines."""
    refused(edit('"Female"', '"Fem??=ale"'), "??=ale", "is a trigraph: '#' under -std=c99")
    refused(edit(AGE_TERM, "        + age_curve(row->age) ??- 0\n"), "??-", "is a trigraph")
    refused(edit(AGE_TERM, "        // why??/\n" + AGE_TERM), "??/", "`??/` is a trigraph: a backslash")
    assert check_runs_as_read(edit(AGE_TERM, "        /* really??! sure??= */\n" + AGE_TERM)) == RECIDIVISM


def test_comments_anywhere() -> None:
    text = TEXT
    for old in ("{25.0, 0.2}", "static double age_curve", "PWLC_COUNT(age_curve_knots)", "row->age", "pwlc_zero_rows(m, sum);"):
        text = text.replace(old, f"/* a */ {old} /* b */", 1)
    text = text.replace("return -0.35\n", "return -0.35 // the intercept\n", 1)
    assert check_runs_as_read(text) == RECIDIVISM


@pytest.mark.parametrize(
    "style",
    ["LLVM", "GNU", "Mozilla", "WebKit", "Microsoft", "{BasedOnStyle: Google, ColumnLimit: 40, IndentWidth: 3}",
     "{BasedOnStyle: LLVM, IndentPPDirectives: AfterHash, UseTab: Always}", "{BasedOnStyle: GNU, SpaceBeforeParens: Always}"],
)
def test_clang_formatted_files_compile_and_score_as_read(style: str) -> None:
    require_compiler("clang-format")
    for path in (GOLDEN / "recidivism.pwl", GOLDEN / "grids.pwl", GOLDEN / "tables.pwl"):
        model = pwlc.read(path)
        formatted = subprocess.run(["clang-format", f"--style={style}"], input=c.emit(model), capture_output=True, text=True, check=True).stdout
        assert check_runs_as_read(formatted) == model


# --- 2. numbers as C reads them ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        ("010", 8.0),  # octal
        ("0x19", 25.0),
        ("25u", 25.0),
        ("25LL", 25.0),
        ("0.2f", 0.20000000298023224),  # rounded to a float, directly from the decimal
        ("0x1.99999ap-3", float.fromhex("0x1.99999ap-3")),
        ("0x1.999999999999999999p-3", float.fromhex("0x1.999999999999ap-3")),  # more digits than a double: rounded
        ("2e-1", 0.2),
        (".2", 0.2),
        ("0.1 + 0.1", 0.2),  # literal arithmetic, in double
        ("(46.0 - 25.0) / 105.0", 0.2),
        ("1 / 5", 0.0),  # integer division
        ("1u - 2u", 4294967295.0),  # unsigned wrap-around
        ("-0", 0.0),  # an int zero is +0.0 as a double
        ("0.1f + 0.1f", 0.20000000298023224),  # float arithmetic
        ("'a' - 'a'", None),  # a character constant is refused
    ],
)
def test_a_literal_reads_as_c_computes_it(literal: str, value: float | None) -> None:
    text = age_knots(f"{{{{18.0, 0.61}}, {{25.0, {literal}}}, {{46.0, -0.45}}, {{70.0, -0.6}}}}")
    if value is None:
        refused(text, literal, "a character constant is a number in C")
        return
    model = check_runs_as_read(text)
    assert age_curve(model).ys[1] == value


@pytest.mark.parametrize(
    ("literal", "message"),
    [
        ("0.2L", "long double (L suffix)"),
        ("08", "a leading 0 makes it octal"),
        ("1_000", "is not a C number"),
        ("1e400", "too large for a double"),
        ("1e-400", "too small for a double: C rounds it to 0"),
        ("1e-50f", "too small for a float"),
        ("2147483647 + 1", "overflows an int"),
        ("3000000000 * 2", "integer arithmetic on a long"),
        ("1 / 0", "division by zero"),
        ("1.0 / 0.0", "division by zero"),
        ("9007199254740993", "is not a double"),  # 2**53 + 1: clang warns the conversion changes it
        ("NAN", "NAN is not a finite number"),
        ("INFINITY", "INFINITY is not a finite number"),
        ("(double)1", "a cast is not read"),
        ("sizeof(double)", "`sizeof` is not read"),
        ("1 % 2", "the operator `%` is not read"),
        ("1 << 2", "the operator `<<` is not read"),
    ],
)
def test_a_literal_c_reads_differently_is_refused_at_it(literal: str, message: str) -> None:
    text = age_knots(f"{{{{18.0, 0.61}}, {{25.0, {literal}}}, {{46.0, -0.45}}, {{70.0, -0.6}}}}")
    where = {"2147483647 + 1": "+ 1", "3000000000 * 2": "* 2", "1 / 0": "/ 0", "1.0 / 0.0": "/ 0.0", "1 % 2": "% 2", "1 << 2": "<< 2"}.get(literal, literal)
    refused(text, where, message)


# --- 3. arrays: dimensions, zero fill, brace elision, designators ------------------------------


def test_brace_elision_is_read_as_c_reads_it() -> None:
    text = age_knots("{18.0, 0.61, 25.0, 0.2, 46.0, -0.45, 70.0, -0.6}")
    assert check_runs_as_read(text) == RECIDIVISM
    text = edit(SEX_ENTRIES, '{"Female", -0.2, "Male", 0.05}')
    assert check_runs_as_read(text) == RECIDIVISM


def test_missing_values_are_zero_as_in_c() -> None:
    model = check_runs_as_read(age_knots("{{18.0, 0.61}, {25.0}, {46.0, -0.45}, {70.0, -0.6}}"))
    assert age_curve(model).ys == (0.61, 0.0, -0.45, -0.6)
    model = check_runs_as_read(age_knots("{{18.0, 0.61}, {25.0, 0.2}, {46.0, -0.45}, {70.0}}"))
    assert age_curve(model).ys[-1] == 0.0
    model = check_runs_as_read(edit(SEX_ENTRIES, '{{"Female", -0.2}, {"Male"}}'))
    assert model.terms[4] == Table("sex", (("Female", -0.2), ("Male", 0.0)))


def test_a_dimension_is_read_as_c_sizes_the_array() -> None:
    assert check_runs_as_read(edit("age_curve_knots[][2]", "age_curve_knots[4][2]")) == RECIDIVISM
    # a fifth row C fills with zeros: the knots are no longer increasing; at the size (the edit)
    refused(edit("age_curve_knots[][2]", "age_curve_knots[5][2]"), "5][2]", "knot positions must be strictly increasing (70.0 then 0.0): "
            "age_curve_knots[5] holds 4 values written, and C fills the other 1 with zeros (write age_curve_knots[] and C counts them)")
    # the same for a grid's arrays (its missing values here)
    grids = c.emit(pwlc.read(GOLDEN / "grids.pwl"))
    padded = grids.replace("missing_b[] = {0.15, 0.25, 0.35};", "missing_b[4] = {0.15, 0.25, 0.35};")
    refused(padded, "4] = {0.15", "missing_b has 4 values, axis 'age' has 3 cells: missing_b[4] holds 3 values written", original=grids)
    # too small: at the size, the likelier edit (C drops the values past it)
    refused(edit("age_curve_knots[][2]", "age_curve_knots[3][2]"), "3][2]", "age_curve_knots[3] has room for 3 items, but its braces hold 4")
    refused(edit("age_curve_knots[][2]", "age_curve_knots[][3]"), "age_curve_knots, PWLC_COUNT", "age_curve_knots is a double[4][3]; the runtime takes knots as const double NAME[][2]")
    refused(edit("age_curve_knots[][2]", "age_curve_knots[][]"), "[] = {{18.0", "only the first size of an array may be left out")


def test_a_knot_out_of_order_is_refused_at_that_knot() -> None:
    """Knots, edges and entries that make a term ill formed: the caret on the item that is
    out of place (a knot moved up past the next, or down below the one before), not on
    the array's name (the edit fuzz's knot.move, issue 14)."""
    refused(age_knots("{{18.0, 0.61}, {-25.0, 0.2}, {46.0, -0.45}, {70.0, -0.6}}"), "{-25.0", "knot positions must be strictly increasing (18.0 then -25.0)")
    refused(age_knots("{{18.0, 0.61}, {250.0, 0.2}, {46.0, -0.45}, {70.0, -0.6}}"), "{250.0", "knot positions must be strictly increasing (250.0 then 46.0)")
    refused(age_knots("{{18.0, 0.61}, {25.0, 0.2}, {46.0, -0.45}, {70.0, -1e308}}"), "{70.0, -1e308}", "knot value -1e+308 is too large")
    moved = STEPS.replace("{35000.5, 0.0}", "{-0.0, 0.0}")
    refused(moved, "{-0.0, 0.0}", "step on 'income': edges must be strictly increasing (20000.0 then -0.0)", original=STEPS)
    refused(edit(SEX_ENTRIES, '{{"Female", -0.2}, {"Male", 0.05}, {"Female", 1.0}}'), '{"Female", 1.0}', "table on 'sex': a category appears twice")


def test_designated_initializers_and_empty_braces_are_refused() -> None:
    refused(age_knots("{{18.0, 0.61}, [1] = {25.0, 0.2}, {46.0, -0.45}, {70.0, -0.6}}"), "[1] =", "designated initializers")
    refused(edit(SEX_ENTRIES, '{{.category = "Female", .value = -0.2}, {"Male", 0.05}}'), ".category", "designated initializers")
    refused(age_knots("{{18.0, 0.61}, {}, {46.0, -0.45}, {70.0, -0.6}}"), "{}", "empty braces")
    refused(age_knots("{{18.0, 0.61}, {25.0, {0.2}}, {46.0, -0.45}, {70.0, -0.6}}"), "{0.2}", "braces around a single value")


def test_a_count_must_be_the_arrays() -> None:
    refused(edit("PWLC_COUNT(age_curve_knots)", "3"), "3, PWLC_IDENTITY", "count 3 does not match the 4 items of age_curve_knots")
    assert check_runs_as_read(edit("PWLC_COUNT(age_curve_knots)", "4", count=2)) == RECIDIVISM
    refused(edit("PWLC_COUNT(age_curve_knots)", "PWLC_COUNT(priors_count_curve_knots)"), "PWLC_COUNT(priors_count_curve_knots)", "the count of age_curve_knots is PWLC_COUNT(age_curve_knots)")


# --- 4. the structs and the input names -----------------------------------------------------------

SWAPPED = ("    double age;\n    double priors_count;", "    double priors_count;\n    double age;")


def test_a_struct_whose_fields_no_longer_follow_the_names_is_refused() -> None:
    refused(edit(*SWAPPED), "priors_count;\n    double age;", "the field priors_count of struct score_input does not match its input, 'age' in score_input_names (line 360)")
    names = edit('    "age",\n    "priors_count",', '    "priors_count",\n    "age",')
    # the names list edited: the columns struct and the term functions (`age_curve`) back the fields, so the caret is on the list
    refused(names, '"priors_count",\n    "age"', "'priors_count' in score_input_names is not the input of the field it stands for, age of struct score_input (line 352)")
    refused(edit('    "age",', '    "age_x",'), '"age_x"', "which pwlc would name age_x. The list holds the fields' input names in field order: write this one back")
    # both structs reordered: their order is no longer the one the terms read the fields in (`row->age` first)
    both = edit("    const double *age;\n    const double *priors_count;", "    const double *priors_count;\n    const double *age;", edit(*SWAPPED))
    refused(both, "priors_count;\n    double age;", "the field priors_count of struct score_input does not match its input, 'age' in score_input_names (line 360)")
    # a field renamed with its uses (`row->age_renamed`, the columns struct): the term functions are still named after "age"
    renamed = re.sub(r"(->|\*|\s)age\b(?=[;\s+),])", r"\1age_renamed", TEXT)
    refused(renamed, "age_renamed;", "the field age_renamed of struct score_input does not match its input, 'age' in score_input_names (line 360)")
    refused(edit("    const double *age;\n    const double *priors_count;", "    const double *priors_count;\n    const double *age;"), "priors_count;\n    const double *age", "struct score_columns differs")
    refused(edit("    const char *sex;\n", "    double sex;\n"), "row->sex)", "sex_table takes a const char * here; 'sex' is numeric")


def test_inputs_reordered_everywhere_read_in_their_new_order() -> None:
    text = edit(*SWAPPED)
    text = edit('    "age",\n    "priors_count",', '    "priors_count",\n    "age",', text)
    text = edit("    const double *age;\n    const double *priors_count;", "    const double *priors_count;\n    const double *age;", text)
    model = check_runs_as_read(text)
    assert [i.name for i in model.inputs[:2]] == ["priors_count", "age"] and model.terms == RECIDIVISM.terms


def test_an_input_added_everywhere_is_read() -> None:
    text = edit('    "c_charge_degree",\n', '    "c_charge_degree",\n    "bmi",\n')
    text = edit("    const char *c_charge_degree;\n};", "    const char *c_charge_degree;\n    double bmi;\n};", text)
    text = edit("    const char *const *c_charge_degree;\n};", "    const char *const *c_charge_degree;\n    const double *bmi;\n};", text)
    model = check_runs_as_read(text)
    assert model.inputs[-1] == Input("bmi")


# --- 5. functions, statements, names ----------------------------------------------------------


def test_renaming_the_scoring_function_alone_is_refused() -> None:
    refused(edit("double score(const struct score_input *row)\n{", "double risk(const struct score_input *row)\n{"), "risk(", "the scoring function is named like its struct")
    refused(edit("double score(const struct score_input *row)\n{", "static double score(const struct score_input *row)\n{"), "static double score(const", "is exported: drop `static`")


def test_renaming_the_model_everywhere_is_read() -> None:
    runtime_end = TEXT.index(c.RUNTIME_END)
    model = check_runs_as_read(TEXT[:runtime_end] + re.sub(r"\bscore(?=(_input|_columns|_rows|_batch|_probability|_input_names)?\b)", "risk", TEXT[runtime_end:]))
    assert model.name == "risk" and model.terms == RECIDIVISM.terms


@pytest.mark.parametrize(
    ("old", "new", "where", "message"),
    [
        (AGE_TERM, "        + 2 * age_curve(row->age)\n", "2 * age", "a term is added as it is"),
        (AGE_TERM, "        - age_curve(row->age)\n", "age_curve(row->age)", "a term is added as it is"),
        (AGE_TERM + "        + priors_count_curve(row->priors_count)\n", "        + (age_curve(row->age) + priors_count_curve(row->priors_count))\n", "age_curve(row->age) +", "grouped in parentheses"),
        (AGE_TERM, "        + (double)age_curve(row->age)\n", "(double)", "a cast is not read"),
        (AGE_TERM, "        + age_curve(row->age, row->priors_count)\n", "age_curve(row->age, row", "age_curve takes 1 input(s), given 2"),
        (AGE_TERM, "        + age_curve(row->sex)\n", "row->sex)", "age_curve takes a double here; 'sex' is categorical"),
        ("    return -0.35\n", "    age_curve(row->age);\n    return -0.35\n", "age_curve(row->age);", "a call on its own in score is not read"),
        ("    return -0.35\n", "    return -0.35;\n    return -0.35\n", "return -0.35\n", "score ends with its one `return`"),
        ("static double age_curve(double x)", "double age_curve(double x)", "age_curve(row->age)", "is not a term function"),
        ("static double age_curve(double x)", "static inline double age_curve(double x)", "inline", "`inline` is not read"),
        ("static double age_curve(double x)", "static double age_curve(const double x)", "const double x", "parameters are `double x`"),
        ("static const double age_curve_knots", "static volatile const double age_curve_knots", "volatile", "`volatile` is not read"),
        ("static const double age_curve_knots", "const double age_curve_knots", "const double age_curve_knots", "write the array as pwlc does"),
        ("    return pwlc_curve(x,", "    return pwlc_curve(x + 1.0,", "x + 1.0", "expected the function's parameter here"),
        ("PWLC_IDENTITY, NAN);\n}", "PWLC_IDENTITY, NAN) + 0.0;\n}", "pwlc_curve(x, age_curve_knots, PWLC_COUNT(age_curve_knots), PWLC_IDENTITY, NAN) + 0.0", "a term function returns pwlc_curve(...)"),
        ("PWLC_IDENTITY, NAN);\n}", "0, NAN);\n}", "0, NAN);\n}", "expected one of PWLC_IDENTITY"),
        ("/* One field per input", "static const double unused[] = {1.0};\n/* One field per input", "unused[]", "unused is not used"),
        ("/* One field per input", "static double extra(double x)\n{\n    return x;\n}\n/* One field per input", "extra(", "extra is not used"),
        ("/* One field per input", "struct other { double a; };\n/* One field per input", "other {", "struct other is for"),
        ("double score(const struct score_input *row);\n", "double score(const struct score_input *row);\nstatic double age_curve(double x);\n", "age_curve(double x);\n", "a prototype pwlc does not write"),
        ("double score(const struct score_input *row);\n", "double score(const struct score_input *row, int extra);\n", "int extra", "`int` is not read"),
        ("double score(const struct score_input *row);\n", "double score(struct score_input *row);\n", "struct score_input *row);\n", "differs from what pwlc writes: expected `const`"),
        ("    return pwlc_logistic(score(row));", "    return pwlc_exp(score(row));", "pwlc_exp", "score_probability differs from what pwlc writes: expected `pwlc_logistic`"),
        ("start += PWLC_BLOCK)", "start += 128)", "128", "score_batch differs from what pwlc writes: expected `PWLC_BLOCK`"),
        ("static void score_rows", "void score_rows", "void score_rows", "differs from what pwlc writes: expected `static`"),
        (";\n}\n\n/* The probability", ";\n}\n;\n/* The probability", ";\n/* The probability", "a `;` on its own outside a function is not C99"),
        ("/* One field per input", "static const double NAN[] = {1.0};\n/* One field per input", "NAN[]", "'NAN' is a name of pwlc's runtime, of C or of its headers"),
        ("static double age_curve(double x)\n{", "static double age_curve(double linux)\n{", "linux", "'linux' is a name of pwlc's runtime, of C or of its headers"),
        ("    return pwlc_logistic(score(row));", "    return pwlc_logistic(score(NULL));", "NULL", "expected `row` (the parameter), found `NULL`"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 30 and "\n" not in v else None,
)
def test_an_edit_pwlc_does_not_read_is_refused_at_it(old: str, new: str, where: str, message: str) -> None:
    refused(edit(old, new), where, message)


def test_a_prototype_above_its_struct_is_refused() -> None:
    prototype = "double score(const struct score_input *row);\n"
    text = edit("/* One field per input", prototype + "/* One field per input", edit(prototype, ""))
    refused(text, prototype, "struct score_input is used here but declared below")


def test_a_renamed_batch_definition_is_refused_at_it() -> None:
    """The refusal of a batch renamed where it is defined points at the renamed definition
    (it pointed past the end of the file: fuzz finding B-c10)."""
    text = edit("void score_batch(size_t n, const struct score_columns *columns, double *out)\n{", "void score_batch_v2(size_t n, const struct score_columns *columns, double *out)\n{")
    refused(text, "score_batch_v2", "score_batch is not defined, and pwlc does not write score_batch_v2: name it score_batch again")


def test_the_parameter_row_may_be_renamed() -> None:
    text = edit("double score(const struct score_input *row)\n{\n    return -0.35\n", "double score(const struct score_input *r)\n{\n    return -0.35\n")
    assert check_runs_as_read(re.sub(r"\(row->", "(r->", text.split("/* The probability")[0]) + "/* The probability" + text.split("/* The probability")[1]) == RECIDIVISM
    assert check_runs_as_read(re.sub(r"\brow\b", "features", TEXT)) == RECIDIVISM  # everywhere, link function and prototypes too
    refused(re.sub(r"\brow\b", "age_curve", TEXT), "age_curve)\n{\n    return -0.35", "cannot name the parameter")


def test_extra_parentheses_around_a_term_or_a_constant_are_read() -> None:
    text = edit(AGE_TERM, "        + (age_curve(row->age))\n", edit("    return -0.35\n", "    return (-0.35)\n"))
    assert check_runs_as_read(text) == RECIDIVISM


def test_a_constant_expression_in_the_sum_is_one_term() -> None:
    model = check_runs_as_read(edit(AGE_TERM, AGE_TERM + "        + (0.1 + 0.2)\n", edit("    pwlc_curve_rows(m, columns->priors_count", "    pwlc_constant_rows(m, sum, 0.30000000000000004);\n    pwlc_curve_rows(m, columns->priors_count")))
    assert model.terms[2] == Constant(0.30000000000000004)


def test_leading_constants_added_in_another_type_are_refused() -> None:
    """C adds `1u - 2u` as unsigned before the terms; as doubles they are -1."""
    text = edit("    return -0.35\n", "    return 1u - 2u\n")
    text = edit("    pwlc_constant_rows(m, sum, -0.35);\n", "    pwlc_constant_rows(m, sum, 1u);\n    pwlc_constant_rows(m, sum, -2u);\n", text)
    refused(text, "2u\n", "C adds these numbers as unsigned int before the terms")


PRIORS_TERM = "        + priors_count_curve(row->priors_count)\n"


def _batch_line(text: str, column: str) -> str:
    found = re.search(rf"    pwlc_\w+_rows\(m, columns->{column} \+ start.*?;\n", text, re.DOTALL)
    assert found is not None
    return found.group(0)


def test_terms_reordered_in_both_lists_are_read() -> None:
    text = edit(AGE_TERM + PRIORS_TERM, PRIORS_TERM + AGE_TERM)
    # score's terms are no longer in the order of their functions: the caret on score, which was edited
    refused(text, "priors_count_curve(row->priors_count)", "the batch function's terms differ from score's: edit both or regenerate (term 2: score adds the terms in another order")
    age, priors = _batch_line(TEXT, "age"), _batch_line(TEXT, "priors_count")
    model = check_runs_as_read(edit(age + priors, priors + age, text))
    assert model.terms[1:3] == (RECIDIVISM.terms[2], RECIDIVISM.terms[1])


def test_a_batch_that_differs_from_score_is_refused_on_the_side_that_was_edited() -> None:
    """Score and its batch disagree: the caret on the side where a term stands out (a
    repeat, a second constant, terms out of the order of their functions), and the
    message names the other side's line (the edit fuzz's term.* and construct.statement)."""
    refused(edit(AGE_TERM, AGE_TERM + AGE_TERM), "age_curve(row->age)\n        + priors", "(term 3: score adds it, score_rows does not)")
    age, priors = _batch_line(TEXT, "age"), _batch_line(TEXT, "priors_count")
    refused(edit(age, age + age), "pwlc_curve_rows(m, columns->age + start, sum,\n                    age_curve_knots, PWLC_COUNT(age_curve_knots), PWLC_IDENTITY, NAN);\n    pwlc_curve_rows(m, columns->priors",
            "(term 3: score_rows adds it, score does not)")
    refused(edit(age + priors, priors + age), "pwlc_curve_rows(m, columns->priors", "(term 2: score_rows adds the terms in another order than score, whose term 2 is on line 416)")
    refused(edit("        + c_charge_degree_table(row->c_charge_degree);", "        + c_charge_degree_table(row->c_charge_degree) + 0.0;"), "0.0;", "(term 7: score adds it, score_rows does not)")
    # the same term read two ways (a missing value edited in the term function): nothing tells which side changed;
    # at the batch's, naming score's term and the line its function returns it on
    missing = edit("PWLC_COUNT(age_curve_knots), PWLC_IDENTITY, NAN);\n}", "PWLC_COUNT(age_curve_knots), PWLC_IDENTITY, 0.0);\n}")
    refused(missing, "pwlc_curve_rows(m, columns->age", "(term 2; score's is on line 416 (age_curve returns it on line 377))")
    # a transform its knots cannot take: at the transform, naming the knots' line
    refused(edit("PWLC_LOG1P, NAN);\n}", "PWLC_LOG, NAN);\n}"), "PWLC_LOG, NAN", "fx=log needs every knot > 0 (first is 0.0) (or write another transform here; the knots start on line 390)")


def test_a_term_deleted_everywhere_is_read() -> None:
    deleted = edit("        + sex_table(row->sex)\n", "")
    refused(deleted, "c_charge_degree_table(row->", "the batch function's terms differ from score's: edit both or regenerate (term 5 of score_rows, on line 454, is not in score")
    deleted = edit(_batch_line(TEXT, "sex"), "", deleted)
    refused(deleted, "sex_table(const char", "sex_table is not used", original="")
    deleted = re.sub(r'/\* table on "sex" \*/\nstatic double sex_table.*?\n}\n\n', "", deleted, flags=re.DOTALL)
    model = check_runs_as_read(deleted)
    assert model.terms == tuple(t for t in RECIDIVISM.terms if not (isinstance(t, Table) and t.feature == "sex"))


def test_a_term_duplicated_in_both_lists_is_read() -> None:
    text = edit(AGE_TERM, AGE_TERM + AGE_TERM)
    text = edit(_batch_line(TEXT, "age"), _batch_line(TEXT, "age") * 2, text)
    model = check_runs_as_read(text)
    assert model.terms[1] == model.terms[2] == RECIDIVISM.terms[1]


def test_a_step_edited_by_hand() -> None:
    step = next(t for t in pwlc.read(GOLDEN / "steps.pwl").terms if isinstance(t, Step) and t.edges)
    assert step.edges
    found = re.search(r"static const double steps\[\]\[2\] = \{\{([^}]*)\}", STEPS)
    assert found is not None
    first = found.group(1)
    edge, value = (part.strip() for part in first.split(","))
    model = check_runs_as_read(STEPS.replace(f"{{{first}}}", f"{{{edge}, {value} + 1.0}}", 1))
    assert model != pwlc.read(GOLDEN / "steps.pwl")


def test_a_parameter_nothing_reads_is_refused_as_c_warns_of_it() -> None:
    """(void)row; and (void)columns; are what keep -Wextra quiet when no term reads an input."""
    text = c.emit(Model((Input("x"),), (Constant(1.5),)))
    check_refused(text.replace("    (void)row; /* no term reads an input */\n", ""), "row)\n{\n    return 1.5", "parameter row of score is not used", text)
    check_refused(text.replace("    (void)columns;\n", ""), "columns, size_t start", "parameter columns of score_rows is not used")
    assert check_runs_as_read(text.replace("    (void)row; /* no term reads an input */\n", "    (void)row;\n    (void)row;\n"), flags=()) == Model((Input("x"),), (Constant(1.5),))


@pytest.mark.parametrize("convert", [lambda t: t.replace("\n", "\r\n"), lambda t: "\ufeff" + t, lambda t: t.replace("\n", "\n\f").replace("    ", "\t")], ids=["crlf", "bom", "tabs-and-form-feeds"])
def test_line_ends_a_byte_order_mark_and_white_space_read_as_c_reads_them(convert) -> None:  # type: ignore[no-untyped-def]
    model = pwlc.read(GOLDEN / "grids.pwl")
    assert check_runs_as_read(convert(c.emit(model)), flags=("-Wno-error",)) == model


def test_a_string_clang_takes_for_a_missing_comma_is_refused() -> None:
    """clang-format breaks a long string into two adjacent literals; in a list of more than
    two strings with only that one so written, clang refuses the file (-Wstring-concatenation)."""
    from pwlc.ir import CategoryAxis, Grid, KnotAxis
    from tests import engines

    require_compiler("clang")
    grid = Grid(KnotAxis("x", (0.0, 1.0)), CategoryAxis("region", ("north", "south", "east")), ((1.0, 2.0, 3.0, 4.0), (5.0, 6.0, 7.0, 8.0)))
    text = c.emit(Model((Input("x"), Input("region", "categorical")), (grid,)))
    one = edit('"south"', '"sou"\n        "th"', text)
    built = subprocess.run(["clang", *engines.C_FLAGS, "-o", "/dev/null", "-x", "c", "-", "-lm"], input=one, capture_output=True, text=True)
    assert "-Wstring-concatenation" in built.stderr
    check_refused(one, '"th"', "clang takes two adjacent strings in a list of strings for a missing comma", text)
    # two of them so written (or one in a list of two) is what clang and gcc compile, read as C joins them
    two = edit('"north"', '"nor"\n        "th"', one)
    assert check_runs_as_read(two).terms == (grid,)
