"""The C backend: one self-contained C99 file (plus an optional header), and its reader.

The emitted file has, in order: a header comment (the model's description, how to read
the file back, the ABI), the runtime helpers the terms call (between two marker comments,
not read back), the input struct and the input names, one small static function per term
with its numbers in `static const` arrays (a curve's knots at file scope, named after its
function, as the batch reads them too), the scoring function (one term a line), the link
function, and the batch interface. For example:

    /* curve on "age" */
    static const double age_curve_knots[][2] = {{18.0, 0.61}, {25.0, 0.2}, {46.0, -0.45}};

    static double age_curve(double x)
    {
        return pwlc_curve(x, age_curve_knots, PWLC_COUNT(age_curve_knots), PWLC_IDENTITY, NAN);
    }

The batch (`NAME_batch`) scores column arrays a block of rows at a time, term after term:
`NAME_rows` lists the scoring function's terms again, each as a runtime loop over one
column around the same term function (a curve: around the same knot array, so that the
knots' log transforms are computed once per block, not twice per row). No knot or value is
repeated; what is (the term list, a curve's fx and missing value) the reader compares with
the scoring function, and it refuses a file where they differ (`BATCH_MISMATCH`): an edit
to the scoring function cannot silently miss the batch.

ABI: a numeric input is a `double`, NaN when missing; a categorical input is a
NUL-terminated UTF-8 string compared byte for byte with the categories, NULL when missing.
No allocation, no global state. The reader parses everything but the runtime with
`grammars/c.lark`; it never compiles or runs the file.
"""

from __future__ import annotations

import dataclasses
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lark import Token, Tree
from lark.exceptions import UnexpectedInput

from pwlc.backends.common import identifier, quoted, trailer_lines
from pwlc.errors import ParseError, Source, UnsupportedError
from pwlc.grammar import TreeReader, parser, syntax_error
from pwlc.ir import (
    Axis,
    CategoryAxis,
    Constant,
    Curve,
    Grid,
    Input,
    KnotAxis,
    Model,
    Step,
    StepAxis,
    Table,
    Term,
)
from pwlc.numbers import float_literal

SUFFIX = ".c"
HEADER_SUFFIX = ".h"

RUNTIME_START = "/* --- pwlc runtime (not read back) --- */"
RUNTIME_END = "/* --- end of pwlc runtime --- */"
BATCH_START = "/* --- pwlc batch interface: the terms again, a block of rows at a time --- */"
# Tolerant of reformatting: any spacing and dashes around the marker words.
_MARKER = {
    "runtime": re.compile(r"/\*[\s-]*pwlc runtime \(not read back\)[\s-]*\*/"),
    "end": re.compile(r"/\*[\s-]*end of pwlc runtime[\s-]*\*/"),
    # files from before the batch was read back: it called the scoring function per row
    "old batch": re.compile(r"/\*[\s-]*pwlc batch interface \(not read back\)[\s-]*\*/"),
}
BATCH_MISMATCH = "the batch function's terms differ from score's: edit both or regenerate"

_LINK_FUNCTIONS = {"logistic": ("probability", "pwlc_logistic"), "exp": ("prediction", "pwlc_exp")}
_TRANSFORM_CONSTANTS = {"identity": "PWLC_IDENTITY", "log": "PWLC_LOG", "log1p": "PWLC_LOG1P", "symlog1p": "PWLC_SYMLOG1P"}
_EDGE_CONSTANTS = {"upper": "PWLC_UPPER", "lower": "PWLC_LOWER"}
_C_KEYWORDS = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern",
    "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed",
    "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while", "_Bool",
    "_Complex", "_Imaginary", "NULL", "NAN", "INFINITY", "isnan", "log", "log1p", "exp", "strcmp", "size_t",
    "row", "columns", "out", "n", "i", "x", "a", "b", "category", "m", "sum", "start", "term", "uintptr_t",
}

# --- the runtime: each helper with the helpers it needs ------------------------------

# The batch's helper for a grid is named by the kinds of its two columns: d (numbers), s (strings).
_COLUMN_TYPES = {"d": "const double *", "s": "const char *const *"}
_VALUE_TYPES = {"d": "double", "s": "const char *"}
_GRID_ROWS_NOTE = {
    "dd": "two numeric columns",
    "ds": "a numeric column, then a categorical one",
    "sd": "a categorical column, then a numeric one",
    "ss": "two categorical columns",
}

