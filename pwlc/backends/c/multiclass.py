"""A multiclass model as C: one scoring function a class (as a one-score model's, static),
and the model's functions that gather them.

    void NAME(const struct NAME_input *row, double out[K]);                -- the K class scores
    void NAME_probabilities(const struct NAME_input *row, double out[K]);  -- their softmax
    void NAME_batch(size_t n, const struct NAME_columns *columns, double *out);  -- n x K, row-major

`NAME_classes` names the classes in order. Each class's terms are printed as a one-score
model's (printer.py: term functions, the scoring function `NAME_class_LABEL`, the batch's
`NAME_class_LABEL_rows`); what this module adds (the classes list, the gathering functions,
the batch) holds no numbers, and the reader checks it token for token against what these
functions print for the classes it read.
"""

from __future__ import annotations

from pwlc.backends.c.names import CNames, Strings, check_string, class_names, comment_lines, note
from pwlc.backends.c.printer import (
    BATCH_START,
    SUFFIX,
    batch_prototype,
    braced,
    check_strings,
    columns_struct,
    input_names,
    input_struct,
    rows_function,
    score_function,
    term_function,
)
from pwlc.backends.c.runtime import runtime_section
from pwlc.backends.common import trailer_lines
from pwlc.ir import Multiclass


def emit_multiclass(model: Multiclass) -> str:
    """Print a multiclass model as one self-contained C99 source file."""
    check_class_strings(model)
    classes = class_names(model)
    needed = {"softmax", "scatter"}
    parts: list[str] = []
    for names in classes:
        functions = [term_function(term, name, needed) for term, name in zip(names.model.terms, names.functions) if name]
        parts += [f"/* --- class {note(names.label or '')} --- */", *functions, score_function(names)]
    rows = [rows_function(names, needed) for names in classes]
    first = classes[0]
    head = [header_comment(model, first), runtime_section(needed), input_struct(first), input_names(first), classes_list(model)]
    head.append("\n".join(["/* The functions this file exports (declared in the header too). */", *prototypes(model, first)]))
    tail = [gather_function(model, classes), probabilities_function(model, first)]
    batch = [BATCH_START, columns_struct(first), batch_prototype(first), *rows, batch_function(model, classes)]
    return "\n\n".join([*head, *parts, *tail, *batch]) + "\n"


def emit_multiclass_header(model: Multiclass) -> str:
    """The matching .h: the structs, the classes list and the exported functions' prototypes."""
    check_class_strings(model)
    first = class_names(model)[0]
    guard = f"PWLC_{model.name.upper()}_H"
    lines = [
        f"/* The interface of {model.name}.c, compiled by pwlc; see the comment at the top of that file. */",
        f"#ifndef {guard}\n#define {guard}",
        "#include <stddef.h>",
        input_struct(first),
        f"extern const char *const {model.name}_input_names[{len(model.inputs) + 1}];",
        f"extern const char *const {model.name}_classes[{len(model.classes) + 1}];",
        columns_struct(first),
        *prototypes(model, first),
        batch_prototype(first),
        f"#endif /* {guard} */",
    ]
    return "\n\n".join(lines) + "\n"


def check_class_strings(model: Multiclass) -> None:
    """What `printer.check_strings` refuses in any class, and a class name C cannot hold."""
    for k in range(len(model.classes)):
        check_strings(model.class_model(k))
        check_string(model.classes[k], "class name")


def header_comment(model: Multiclass, names: CNames) -> str:
    trailer = trailer_lines(SUFFIX)
    k = len(model.classes)
    abi = [
        "ABI (C99; no allocation, no global state):",
        f"  void {model.name}(const struct {names.struct} *row, double out[{k}]);  -- the class scores",
        f"  void {model.name}_probabilities(const struct {names.struct} *row, double out[{k}]);  -- their softmax",
        f"  void {model.name}_batch(size_t n, const struct {model.name}_columns *columns, double *out);",
        f"out[k] is the score (probability) of class {model.name}_classes[k]; {model.name}_batch",
        f"writes the {k} scores of row i, read from column arrays, to out[i * {k}] .. out[i * {k} + {k - 1}].",
        "A numeric input is a double, NaN when missing. A categorical input is a",
        "NUL-terminated UTF-8 string compared byte for byte with the categories, NULL",
        'when missing; write an integer category by its decimal digits ("3").',
        f"{model.name}_input_names lists the input names in field order, then NULL.",
        "Compile with standard floating point (no -ffast-math); link with -lm.",
    ]
    lines = ([*comment_lines(model.doc, trailer[0]), ""] if model.doc else []) + trailer + [""] + abi
    first = "/*" + (f" {lines[0]}" if lines[0] else "")
    body = "\n".join(f" * {line}".rstrip() for line in lines[1:])
    return f"/* clang-format off */\n{first}\n{body}\n */\n/* clang-format on */"


def classes_list(model: Multiclass) -> str:
    strings = Strings(f"{model.name}_long_class_")
    items = [strings.literal(label) for label in model.classes] + ["NULL"]
    return "\n".join([f"/* The classes, in the order of the scores {model.name} writes, then NULL. */", *strings.arrays,
                      f"const char *const {model.name}_classes[] = {braced(items, 0)};"])


def prototypes(model: Multiclass, names: CNames) -> list[str]:
    k = len(model.classes)
    return [
        f"void {model.name}(const struct {names.struct} *row, double out[{k}]);",
        f"void {model.name}_probabilities(const struct {names.struct} *row, double out[{k}]);",
    ]


def gather_function(model: Multiclass, classes: list[CNames]) -> str:
    lines = [
        f"/* The score of each class, in the order of {model.name}_classes. */",
        f"void {model.name}(const struct {classes[0].struct} *row, double out[{len(classes)}])",
        "{",
    ]
    lines += [f"    out[{k}] = {names.score}(row);" for k, names in enumerate(classes)]
    return "\n".join(lines + ["}"])


def probabilities_function(model: Multiclass, names: CNames) -> str:
    k = len(model.classes)
    return "\n".join([
        "/* The probability of each class: the softmax of the scores (rules M2-M4 of pwlc.semantics). */",
        f"void {model.name}_probabilities(const struct {names.struct} *row, double out[{k}])",
        "{",
        f"    {model.name}(row, out);",
        f"    pwlc_softmax({k}, out);",
        "}",
    ])


def batch_function(model: Multiclass, classes: list[CNames]) -> str:
    k = len(classes)
    lines = [
        f"/* The scores of rows 0 .. n-1 of the columns: out[i * {k} + k] is class k's score of row i. */",
        f"void {model.name}_batch(size_t n, const struct {model.name}_columns *columns, double *out)",
        "{",
        "    double sum[PWLC_BLOCK];",
        "    size_t start;",
        "    for (start = 0; start < n; start += PWLC_BLOCK) {",
    ]
    for index, names in enumerate(classes):
        lines += [
            f"        {names.score}_rows(columns, start, pwlc_block(n - start), sum);",
            f"        pwlc_scatter(pwlc_block(n - start), sum, {k}, {index}, out + start * {k});",
        ]
    return "\n".join(lines + ["    }", "}"])
