"""The printer: a model as one self-contained C99 file (and its header).

The parts of the file, in order: the header comment (the description, how to read the
file back, the ABI); the runtime section (see runtime.py); the input struct and the input
names; the prototypes of the exported functions; one static function per term with its
numbers in `static const` arrays; the scoring function (one term a line); the link
function; the batch section (the columns struct, `NAME_rows` listing the terms again,
`NAME_batch`). The reader checks the parts that hold no model (the structs, prototypes,
the link and batch functions) against what the functions here print for the model it read.
"""

from __future__ import annotations

from pwlc.backends.c.names import CNames, Strings, c_names, check_string, comment_lines, note, term_features
from pwlc.backends.c.runtime import runtime_section
from pwlc.backends.common import quoted, trailer_lines
from pwlc.errors import UnsupportedError
from pwlc.ir import Axis, CategoryAxis, Constant, Curve, Grid, KnotAxis, Linear, Model, Multiclass, Step, Table, Term
from pwlc.numbers import float_literal

SUFFIX = ".c"
HEADER_SUFFIX = ".h"
BATCH_START = "/* --- pwlc batch interface: the terms again, a block of rows at a time --- */"

# link -> (the exported function's suffix, the runtime helper and the piece holding it)
LINK_FUNCTIONS = {"logistic": ("probability", "pwlc_logistic", "logistic"), "exp": ("prediction", "pwlc_exp", "exp")}
TRANSFORM_CONSTANTS = {"identity": "PWLC_IDENTITY", "log": "PWLC_LOG", "log1p": "PWLC_LOG1P", "symlog1p": "PWLC_SYMLOG1P"}
EDGE_CONSTANTS = {"upper": "PWLC_UPPER", "lower": "PWLC_LOWER"}


def emit(model: Model | Multiclass, dialect: str | None = None) -> str:
    """Print `model` as one self-contained C99 source file (a multiclass model: see
    multiclass.py)."""
    if dialect is not None:
        raise UnsupportedError(f"the C backend has no dialects (got {dialect!r})")
    if isinstance(model, Multiclass):
        from pwlc.backends.c.multiclass import emit_multiclass

        return emit_multiclass(model)
    check_strings(model)
    names = c_names(model)
    needed: set[str] = set()
    functions = [term_function(term, name, needed) for term, name in zip(model.terms, names.functions) if name]
    if model.link in LINK_FUNCTIONS:
        needed.add(LINK_FUNCTIONS[model.link][2])
    rows = rows_function(names, needed)
    parts = [header_comment(model, names), runtime_section(needed), input_struct(names), input_names(names)]
    parts += ["\n".join(["/* The functions this file exports (declared in the header too). */", *prototypes(names)])]
    parts += [*functions, score_function(names)]
    if model.link in LINK_FUNCTIONS:
        parts.append(link_function(names))
    parts += [BATCH_START, columns_struct(names), batch_prototype(names), rows, batch_function(names)]
    return "\n\n".join(parts) + "\n"


def emit_header(model: Model | Multiclass) -> str:
    """The matching .h: the input structs and the prototypes of the exported functions."""
    if isinstance(model, Multiclass):
        from pwlc.backends.c.multiclass import emit_multiclass_header

        return emit_multiclass_header(model)
    check_strings(model)
    names = c_names(model)
    guard = f"PWLC_{model.name.upper()}_H"
    lines = [
        f"/* The interface of {model.name}.c, compiled by pwlc; see the comment at the top of that file. */",
        f"#ifndef {guard}\n#define {guard}",
        "#include <stddef.h>",
        input_struct(names),
        f"extern const char *const {model.name}_input_names[{len(model.inputs) + 1}];",
        columns_struct(names),
        *prototypes(names),
        batch_prototype(names),
        f"#endif /* {guard} */",
    ]
    return "\n\n".join(lines) + "\n"


def check_strings(model: Model) -> None:
    """Refuse categories a C string cannot hold (an input name may hold a NUL: the input
    names list is read back exactly, though a C caller sees the name end there)."""
    for declared in model.inputs:
        quoted(declared.name)  # raises for a lone surrogate
    for term in model.terms:
        categories: tuple[str, ...] = ()
        if isinstance(term, Table):
            categories = tuple(key for key, _ in term.entries)
        elif isinstance(term, Grid):
            categories = tuple(c for axis in (term.a, term.b) if isinstance(axis, CategoryAxis) for c in axis.categories)
        for category in categories:
            check_string(category, "category")


def _what(model: Model) -> str:
    return {"logistic": "the log-odds", "exp": "the log of the prediction"}.get(model.link, "the prediction")