_RUNTIME: dict[str, tuple[tuple[str, ...], str]] = {
    "count": ((), "#define PWLC_COUNT(array) (sizeof(array) / sizeof((array)[0]))"),
    "side": ((), "enum pwlc_edge_side { PWLC_UPPER, PWLC_LOWER }; /* the bin a value on an edge falls in */"),
    "transform": ((), """\
enum pwlc_transform { PWLC_IDENTITY, PWLC_LOG, PWLC_LOG1P, PWLC_SYMLOG1P };

/* The scale a curve is linear in; knots are always written in raw units. */
static inline double pwlc_transform(enum pwlc_transform fx, double x)
{
    switch (fx) {
    case PWLC_LOG:
        return log(x);
    case PWLC_LOG1P:
        return log1p(x);
    case PWLC_SYMLOG1P:
        return x < 0.0 ? -log1p(-x) : log1p(x);
    default:
        return x;
    }
}"""),
    "rank": (("side",), """\
/* Whether an edge counts as below x: an edge equal to x does when at_edge is PWLC_UPPER.
   One comparison either way, so that a search compiles to selects, not branches. */
#define PWLC_BELOW(edge, x, at_edge) ((at_edge) == PWLC_UPPER ? (edge) <= (x) : (edge) < (x))

/* How many of the n sorted edges (every stride-th double) lie below x, with no branch on
   x: up to 16 edges by counting them (the comparisons do not wait on each other); more by
   a binary search whose every level selects the half to keep, so that no level is a
   mispredicted jump and the searches of consecutive rows overlap in the CPU. */
static inline size_t pwlc_rank(double x, const double *edges, size_t n, size_t stride, enum pwlc_edge_side at_edge)
{
    size_t base = 0, half, i; /* edges[0 .. base) lie below x; edges[base + n ..) do not */
    if (n <= 16) {
        for (i = 0; i < n; i++)
            base += PWLC_BELOW(edges[i * stride], x, at_edge);
        return base;
    }
    while (n > 1) {
        half = n / 2;
        base = PWLC_BELOW(edges[(base + half - 1) * stride], x, at_edge) ? base + half : base;
        n -= half;
    }
    return base + PWLC_BELOW(edges[base * stride], x, at_edge);
}"""),
    "curve": (("count", "transform", "rank"), """\
/* Piecewise linear in fx(x) through the {x, y} knots, flat outside them; `missing` for NaN.
   t, when not NULL, holds the knots' transforms (the batch computes them once per block). */
static inline double pwlc_interpolate(double x, const double knots[][2], size_t n, enum pwlc_transform fx,
                                      double missing, const double *t)
{
    size_t lo;
    double t0, t1;
    if (isnan(x))
        return missing;
    if (x <= knots[0][0])
        return knots[0][1];
    if (x >= knots[n - 1][0])
        return knots[n - 1][1];
    lo = n > 2 ? pwlc_rank(x, &knots[1][0], n - 2, 2, PWLC_UPPER) : 0; /* the inner knots at or below x */
    t0 = t != NULL ? t[lo] : pwlc_transform(fx, knots[lo][0]);
    t1 = t != NULL ? t[lo + 1] : pwlc_transform(fx, knots[lo + 1][0]);
    return knots[lo][1] + (knots[lo + 1][1] - knots[lo][1]) * ((pwlc_transform(fx, x) - t0) / (t1 - t0));
}

static inline double pwlc_curve(double x, const double knots[][2], size_t n, enum pwlc_transform fx, double missing)
{
    return pwlc_interpolate(x, knots, n, fx, missing, NULL);
}"""),
    "step": (("count", "rank"), """\
/* `first` below the first edge, then the value paired with each {edge, value} above it. */
static inline double pwlc_step(double x, double first, const double steps[][2], size_t n, enum pwlc_edge_side at_edge,
                               double missing)
{
    size_t k = pwlc_rank(x, &steps[0][0], n, 2, at_edge);
    double y = k == 0 ? first : steps[k - 1][1];
    return isnan(x) ? missing : y;
}"""),
    "entry": ((), "struct pwlc_entry {\n    const char *category;\n    double value;\n};"),
    "table": (("count", "entry"), """\
/* The value of a category (compared byte for byte), `unseen` if absent, `missing` for NULL. */
static inline double pwlc_table(const char *category, const struct pwlc_entry *entries, size_t n, double unseen,
                                double missing)
{
    size_t i;
    if (category == NULL)
        return missing;
    for (i = 0; i < n; i++)
        if (strcmp(category, entries[i].category) == 0)
            return entries[i].value;
    return unseen;
}"""),
    "cell": ((), """\
/* Where an input falls on one axis of a grid: between cells lower and upper, at `weight`. */
struct pwlc_cell {
    size_t lower, upper;
    double weight;
    int missing;
};"""),
    "step_cell": (("cell", "rank", "count"), """\
static inline struct pwlc_cell pwlc_step_cell(double x, const double *edges, size_t n, enum pwlc_edge_side at_edge)
{
    struct pwlc_cell cell = {0, 0, 0.0, 0};
    cell.missing = isnan(x);
    if (!cell.missing && n > 0)
        cell.lower = cell.upper = pwlc_rank(x, edges, n, 1, at_edge);
    return cell;
}"""),
    "knot_cell": (("cell", "rank", "count"), """\
/* Clamped to the end knots; weight is how far x is from knot lower towards knot upper. */
static inline struct pwlc_cell pwlc_knot_cell(double x, const double *knots, size_t n)
{
    struct pwlc_cell cell = {0, 0, 0.0, 0};
    double clamped = x < knots[0] ? knots[0] : x > knots[n - 1] ? knots[n - 1] : x;
    cell.missing = isnan(x);
    if (cell.missing)
        return cell;
    cell.lower = pwlc_rank(clamped, knots, n, 1, PWLC_UPPER) - 1;
    cell.upper = cell.lower + 1 < n ? cell.lower + 1 : cell.lower;
    if (cell.upper > cell.lower)
        cell.weight = (clamped - knots[cell.lower]) / (knots[cell.upper] - knots[cell.lower]);
    return cell;
}"""),
    "category_cell": (("cell", "count"), """\
/* A category's cell, or the last cell (after the n listed) for an unseen category. */
static inline struct pwlc_cell pwlc_category_cell(const char *category, const char *const *categories, size_t n)
{
    struct pwlc_cell cell = {0, 0, 0.0, 0};
    cell.missing = category == NULL;
    if (cell.missing)
        return cell;
    while (cell.lower < n && strcmp(category, categories[cell.lower]) != 0)
        cell.lower++;
    cell.upper = cell.lower;
    return cell;
}"""),
    "grid": (("cell",), """\
/* Linear between two cells of a grid row (or column): line[lower] towards line[upper]. */
static inline double pwlc_along(const double *line, struct pwlc_cell cell)
{
    return line[cell.lower] + (line[cell.upper] - line[cell.lower]) * cell.weight;
}

/* Bilinear between the cells: along b within rows a.lower and a.upper, then along a.
   Only a missing: the row missing_a along b; only b missing: the column missing_b along
   a; both missing (or that row or column NULL): `missing`. */
static inline double pwlc_grid(struct pwlc_cell a, struct pwlc_cell b, size_t columns, const double values[][columns],
                               double missing, const double *missing_a, const double *missing_b)
{
    double row0, row1;
    if (a.missing && !b.missing && missing_a != NULL)
        return pwlc_along(missing_a, b);
    if (b.missing && !a.missing && missing_b != NULL)
        return pwlc_along(missing_b, a);
    if (a.missing || b.missing)
        return missing;
    row0 = pwlc_along(values[a.lower], b);
    row1 = pwlc_along(values[a.upper], b);
    return row0 + (row1 - row0) * a.weight;
}"""),
    "rows": ((), """\
/* The batch scores a block of at most PWLC_BLOCK rows at a time, one term after the other,
   so that the block's sums stay in the cache and each term's loop runs over one column. */
#define PWLC_BLOCK 256

static inline size_t pwlc_block(size_t rows)
{
    return rows < PWLC_BLOCK ? rows : PWLC_BLOCK;
}

static inline void pwlc_zero_rows(size_t m, double *sum)
{
    size_t i;
    for (i = 0; i < m; i++)
        sum[i] = 0.0;
}"""),
    "constant_rows": (("rows",), """\
static inline void pwlc_constant_rows(size_t m, double *sum, double value)
{
    size_t i;
    for (i = 0; i < m; i++)
        sum[i] += value;
}"""),
    "numeric_rows": (("rows",), """\
/* Adds term(x[i]) to sum[i] for each of the m rows. */
static inline void pwlc_numeric_rows(size_t m, const double *x, double *sum, double (*term)(double))
{
    size_t i;
    for (i = 0; i < m; i++)
        sum[i] += term(x[i]);
}"""),
    "curve_rows": (("rows", "curve", "count"), """\
/* Adds the curve's value at x[i] to sum[i] for each of the m rows. The transforms of up to
   32 knots are computed once for the block: a log or log1p costs as much as the rest of a
   curve, and pwlc_curve computes two for the knots of each row. */
static inline void pwlc_curve_rows(size_t m, const double *x, double *sum, const double knots[][2], size_t n,
                                   enum pwlc_transform fx, double missing)
{
    double t[32] = {0.0};
    size_t i;
    int transformed = fx != PWLC_IDENTITY && n <= PWLC_COUNT(t);
    for (i = 0; transformed && i < n; i++)
        t[i] = pwlc_transform(fx, knots[i][0]);
    for (i = 0; i < m; i++)
        sum[i] += pwlc_interpolate(x[i], knots, n, fx, missing, transformed ? t : NULL);
}"""),
    "category_rows": (("rows",), """\
/* Adds term(category[i]) to sum[i] for each of the m rows. A category's value is kept by
   the string's address, so a column that repeats a few strings calls the term (and
   compares strings) about once per string and block, not once per row. */
static inline void pwlc_category_rows(size_t m, const char *const *category, double *sum, double (*term)(const char *))
{
    const char *seen[16] = {NULL};
    double value[16] = {0.0};
    size_t i, slot;
    for (i = 0; i < m; i++) {
        slot = (size_t)((uintptr_t)category[i] / sizeof(double) % 16);
        if (category[i] == NULL || seen[slot] != category[i]) {
            seen[slot] = category[i];
            value[slot] = term(category[i]);
        }
        sum[i] += value[slot];
    }
}"""),
    **{
        f"grid_{a}{b}_rows": (("rows",), f"""\
/* Adds term(a[i], b[i]) to sum[i] for each of the m rows ({_GRID_ROWS_NOTE[a + b]}). */
static inline void pwlc_grid_{a}{b}_rows(size_t m, {_COLUMN_TYPES[a]}a, {_COLUMN_TYPES[b]}b, double *sum,
                                     double (*term)({_VALUE_TYPES[a]}, {_VALUE_TYPES[b]}))
{{
    size_t i;
    for (i = 0; i < m; i++)
        sum[i] += term(a[i], b[i]);
}}""")
        for a in "ds"
        for b in "ds"
    },
    "pwlc_logistic": ((), "static inline double pwlc_logistic(double score)\n{\n    return 1.0 / (1.0 + exp(-score));\n}"),
    "pwlc_exp": ((), "static inline double pwlc_exp(double score)\n{\n    return exp(score);\n}"),
}


def runtime_source(needed: set[str]) -> str:
    """The runtime pieces `needed` with what they depend on, in a fixed order."""
    wanted: set[str] = set()
    todo = list(needed)
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo.extend(_RUNTIME[name][0])
    return "\n\n".join(text for name, (_, text) in _RUNTIME.items() if name in wanted)


