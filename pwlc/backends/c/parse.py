"""A recursive-descent parser for the C that pwlc writes, over the tokens of lex.py.

The grammar (what it accepts; the reader then checks what each declaration is for):

    file        = { struct | declaration } ;
    struct      = "struct" NAME "{" { words NAME ";" } "}" ";" ;
    declaration = words NAME { "[" [ expr ] "]" } [ "=" init ] ";"
                | words NAME "(" params ")" ( ";" | "{" body "}" ) ;
    words       = { "static" | "const" | "double" | "char" | "void" | "size_t" | "struct" NAME | "*" } ;
    params      = "void" | words [ NAME ] { "," words [ NAME ] } ;
    statement   = declaration | "return" expr ";" | "(" "void" ")" NAME ";" | call ";" ;
    init        = "{" init { "," init } [ "," ] "}" | expr ;
    expr        = product { ( "+" | "-" ) product } ;
    product     = unary { ( "*" | "/" ) unary } ;
    unary       = ( "-" | "+" ) unary | postfix ;
    postfix     = primary { "(" [ expr { "," expr } ] ")" | "->" NAME | "[" expr "]" } ;
    primary     = NUMBER | CHAR | STRING { STRING } | NAME | "(" expr ")" ;

Everything else is refused where it starts, with what pwlc reads instead: other operators,
casts, designated initializers, empty braces, other statements, stray semicolons.
Function bodies are kept as token ranges and parsed on demand (`statements`), so the
functions that pwlc only compares token for token (the batch) need no grammar of their own.
Sums and products are parsed in a loop, so a sum of 10,000 terms does not recurse.
"""

from __future__ import annotations

from dataclasses import dataclass

from pwlc.backends.c.lex import CHAR, DIRECTIVE, KIND_NAMES, NAME, NUMBER, PUNCT, STRING, Tokens
from pwlc.errors import ParseError

TYPE_WORDS = ("static", "const", "double", "char", "void", "size_t", "struct", "*")
_CAST_WORDS = frozenset(("double", "float", "int", "char", "const", "unsigned", "signed", "long", "short", "void", "size_t", "struct", "volatile"))
_OTHER_WORDS = frozenset(("inline", "extern", "volatile", "register", "auto", "restrict", "float", "int", "long", "short", "unsigned", "signed", "_Bool", "enum", "union", "typedef"))
MAX_DEPTH = 100


# --- the syntax tree: each node knows the token it starts at ---------------------------


@dataclass(slots=True)
class Number:
    at: int


@dataclass(slots=True)
class Char:
    at: int


@dataclass(slots=True)
class String:
    at: int
    last: int  # adjacent literals are one string: tokens at .. last


@dataclass(slots=True)
class Name:
    at: int
    name: str


@dataclass(slots=True)
class Call:
    at: int
    name: str
    args: list[Expr]


@dataclass(slots=True)
class Arrow:
    at: int
    base: Expr
    field: str


@dataclass(slots=True)
class Index:
    at: int
    base: Expr
    index: Expr


@dataclass(slots=True)
class Unary:
    at: int
    op: str
    operand: Expr


@dataclass(slots=True)
class Binary:
    at: int  # where the left operand starts
    op_at: int  # the operator
    op: str
    left: Expr
    right: Expr


@dataclass(slots=True)
class Braced:
    at: int
    items: list[Init]


Expr = Number | Char | String | Name | Call | Arrow | Index | Unary | Binary
Init = Expr | Braced


@dataclass
class Param:
    words: str  # the type, e.g. "const char *"; an array parameter ends in " []"
    name: str | None
    at: int  # where its type starts
    name_at: int = -1  # where its name is


@dataclass
class Declaration:
    first: int  # tokens first .. last-1
    last: int
    words: str  # the type and storage, e.g. "static const double"
    name: str
    name_at: int
    dims: list[tuple[int, Expr | None]] | None = None  # for an array: each [size]
    params: list[Param] | None = None  # for a function
    init: Init | None = None
    body: tuple[int, int] | None = None  # for a function definition: its tokens inside the braces

    @property
    def is_function(self) -> bool:
        return self.params is not None