def header_comment(model: Model, names: CNames) -> str:
    trailer = trailer_lines(SUFFIX)
    abi = [
        "ABI (C99; no allocation, no global state):",
        f"  double {model.name}(const struct {names.struct} *row);  -- {_what(model)}",
    ]
    if model.link in LINK_FUNCTIONS:
        function = LINK_FUNCTIONS[model.link][0]
        abi.append(f"  double {model.name}_{function}(const struct {names.struct} *row);  -- the {function}")
    abi += [
        f"  void {model.name}_batch(size_t n, const struct {model.name}_columns *columns, double *out);",
        f"{model.name}_batch writes {_what(model)} of row i, read from column arrays, to out[i].",
        "A numeric input is a double, NaN when missing. A categorical input is a",
        "NUL-terminated UTF-8 string compared byte for byte with the categories, NULL",
        'when missing; write an integer category by its decimal digits ("3").',
        f"{model.name}_input_names lists the input names in field order, then NULL.",
        "Compile with standard floating point (no -ffast-math); link with -lm.",
    ]
    lines = ([*comment_lines(model.doc, trailer[0]), ""] if model.doc else []) + trailer + [""] + abi
    first = "/*" + (f" {lines[0]}" if lines[0] else "")
    body = "\n".join(f" * {line}".rstrip() for line in lines[1:])
    # clang-format would reflow long lines of the description, changing it when read back
    return f"/* clang-format off */\n{first}\n{body}\n */\n/* clang-format on */"


def input_struct(names: CNames) -> str:
    lines = [f"/* One field per input, in the order of {names.model.name}_input_names. */", f"struct {names.struct} {{"]
    for declared in names.model.inputs:
        ctype = "const char *" if declared.kind == "categorical" else "double "
        lines.append(f"    {ctype}{names.fields[declared.name]};")
    if not names.model.inputs:
        lines.append("    char unused; /* this model reads no inputs; C needs a member */")
    return "\n".join(lines + ["};"])


def columns_struct(names: CNames) -> str:
    lines = [f"/* One array of n values per input, for {names.model.name}_batch. */", f"struct {names.model.name}_columns {{"]
    for declared in names.model.inputs:
        ctype = "const char *const *" if declared.kind == "categorical" else "const double *"
        lines.append(f"    {ctype}{names.fields[declared.name]};")
    if not names.model.inputs:
        lines.append("    char unused;")
    return "\n".join(lines + ["};"])


def input_names(names: CNames) -> str:
    strings = Strings(f"{names.model.name}_long_name_")
    items = [strings.literal(declared.name) for declared in names.model.inputs] + ["NULL"]
    return "\n".join([*strings.arrays, f"const char *const {names.model.name}_input_names[] = {braced(items, 0)};"])


def prototypes(names: CNames) -> list[str]:
    """The prototypes of the scoring and link functions (for -Wmissing-prototypes)."""
    model = names.model
    lines = [f"double {model.name}(const struct {names.struct} *row);"]
    if model.link in LINK_FUNCTIONS:
        lines.append(f"double {model.name}_{LINK_FUNCTIONS[model.link][0]}(const struct {names.struct} *row);")
    return lines


def batch_prototype(names: CNames) -> str:
    return f"void {names.model.name}_batch(size_t n, const struct {names.model.name}_columns *columns, double *out);"


def score_function(names: CNames) -> str:
    model = names.model
    summands: list[str] = []
    for term, function in zip(model.terms, names.functions):
        if isinstance(term, Constant):
            summands.append(float_literal(term.value))
        else:
            summands.append(f"{function}({', '.join('row->' + names.fields[f] for f in term_features(term))})")
    what = _what(model) if names.label is None else f"the score of class {note(names.label)}"
    exported = "double" if names.label is None else "static double"  # a class's score is read through the model's function
    lines = [f"/* {what[0].upper()}{what[1:]}: the sum of one term a line. */", f"{exported} {names.score}(const struct {names.struct} *row)", "{"]
    if all(isinstance(term, Constant) for term in model.terms):
        lines.append("    (void)row; /* no term reads an input */")
    if not summands:  # read back as no terms because the batch adds none
        return "\n".join(lines + ["    return 0.0; /* no terms */", "}"])
    body = summands[0]
    for summand in summands[1:]:
        body += f"\n        - {summand[1:]}" if summand.startswith("-") else f"\n        + {summand}"
    return "\n".join(lines + [f"    return {body};", "}"])


def link_function(names: CNames) -> str:
    function, helper, _ = LINK_FUNCTIONS[names.model.link]
    return "\n".join([
        f"/* The {function}: {helper[5:]}({names.model.name}(row)). */",
        f"double {names.model.name}_{function}(const struct {names.struct} *row)",
        "{",
        f"    return {helper}({names.model.name}(row));",
        "}",
    ])