# --- printer ------------------------------------------------------------------------


@dataclass
class _Names:
    """The C names of a model: its struct fields and its term functions."""

    model: Model
    fields: dict[str, str]
    functions: list[str]

    @property
    def struct(self) -> str:
        return f"{self.model.name}_input"


def c_names(model: Model) -> _Names:
    """A distinct C identifier for each input (struct field) and each term function."""
    if model.name in _C_KEYWORDS or model.name.startswith(("pwlc_", "PWLC_", "_")):
        raise UnsupportedError(f"function name {model.name!r} is reserved in C; rename the model")
    fields: dict[str, str] = {}
    for declared in model.inputs:
        fields[declared.name] = identifier(declared.name, set(fields.values()), _C_KEYWORDS)
    taken = {model.name, f"{model.name}_input", f"{model.name}_input_names", f"{model.name}_batch", f"{model.name}_rows"}
    taken |= {f"{model.name}_{function}" for function, _ in _LINK_FUNCTIONS.values()}
    functions: list[str] = []
    for term in model.terms:
        if isinstance(term, Constant):
            functions.append("")
            continue
        kind = type(term).__name__.lower()
        stem = "_".join(fields[f] for f in _features(term))
        name = identifier(f"{stem}_{kind}", taken | set(functions), _C_KEYWORDS)
        if name.startswith(("pwlc_", "PWLC_")):
            name = identifier(f"term_{name}", taken | set(functions), _C_KEYWORDS)
        functions.append(name)
    return _Names(model, fields, functions)


def _features(term: Term) -> tuple[str, ...]:
    return term.features if isinstance(term, Grid) else (term.feature,)  # type: ignore[union-attr]


def emit(model: Model, dialect: str | None = None) -> str:
    """Print `model` as one self-contained C99 source file."""
    if dialect is not None:
        raise UnsupportedError(f"the C backend has no dialects (got {dialect!r})")
    names = c_names(model)
    needed: set[str] = set()
    functions = [_term_function(term, name, needed) for term, name in zip(model.terms, names.functions) if name]
    if model.link in _LINK_FUNCTIONS:
        needed.add(_LINK_FUNCTIONS[model.link][1])
    batch = _batch_section(names, needed)
    runtime = runtime_source(needed)
    includes = ["math.h", "stddef.h", *(["stdint.h"] if "category_rows" in needed else []), "string.h"]
    parts = [_header_comment(model, names), "\n".join(f"#include <{header}>" for header in includes)]
    if runtime:
        parts.append(f"{RUNTIME_START}\n\n{runtime}\n\n{RUNTIME_END}")
    parts += [_input_struct(names), _input_names(names), _prototypes(names), *functions, _score_function(names)]
    if model.link in _LINK_FUNCTIONS:
        parts.append(_link_function(names))
    parts.append(batch)
    return "\n\n".join(parts) + "\n"


def emit_header(model: Model) -> str:
    """The matching .h: the input structs and the prototypes of the exported functions."""
    names = c_names(model)
    guard = f"PWLC_{model.name.upper()}_H"
    lines = [
        f"/* The interface of {model.name}.c, compiled by pwlc; see the comment at the top of that file. */",
        f"#ifndef {guard}\n#define {guard}",
        "#include <stddef.h>",
        _input_struct(names),
        f"extern const char *const {model.name}_input_names[{len(model.inputs) + 1}];",
        _columns_struct(names),
        f"double {model.name}(const struct {names.struct} *row);",
    ]
    if model.link in _LINK_FUNCTIONS:
        lines.append(f"double {model.name}_{_LINK_FUNCTIONS[model.link][0]}(const struct {names.struct} *row);")
    lines += [f"void {model.name}_batch(size_t n, const struct {model.name}_columns *columns, double *out);", f"#endif /* {guard} */"]
    return "\n\n".join(lines) + "\n"


def _comment_text(text: str) -> str:
    """Text safe inside a /* */ comment: a backslash escapes itself, and the second
    character of every `*/` and `/*`, so neither can end or nest a comment; an invisible
    character (other than a newline) is written `\\uXXXX`."""
    out = []
    for i, char in enumerate(text):
        previous = text[i - 1] if i else ""
        breaks = (char == "/" and previous == "*") or (char == "*" and previous == "/")
        out.append("\\" + char if char == "\\" or breaks else _visible(char) if char != "\n" else char)
    return "".join(out)


def _visible(char: str) -> str:
    """An invisible character as `\\uXXXX` (`\\UXXXXXXXX` past the BMP), others as they are."""
    if not _invisible(char):
        return char
    return f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}"


def _note(text: str) -> str:
    """Text for a comment that is never read back: only `*/` and `/*` are broken up, and
    invisible characters shown as escapes."""
    return "".join(map(_visible, text.replace("*/", "* /").replace("/*", "/ *")))


def _uncomment_text(text: str) -> str:
    def unescape(match: re.Match[str]) -> str:
        code = match.group(1) or match.group(2)
        if not code:
            return match.group(3)
        point = int(code, 16)
        return chr(point) if point <= 0x10FFFF and not 0xD800 <= point <= 0xDFFF else match.group(0)

    return re.sub(r"\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})|\\(.)", unescape, text, flags=re.DOTALL)


def _header_comment(model: Model, names: _Names) -> str:
    what = {"logistic": "the log-odds", "exp": "the log of the prediction"}.get(model.link, "the prediction")
    abi = [
        "ABI (C99; no allocation, no global state):",
        f"  double {model.name}(const struct {names.struct} *row);  -- {what}",
    ]
    if model.link in _LINK_FUNCTIONS:
        function = _LINK_FUNCTIONS[model.link][0]
        abi.append(f"  double {model.name}_{function}(const struct {names.struct} *row);  -- the {function}")
    abi += [
        f"  void {model.name}_batch(size_t n, const struct {model.name}_columns *columns, double *out);",
        f"{model.name}_batch writes {what} of row i, read from column arrays, to out[i].",
        "A numeric input is a double, NaN when missing. A categorical input is a",
        "NUL-terminated UTF-8 string compared byte for byte with the categories, NULL",
        'when missing; write an integer category by its decimal digits ("3").',
        f"{model.name}_input_names lists the input names in field order, then NULL.",
        "Compile with standard floating point (no -ffast-math); link with -lm.",
    ]
    lines = ([*_comment_text(model.doc).split("\n"), ""] if model.doc else []) + trailer_lines(SUFFIX) + [""] + abi
    body = "\n".join(f" * {line}".rstrip() for line in lines)
    # clang-format would reflow long lines of the description, changing it when read back
    return f"/* clang-format off */\n/*{body[2:]}\n */\n/* clang-format on */"


def _input_struct(names: _Names) -> str:
    lines = [f"/* One field per input, in the order of {names.model.name}_input_names. */", f"struct {names.struct} {{"]
    for declared in names.model.inputs:
        field = names.fields[declared.name]
        ctype = "const char *" if declared.kind == "categorical" else "double "
        lines.append(f"    {ctype}{field};")
    if not names.model.inputs:
        lines.append("    char unused; /* this model reads no inputs; C needs a member */")
    return "\n".join(lines + ["};"])


def _columns_struct(names: _Names) -> str:
    lines = [f"/* One array of n values per input, for {names.model.name}_batch. */", f"struct {names.model.name}_columns {{"]
    for declared in names.model.inputs:
        ctype = "const char *const *" if declared.kind == "categorical" else "const double *"
        lines.append(f"    {ctype}{names.fields[declared.name]};")
    if not names.model.inputs:
        lines.append("    char unused;")
    return "\n".join(lines + ["};"])


def _input_names(names: _Names) -> str:
    strings = _Strings(f"{names.model.name}_long_name_")
    items = [strings.literal(declared.name) for declared in names.model.inputs] + ["NULL"]
    return "\n".join([*strings.arrays, f"const char *const {names.model.name}_input_names[] = {_braced(items, 0)};"])