@dataclass
class Struct:
    first: int
    last: int
    tag: str
    tag_at: int
    fields: list[Param]


@dataclass
class Return:
    at: int
    value: Expr


@dataclass
class VoidCast:
    at: int
    name: str


@dataclass
class CallStatement:
    at: int
    call: Call


Statement = Declaration | Return | VoidCast | CallStatement


class Parser:
    def __init__(self, tokens: Tokens):
        self.tokens = tokens
        self.texts = tokens.texts  # a name's or symbol's text, None for other tokens, "" past the end
        self.kinds = tokens.kinds
        self.n = len(tokens)
        self.i = 0
        self.depth = 0

    # -- tokens --

    def text(self, i: int | None = None) -> str:
        return self.tokens.text(self.i if i is None else i)

    def kind(self, i: int | None = None) -> int:
        i = self.i if i is None else i
        return self.kinds[i] if i < self.n else 0

    def at(self, *texts: str) -> bool:
        return self.texts[min(self.i, self.n)] in texts

    def fail(self, message: str, i: int | None = None) -> ParseError:
        return self.tokens.fail(message, self.i if i is None else i)

    def found(self, i: int | None = None) -> str:
        i = self.i if i is None else i
        if i >= len(self.tokens):
            return "the end of the file"
        if self.kind(i) in (PUNCT, NAME):
            return f"`{self.text(i)}`"
        return f"{KIND_NAMES[self.kind(i)]} `{self.text(i)[:40]}`"

    def expect(self, text: str, context: str = "") -> int:
        if not self.at(text):
            raise self.fail(f"expected `{text}`{context}, found {self.found()}")
        self.i += 1
        return self.i - 1

    def name(self, what: str = "a name") -> tuple[str, int]:
        if self.kind() != NAME or self.text() in TYPE_WORDS:
            raise self.fail(f"expected {what}, found {self.found()}")
        self.i += 1
        return self.text(self.i - 1), self.i - 1

    # -- declarations --

    def items(self, first: int, last: int) -> list[Struct | Declaration]:
        """The structs and declarations of tokens first .. last-1 (a part of the file)."""
        self.i = first
        out: list[Struct | Declaration] = []
        while self.i < last:
            if self.kind() == DIRECTIVE:
                raise self.fail(f"a preprocessor directive (`{self.text()[:60]}`) outside pwlc's runtime section: pwlc reads no "
                                "includes, macros or conditions of its own; delete it (the runtime section includes what the file needs)")
            if self.at(";"):
                raise self.fail("a `;` on its own outside a function is not C99; delete it")
            if self.at("struct") and self.kind(self.i + 1) == NAME and self.text(self.i + 2) == "{":
                out.append(self.struct())
            else:
                out.append(self.declaration(top_level=True))
        return out

    def struct(self) -> Struct:
        first = self.expect("struct")
        tag, tag_at = self.name("the name of the struct")
        self.expect("{")
        fields = []
        while not self.at("}"):
            start = self.i
            words = self.words()
            name, at = self.name("the name of a field")
            fields.append(Param(words, name, start, at))
            self.expect(";", " after a field")
        self.expect("}")
        self.expect(";", " after the struct")
        return Struct(first, self.i, tag, tag_at, fields)

    def words(self) -> str:
        """The type words before a declared name, one space apart (`const char *`)."""
        words = []
        while self.kind() in (NAME, PUNCT) and self.text() in TYPE_WORDS:
            words.append(self.text())
            if self.text() == "struct":
                self.i += 1
                words.append(self.name("the name of a struct")[0])
                continue
            self.i += 1
        if self.kind() == NAME and self.text() in _OTHER_WORDS:
            raise self.fail(f"`{self.text()}` is not read: pwlc writes only static, const, double, char, void, size_t and its structs")
        return " ".join(words)

    def declaration(self, top_level: bool) -> Declaration:
        first = self.i
        words = self.words()
        if not words:
            raise self.fail(f"expected a declaration (a struct, array or function as pwlc writes them), found {self.found()}")
        name, name_at = self.name("the declared name")
        declaration = Declaration(first, first, words, name, name_at)
        if self.at("("):
            declaration.params = self.params()
            if self.at("{"):
                if not top_level:
                    raise self.fail("a function inside a function is not C")
                declaration.body = self.block()
            else:
                self.expect(";", " or a body after the function's parameters")
        else:
            declaration.dims = []
            while self.at("["):
                bracket = self.expect("[")
                size = None if self.at("]") else self.expression()
                self.expect("]", " after the size")
                declaration.dims.append((bracket, size))
            if self.at("="):
                self.i += 1
                declaration.init = self.initializer()
            self.expect(";", " at the end of the declaration")
        declaration.last = self.i
        return declaration

    def params(self) -> list[Param]:
        self.expect("(")
        if self.at("void") and self.text(self.i + 1) == ")":
            self.i += 2
            return []
        params = []
        while True:
            start = self.i
            words = self.words()
            if not words:
                raise self.fail(f"expected a parameter's type, found {self.found()}")
            name, name_at = None, self.i
            if self.kind() == NAME:
                name, name_at = self.name()
            if self.at("[") and name is not None:  # an array parameter (`double out[3]`): a pointer to its first element
                while not self.at("]"):
                    if self.i >= self.n or self.at(")"):
                        raise self.fail("this `[` is never closed")
                    self.i += 1
                self.i += 1
                words += " []"
            params.append(Param(words, name, start, name_at))
            if self.at(")"):
                self.i += 1
                return params
            self.expect(",", " between parameters")

    def block(self) -> tuple[int, int]:
        """Skip a brace-enclosed body; the range of the tokens inside the braces."""
        first = self.expect("{")
        depth = 1
        while depth:
            if self.i >= len(self.tokens):
                raise self.fail("this `{` is never closed", first)
            if self.kind() == DIRECTIVE:
                raise self.fail(f"a preprocessor directive (`{self.text()[:60]}`) inside a function; delete it")
            if self.kind() == PUNCT:
                depth += {"{": 1, "}": -1}.get(self.text(), 0)
            self.i += 1
        return first + 1, self.i - 1

    # -- statements --

    def statements(self, body: tuple[int, int]) -> list[Statement]:
        self.i, last = body
        out: list[Statement] = []
        while self.i < last:
            start = self.i
            if self.at("return"):
                self.i += 1
                value = self.expression()
                self.expect(";", " after the returned value")
                out.append(Return(start, value))
            elif self.at("(") and self.text(self.i + 1) == "void" and self.text(self.i + 2) == ")":
                self.i += 3
                name = self.name("a parameter after `(void)`")[0]
                self.expect(";")
                out.append(VoidCast(start, name))
            elif self.kind() == NAME and self.text() in TYPE_WORDS:
                out.append(self.declaration(top_level=False))
            elif self.kind() == NAME and self.text(self.i + 1) == "(":
                call = self.postfix()
                if not isinstance(call, Call):
                    raise self.fail("expected a call of a runtime function", start)
                self.expect(";", " after the call")
                out.append(CallStatement(start, call))
            else:
                raise self.fail(f"{self.found()} starts a statement pwlc does not read: a function holds its arrays, "
                                "`(void)PARAMETER;` and one `return`; the batch, one call a term")
        return out

    # -- expressions --

    def initializer(self) -> Init:
        if not self.at("{"):
            return self.expression()
        start = self.i
        self.i += 1
        if self.at("}"):
            raise self.fail("empty braces `{}` are not C99; list at least one value", start)
        self.enter(start)
        items: list[Init] = []
        texts, kinds, n = self.texts, self.kinds, self.n
        while True:
            i = self.i
            if i < n and kinds[i] == NUMBER and texts[i + 1] in (",", "}"):  # the usual case, fast
                items.append(Number(i))
                self.i = i + 1
            elif texts[i] == "-" and i + 1 < n and kinds[i + 1] == NUMBER and texts[i + 2] in (",", "}"):
                items.append(Unary(i, "-", Number(i + 1)))
                self.i = i + 2
            else:
                if texts[min(i, n)] in ("[", "."):
                    raise self.fail("designated initializers (`[i] =`, `.field =`) are not read; list the values in order")
                items.append(self.initializer())
            after = texts[min(self.i, n)]
            if after == "}":
                break
            if after != ",":
                raise self.fail(f"expected `,` or `}}` between values, found {self.found()}")
            self.i += 1
            if texts[min(self.i, n)] == "}":
                break
        self.i += 1
        self.depth -= 1
        return Braced(start, items)

    def enter(self, at: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"nested more than {MAX_DEPTH} deep; pwlc reads no deeper", at)

    def expression(self) -> Expr:
        left = self.product()
        while self.at("+", "-"):
            op_at = self.i
            self.i += 1
            left = Binary(left.at, op_at, self.text(op_at), left, self.product())
        return left

    def product(self) -> Expr:
        left = self.unary()
        while self.at("*", "/"):
            op_at = self.i
            self.i += 1
            left = Binary(left.at, op_at, self.text(op_at), left, self.unary())
        return left

    def unary(self) -> Expr:
        if self.at("-", "+"):
            start = self.i
            self.enter(start)
            self.i += 1
            node = Unary(start, self.text(start), self.unary())
            self.depth -= 1
            return node
        if self.kind() == PUNCT and self.text() in ("!", "~", "&", "*", "++", "--"):
            raise self.fail(f"the operator `{self.text()}` is not read (only + - * / on numbers)")
        return self.postfix()

    def postfix(self) -> Expr:
        node = self.primary()
        while True:
            if self.at("("):
                if not isinstance(node, Name):
                    raise self.fail("only a function named directly can be called")
                self.i += 1
                args: list[Expr] = []
                while not self.at(")"):
                    args.append(self.expression())
                    if not self.at(")"):
                        self.expect(",", " between arguments")
                self.i += 1
                node = Call(node.at, node.name, args)
            elif self.at("->"):
                self.i += 1
                node = Arrow(node.at, node, self.name("a field after `->`")[0])
            elif self.at("["):
                self.i += 1
                index = self.expression()
                self.expect("]")
                node = Index(node.at, node, index)
            else:
                if self.kind() == PUNCT and self.text() in ("%", "<<", ">>", "<", ">", "<=", ">=", "==", "!=", "&", "|", "^", "&&", "||", "?", "."):
                    raise self.fail(f"the operator `{self.text()}` is not read (only + - * / on numbers)")
                return node

    def primary(self) -> Expr:
        kind, start = self.kind(), self.i
        if kind == NUMBER:
            self.i += 1
            return Number(start)
        if kind == CHAR:
            self.i += 1
            return Char(start)
        if kind == STRING:
            while self.kind() == STRING:
                self.i += 1
            return String(start, self.i - 1)
        if kind == NAME:
            if self.text() == "sizeof":
                raise self.fail("`sizeof` is not read; write PWLC_COUNT(ARRAY) for the number of items of an array")
            self.i += 1
            return Name(start, self.text(start))
        if self.at("("):
            if self.kind(self.i + 1) == NAME and self.text(self.i + 1) in _CAST_WORDS:
                raise self.fail("a cast is not read: write the value with the type it has (a double is 1.0)")
            self.enter(start)
            self.i += 1
            inner = self.expression()
            self.expect(")", " to close the parenthesis")
            self.depth -= 1
            return inner
        raise self.fail(f"expected a value, found {self.found()}")
