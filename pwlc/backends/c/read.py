"""The reader: an emitted (and maybe hand-edited, reformatted) C file back into a model.

It reads the file as gcc and clang would (lex.py: trigraphs, line splices, comments;
values.py: C's constants and initializers) and understands every declaration or refuses
the file at it, saying what to write instead. What it reads: the input names and the
input struct's field types (the inputs), the term functions and their arrays, the
scoring function (the terms, in order), the batch's `NAME_rows` (the terms again, which
must be score's). What it checks, token for token, against what pwlc writes for the model
read: the structs, prototypes, the link and batch functions, and the runtime section. Any
other declaration, or one used before it is declared or never used, is refused.
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from typing import Any

from pwlc.backends.c import printer
from pwlc.backends.c.check import UPGRADE, check_runtime, same_as
from pwlc.backends.c.disagree import check_batch, check_names_list
from pwlc.backends.c.lex import DIRECTIVE, NAME, Comment, Tokens, spliced_comment, tokenize
from pwlc.backends.c.literals import binary
from pwlc.backends.c.names import C_RESERVED, CNames, c_names, description
from pwlc.backends.c.parse import (
    Arrow,
    Binary,
    Call,
    CallStatement,
    Declaration,
    Expr,
    Index,
    Name,
    Parser,
    Return,
    Struct,
    Unary,
    VoidCast,
)
from pwlc.backends.c.runtime import END_MARKER, RUNTIME_END, RUNTIME_START, START_MARKER
from pwlc.backends.c.terms import Scope, TermReader
from pwlc.backends.c.values import POINTER, CType, Values
from pwlc.backends.common import trailer_lines
from pwlc.errors import ParseError, PwlcError, UnsupportedError
from pwlc.ir import Constant, Input, LinkKind, Model, Multiclass, Term

_LINKS: dict[str, LinkKind] = {"probability": "logistic", "prediction": "exp"}
_FIELD_KINDS = {"double": "numeric", "const char *": "categorical"}


def read(text: str, filename: str = "<string>", dialect: str | None = None) -> Model | Multiclass:
    """Parse an emitted (and possibly hand-edited, reformatted) C file back into a model."""
    if dialect is not None:
        raise UnsupportedError(f"the C backend has no dialects (got {dialect!r})")
    tokens = tokenize(text, filename)
    try:
        return _FileReader(tokens).model()
    except PwlcError as error:
        spliced = spliced_comment(tokens)
        if spliced is None or error.span is None:
            raise
        comment, code = spliced
        raise tokens.source.fail(f"this // comment ends in a backslash, so C continues it onto the next line, and does not compile `{code[:40]}` there: "
                                 f"delete the backslash (read as C compiles it, the file is refused at line {error.span.line}: {error.message})", comment.start) from None


class _FileReader:
    def __init__(self, tokens: Tokens):
        self.tokens = tokens
        self.values = Values(tokens)
        self.parser = Parser(tokens)
        self.structs: dict[str, Struct] = {}
        self.functions: dict[str, Declaration] = {}  # definitions
        self.prototypes: dict[str, Declaration] = {}
        self.arrays: dict[str, Declaration] = {}  # file scope
        self.used: set[str] = set()  # file-scope arrays and functions something reads
        self.name_counts: Counter[str] | None = None  # how often each name occurs (computed when a refusal needs it)

    def fail(self, message: str, at: int) -> ParseError:
        return self.tokens.fail(message, at)

    def line(self, at: int) -> int:
        """The line token `at` is on."""
        return self.tokens.source.span(self.tokens.offset(at)).line

    # -- the file --

    def model(self) -> Model | Multiclass:
        start, end, end_marker = self.runtime_section()
        items = self.parser.items(end, len(self.tokens))
        if start > 0:
            if self.tokens.kinds[0] == DIRECTIVE:  # a file from a pwlc that wrote its includes here
                raise self.fail(f"pwlc writes its #include lines inside the runtime section now; delete these, then {UPGRADE}", 0)
            raise self.fail("pwlc writes nothing between the header comment and its runtime section; move this below it", 0)
        for item in items:
            self.declare(item)
        gather = self.gathering_function()
        if gather is not None:  # a multiclass model
            from pwlc.backends.c.read_multiclass import read_multiclass

            multiclass = read_multiclass(self, gather)
            self.check_runtime(start, end, end_marker)
            return multiclass
        score = self.scoring_function()
        name = score.name
        inputs, fields = self.inputs(name, score)
        kinds = {declared.name: declared.kind for declared in inputs}
        terms = TermReader(self.values, kinds)
        summands = self.summands(score, fields, terms)
        link = self.link(name)
        names = c_names(Model(tuple(inputs), (), link, name))
        if not self.batch(names, summands, fields, terms):
            summands = []  # `return 0.0;` with a batch that adds nothing: no terms
        model = Model(tuple(inputs), tuple(t for t, _ in summands), link, name, self.doc(), span=self.tokens.source.span(self.tokens.offset(score.name_at)))
        self.check_interface(names)
        self.check_used(name)
        self.check_runtime(start, end, end_marker)
        return model

    def check_runtime(self, start: int, end: int, end_marker: int) -> None:
        used = {self.tokens.text(i) for i in range(end, len(self.tokens)) if self.tokens.kinds[i] == NAME and self.tokens.text(i).startswith(("pwlc_", "PWLC_"))}
        check_runtime(self.tokens, start, end, used, end_marker)

    def gathering_function(self) -> Declaration | None:
        """A multiclass file's `void NAME(const struct NAME_input *row, double out[K])`."""
        for f in self.functions.values():
            params = f.params or []
            if f.words == "void" and len(params) == 2 and params[0].words == f"const struct {f.name}_input *" and params[1].words == "double []":
                return f
        return None

    def runtime_section(self) -> tuple[int, int, int]:
        """The tokens between the runtime markers (start, end), and where the end marker is."""
        starts = [c for c in self.tokens.comments if START_MARKER.fullmatch(c.text)]
        ends = [c for c in self.tokens.comments if END_MARKER.fullmatch(c.text)]
        where = (starts + ends + [Comment(0, 0, "", 0)])[0]
        if len(starts) != 1 or len(ends) != 1:
            found = "none" if not starts and not ends else f"{len(starts)} start and {len(ends)} end markers"
            raise self.tokens.source.fail(
                f"expected the runtime section between `{RUNTIME_START}` and `{RUNTIME_END}` once (found {found}); restore the markers, or regenerate the file",
                where.start,
            )
        if ends[0].start < starts[0].start:
            raise self.tokens.source.fail("the end of the runtime section comes before its start", ends[0].start)
        return starts[0].before, ends[0].before, ends[0].start

    def declare(self, item: Struct | Declaration) -> None:
        name, at = (item.tag, item.tag_at) if isinstance(item, Struct) else (item.name, item.name_at)
        self.own_name(name, at)
        if isinstance(item, Struct):
            if item.tag in self.structs:
                raise self.fail(f"struct {item.tag} is defined twice", item.tag_at)
            self.structs[item.tag] = item
            return
        table = self.functions if item.body is not None else self.prototypes if item.is_function else self.arrays
        if item.name in table or (item.name in self.functions and table is self.arrays) or (item.name in self.arrays and table is self.functions):
            raise self.fail(f"{item.name} is declared twice", item.name_at)
        if not item.is_function and item.dims == []:
            raise self.fail(f"{item.name} is a single value; pwlc writes numbers in arrays and calls, not in variables", item.name_at)
        table[item.name] = item

    def own_name(self, name: str, at: int) -> None:
        """Refuse to declare a name of the runtime or of the headers it includes."""
        if name.startswith(("pwlc_", "PWLC_")) or name in C_RESERVED:
            raise self.fail(f"{name!r} is a name of pwlc's runtime, of C or of its headers; choose another", at)

    def before(self, used: Struct | Declaration, user: int, what: str) -> None:
        """Refuse a use (at token `user`) of something declared further down (C would)."""
        if used.first > user:
            raise self.fail(f"{what} is used here but declared below (line {self.line(used.first)}); C needs it declared first", user)

    def doc(self) -> str:
        """The description: the header comment up to the "Compiled by pwlc" line."""
        trailer = trailer_lines(printer.SUFFIX)[0]
        for comment in self.tokens.comments:
            if comment.before > 0:
                break
            if not comment.text.startswith("/*"):
                continue
            lines = re.split(r"\r\n|\r|\n", comment.text[2:-2])
            lines = [lines[0].removeprefix(" ")] + [re.sub(r"^[ \t\f\v]*\*", "", line).removeprefix(" ") for line in lines[1:]]
            if trailer in lines:
                body = lines[: lines.index(trailer)]
                if body and body[-1] == "":
                    body.pop()
                return description(body)
        return ""

    # -- the scoring function and the inputs --

    def scoring_function(self) -> Declaration:
        """`double NAME(const struct NAME_input *row) {...}`: the one exported function named like its struct."""
        candidates = [f for f in self.functions.values() if f.words in ("double", "static double") and len(f.params or []) == 1
                      and re.fullmatch(r"const struct \w+_input \*", f.params[0].words)]  # type: ignore[index]
        exact = [f for f in candidates if f.params[0].words == f"const struct {f.name}_input *"]  # type: ignore[index]
        if len(exact) > 1:
            raise self.fail(f"a second scoring function (the first is {exact[0].name}); a file holds one model", exact[1].name_at)
        if exact and exact[0].words != "double":
            raise self.fail(f"the scoring function {exact[0].name} is exported: drop `static`", exact[0].first)
        if exact:
            return exact[0]
        for f in candidates:  # a scoring function renamed without its struct (its link function keeps the struct's name)
            struct = f.params[0].words.split()[2]  # type: ignore[index]
            model = struct.removesuffix("_input")
            if f.name not in (f"{model}_{suffix}" for suffix in _LINKS):
                raise self.fail(f"the scoring function is named like its struct: `double {model}(const struct {struct} *row)`; "
                                f"name it {model} again (or rename struct {struct} and every {model}_ name with it, or regenerate)", f.name_at)
        raise self.tokens.source.fail("no scoring function `double NAME(const struct NAME_input *row)`", 0)

    def inputs(self, name: str, score: Declaration) -> tuple[list[Input], dict[str, str]]:
        """The inputs (from NAME_input_names and the field types of struct NAME_input), and
        which input each field holds."""
        struct = self.structs.get(f"{name}_input")
        if struct is None:
            raise self.fail(f"struct {name}_input is not defined", score.name_at)
        self.before(struct, score.first, f"struct {name}_input")
        texts = self.string_list(f"{name}_input_names", "the input names, in field order", "one name per input", struct.tag_at)
        fields = [f for f in struct.fields if not (f.words == "char" and f.name == "unused" and not texts)]
        if len(fields) != len(texts) or any(f.words not in _FIELD_KINDS for f in fields):
            raise self.fail(f"struct {name}_input has one field per name of {name}_input_names: a double, or a const char * for a categorical input", struct.tag_at)
        inputs = [Input(text, _FIELD_KINDS[f.words], span=self.tokens.source.span(self.tokens.offset(f.at))) for f, text in zip(fields, texts)]  # type: ignore[arg-type]
        names_of = c_names(Model(tuple(inputs), (), name=name))
        check_names_list(self, name, fields, texts, names_of)
        same_as(self.tokens, struct.first, struct.last, printer.input_struct(names_of), f"struct {name}_input")
        return inputs, {names_of.fields[declared.name]: declared.name for declared in inputs}

    def string_list(self, array: str, holding: str, each: str, at: int, nul_ok: bool = True) -> list[str]:
        """The texts of `const char *const ARRAY[] = {"...", ..., NULL};` (input names,
        class names), read exactly (`nul_ok`: a NUL included, where a C caller sees the
        text end)."""
        listed = self.arrays.get(array)
        if listed is None:
            raise self.fail(f"{array} is not defined ({holding}, then NULL)", at)
        self.used.add(listed.name)
        if listed.words != "const char * const" or listed.dims is None or len(listed.dims) != 1 or listed.init is None:
            raise self.fail(f"write the names as pwlc does: `const char *const {array}[] = {{...}};`", listed.first)
        lengths = [None if size is None else self.values.count(size) for _, size in listed.dims]
        self.values.nul_ok = nul_ok
        try:
            found = self.values.initialize(CType("array", POINTER, lengths[0]), listed.init, self.file_strings())
        finally:
            self.values.nul_ok = False
        if not found or found[-1] is not None or None in found[:-1]:
            raise self.fail(f"{array} lists {each}, then NULL (and no other NULL)", listed.name_at)
        return [self.name_text(data, listed.name_at) for data in found[:-1]]

    def name_text(self, data: bytes, at: int) -> str:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise self.fail("a name here is not valid UTF-8", at) from None

    def file_strings(self) -> Any:
        """The text of a file-scope char array named where a string is expected."""
        return TermReader(self.values, {}).strings(Scope({}, {}, self.file_array))

    def file_array(self, name: str, at: int) -> Declaration | None:
        declaration = self.arrays.get(name)
        if declaration is None:
            return None
        self.before(declaration, at, name)
        self.used.add(name)
        return declaration

    # -- terms --

    def summands(self, score: Declaration, fields: dict[str, str], terms: TermReader) -> list[tuple[Term, int]]:
        """The terms of score's `return`, in order, each with the token it starts at.

        The sum is C's left-to-right `a + b + c`: each summand a term call or a constant
        expression (a subtracted one negated). A run of constants before the first term is
        added in its own C type (`1u - 2u` wraps), so it must come to what the terms add."""
        row = self.parameter(score)
        result, voided = self.body(score, {row})
        self.check_parameters_used(score, voided, [result])
        spine: list[tuple[str, Expr]] = []
        node = result
        while isinstance(node, Binary) and node.op in "+-":
            spine.append((node.op, node.right))
            node = node.left
        spine.append(("+", node))
        spine.reverse()
        out: list[tuple[Term, int]] = []
        for op, summand in spine:
            if _has_call(summand):
                if op == "-" or not isinstance(summand, Call):
                    raise self.fail("a term is added as it is (`+ F(row->x)`): not subtracted, scaled, negated or grouped in parentheses", summand.at)
                out.append((self.term_call(summand, row, score, fields, terms), summand.at))
            else:
                value = self.values.double(summand)
                out.append((Constant(-value if op == "-" else value, span=self.tokens.source.span(self.tokens.offset(summand.at))), summand.at))
        self.check_leading_constants(spine)
        return out

    def check_leading_constants(self, spine: list[tuple[str, Expr]]) -> None:
        leading = []
        for op, summand in spine:
            if _has_call(summand):
                break
            leading.append((op, summand))
        if len(leading) < 2:
            return
        value = self.values.constant(leading[0][1])
        total = self.values.double(leading[0][1])
        for op, summand in leading[1:]:
            value = binary(op, value, self.values.constant(summand))
            total = total - self.values.double(summand) if op == "-" else total + self.values.double(summand)
        if float(value.value) != total:
            raise self.fail(f"C adds these numbers as {value.type} before the terms ({value.value!r}), not as doubles ({total!r}); write them as doubles (1.0)", leading[1][1].at)

    def term_call(self, call: Call, row: str, user: Declaration, fields: dict[str, str], terms: TermReader) -> Term:
        """The term of `F(row->a, ...)`."""
        features = []
        for arg in call.args:
            if isinstance(arg, Arrow) and isinstance(arg.base, Name) and arg.base.name != row and not self.named_in(row, user):
                param = user.params[0]  # type: ignore[index]
                raise self.fail(f"{user.name}'s parameter is {row}, but its terms read {arg.base.name}->{arg.field} (line {self.line(arg.at)}): "
                                "name them alike", param.name_at)
            if not (isinstance(arg, Arrow) and isinstance(arg.base, Name) and arg.base.name == row):
                raise self.fail(f"a term function takes its inputs as `{row}->FIELD`", arg.at)
            if arg.field not in fields:
                raise self.fail(f"struct {user.params[0].words.split()[2]} has no field {arg.field!r}", arg.at)  # type: ignore[index]
            features.append(fields[arg.field])
        return self.term_of(call.name, call.at, features, user, terms, [arg.at for arg in call.args])

    def term_of(self, function_name: str, at: int, features: list[str], user: Declaration, terms: TermReader, args: list[int] | None = None) -> Term:
        """The term of a call of term function `function_name` on `features` (passed at
        tokens `args`, or all at `at`)."""
        function = self.functions.get(function_name)
        renamed = self.uncalled(function_name) if function is None else None
        if renamed is not None:
            # the old name still named elsewhere (by the batch, or in the curve's `NAME_knots`): the definition was renamed
            if self.occurrences(function_name) > 1 or self.occurrences(f"{function_name}_knots"):
                raise self.fail(f"{renamed.name} is called nowhere, and {user.name} calls {function_name}, which is not defined: "
                                f"name this function {function_name} again (or rename its calls too)", renamed.name_at)
            raise self.fail(f"{function_name} is not defined, and {renamed.name} (line {self.line(renamed.name_at)}) is called nowhere: "
                            "name the call and the function alike", at)
        if function is None or function.words != "static double":
            what = "is not defined" if function is None else "is not a term function (`static double F(double x) {...}`)"
            raise self.fail(f"{function_name} {what}; a term is a call of a term function, like `age_curve(row->age)`", at)
        self.before(function, user.first, function_name)
        self.used.add(function_name)
        params: dict[str, tuple[str, str]] = {}
        for k, (param, feature) in enumerate(zip(function.params or [], features)):
            if param.name is None or param.words not in _FIELD_KINDS:
                raise self.fail("a term function's parameters are `double x` or `const char *category`", param.at)
            self.own_name(param.name, param.name_at)
            if _FIELD_KINDS[param.words] != terms.kinds[feature]:
                raise self.fail(f"{function_name} takes a {param.words} here; {feature!r} is {terms.kinds[feature]}", args[k] if args else at)
            params[param.name] = (param.words, feature)
        if len(function.params or []) != len(features):
            raise self.fail(f"{function_name} takes {len(function.params or [])} input(s), given {len(features)}", at)
        statements = self.parser.statements(function.body)  # type: ignore[arg-type]
        locals_ = {s.name: s for s in statements if isinstance(s, Declaration)}
        for statement in statements:
            if isinstance(statement, Declaration):
                self.own_name(statement.name, statement.name_at)
            if isinstance(statement, Declaration) and (statement.is_function or statement.name in params or list(locals_.values()).count(statement) != 1):
                raise self.fail(f"{statement.name}: a term function declares its arrays, once each (no functions, no parameter names)", statement.name_at)
            if isinstance(statement, Declaration) and statement.dims == []:
                raise self.fail(f"{statement.name} is a single value; write the number where it is used", statement.name_at)
        scope = Scope(params, locals_, self.file_array)
        result, _ = self.body(function, set(params), statements)
        term = terms.term(result, scope, function.name_at)
        for name in [*params, *locals_]:
            if name not in scope.used:
                raise self.fail(f"{name} is not used by {function_name}; delete it", locals_[name].name_at if name in locals_ else function.name_at)
        return term

    def occurrences(self, name: str) -> int:
        """How often the file holds the name `name` (strings and comments aside)."""
        if self.name_counts is None:
            self.name_counts = Counter(self.tokens.text(i) for i in range(len(self.tokens)) if self.tokens.kinds[i] == NAME)
        return self.name_counts[name]

    def uncalled(self, wanted: str) -> Declaration | None:
        """The term function named nowhere but in its definition whose name is closest to
        `wanted` (a call of which finds no definition): most likely the same one, renamed."""
        orphans = {f.name: f for f in self.functions.values() if f.words == "static double" and self.occurrences(f.name) == 1}
        closest = difflib.get_close_matches(wanted, list(orphans), n=1, cutoff=0.0)
        return orphans[closest[0]] if closest else None

    def named_in(self, name: str, function: Declaration) -> bool:
        """Whether the body of `function` holds the name `name`."""
        first, last = function.body  # type: ignore[misc]
        return any(self.tokens.kinds[i] == NAME and self.tokens.text(i) == name for i in range(first, last))

    def body(self, function: Declaration, params: set[str], statements: list[Any] | None = None) -> tuple[Expr, set[str]]:
        """What a function returns, and the parameters its `(void)PARAMETER;` statements
        name (it holds those, its arrays and one `return`)."""
        statements = self.parser.statements(function.body) if statements is None else statements  # type: ignore[arg-type]
        returns = [s for s in statements if isinstance(s, Return)]
        for statement in statements:
            if isinstance(statement, VoidCast) and statement.name not in params:
                only = function.params[0] if function.params and len(function.params) == 1 else None
                if only is not None and only.name is not None and not self.named_in(only.name, function):  # the parameter renamed, its uses not
                    raise self.fail(f"{function.name}'s parameter is {only.name}, but its body names {statement.name} (`(void){statement.name};`, "
                                    f"line {self.line(statement.at)}): name them alike", only.name_at)
                raise self.fail(f"`(void){statement.name};` names no parameter of {function.name}", statement.at)
            if isinstance(statement, CallStatement):
                raise self.fail(f"a call on its own in {function.name} is not read; {function.name} returns its value", statement.at)
        if len(returns) != 1 or statements[-1] is not returns[0]:
            where = returns[1].at if len(returns) > 1 else function.name_at
            raise self.fail(f"{function.name} ends with its one `return`", where)
        return returns[0].value, {s.name for s in statements if isinstance(s, VoidCast)}

    def check_parameters_used(self, function: Declaration, voided: set[str], expressions: list[Expr]) -> None:
        """Refuse a parameter nothing reads: C warns of it (-Wunused-parameter, in -Wextra)."""
        for param in function.params or []:
            if param.name not in voided and not any(_mentions(e, str(param.name)) for e in expressions):
                raise self.fail(f"parameter {param.name} of {function.name} is not used, which C warns of; write `(void){param.name};` "
                                "in the function, as pwlc does", param.name_at)

    def parameter(self, function: Declaration) -> str:
        """The name of a function's one parameter, checked not to hide a name it needs."""
        param = function.params[0] if function.params else None
        if param is None or param.name is None:
            raise self.fail(f"{function.name}'s parameter needs a name", function.name_at)
        if param.name in C_RESERVED or param.name in self.functions or param.name in self.arrays or param.name.startswith(("pwlc_", "PWLC_")):
            raise self.fail(f"{param.name!r} cannot name the parameter: it is reserved or names a function or array", param.name_at)
        return param.name

    # -- the batch, the link and the interface --

    def batch(self, names: CNames, summands: list[tuple[Term, int]], fields: dict[str, str], terms: TermReader) -> bool:
        """Refuse a file whose `NAME_rows` adds other terms than the scoring function.
        False for a model with no terms: score returns 0.0 and the batch adds nothing."""
        name = names.model.name
        rows = self.functions.get(f"{names.score}_rows")
        if rows is None or rows.body is None:
            raise self.fail(f"{names.score}_rows (the batch's terms) is not defined; regenerate the file", len(self.tokens) - 1)
        same_as(self.tokens, rows.first, rows.body[0] - 1, printer.rows_head(names), f"the head of {names.score}_rows", ("columns", "start", "m", "sum"))
        columns_struct = self.structs.get(f"{name}_columns")
        if columns_struct is None:
            raise self.fail(f"struct {name}_columns is not defined", rows.name_at)
        self.before(columns_struct, rows.first, f"struct {name}_columns")
        self.used.add(rows.name)
        columns, start, m, total = (str(p.name) for p in rows.params or [])  # named: same_as checked the head
        calls = []
        voided = set()
        for statement in self.parser.statements(rows.body):
            if isinstance(statement, VoidCast) and statement.name in (columns, start, m, total):
                voided.add(statement.name)
                continue
            if not isinstance(statement, CallStatement):
                raise self.fail(f"{names.score}_rows holds one runtime call a term (and `(void)PARAMETER;`)", statement.first if isinstance(statement, Declaration) else statement.at)
            calls.append(statement.call)
        self.check_parameters_used(rows, voided, [arg for call in calls for arg in call.args])
        zero = calls[0] if calls else None
        if not (zero and zero.name == "pwlc_zero_rows" and _names(zero.args) == [m, total]):
            raise self.fail(f"{names.score}_rows starts with pwlc_zero_rows({m}, {total})", zero.at if zero else rows.name_at)
        if len(calls) == 1 and len(summands) == 1 and summands[0][0] == Constant(0.0) and math.copysign(1.0, summands[0][0].value) > 0:  # type: ignore[union-attr]
            return False
        scope = Scope({p: ("", "") for p in (columns, start, m, total)}, {}, self.file_array)
        added = [(self.batch_term(call, (columns, start, m, total), fields, scope, rows, terms), call.at) for call in calls[1:]]
        score = self.functions[names.score]
        check_batch(self, names.score, summands, added, (score.body[1] - 1, rows.body[1]))  # type: ignore[index]
        return True

    def batch_term(self, call: Call, params: tuple[str, ...], fields: dict[str, str], scope: Scope, rows: Declaration, terms: TermReader) -> Term:
        """The term one statement of the batch adds."""
        columns, start, m, total = params
        args = call.args
        if call.name == "pwlc_constant_rows" and len(args) == 3 and _names(args[:2]) == [m, total]:
            return Constant(self.values.double(args[2]))
        helpers = {"pwlc_curve_rows": (1, 7), "pwlc_numeric_rows": (1, 4), "pwlc_category_rows": (1, 4)}
        helpers |= {f"pwlc_grid_{a}{b}_rows": (2, 5) for a in "ds" for b in "ds"}
        if call.name not in helpers or len(args) != helpers[call.name][1] or _names(args[:1]) != [m]:
            raise self.fail(f"not a statement of the batch pwlc reads: pwlc_KIND_rows({m}, {columns}->FIELD + {start}, ..., {total}, ...)", call.at)
        width = helpers[call.name][0]
        features = [self.column(arg, columns, start, fields) for arg in args[1 : 1 + width]]
        if _names(args[1 + width : 2 + width]) != [total]:
            raise self.fail(f"expected {total} here", args[1 + width].at)
        kinds = "".join("s" if terms.kinds[f] == "categorical" else "d" for f in features)
        wanted = {"pwlc_curve_rows": "d", "pwlc_numeric_rows": "d", "pwlc_category_rows": "s"}.get(call.name, call.name[10:12])
        if kinds != wanted:
            raise self.fail(f"{call.name} takes {'numeric' if wanted == 'd' else 'categorical'} columns in that order", args[1].at)
        if call.name == "pwlc_curve_rows":
            return terms.curve(features[0], args[3:], scope, self.tokens.source.span(self.tokens.offset(call.at)))
        function = args[-1]
        if not isinstance(function, Name) or function.name in params:
            raise self.fail("expected the term function this statement runs", function.at)
        term = self.term_of(function.name, function.at, features, rows, terms)
        types = ["double" if kind == "d" else "const char *" for kind in kinds]
        if [p.words for p in self.functions[function.name].params or []] != types:
            raise self.fail(f"{function.name} does not take ({', '.join(types)}), as {call.name} calls it", function.at)
        return term

    def column(self, arg: Expr, columns: str, start: str, fields: dict[str, str]) -> str:
        """The input of `columns->FIELD + start`."""
        if not (isinstance(arg, Binary) and arg.op == "+" and isinstance(arg.left, Arrow) and isinstance(arg.left.base, Name)
                and arg.left.base.name == columns and isinstance(arg.right, Name) and arg.right.name == start):
            raise self.fail(f"a column is passed as `{columns}->FIELD + {start}`", arg.at)
        if arg.left.field not in fields:
            raise self.fail(f"the columns have no field {arg.left.field!r}", arg.at)
        return fields[arg.left.field]

    def link(self, name: str) -> LinkKind:
        found = [(suffix, link) for suffix, link in _LINKS.items() if f"{name}_{suffix}" in self.functions]
        if len(found) > 1:
            raise self.fail(f"{name}_probability and {name}_prediction: a model has one link", self.functions[f"{name}_prediction"].name_at)
        return found[0][1] if found else "identity"

    def check_interface(self, names: CNames) -> None:
        """The structs, prototypes, link and batch functions: as pwlc writes them."""
        name = names.model.name
        score = self.functions[name]
        columns = self.structs[f"{name}_columns"]
        same_as(self.tokens, columns.first, columns.last, printer.columns_struct(names), f"struct {name}_columns")
        expected = {name: printer.prototypes(names)[0], f"{name}_batch": printer.batch_prototype(names)}
        if names.model.link != "identity":
            link = f"{name}_{printer.LINK_FUNCTIONS[names.model.link][0]}"
            expected[link] = printer.prototypes(names)[1]
            function = self.functions[link]
            self.before(score, function.first, name)
            same_as(self.tokens, function.first, function.last, printer.link_function(names), link, ("row",))
        for prototype in self.prototypes.values():
            for struct in (self.structs[f"{name}_input"], columns):
                if struct.tag in self.tokens.source.text[self.tokens.offset(prototype.first) : self.tokens.offset(prototype.last)]:
                    self.before(struct, prototype.first, f"struct {struct.tag}")
            if prototype.name not in expected:
                raise self.fail(f"a prototype pwlc does not write: {prototype.name} (pwlc declares {', '.join(expected)})", prototype.name_at)
            same_as(self.tokens, prototype.first, prototype.last, expected[prototype.name], f"the prototype of {prototype.name}", ("row", "n", "columns", "out"))
        batch = self.functions.get(f"{name}_batch")
        if batch is None:
            known = {*expected, f"{names.score}_rows"}
            renamed = [f for f in self.functions.values() if f.name not in self.used and f.name not in known]
            if renamed:  # point at the definition that is not pwlc's: most likely the batch renamed
                raise self.fail(f"{name}_batch is not defined, and pwlc does not write {renamed[0].name}: name it {name}_batch again, or regenerate the file", renamed[0].name_at)
            raise self.fail(f"{name}_batch is not defined; regenerate the file", len(self.tokens) - 1)
        self.before(self.functions[f"{name}_rows"], batch.first, f"{name}_rows")
        self.before(columns, batch.first, f"struct {name}_columns")
        same_as(self.tokens, batch.first, batch.last, printer.batch_function(names), f"{name}_batch", ("n", "columns", "out", "start"))

    def check_used(self, name: str) -> None:
        """Everything declared is read or checked: no struct, array or function pwlc does not know."""
        for tag, struct in self.structs.items():
            if tag not in (f"{name}_input", f"{name}_columns"):
                raise self.fail(f"pwlc does not know what struct {tag} is for; delete it", struct.tag_at)
        interface = {name, f"{name}_probability", f"{name}_prediction", f"{name}_batch"}
        for item in [*self.functions.values(), *self.arrays.values()]:
            if item.name not in self.used and item.name not in interface:
                raise self.fail(f"{item.name} is not used: pwlc does not know what it is for; delete it (a term is called from the scoring function and the batch)", item.name_at)


def _names(args: list[Expr]) -> list[str | None]:
    return [a.name if isinstance(a, Name) else None for a in args]


def _mentions(node: Expr, name: str) -> bool:
    """Whether an expression reads the variable `name`."""
    todo = [node]
    while todo:
        current = todo.pop()
        if isinstance(current, Name) and current.name == name:
            return True
        if isinstance(current, Binary):
            todo += [current.left, current.right]
        elif isinstance(current, Unary):
            todo.append(current.operand)
        elif isinstance(current, Call):
            todo += current.args
        elif isinstance(current, (Arrow, Index)):
            todo.append(current.base)
    return False


def _has_call(node: Expr) -> bool:
    """Whether an expression calls a function or reads an input (else it is a constant)."""
    todo = [node]
    while todo:
        current = todo.pop()
        if isinstance(current, (Call, Arrow)):
            return True
        if isinstance(current, Binary):
            todo += [current.left, current.right]
        elif isinstance(current, Unary):
            todo.append(current.operand)
    return False