def _prototypes(names: _Names) -> str:
    """Declarations of the exported functions (as in the header), for -Wmissing-prototypes."""
    model = names.model
    lines = ["/* The functions this file exports (declared in the header too). */"]
    lines.append(f"double {model.name}(const struct {names.struct} *row);")
    if model.link in _LINK_FUNCTIONS:
        lines.append(f"double {model.name}_{_LINK_FUNCTIONS[model.link][0]}(const struct {names.struct} *row);")
    return "\n".join(lines)


def _score_function(names: _Names) -> str:
    model = names.model
    summands: list[str] = []
    for term, function in zip(model.terms, names.functions):
        if isinstance(term, Constant):
            summands.append(float_literal(term.value))
        else:
            summands.append(f"{function}({', '.join('row->' + names.fields[f] for f in _features(term))})")
    what = {"logistic": "The log-odds", "exp": "The log of the prediction"}.get(model.link, "The prediction")
    lines = [f"/* {what}: the sum of one term a line. */", f"double {model.name}(const struct {names.struct} *row)", "{"]
    if all(isinstance(term, Constant) for term in model.terms):
        lines.append("    (void)row; /* no term reads an input */")
    if not summands:
        return "\n".join(lines + ["    return 0.0;", "}"])
    body = summands[0]
    for summand in summands[1:]:
        body += f"\n        - {summand[1:]}" if summand.startswith("-") else f"\n        + {summand}"
    return "\n".join(lines + [f"    return {body};", "}"])


def _link_function(names: _Names) -> str:
    function, helper = _LINK_FUNCTIONS[names.model.link]
    return "\n".join([
        f"/* The {function}: {helper[5:]}({names.model.name}(row)). */",
        f"double {names.model.name}_{function}(const struct {names.struct} *row)",
        "{",
        f"    return {helper}({names.model.name}(row));",
        "}",
    ])


def _batch_section(names: _Names, needed: set[str]) -> str:
    """The batch interface: the column struct, `NAME_rows` (score's terms again, each added
    to a block of rows by a runtime loop around the same term function) and `NAME_batch`."""
    model = names.model
    rows, block = f"{model.name}_rows", f"struct {model.name}_columns"
    needed.add("rows")
    lines = [
        f"/* The terms of {model.name} again, in the same order, each added to the m rows from row",
        "   `start` of the columns. When pwlc reads this file back it checks that this list is",
        f"   {model.name}'s: after editing the terms of {model.name}, edit this list too or regenerate. */",
        f"static void {rows}(const {block} *columns, size_t start, size_t m, double *sum)",
        "{",
    ]
    if not any(_features(term) for term in model.terms if not isinstance(term, Constant)):
        lines += ["    (void)columns;", "    (void)start;"]
    lines.append("    pwlc_zero_rows(m, sum);")
    for term, function in zip(model.terms, names.functions):
        if isinstance(term, Constant):
            needed.add("constant_rows")
            lines.append(f"    pwlc_constant_rows(m, sum, {float_literal(term.value)});")
            continue
        columns = ", ".join(f"columns->{names.fields[f]} + start" for f in _features(term))
        if isinstance(term, Curve):
            needed.add("curve_rows")
            lines.append(_wrapped("    pwlc_curve_rows(", f"m, {columns}, sum,", _curve_arguments(term, function) + ");"))
            continue
        kinds = "".join("s" if model.input(f).kind == "categorical" else "d" for f in _features(term))
        helper = {"d": "numeric_rows", "s": "category_rows"}.get(kinds, f"grid_{kinds}_rows")
        needed.add(helper)
        lines.append(f"    pwlc_{helper}(m, {columns}, sum, {function});")
    lines.append("}")
    batch = [
        f"/* {model.name} of rows 0 .. n-1 of the columns, written to out[0 .. n-1]. */",
        f"void {model.name}_batch(size_t n, const {block} *columns, double *out)",
        "{",
        "    size_t start;",
        "    for (start = 0; start < n; start += PWLC_BLOCK)",
        f"        {rows}(columns, start, pwlc_block(n - start), out + start);",
        "}",
    ]
    prototype = f"void {model.name}_batch(size_t n, const {block} *columns, double *out);"
    return "\n\n".join([BATCH_START, _columns_struct(names), prototype, "\n".join(lines), "\n".join(batch)])


def _term_function(term: Term, name: str, needed: set[str]) -> str:
    """A static function computing one term, its numbers in static const arrays."""
    missing = "NAN" if term.missing is None else float_literal(term.missing)  # type: ignore[union-attr]
    arrays: list[str] = []
    strings = _Strings("long_string_")
    if isinstance(term, Curve):
        needed.add("curve")
        comment = f"curve on {_note(quoted(term.feature))}" + ("" if term.fx == "identity" else f" (fx = {term.fx})")
        params = "double x"
        # at file scope: the batch passes the same knots to pwlc_curve_rows
        knots = _array("double", f"{name}_knots[][2]", [_braced([float_literal(x), float_literal(y)], 0) for x, y in term.knots]).replace("\n    ", "\n")
        call = _wrapped("    return pwlc_curve(", "x,", _curve_arguments(term, name) + ");")
        return f"/* {comment} */\n{knots}\n\nstatic double {name}({params})\n{{\n{call}\n}}"
    elif isinstance(term, Step):
        needed.add("step")
        comment = f"step on {_note(quoted(term.feature))}: the first value, then {{edge, value above it}}"
        params = "double x"
        pairs = [_braced([float_literal(e), float_literal(v)], 0) for e, v in zip(term.edges, term.values[1:])]
        steps = "steps, PWLC_COUNT(steps)" if pairs else "NULL, 0"
        if pairs:
            arrays.append(_array("double", "steps[][2]", pairs))
        call = f"pwlc_step(x, {float_literal(term.values[0])}, {steps}, {_EDGE_CONSTANTS[term.at_edge]}, {missing})"
    elif isinstance(term, Table):
        needed.add("table")
        comment = f"table on {_note(quoted(term.feature))}"
        params = "const char *category"
        entries = [_braced([strings.literal(k), float_literal(v)], 0) for k, v in term.entries]
        if entries:
            arrays.append(_array("struct pwlc_entry", "entries[]", entries))
        found = "entries, PWLC_COUNT(entries)" if entries else "NULL, 0"
        call = f"pwlc_table(category, {found}, {float_literal(term.default)}, {missing})"
    elif isinstance(term, Grid):
        needed.add("grid")
        comment = f"grid on {_note(quoted(term.a.feature))} x {_note(quoted(term.b.feature))}"
        cells = []
        param_list = []
        for var, axis in (("a", term.a), ("b", term.b)):
            cell, array, param = _axis(var, axis, needed, strings)
            cells.append(cell)
            arrays += array
            param_list.append(param)
        params = ", ".join(param_list)
        rows = [_braced([float_literal(v) for v in row], 0) for row in term.values]
        arrays.append(_array("double", f"values[][{term.b.size}]", rows))
        lines = []
        for var, line, other in (("a", term.missing_a, "b"), ("b", term.missing_b, "a")):
            if line is None:
                lines.append("NULL")
                continue
            along = term.b if var == "a" else term.a
            note = f"/* only {var} missing: a {'row' if var == 'a' else 'column'} read along {other}, {_one_per(along)} */\n    "
            arrays.append(note + _array("double", f"missing_{var}[]", [float_literal(v) for v in line]))
            lines.append(f"missing_{var}")
        tail = f"PWLC_COUNT(values[0]), values, {missing}, {lines[0]}, {lines[1]}"
        call = f"pwlc_grid({cells[0]},\n                     {cells[1]},\n                     {tail})"
    else:
        raise UnsupportedError(f"the C backend cannot print a {type(term).__name__}")
    body = "".join(f"    {array}\n" for array in [*(a.replace("\n", "\n    ") for a in strings.arrays), *arrays])
    return f"/* {comment} */\nstatic double {name}({params})\n{{\n{body}    return {call};\n}}"