def rows_head(names: CNames) -> str:
    return f"static void {names.score}_rows(const struct {names.model.name}_columns *columns, size_t start, size_t m, double *sum)"


def rows_function(names: CNames, needed: set[str]) -> str:
    """`NAME_rows`: score's terms again, each added to a block of rows by a runtime loop
    around the same term function (a curve: around the same knots)."""
    model = names.model
    lines = [
        f"/* The terms of {names.score} again, in the same order, each added to the m rows from row",
        "   `start` of the columns. When pwlc reads this file back it checks that this list is",
        f"   {names.score}'s: after editing the terms of {names.score}, edit this list too or regenerate. */",
        rows_head(names),
        "{",
    ]
    if not any(term_features(term) for term in model.terms):
        lines += ["    (void)columns;", "    (void)start;"]
    needed.add("rows")
    lines.append("    pwlc_zero_rows(m, sum);")
    for term, function in zip(model.terms, names.functions):
        if isinstance(term, Constant):
            needed.add("constant_rows")
            lines.append(f"    pwlc_constant_rows(m, sum, {float_literal(term.value)});")
            continue
        columns = ", ".join(f"columns->{names.fields[f]} + start" for f in term_features(term))
        if isinstance(term, Curve):
            needed.add("curve_rows")
            lines.append(wrapped("    pwlc_curve_rows(", f"m, {columns}, sum,", curve_arguments(term, function) + ");"))
            continue
        kinds = "".join("s" if model.input(f).kind == "categorical" else "d" for f in term_features(term))
        helper = {"d": "numeric_rows", "s": "category_rows"}.get(kinds, f"grid_{kinds}_rows")
        needed.add(helper)
        lines.append(f"    pwlc_{helper}(m, {columns}, sum, {function});")
    return "\n".join(lines + ["}"])


def batch_function(names: CNames) -> str:
    model = names.model
    return "\n".join([
        f"/* {model.name} of rows 0 .. n-1 of the columns, written to out[0 .. n-1]. */",
        f"void {model.name}_batch(size_t n, const struct {model.name}_columns *columns, double *out)",
        "{",
        "    size_t start;",
        "    for (start = 0; start < n; start += PWLC_BLOCK)",
        f"        {model.name}_rows(columns, start, pwlc_block(n - start), out + start);",
        "}",
    ])


def term_function(term: Term, name: str, needed: set[str]) -> str:
    """A static function computing one term, its numbers in static const arrays."""
    missing = "NAN" if term.missing is None else float_literal(term.missing)  # type: ignore[union-attr]
    arrays: list[str] = []
    strings = Strings("long_string_")
    if isinstance(term, Curve):
        needed.add("curve")
        comment = f"curve on {note(term.feature)}" + ("" if term.fx == "identity" else f" (fx = {term.fx})")
        # at file scope: the batch passes the same knots to pwlc_curve_rows
        knots = array("double", f"{name}_knots[][2]", [braced([float_literal(x), float_literal(y)], 0) for x, y in term.knots])
        call = wrapped("    return pwlc_curve(", "x,", curve_arguments(term, name) + ");")
        return f"/* {comment} */\n{knots.replace(chr(10) + '    ', chr(10))}\n\nstatic double {name}(double x)\n{{\n{call}\n}}"
    if isinstance(term, Linear):
        return linear_function(term, name, needed)
    if isinstance(term, Step):
        needed.add("step")
        comment = f"step on {note(term.feature)}: the first value, then {{edge, value above it}}"
        params = "double x"
        pairs = [braced([float_literal(e), float_literal(v)], 0) for e, v in zip(term.edges, term.values[1:])]
        if pairs:
            arrays.append(array("double", "steps[][2]", pairs))
        steps = "steps, PWLC_COUNT(steps)" if pairs else "NULL, 0"
        call = f"pwlc_step(x, {float_literal(term.values[0])}, {steps}, {EDGE_CONSTANTS[term.at_edge]}, {missing})"
    elif isinstance(term, Table):
        needed.add("table")
        comment = f"table on {note(term.feature)}"
        params = "const char *category"
        entries = [braced([strings.literal(k), float_literal(v)], 0) for k, v in term.entries]
        if entries:
            arrays.append(array("struct pwlc_entry", "entries[]", entries))
        found = "entries, PWLC_COUNT(entries)" if entries else "NULL, 0"
        call = f"pwlc_table(category, {found}, {float_literal(term.default)}, {missing})"
    elif isinstance(term, Grid):
        needed.add("grid")
        comment = f"grid on {note(term.a.feature)} x {note(term.b.feature)}"
        cells, param_list = [], []
        for var, axis in (("a", term.a), ("b", term.b)):
            cell, axis_arrays, param = _axis(var, axis, needed, strings)
            cells.append(cell)
            arrays += axis_arrays
            param_list.append(param)
        params = ", ".join(param_list)
        arrays.append(array("double", f"values[][{term.b.size}]", [braced([float_literal(v) for v in row], 0) for row in term.values]))
        lines = []
        for var, line, other in (("a", term.missing_a, "b"), ("b", term.missing_b, "a")):
            if line is None:
                lines.append("NULL")
                continue
            along = term.b if var == "a" else term.a
            comment_line = f"/* only {var} missing: a {'row' if var == 'a' else 'column'} read along {other}, {_one_per(along)} */\n    "
            arrays.append(comment_line + array("double", f"missing_{var}[]", [float_literal(v) for v in line]))
            lines.append(f"missing_{var}")
        tail = f"PWLC_COUNT(values[0]), values, {missing}, {lines[0]}, {lines[1]}"
        call = f"pwlc_grid({cells[0]},\n                     {cells[1]},\n                     {tail})"
    else:
        raise UnsupportedError(f"the C backend cannot print a {type(term).__name__}")
    body = "".join(f"    {text}\n" for text in [*(a.replace("\n", "\n    ") for a in strings.arrays), *arrays])
    return f"/* {comment} */\nstatic double {name}({params})\n{{\n{body}    return {call};\n}}"


