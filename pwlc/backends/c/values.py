"""What the values in a C file are, as C reads them: constant expressions (literals.py
does the arithmetic), strings, and arrays with C's initializer rules.

An array is initialized as C99 6.7.8 says: a braced list fills the members in order; a
member that is itself an array or struct takes a braced list of its own, or, without
braces, as many of the enclosing list's values as it has members (brace elision:
`{1, 2, 3, 4}` for `double k[][2]` is `{{1, 2}, {3, 4}}`); members left without a value
are zero (0.0, NULL); a first dimension left empty is as long as the values make it; more
values than members is refused, as are braces around a single value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Union

from pwlc.backends.c import literals
from pwlc.backends.c.lex import Tokens
from pwlc.backends.c.literals import LiteralError, Value
from pwlc.backends.c.parse import Binary, Braced, Call, Char, Expr, Init, Name, Number, String, Unary
from pwlc.errors import ParseError


@dataclass(frozen=True)
class CType:
    kind: str  # "double", "pointer" (const char *), "char", "entry" (struct pwlc_entry) or "array"
    element: CType | None = None
    length: int | None = None  # an array's, None when the declaration leaves it to the values

    def __str__(self) -> str:
        if self.kind != "array":
            return {"double": "double", "pointer": "const char *", "char": "char", "entry": "struct pwlc_entry"}[self.kind]
        inner = str(self.element)
        dims = f"[{'' if self.length is None else self.length}]"
        if "[" in inner:
            base, rest = inner.split("[", 1)
            return f"{base}{dims}[{rest}"
        return f"{inner} {dims}" if inner.endswith("*") else f"{inner}{dims}"


Strings = Union[Callable[[Name], Union[bytes, None]], None]  # noqa: UP007 (a type alias is evaluated at run time on 3.10)
DOUBLE, POINTER, CHAR, ENTRY = CType("double"), CType("pointer"), CType("char"), CType("entry")
_ELEMENTS = {"double": DOUBLE, "char * const": POINTER, "char": CHAR, "struct pwlc_entry": ENTRY}


def array_type(element_words: str, lengths: list[int | None]) -> CType | None:
    """The type of `const ELEMENT name[l0][l1]...`, None for an element pwlc does not write."""
    element = _ELEMENTS.get(element_words)
    if element is None:
        return None
    for length in reversed(lengths):
        element = CType("array", element, length)
    return element


def zero(ctype: CType) -> Any:
    if ctype.kind == "array":
        return [zero(ctype.element) for _ in range(ctype.length or 0)]  # type: ignore[arg-type]
    return {"double": 0.0, "pointer": None, "char": 0, "entry": (None, 0.0)}[ctype.kind]


class Values:
    """Reads values out of expressions, refusing at the token where C would differ."""

    def __init__(self, tokens: Tokens):
        self.tokens = tokens
        self.nul_ok = False  # whether a string may hold a NUL (only an input name may)

    def fail(self, message: str, node: Init | int) -> ParseError:
        return self.tokens.fail(message, node if isinstance(node, int) else node.at)

    # -- constants --

    def constant(self, expr: Expr) -> Value:
        """The value of a constant expression, in its C type."""
        spine = []
        node = expr
        while isinstance(node, Binary):  # a left-nested chain, in a loop: `1 + 1 + ... + 1` does not recurse
            spine.append(node)
            node = node.left
        value = self.leaf(node)
        for operation in reversed(spine):
            right = self.constant(operation.right)
            try:
                value = literals.binary(operation.op, value, right)
            except LiteralError as exc:
                raise self.fail(str(exc), operation.op_at) from None
        return value

    def leaf(self, node: Expr) -> Value:
        try:
            if isinstance(node, Number):
                return literals.number(self.tokens.text(node.at))
            if isinstance(node, Unary):
                return literals.unary(node.op, self.constant(node.operand))
        except LiteralError as exc:
            raise self.fail(str(exc), node) from None
        if isinstance(node, Char):
            raise self.fail(f"a character constant is a number in C ({self.tokens.text(node.at)} is its code); write the number", node)
        if isinstance(node, String):
            raise self.fail("a string where a number is expected", node)
        if isinstance(node, Name):
            if node.name in ("NAN", "INFINITY", "HUGE_VAL"):
                raise self.fail(f"{node.name} is not a finite number; pwlc's numbers are finite (NAN only as a missing value)", node)
            raise self.fail(f"{node.name} is not a number pwlc reads: write the number itself", node)
        if isinstance(node, Call):
            raise self.fail(f"a call of {node.name} where a number is expected", node)
        raise self.fail("expected a number", node)

    def double(self, expr: Expr) -> float:
        """The double C passes or stores for `expr` where a double is expected."""
        value = self.constant(expr)
        try:
            return literals.as_double(value)
        except LiteralError as exc:
            raise self.fail(str(exc), expr) from None

    def count(self, expr: Expr) -> int:
        """An integer constant (a count or an array size)."""
        value = self.constant(expr)
        if not value.is_integer:
            raise self.fail(f"a count must be an integer constant, not {value.value!r}", expr)
        return int(value.value)

    def string(self, node: String) -> bytes:
        """The bytes of adjacent string literals (C joins them)."""
        out = b""
        for i in range(node.at, node.last + 1):
            try:
                out += literals.literal_bytes(self.tokens.text(i)[1:-1])
            except LiteralError as exc:
                raise self.fail(f"in this string: {exc}", i) from None
        return out

    def is_null(self, expr: Expr) -> bool:
        """NULL, or an integer constant 0 (C's null pointer constants)."""
        if isinstance(expr, Name):
            return expr.name == "NULL"
        if isinstance(expr, (Number, Unary, Binary)):
            try:
                value = self.constant(expr)
            except ParseError:
                return False
            return value.is_integer and value.value == 0
        return False

    # -- initializers --

    def initialize(self, ctype: CType, init: Init, strings: Strings = None, starts: list[int] | None = None) -> Any:
        """The value of an object of type `ctype` initialized with `init` (C99 6.7.8);
        `strings` gives the text of a char array named where a string is expected. An
        array's `starts` gets the token each of its items starts at."""
        if ctype.kind != "array" and ctype.kind != "entry":
            if isinstance(init, Braced):
                raise self.fail(f"braces around a single value (a {ctype}); write the value alone", init)
            return self.scalar(ctype, init, strings)
        text = self.char_string(ctype, init)
        if text is not None:
            return text
        if not isinstance(init, Braced):
            raise self.fail(f"a {ctype} needs its values in braces {{...}}", init)
        if ctype.element == POINTER:
            self.check_concatenation(init)
        value, used = self.fill(ctype, init.items, 0, strings, whole=True, item_starts=starts)
        if used < len(init.items):
            raise self.fail(f"more values than a {ctype} holds (C would drop them, with a warning)", init.items[used])
        return value

    def check_concatenation(self, init: Braced) -> None:
        """Refuse what clang refuses under -Werror (-Wstring-concatenation, on by default): a
        list of more than two strings, exactly one of them two adjacent literals (clang takes
        them for a missing comma; clang-format writes them when it breaks a long string)."""
        items = init.items
        if len(items) <= 2 or not all(isinstance(item, String) for item in items):
            return
        joined = [item for item in items if isinstance(item, String) and item.last > item.at]
        if len(joined) == 1 and joined[0].last == joined[0].at + 1:
            raise self.fail("clang takes two adjacent strings in a list of strings for a missing comma (-Wstring-concatenation); "
                            "write them as one string literal", joined[0].last)

    def fill(self, ctype: CType, items: list[Init], k: int, strings: Strings, whole: bool = False, item_starts: list[int] | None = None) -> tuple[Any, int]:
        """The members of `ctype` from items[k:] on, as many as it has (all when `whole`
        and its length is left open); the value and the index of the first item left.
        `item_starts` gets the token each member starts at."""
        members = [CType("pointer"), DOUBLE] if ctype.kind == "entry" else None
        out: list[Any] = []
        source, starts, ends, plain = self.tokens.source.text, self.tokens.starts, self.tokens.ends, literals.PLAIN_DOUBLE.fullmatch
        while k < len(items):
            if members is not None:
                if len(out) == len(members):
                    break
                member = members[len(out)]
            else:
                if ctype.length is not None and len(out) == ctype.length:
                    break
                if ctype.length is None and not whole:
                    raise self.fail("only the first dimension of an array may be left open", items[k])
                member = ctype.element  # type: ignore[assignment]
            item = items[k]
            if item_starts is not None:
                item_starts.append(item.at)
            if member is DOUBLE and (type(item) is Number or (type(item) is Unary and item.op == "-" and type(item.operand) is Number)):
                # the usual case, fast: a plain decimal double, maybe negated
                number = item if type(item) is Number else item.operand  # type: ignore[union-attr]
                text = source[starts[number.at] : ends[number.at]]
                value = float(text) if plain(text) else 0.0
                if value != 0.0 and value - value == 0.0:  # else (zero, inf or another form) the general way below
                    out.append(value if number is item else -value)
                    k += 1
                    continue
            if member.kind in ("array", "entry") and not isinstance(item, Braced) and self.char_string(member, item) is None:
                value, k = self.fill(member, items, k, strings)  # brace elision
                out.append(value)
                continue
            out.append(self.initialize(member, item, strings))
            k += 1
        if members is not None:
            out += [zero(m) for m in members[len(out) :]]
            return tuple(out), k
        if ctype.length is not None:
            out += [zero(ctype.element) for _ in range(ctype.length - len(out))]  # type: ignore[arg-type]
        return out, k

    def char_string(self, ctype: CType, init: Init) -> list[int] | None:
        """A char array initialized by a string literal (maybe in braces): its chars."""
        if not (ctype.kind == "array" and ctype.element == CHAR):
            return None
        if isinstance(init, Braced) and len(init.items) == 1 and isinstance(init.items[0], String):
            init = init.items[0]
        if not isinstance(init, String):
            return None
        chars = list(self.string(init)) + [0]
        if ctype.length is not None:
            if len(chars) - 1 > ctype.length:
                raise self.fail(f"a string of {len(chars) - 1} bytes in a char[{ctype.length}]", init)
            chars = (chars + [0] * ctype.length)[: ctype.length]
        return chars

    def scalar(self, ctype: CType, expr: Expr, strings: Strings = None) -> Any:
        if ctype.kind == "double":
            return self.double(expr)
        if ctype.kind == "pointer":
            if isinstance(expr, String):
                data = self.string(expr)
                if b"\0" in data and not self.nul_ok:
                    raise self.fail("a string here holds a NUL, where C ends it; delete the NUL", expr)
                return data
            if self.is_null(expr):
                return None
            text = strings(expr) if strings is not None and isinstance(expr, Name) else None
            if text is None:
                raise self.fail("expected a string (or NULL, or the name of a static const char array)", expr)
            return text
        if isinstance(expr, Char):  # a char
            try:
                return literals.char_value(self.tokens.text(expr.at))
            except LiteralError as exc:
                raise self.fail(str(exc), expr) from None
        value = self.constant(expr)
        if not (value.is_integer and -128 <= int(value.value) <= 127):
            raise self.fail("a char holds a character constant like 'a' or '\\303', or an integer from -128 to 127", expr)
        return int(value.value) & 0xFF