def _wrapped(opening: str, head: str, tail: str, width: int = 100) -> str:
    """`opening head tail` on one line when it fits, else tail on a line of its own under head."""
    line = f"{opening}{head} {tail}"
    return line if len(line) <= width else f"{opening}{head}\n{' ' * len(opening)}{tail}"


def _curve_arguments(curve: Curve, function: str) -> str:
    """What pwlc_curve (and the batch's pwlc_curve_rows) take after the input."""
    missing = "NAN" if curve.missing is None else float_literal(curve.missing)
    return f"{function}_knots, PWLC_COUNT({function}_knots), {_TRANSFORM_CONSTANTS[curve.fx]}, {missing}"


def _one_per(axis: Axis) -> str:
    """What each value of a grid's missing row (column) stands for on the axis it runs along."""
    if isinstance(axis, KnotAxis):
        return "one value per knot"
    if isinstance(axis, CategoryAxis):
        return "one value per category, then unseen"
    return "one value per bin"


def _axis(var: str, axis: Axis, needed: set[str], strings: _Strings) -> tuple[str, list[str], str]:
    """The cell call, the arrays and the parameter of one grid axis."""
    if isinstance(axis, CategoryAxis):
        needed.add("category_cell")
        items = [strings.literal(c) for c in axis.categories]
        array = [_array("char *const", f"{var}_categories[]", items)] if items else []
        found = f"{var}_categories, PWLC_COUNT({var}_categories)" if items else "NULL, 0"
        return f"pwlc_category_cell({var}, {found})", array, f"const char *{var}"
    if isinstance(axis, KnotAxis):
        needed.add("knot_cell")
        array = [_array("double", f"{var}_knots[]", [float_literal(k) for k in axis.knots])]
        return f"pwlc_knot_cell({var}, {var}_knots, PWLC_COUNT({var}_knots))", array, f"double {var}"
    needed.add("step_cell")
    array = [_array("double", f"{var}_edges[]", [float_literal(e) for e in axis.edges])] if axis.edges else []
    found = f"{var}_edges, PWLC_COUNT({var}_edges)" if axis.edges else "NULL, 0"
    return f"pwlc_step_cell({var}, {found}, {_EDGE_CONSTANTS[axis.at_edge]})", array, f"double {var}"


def _array(element: str, declarator: str, items: list[str]) -> str:
    return f"static const {element} {declarator} = {_braced(items, 4)};"


def _braced(items: list[str], indent: int, width: int = 100) -> str:
    """`{a, b, c}` on one line when it fits, else one item a line."""
    flat = "{" + ", ".join(items) + "}"
    if len(flat) + indent + 40 <= width and "\n" not in flat:
        return flat
    pad = " " * (indent + 4)
    return "{\n" + "".join(f"{pad}{item},\n" for item in items) + " " * indent + "}"


# C99 compilers need only accept string literals of 4095 characters (after concatenation):
# a longer string is written as a char array instead (see `_Strings`).
MAX_LITERAL = 4095


def _invisible(char: str) -> bool:
    """A character a reader cannot see or that reorders the text around it: controls,
    bidi overrides and other format characters (Trojan Source), odd spaces, surrogates."""
    return ord(char) < 0x20 or ord(char) == 0x7F or (ord(char) > 0x7F and unicodedata.category(char)[0] in "CZ")


def c_string(text: str) -> str:
    """A C string literal holding `text` as UTF-8. Printable characters are kept (so a name
    reads as itself); an invisible one is written as the octal escapes of its UTF-8 bytes."""
    quoted(text)  # raises for text that is not valid Unicode
    out = ['"']
    previous = ""
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif char == "?" and previous == "?":
            out.append("\\?")  # "??x" would be a trigraph
        elif _invisible(char):
            out.append("".join(f"\\{byte:03o}" for byte in char.encode("utf-8")))
        else:
            out.append(char)
        previous = char
    return "".join(out) + '"'


def _c_char(byte: int) -> str:
    """One byte as a C character constant."""
    char = chr(byte)
    if char in "'\\":
        return f"'\\{char}'"
    return f"'{char}'" if 0x20 <= byte < 0x7F else f"'\\{byte:03o}'"


class _Strings:
    """String literals for one scope; a string too long for a C99 literal becomes a
    `static const char NAME[] = {'a', 'b', ..., '\\0'};` array declared in that scope."""

    def __init__(self, stem: str) -> None:
        self.stem = stem
        self.arrays: list[str] = []

    def literal(self, text: str) -> str:
        literal = c_string(text)
        encoded = text.encode("utf-8")
        if len(encoded) <= MAX_LITERAL:
            return literal
        name = f"{self.stem}{len(self.arrays) + 1}"
        chars = [_c_char(byte) for byte in encoded] + ["'\\0'"]
        rows = "".join(f"    {', '.join(chars[i : i + 16])},\n" for i in range(0, len(chars), 16))
        self.arrays.append(f"static const char {name}[] = {{ /* {len(encoded)} bytes: too long for a C99 string literal */\n{rows}}};")
        return name


# --- reader -------------------------------------------------------------------------


def read(text: str, filename: str = "<string>", dialect: str | None = None) -> Model:
    """Parse an emitted (and possibly hand-edited, reformatted) C file back into a model."""
    if dialect is not None:
        raise UnsupportedError(f"the C backend has no dialects (got {dialect!r})")
    source = _model_part(text)
    try:
        tree = parser("c.lark").parse(source)
    except UnexpectedInput as exc:
        raise syntax_error(exc, Source(text, filename)) from None
    return _Reader(text, filename).file(tree, _doc(text))


def _model_part(text: str) -> str:
    """`text` with the runtime section (and the batch section of a file from before the batch
    was read back) blanked out, newlines kept for positions."""

    def blank(match_start: int, match_end: int, current: str) -> str:
        return current[:match_start] + re.sub(r"[^\n]", " ", current[match_start:match_end]) + current[match_end:]

    start, end = _MARKER["runtime"].search(text), _MARKER["end"].search(text)
    if start and end and end.end() > start.start():
        text = blank(start.start(), end.end(), text)
    old_batch = _MARKER["old batch"].search(text)
    if old_batch:
        text = blank(old_batch.start(), len(text), text)
    return text


def _doc(text: str) -> str:
    """The model description: the top comment up to the "Compiled by pwlc" paragraph."""
    match = re.match(r"\s*(?:/\*\s*clang-format off\s*\*/)?\s*/\*(.*?)\*/", text, flags=re.DOTALL)
    if not match:
        return ""
    lines = [re.sub(r"^\s*\* ?", "", line) for line in match.group(1).splitlines()]
    lines[0] = lines[0].lstrip()
    body = "\n".join(lines)
    cut = body.find(trailer_lines(SUFFIX)[0].split(" Edit")[0])
    if cut < 0:
        return ""
    return _uncomment_text(body[:cut].strip())


@dataclass
class _Function:
    name: str
    exported: bool
    params: list[tuple[str, str]]  # (kind, name): kind is "double", "string", "row", "size" or "sums"
    arrays: dict[str, tuple[Any, Tree]]
    result: Any  # what a `double` function returns; None for a `void` function
    node: Tree
    row_struct: str = ""
    calls: list[_Call] = dataclasses.field(default_factory=list)  # a `void` function's call statements


@dataclass
class _Call:
    name: str
    args: list[Any]
    node: Tree


@dataclass
class _Ref:
    """A name used in an expression (a variable, an array, a constant), or `row->field`."""

    name: str
    node: Tree | Token
    field: str | None = None


