"""Reading a multiclass C file (see multiclass.py) back: each class's scoring function
and batch rows are read as a one-score model's are (read.py), the classes from
`NAME_classes`; the gathering, softmax and batch functions, which hold no model, are
checked token for token against what pwlc writes for the classes read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pwlc.backends.c import multiclass as printer
from pwlc.backends.c.check import same_as
from pwlc.backends.c.names import CNames, class_names, class_scores
from pwlc.backends.c.parse import Declaration
from pwlc.backends.c.printer import batch_prototype, columns_struct
from pwlc.backends.c.terms import TermReader
from pwlc.ir import Model, Multiclass, Term

if TYPE_CHECKING:
    from pwlc.backends.c.read import _FileReader


def read_multiclass(reader: _FileReader, gather: Declaration) -> Multiclass:
    """The model of a file whose `void NAME(const struct NAME_input *row, double out[K])`
    is `gather`."""
    name = gather.name
    inputs, fields = reader.inputs(name, gather)
    classes = tuple(reader.string_list(f"{name}_classes", "the class names, in the order of the scores", "one name per class", gather.name_at))
    if len(set(classes)) != len(classes):
        raise reader.fail(f"{name}_classes names a class twice; class names are distinct", reader.arrays[f"{name}_classes"].name_at)
    terms = TermReader(reader.values, {declared.name: declared.kind for declared in inputs})
    shared = {declared_name: field for field, declared_name in fields.items()}  # input -> struct field
    scores: list[tuple[Term, ...]] = []
    for label, score_name in zip(classes, class_scores(name, classes)):
        score = reader.functions.get(score_name)
        wanted = f"static double {score_name}(const struct {name}_input *row)"
        if score is None:
            raise reader.fail(f"the score of class {label!r} is not defined: pwlc names it `{wanted}` (from the class name)", gather.name_at)
        if score.words != "static double" or [p.words for p in score.params or []] != [f"const struct {name}_input *"]:
            raise reader.fail(f"the score of class {label!r} is `{wanted}`", score.name_at)
        reader.before(score, gather.first, score_name)
        reader.used.add(score_name)
        summands = reader.summands(score, fields, terms)
        names = CNames(Model(tuple(inputs), (), "identity", name), shared, [], score_name, label)
        scores.append(tuple(term for term, _ in summands) if reader.batch(names, summands, fields, terms) else ())
    span = reader.tokens.source.span(reader.tokens.offset(gather.name_at))
    model = Multiclass(tuple(inputs), classes, tuple(scores), name, reader.doc(), span=span)
    _check_interface(reader, model, gather)
    return model


def _check_interface(reader: _FileReader, model: Multiclass, gather: Declaration) -> None:
    """The columns struct, prototypes, the gathering, softmax and batch functions: as
    pwlc writes them; nothing else declared but what the classes use."""
    name = model.name
    classes = class_names(model)
    columns = reader.structs.get(f"{name}_columns")
    if columns is None:
        raise reader.fail(f"struct {name}_columns is not defined", gather.name_at)
    same_as(reader.tokens, columns.first, columns.last, columns_struct(classes[0]), f"struct {name}_columns")
    same_as(reader.tokens, gather.first, gather.last, printer.gather_function(model, classes), name, ("row", "out"))
    exported = {f"{name}_probabilities": printer.probabilities_function(model, classes[0]), f"{name}_batch": printer.batch_function(model, classes)}
    for function_name, text in exported.items():
        function = reader.functions.get(function_name)
        if function is None:
            raise reader.fail(f"{function_name} is not defined; regenerate the file", len(reader.tokens))
        if function_name.endswith("_probabilities"):
            reader.before(gather, function.first, name)
        else:
            reader.before(columns, function.first, f"struct {name}_columns")
            for rows in classes:
                reader.before(reader.functions[f"{rows.score}_rows"], function.first, f"{rows.score}_rows")
        same_as(reader.tokens, function.first, function.last, text, function_name, ("row", "out", "n", "columns", "start", "sum"))
    prototypes = printer.prototypes(model, classes[0])
    expected = {name: prototypes[0], f"{name}_probabilities": prototypes[1], f"{name}_batch": batch_prototype(classes[0])}
    for prototype in reader.prototypes.values():
        if prototype.name not in expected:
            raise reader.fail(f"a prototype pwlc does not write: {prototype.name} (pwlc declares {', '.join(expected)})", prototype.name_at)
        for struct in (reader.structs[f"{name}_input"], columns):
            if struct.tag in reader.tokens.source.text[reader.tokens.offset(prototype.first) : reader.tokens.offset(prototype.last)]:
                reader.before(struct, prototype.first, f"struct {struct.tag}")
        same_as(reader.tokens, prototype.first, prototype.last, expected[prototype.name], f"the prototype of {prototype.name}", ("row", "n", "columns", "out"))
    for tag, struct in reader.structs.items():
        if tag not in (f"{name}_input", f"{name}_columns"):
            raise reader.fail(f"pwlc does not know what struct {tag} is for; delete it", struct.tag_at)
    for item in [*reader.functions.values(), *reader.arrays.values()]:
        if item.name not in reader.used and item.name not in expected:
            raise reader.fail(f"{item.name} is not used: pwlc does not know what it is for; delete it (a term is called from its class's scoring function and the batch)", item.name_at)