def linear_function(term: Linear, name: str, needed: set[str]) -> str:
    """`slope * x`: the bare product when the term has no missing value (NaN * slope is NaN,
    a missing score: no branch), else pwlc_linear, which gives `missing` for NaN."""
    slope = float_literal(term.slope)
    if term.missing is None:
        value = f"{slope} * x"
    else:
        needed.add("linear")
        value = f"pwlc_linear(x, {slope}, {float_literal(term.missing)})"
    return f"/* linear on {note(term.feature)}: slope * x, beyond any range too */\nstatic double {name}(double x)\n{{\n    return {value};\n}}"


def wrapped(opening: str, head: str, tail: str, width: int = 100) -> str:
    """`opening head tail` on one line when it fits, else tail on a line of its own under head."""
    line = f"{opening}{head} {tail}"
    return line if len(line) <= width else f"{opening}{head}\n{' ' * len(opening)}{tail}"


def curve_arguments(curve: Curve, function: str) -> str:
    """What pwlc_curve (and the batch's pwlc_curve_rows) take after the input."""
    missing = "NAN" if curve.missing is None else float_literal(curve.missing)
    return f"{function}_knots, PWLC_COUNT({function}_knots), {TRANSFORM_CONSTANTS[curve.fx]}, {missing}"


def _one_per(axis: Axis) -> str:
    """What each value of a grid's missing row (column) stands for on the axis it runs along."""
    if isinstance(axis, KnotAxis):
        return "one value per knot"
    if isinstance(axis, CategoryAxis):
        return "one value per category, then unseen"
    return "one value per bin"


def _axis(var: str, axis: Axis, needed: set[str], strings: Strings) -> tuple[str, list[str], str]:
    """The cell call, the arrays and the parameter of one grid axis."""
    if isinstance(axis, CategoryAxis):
        needed.add("category_cell")
        items = [strings.literal(c) for c in axis.categories]
        arrays = [array("char *const", f"{var}_categories[]", items)] if items else []
        found = f"{var}_categories, PWLC_COUNT({var}_categories)" if items else "NULL, 0"
        return f"pwlc_category_cell({var}, {found})", arrays, f"const char *{var}"
    if isinstance(axis, KnotAxis):
        needed.add("knot_cell")
        arrays = [array("double", f"{var}_knots[]", [float_literal(k) for k in axis.knots])]
        return f"pwlc_knot_cell({var}, {var}_knots, PWLC_COUNT({var}_knots))", arrays, f"double {var}"
    needed.add("step_cell")
    arrays = [array("double", f"{var}_edges[]", [float_literal(e) for e in axis.edges])] if axis.edges else []
    found = f"{var}_edges, PWLC_COUNT({var}_edges)" if axis.edges else "NULL, 0"
    return f"pwlc_step_cell({var}, {found}, {EDGE_CONSTANTS[axis.at_edge]})", arrays, f"double {var}"


def array(element: str, declarator: str, items: list[str]) -> str:
    return f"static const {element} {declarator} = {braced(items, 4)};"


def braced(items: list[str], indent: int, width: int = 100) -> str:
    """`{a, b, c}` on one line when it fits, else one item a line."""
    flat = "{" + ", ".join(items) + "}"
    if len(flat) + indent + 40 <= width and "\n" not in flat:
        return flat
    pad = " " * (indent + 4)
    return "{\n" + "".join(f"{pad}{item},\n" for item in items) + " " * indent + "}"