class _Reader(TreeReader):
    row_struct = ""
    field_names: dict[str, str] = {}
    globals: dict[str, tuple[Any, Tree]] = {}

    def file(self, tree: Tree, doc: str) -> Model:
        self.strings: dict[str, str] = {}  # the global char arrays: name -> text
        structs: dict[str, list[tuple[str, str, Tree]]] = {}
        globals_: dict[str, tuple[Any, Tree]] = {}
        self.globals = globals_  # file-scope arrays, which term functions may use too
        functions: dict[str, _Function] = {}
        exported: list[_Function] = []
        for node in tree.children:
            if node.data == "struct_def":
                structs[str(node.children[0])] = self.fields(node)
            elif node.data == "array_decl":
                name, value = self.array(node, self.strings)
                globals_[name] = (value, node)
                if isinstance(value, str):
                    self.strings[name] = value
            elif node.data == "function_def":
                function = self.function(node)
                functions[function.name] = function
                if function.exported and function.result is not None:
                    exported.append(function)
        scorers = [f for f in exported if not _is_link(f)]
        if len(scorers) != 1:
            where = scorers[1].node if len(scorers) > 1 else tree
            raise ParseError(
                f"expected one scoring function (`double NAME(const struct NAME_input *row)`), found {len(scorers)}",
                self.span(where) if isinstance(where, Tree) and where.meta and not where.meta.empty else self.source.span(1, 1),
            )
        score = scorers[0]
        inputs = self.inputs(score, structs, globals_)
        kinds = {i.name: i.kind for i in inputs}
        fields = self.field_names
        summands = self.summands(score.result, score.node)
        terms = [self.term(summand, functions, fields, kinds) for summand in summands]
        if f"{score.name}_rows" in functions:
            self.check_batch(functions[f"{score.name}_rows"], summands, terms, kinds)
        link = "identity"
        for function in exported:
            if function is score:
                continue
            call = function.result
            if not (isinstance(call.args[0], _Call) and call.args[0].name == score.name):
                raise self.fail(f"a link function must return {call.name}({score.name}(row))", call.node)
            if link != "identity":
                raise self.fail("only one link function may follow the scoring function", function.node)
            link = "logistic" if call.name == "pwlc_logistic" else "exp"
        return Model(tuple(inputs), tuple(terms), link, score.name, doc, span=self.span(score.node))  # type: ignore[arg-type]

    def check_batch(self, rows: _Function, summands: list[tuple[Any, Tree | Token]], terms: list[Term], kinds: Mapping[str, str]) -> None:
        """Refuse a file whose batch (`NAME_rows`) adds up other terms than the scoring function."""
        calls = list(rows.calls)
        if not calls or calls[0].name != "pwlc_zero_rows":
            raise self.fail(f"{rows.name} must start with pwlc_zero_rows(m, sum)", calls[0].node if calls else rows.node)
        calls = calls[1:]
        for k, ((value, _), term) in enumerate(zip(summands, terms)):
            if k >= len(calls):
                raise self.fail(f"{BATCH_MISMATCH} ({rows.name} has {len(calls)} terms, score has {len(summands)})", rows.node)
            if calls[k].name == "pwlc_curve_rows":  # the curve's own arguments: read them as a curve
                same = self.batch_curve(calls[k], kinds) == term
            else:
                want = ("constant", value) if isinstance(value, float) else (value.name, tuple(a.field for a in value.args if isinstance(a, _Ref)))
                same = _batch_term(calls[k]) == want
            if not same:
                raise self.fail(f"{BATCH_MISMATCH} (term {k + 1})", calls[k].node)
        if len(calls) > len(summands):
            raise self.fail(f"{BATCH_MISMATCH} ({rows.name} has {len(calls)} terms, score has {len(summands)})", calls[len(summands)].node)

    def batch_curve(self, call: _Call, kinds: Mapping[str, str]) -> Term | None:
        """The curve a `pwlc_curve_rows(m, columns->FIELD + start, sum, KNOTS, COUNT, FX,
        MISSING)` statement adds (None when it is not that shape)."""
        field = _column_field(call.args[1]) if len(call.args) == 7 else None
        if field is None or field not in self.field_names:
            return None
        x = _Ref("x", call.node)
        function = _Function(call.name, False, [("double", "x")], {}, _Call("pwlc_curve", [x, *call.args[3:]], call.node), call.node)
        return _TermReader(self, function, [self.field_names[field]], kinds).term()

    # -- declarations --

    def fields(self, node: Tree) -> list[tuple[str, str, Tree]]:
        out = []
        for field in node.children[1:]:
            kind = field.children[0].data  # double_type, string_type, char_type
            out.append((kind, str(field.children[1]), field))
        return out

    def array(self, node: Tree, strings: Mapping[str, str]) -> tuple[str, Any]:
        """A `[static] const T name[]... = {...};` declaration: its name and its values.
        A char array is a string (`strings` maps the ones declared so far to their text)."""
        children = [c for c in node.children if not (isinstance(c, Token) and c.type == "STATIC")]
        name = children[1]
        dims = [d for d in children[2:-1] if isinstance(d, Tree) and d.data == "dim"]
        value = self.value(node.children[-1])
        if not isinstance(value, list):
            raise self.fail(f"{name} must be initialised with a {{...}} list", node.children[-1])
        if children[0].data == "char_element":
            return str(name), self.char_array(value, node)
        value = _with_strings(value, strings)
        if len(dims) == 2 and dims[1].children:
            size = str(dims[1].children[0])
            if not size.isdigit():
                raise self.fail(f"the size of {name}'s rows must be a whole number, not {size}", dims[1])
            width = int(size)
            for row, item in zip(value, node.children[-1].children):
                if not isinstance(row, list) or len(row) != width:
                    raise self.fail(f"each row of {name} needs {width} values", item)
        return str(name), value

    def char_array(self, value: list[Any], node: Tree) -> str:
        """The text of `{'a', 'b', '\\0'}`: UTF-8 bytes ending with the one NUL."""
        if not all(isinstance(v, int) for v in value) or not value or value[-1] != 0 or 0 in value[:-1]:
            raise self.fail("a char array must list character constants and end with '\\0'", node)
        try:
            return bytes(value[:-1]).decode("utf-8")
        except UnicodeDecodeError:
            raise self.fail("a char array is not valid UTF-8", node) from None

    def function(self, node: Tree) -> _Function:
        children = list(node.children)
        exported = not (isinstance(children[0], Token) and children[0].type == "STATIC")
        if not exported:
            children = children[1:]
        returns_double = children[0].data == "double_result"
        name = str(children[1])
        params: list[tuple[str, str]] = []
        arrays: dict[str, tuple[Any, Tree]] = {}
        strings: dict[str, str] = {}
        result: Any = None
        calls: list[_Call] = []
        row_struct = ""
        flat: list[Tree] = []
        for child in children[2:]:
            flat += child.children if child.data == "params" else [child]
        for child in flat:
            if child.data in ("double_param", "string_param", "row_param", "size_param", "sums_param"):
                params.append((child.data.removesuffix("_param"), str(child.children[-1])))
                if child.data == "row_param":
                    row_struct = str(child.children[0])
            elif child.data == "call_stmt":
                callee, *args = child.children
                calls.append(_Call(str(callee), [self.value(a) for a in args], child))
            elif child.data == "array_decl":
                array_name, value = self.array(child, {**self.strings, **strings})
                arrays[array_name] = (value, child)
                if isinstance(value, str):
                    strings[array_name] = value
            elif child.data == "return_stmt":
                if result is not None:
                    raise self.fail("a function may return only once", child)
                result = self.value(child.children[0])
        if returns_double and result is None:
            raise self.fail(f"function {name} has no return statement", node)
        if not returns_double and result is not None:
            raise self.fail(f"function {name} returns void: it cannot return a value", node)
        function = _Function(name, exported, params, arrays, result, node, row_struct, calls)
        if exported and _is_link(function) and len(result.args) != 1:
            raise self.fail(f"{result.name} takes one argument", result.node)
        return function

    def inputs(self, score: _Function, structs: dict[str, list[tuple[str, str, Tree]]], globals_: dict[str, tuple[Any, Tree]]) -> list[Input]:
        if len(score.params) != 1 or score.params[0][0] != "row":
            raise self.fail(f"{score.name} must take one parameter, `const struct {score.name}_input *row`", score.node)
        struct = self.row_struct = score.row_struct
        if struct not in structs:
            raise self.fail(f"struct {struct} is not defined", score.node)
        fields = [f for f in structs[struct] if f[0] != "char_type"]
        names_value, names_node = globals_.get(f"{score.name}_input_names", ([None], score.node))
        names = [n for n in names_value if not (isinstance(n, _Ref) and n.name == "NULL")]
        if not all(isinstance(n, str) for n in names) or len(names) != len(fields):
            raise self.fail(
                f"{score.name}_input_names must list one name (a string) per field of struct {struct}, then NULL",
                names_node,
            )
        self.field_names = {field: name for (_, field, _), name in zip(fields, names)}
        return [
            Input(name, "categorical" if kind == "string_type" else "numeric", span=self.span(node))
            for (kind, _, node), name in zip(fields, names)
        ]

    # -- expressions --

    def value(self, node: Tree | Token) -> Any:
        """A literal (float, str, list), a `_Call`, or a `_Ref` for a name."""
        if isinstance(node, Token):
            if node.type == "NUMBER":
                number = float(node.rstrip("fFlL"))
                if not math.isfinite(number):
                    raise self.fail(f"number {node!s} is too large for a double", node)
                return number
            if node.type == "NAME":
                return _Ref(str(node), node)
            if node.type == "C_CHAR":
                byte = _c_bytes(str(node), self, node)
                if len(byte) != 1:
                    raise self.fail("a character constant holds one byte", node)
                return byte[0]  # an int, told apart from the numbers (floats)
            raise self.fail(f"unexpected {node!s}", node)
        kind = node.data
        if kind == "init":
            return [self.value(child) for child in node.children]
        if kind == "string":
            return "".join(_c_unescape(str(token), self, token) for token in node.children if isinstance(token, Token))
        if kind == "neg":
            inner = self.value(node.children[0])
            if isinstance(inner, float):
                return -inner
            return ("neg", inner, node)
        if kind == "call":
            name, *args = node.children
            return _Call(str(name), [self.value(a) for a in args], node)
        if kind == "arrow":
            base, field = node.children
            return _Ref(str(base), node, field=str(field))
        if kind == "sum":  # flat: the first summand, then a `plus` or `minus` node per summand
            first, *rest = node.children
            summands = [(self.value(first), first, False)]
            summands += [(self.value(child.children[0]), child.children[0], child.data == "minus") for child in rest]
            return ("sum", summands, node)
        if kind == "index":
            base, index = node.children
            return ("index", self.value(base), self.value(index), node)
        raise self.fail("unexpected expression here", node)

    def summands(self, value: Any, where: Tree) -> list[tuple[Any, Tree | Token]]:
        """The summands of `a + b - 0.3`, each with where it is (a subtracted number is negated)."""
        if not (isinstance(value, tuple) and value[0] == "sum"):
            return [(value, where)]
        out: list[tuple[Any, Tree | Token]] = []
        for summand, node, subtracted in value[1]:
            if subtracted:
                if not isinstance(summand, float):
                    raise self.fail("only a number may be subtracted; add the term instead", node)
                summand = -summand
            out.append((summand, node))
        return out

    def term(self, summand: tuple[Any, Tree | Token], functions: dict[str, _Function], fields: dict[str, str], kinds: Mapping[str, str]) -> Term:
        value, found_at = summand
        where: Tree | Token = value.node if isinstance(value, (_Call, _Ref)) else found_at
        if isinstance(value, float):
            return Constant(value, span=self.span(where))
        if not isinstance(value, _Call) or value.name not in functions:
            raise self.fail("expected a number or a call of a term function, like `age_curve(row->age)`", where)
        features = []
        for arg in value.args:
            if not (isinstance(arg, _Ref) and arg.field is not None and arg.name == "row"):
                raise self.fail("a term function takes inputs as `row->FIELD`", value.node)
            if arg.field not in fields:
                raise self.fail(f"struct {self.row_struct} has no field {arg.field!r}", arg.node)
            features.append(fields[arg.field])
        function = functions[value.name]
        if len(function.params) != len(features):
            raise self.fail(f"{function.name} takes {len(function.params)} input(s), given {len(features)}", value.node)
        return _TermReader(self, function, features, kinds).term()


def _with_strings(value: Any, strings: Mapping[str, str]) -> Any:
    """`value` with each name of a char array in `strings` replaced by its text."""
    if isinstance(value, list):
        return [_with_strings(item, strings) for item in value]
    if isinstance(value, _Ref) and value.field is None and value.name in strings:
        return strings[value.name]
    return value


def _batch_term(call: _Call) -> tuple[Any, ...] | None:
    """What a statement of the batch adds: ("constant", value) for `pwlc_constant_rows(m,
    sum, VALUE)`, (function, fields) for `pwlc_KIND_rows(m, columns->FIELD + start, ...,
    sum, FUNCTION)`; None for anything else."""
    args = call.args
    if call.name == "pwlc_constant_rows":
        return ("constant", args[2]) if len(args) == 3 and isinstance(args[2], float) else None
    if not (call.name.startswith("pwlc_") and call.name.endswith("_rows") and len(args) >= 4 and isinstance(args[-1], _Ref)):
        return None
    fields = [_column_field(column) for column in args[1:-2]]
    if None in fields:
        return None
    return (args[-1].name, tuple(fields))


def _column_field(value: Any) -> str | None:
    """FIELD, for the batch's `columns->FIELD + start`; None for anything else."""
    parts = value[1] if isinstance(value, tuple) and value[0] == "sum" else []
    if len(parts) == 2 and isinstance(parts[0][0], _Ref) and parts[0][0].name == "columns" and parts[0][0].field:
        return parts[0][0].field
    return None


def _is_null(value: Any) -> bool:
    return isinstance(value, _Ref) and value.field is None and value.name == "NULL"


def _is_link(function: _Function) -> bool:
    return isinstance(function.result, _Call) and function.result.name in ("pwlc_logistic", "pwlc_exp")


class _TermReader:
    """Reads one term function: `return pwlc_KIND(args...)` over its own arrays."""

    def __init__(self, reader: _Reader, function: _Function, features: list[str], kinds: Mapping[str, str]):
        self.reader = reader
        self.function = function
        self.features = features
        self.kinds = kinds
        self.params = {name: (kind, feature) for (kind, name), feature in zip(function.params, features)}

    def fail(self, message: str, node: Tree | Token) -> ParseError:
        return self.reader.fail(f"{self.function.name}: {message}", node)

    def term(self) -> Term:
        call = self.function.result
        span = self.reader.span(self.function.node)
        expected = {"pwlc_curve": 5, "pwlc_step": 6, "pwlc_table": 5, "pwlc_grid": 7}
        if not isinstance(call, _Call) or call.name not in expected:
            raise self.fail("expected `return pwlc_curve(...)`, pwlc_step, pwlc_table or pwlc_grid", self.function.node)
        args = call.args
        if call.name == "pwlc_grid" and len(args) == 5:  # written before grids had a missing row and column
            args = [*args, _Ref("NULL", call.node), _Ref("NULL", call.node)]
        if len(args) != expected[call.name]:
            raise self.fail(f"{call.name} takes {expected[call.name]} arguments, given {len(call.args)}", call.node)
        if call.name == "pwlc_curve":
            feature = self.input(args[0], "numeric", call)
            knots = self.pairs(args[1], args[2], call, "knots")
            return Curve(feature, tuple(k[0] for k in knots), tuple(k[1] for k in knots), self.constant(args[3], _TRANSFORM_CONSTANTS, call), self.missing(args[4], call), span=span)  # type: ignore[arg-type]
        if call.name == "pwlc_step":
            feature = self.input(args[0], "numeric", call)
            steps = self.pairs(args[2], args[3], call, "steps")
            values = (self.number(args[1], call), *(s[1] for s in steps))
            return Step(feature, tuple(s[0] for s in steps), values, self.constant(args[4], _EDGE_CONSTANTS, call), self.missing(args[5], call), span=span)  # type: ignore[arg-type]
        if call.name == "pwlc_table":
            feature = self.input(args[0], "categorical", call)
            entries = self.array(args[1], args[2], call, "entries")
            if not all(isinstance(e, list) and len(e) == 2 and isinstance(e[0], str) and isinstance(e[1], float) for e in entries):
                raise self.fail('each entry must be {"category", value}', call.node)
            return Table(feature, tuple((e[0], e[1]) for e in entries), self.number(args[3], call), self.missing(args[4], call), span=span)
        a_cell, b_cell, _columns, values_ref, missing, missing_a, missing_b = args
        a, b = self.axis(a_cell, call), self.axis(b_cell, call)
        rows = self.array(values_ref, None, call, "values")
        if not all(isinstance(row, list) and all(isinstance(v, float) for v in row) for row in rows):
            raise self.fail("values must be rows of numbers", call.node)
        lines = [None if _is_null(line) else tuple(self.numbers(line, call, what)) for line, what in ((missing_a, "missing_a"), (missing_b, "missing_b"))]
        return Grid(a, b, tuple(tuple(row) for row in rows), self.missing(missing, call), lines[0], lines[1], span=span)

    def input(self, arg: Any, kind: str, call: _Call) -> str:
        if not (isinstance(arg, _Ref) and arg.field is None and arg.name in self.params):
            raise self.fail(f"the first argument of {call.name} must be the function's parameter", call.node)
        param_kind, feature = self.params[arg.name]
        wanted = "string" if kind == "categorical" else "double"
        if param_kind != wanted or self.kinds[feature] != kind:
            raise self.fail(f"{call.name} needs a {kind} input; {feature!r} is {self.kinds[feature]}", arg.node)
        return feature

    def number(self, arg: Any, call: _Call) -> float:
        if not isinstance(arg, float):
            raise self.fail(f"expected a number in this call of {call.name}", call.node)
        return arg

    def missing(self, arg: Any, call: _Call) -> float | None:
        if isinstance(arg, _Ref) and arg.field is None and arg.name == "NAN":
            return None
        return self.number(arg, call)

    def constant(self, arg: Any, constants: dict[str, str], call: _Call) -> str:
        by_name = {c: key for key, c in constants.items()}
        if not (isinstance(arg, _Ref) and arg.name in by_name):
            raise self.fail(f"expected one of {', '.join(by_name)} in this call of {call.name}", call.node)
        return by_name[arg.name]

    def array(self, ref: Any, count: Any, call: _Call, what: str) -> list[Any]:
        """The values of a local array passed as `NAME, PWLC_COUNT(NAME)` (or `NULL, 0`)."""
        if isinstance(ref, _Ref) and ref.name == "NULL" and ref.field is None:
            if count is not None and count != 0.0:
                raise self.fail(f"NULL {what} must have count 0", call.node)
            return []
        arrays = {**self.reader.globals, **self.function.arrays}
        if not (isinstance(ref, _Ref) and ref.field is None and ref.name in arrays):
            where = ref.node if isinstance(ref, _Ref) else call.node
            raise self.fail(f"expected the name of a static const array of {what} (in this function or at file scope)", where)
        values, node = arrays[ref.name]
        if count is None:
            return values  # type: ignore[no-any-return]
        if isinstance(count, float):
            if count != len(values):
                raise self.fail(f"count {count:g} does not match the {len(values)} items of {ref.name}", call.node)
        elif not (isinstance(count, _Call) and count.name == "PWLC_COUNT" and len(count.args) == 1 and isinstance(count.args[0], _Ref) and count.args[0].name == ref.name):
            raise self.fail(f"the count of {ref.name} must be PWLC_COUNT({ref.name})", call.node)
        del node
        return values  # type: ignore[no-any-return]

    def numbers(self, ref: Any, call: _Call, what: str) -> list[float]:
        """The values of a local array of numbers passed by name."""
        items = self.array(ref, None, call, what)
        if not all(isinstance(item, float) for item in items):
            raise self.fail(f"{what} must be an array of numbers", call.node)
        return items

    def pairs(self, ref: Any, count: Any, call: _Call, what: str) -> list[tuple[float, float]]:
        items = self.array(ref, count, call, what)
        if not all(isinstance(item, list) and len(item) == 2 and all(isinstance(v, float) for v in item) for item in items):
            raise self.fail(f"each of the {what} must be a pair of numbers {{x, y}}", call.node)
        return [(item[0], item[1]) for item in items]

    def axis(self, cell: Any, call: _Call) -> Axis:
        functions = {"pwlc_step_cell": 4, "pwlc_knot_cell": 3, "pwlc_category_cell": 3}
        if not (isinstance(cell, _Call) and cell.name in functions and len(cell.args) == functions[cell.name]):
            raise self.fail("each grid axis must be pwlc_step_cell(...), pwlc_knot_cell(...) or pwlc_category_cell(...)", call.node)
        if cell.name == "pwlc_category_cell":
            feature = self.input(cell.args[0], "categorical", cell)
            categories = self.array(cell.args[1], cell.args[2], cell, "categories")
            if not all(isinstance(c, str) for c in categories):
                raise self.fail("categories must be strings", cell.node)
            return CategoryAxis(feature, tuple(categories))
        feature = self.input(cell.args[0], "numeric", cell)
        numbers = self.array(cell.args[1], cell.args[2], cell, "knots" if cell.name == "pwlc_knot_cell" else "edges")
        if not all(isinstance(v, float) for v in numbers):
            raise self.fail("expected an array of numbers", cell.node)
        if cell.name == "pwlc_knot_cell":
            return KnotAxis(feature, tuple(numbers))
        return StepAxis(feature, tuple(numbers), self.constant(cell.args[3], _EDGE_CONSTANTS, cell))  # type: ignore[arg-type]


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v", "\\": "\\", '"': '"', "'": "'", "?": "?"}


def _c_unescape(literal: str, reader: TreeReader, token: Token) -> str:
    """The text of a C string literal (UTF-8 source; octal and hex escapes are bytes)."""
    try:
        return _c_bytes(literal, reader, token).decode("utf-8")
    except UnicodeDecodeError:
        raise reader.fail("a string is not valid UTF-8", token) from None


def _c_bytes(literal: str, reader: TreeReader, token: Token) -> bytes:
    """The bytes of a C string literal or character constant, quotes included in `literal`:
    the UTF-8 of its characters, octal and hex escapes as bytes, \\u and \\U as UTF-8."""
    body = literal[1:-1]
    out = bytearray()
    i = 0
    while i < len(body):
        char = body[i]
        if char != "\\":
            out += _utf8(ord(char), reader, token)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt in _ESCAPES:
            out += _ESCAPES[nxt].encode()
            i += 2
        elif nxt in "01234567":
            digits = re.match(r"[0-7]{1,3}", body[i + 1 :]).group(0)  # type: ignore[union-attr]
            out.append(int(digits, 8) & 0xFF)
            i += 1 + len(digits)
        elif nxt == "x":
            digits = re.match(r"[0-9A-Fa-f]+", body[i + 2 :])
            if not digits:
                raise reader.fail("\\x needs hex digits", token)
            out.append(int(digits.group(0), 16) & 0xFF)
            i += 2 + len(digits.group(0))
        elif nxt in "uU":
            width = 4 if nxt == "u" else 8
            digits = re.match(f"[0-9A-Fa-f]{{{width}}}", body[i + 2 :])
            if not digits:
                raise reader.fail(f"\\{nxt} needs {width} hex digits", token)
            out += _utf8(int(digits.group(0), 16), reader, token)
            i += 2 + width
        else:
            raise reader.fail(f"unknown escape \\{nxt} in a string", token)
    return bytes(out)


def _utf8(point: int, reader: TreeReader, token: Token) -> bytes:
    if point > 0x10FFFF or 0xD800 <= point <= 0xDFFF:
        raise reader.fail(f"a string holds U+{point:04X}, which is not a Unicode character", token)
    return chr(point).encode("utf-8")
