"""Reading one term: a term function `static double F(double x) { ...; return pwlc_KIND(...); }`
(or a statement of the batch that calls a runtime loop with the same arguments).

Each argument is read for what the runtime function does with it: the input must be the
function's parameter; an array must be declared `static const` with the element type the
runtime takes (so the compiler passes it as pwlc reads it), found where C finds it (the
parameters, then the function's arrays, then file scope before the function); a count must
be PWLC_COUNT of that array or the number of its items; a missing value is NAN or a number.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from pwlc.backends.c.parse import Binary, Call, Declaration, Expr, Index, Name, Number
from pwlc.backends.c.printer import EDGE_CONSTANTS, TRANSFORM_CONSTANTS
from pwlc.backends.c.values import CHAR, DOUBLE, ENTRY, POINTER, CType, Values, array_type
from pwlc.errors import ParseError, Span, VerifyError
from pwlc.ir import Axis, CategoryAxis, Curve, Grid, KnotAxis, Linear, Step, StepAxis, Table, Term, verify_term

T = TypeVar("T", bound=Term)

_KINDS = {"double": "numeric", "const char *": "categorical"}
MAX_ITEMS = 2**24  # values in one array (a 16 MiB file holds fewer)
_ARITY = {"pwlc_curve": 5, "pwlc_step": 6, "pwlc_table": 5, "pwlc_grid": 7, "pwlc_linear": 3}
# the argument naming the array of a term's numbers (a grid's are in several arrays, which its messages name)
_NUMBERS = {"pwlc_curve": 1, "pwlc_step": 2, "pwlc_table": 1}


@dataclass
class Scope:
    """What a name means inside one function: its parameters (with the input each one
    reads), its own arrays, then the file-scope arrays declared before the use."""

    params: dict[str, tuple[str, str]]  # name -> (C type, input name)
    arrays: dict[str, Declaration]
    file: Callable[[str, int], Declaration | None]  # (name, used at token) -> file-scope array
    used: set[str] = field(default_factory=set)

    def array(self, name: str, at: int) -> Declaration | None:
        """The array `name` means at token `at`."""
        if name in self.params:
            return None
        if name in self.arrays:
            return self.arrays[name] if self.arrays[name].first < at else None
        return self.file(name, at)

    def of(self, declaration: Declaration) -> Scope:
        """The scope an array's own values are read in: this one for a local array."""
        return self if self.arrays.get(declaration.name) is declaration else Scope({}, {}, self.file)


class TermReader:
    """Reads the terms of one file (the caller gives each term function its scope)."""

    def __init__(self, values: Values, kinds: Mapping[str, str]):
        self.values = values
        self.kinds = kinds  # input name -> "numeric" | "categorical"
        self._arrays: dict[int, tuple[CType, Any, set[str], list[int]]] = {}  # by first token: type, items, names read, items' tokens
        self._padded: dict[int, int] = {}  # arrays declared longer than their values: first token -> the size's

    def fail(self, message: str, node: Any) -> ParseError:
        return self.values.fail(message, node)

    def span(self, at: int) -> Span:
        return self.values.tokens.source.span(self.values.tokens.offset(at))

    # -- a term function's return value --

    def term(self, call: Expr, scope: Scope, where: int) -> Term:
        if isinstance(call, Binary) and call.op == "*":
            return self.product(call, scope, self.span(where))
        if not (isinstance(call, Call) and call.name in _ARITY):
            raise self.fail("a term function returns pwlc_curve(...), pwlc_step(...), pwlc_table(...), pwlc_grid(...), pwlc_linear(...) or SLOPE * x", call)
        args = call.args
        if len(args) != _ARITY[call.name]:
            raise self.fail(f"{call.name} takes {_ARITY[call.name]} arguments, given {len(args)}", call)
        # a message about a term's numbers (verify's: knots out of order, a category twice) points at their array
        span = self.span(self.numbers_at(args[_NUMBERS[call.name]], scope, where) if call.name in _NUMBERS else where)
        if call.name == "pwlc_curve":
            return self.curve(self.input(args[0], "numeric", scope), args[1:], scope, span)
        if call.name == "pwlc_step":
            feature = self.input(args[0], "numeric", scope)
            steps = self.pairs(args[2], args[3], scope, "steps", allow_null=True)
            values = (self.values.double(args[1]), *(y for _, y in steps))
            side = self.constant(args[4], EDGE_CONSTANTS)
            step = Step(feature, tuple(x for x, _ in steps), values, side, self.missing(args[5]), span=span)  # type: ignore[arg-type]
            return self.verified(step, replace(step, edges=(), values=values[:1]), len(steps), [args[2]], scope,
                                 lambda kept: replace(step, edges=tuple(step.edges[k] for k in kept), values=(values[0], *(values[k + 1] for k in kept))))
        if call.name == "pwlc_linear":
            return Linear(self.input(args[0], "numeric", scope), self.values.double(args[1]), self.missing(args[2]), span=span)
        if call.name == "pwlc_table":
            feature = self.input(args[0], "categorical", scope)
            entries = self.array(args[1], args[2], scope, CType("array", ENTRY), "entries", allow_null=True)
            pairs = []
            for category, value in entries:
                if category is None:
                    raise self.fail("an entry of this table has no category (NULL): C would crash comparing it", args[1])
                pairs.append((self.text(category, args[1]), value))
            table = Table(feature, tuple(pairs), self.values.double(args[3]), self.missing(args[4]), span=span)
            return self.verified(table, replace(table, entries=()), len(pairs), [args[1]], scope,
                                 lambda kept: replace(table, entries=tuple(table.entries[k] for k in kept)))
        a, b = self.axis(args[0], scope), self.axis(args[1], scope)
        width = self.width(args[2], args[3])
        rows = self.array(args[3], None, scope, CType("array", CType("array", DOUBLE, width)), "values")
        lines = [None if self.values.is_null(line) else tuple(self.array(line, None, scope, CType("array", DOUBLE), name))
                 for line, name in ((args[5], "missing_a"), (args[6], "missing_b"))]
        grid = Grid(a, b, tuple(tuple(row) for row in rows), self.missing(args[4]), lines[0], lines[1], span=span)
        axes = [cell.args[1] for cell in args[:2] if isinstance(cell, Call)]
        return self.verified(grid, grid, 0, [args[3], args[5], args[6], *axes], scope, lambda kept: grid)

    def numbers_at(self, ref: Expr, scope: Scope, where: int) -> int:
        """Where the array `ref` names is declared (`where` when it names none)."""
        declaration = scope.array(ref.name, ref.at) if isinstance(ref, Name) else None
        return declaration.name_at if declaration is not None else where

    def product(self, product: Binary, scope: Scope, span: Span) -> Linear:
        """The linear term of `SLOPE * x` (or `x * SLOPE`: one product, the same either way),
        SLOPE a constant; with no missing value (NaN * SLOPE is NaN)."""
        on_left = isinstance(product.left, Name) and product.left.name in scope.params
        x, slope = (product.left, product.right) if on_left else (product.right, product.left)
        if not (isinstance(x, Name) and x.name in scope.params):
            raise self.fail("a linear term returns SLOPE * x: a constant times the function's parameter", product.right)
        return Linear(self.input(x, "numeric", scope), self.values.double(slope), None, span=span)

    def curve(self, feature: str, args: list[Expr], scope: Scope, span: Span) -> Curve:
        """The curve of `pwlc_curve(x, KNOTS, COUNT, FX, MISSING)` (args from KNOTS on)."""
        knots = self.pairs(args[0], args[1], scope, "knots", allow_null=False)
        fx = self.constant(args[2], TRANSFORM_CONSTANTS)
        curve = Curve(feature, tuple(x for x, _ in knots), tuple(y for _, y in knots), fx, self.missing(args[3]), span=span)  # type: ignore[arg-type]
        try:
            verify_term(curve)
        except VerifyError as error:
            if _well_formed(replace(curve, fx="identity")):  # knots that are fine but for this transform
                first = self.item_tokens(args[0], scope)[:1] or [args[0].at]
                raise VerifyError(f"{error.message} (or write another transform here; the knots start on line {self.span(first[0]).line})", self.span(args[2].at)) from None
            return self.verified(curve, replace(curve, xs=(1.0,), ys=(0.0,)), len(knots), [args[0]], scope,
                                 lambda kept: replace(curve, xs=tuple(curve.xs[k] for k in kept), ys=tuple(curve.ys[k] for k in kept)))
        return curve

    def verified(self, term: T, bare: Term, items: int, arrays: list[Expr], scope: Scope, keeping: Callable[[list[int]], Term]) -> T:
        """`term`, checked as pwlc.read verifies it. When it is not well formed but `bare`
        (it without the `items` of its first array) is, the error is raised at the item
        that makes it so (`keeping` builds the term of some of its items). When that is no
        item written, or nothing tells, at the size of an array of `arrays` (the ones it
        reads) that is declared longer than its values, as C fills the rest with zeros."""
        try:
            verify_term(term)
        except VerifyError as error:
            starts = self.item_tokens(arrays[0], scope) if items else []
            culprit = _culprit(items, lambda kept: _well_formed(keeping(kept))) if items and _well_formed(bare) else len(starts)
            if culprit < len(starts):
                raise VerifyError(error.message, self.span(starts[culprit])) from None
            for ref in arrays:
                declaration = scope.array(ref.name, ref.at) if isinstance(ref, Name) else None
                if declaration is not None and declaration.first in self._padded:
                    written, length = len(self._arrays[declaration.first][3]), self._arrays[declaration.first][0].length
                    raise VerifyError(f"{error.message}: {declaration.name}[{length}] holds {written} values written, and C fills the other "
                                      f"{length - written} with zeros (write {declaration.name}[] and C counts them)", self.span(self._padded[declaration.first])) from None  # type: ignore[operator]
            raise
        return term

    def axis(self, cell: Expr, scope: Scope) -> Axis:
        arity = {"pwlc_step_cell": 4, "pwlc_knot_cell": 3, "pwlc_category_cell": 3}
        if not (isinstance(cell, Call) and cell.name in arity):
            raise self.fail("each grid axis is pwlc_step_cell(...), pwlc_knot_cell(...) or pwlc_category_cell(...)", cell)
        if len(cell.args) != arity[cell.name]:
            raise self.fail(f"{cell.name} takes {arity[cell.name]} arguments, given {len(cell.args)}", cell)
        if cell.name == "pwlc_category_cell":
            feature = self.input(cell.args[0], "categorical", scope)
            categories = self.array(cell.args[1], cell.args[2], scope, CType("array", POINTER), "categories", allow_null=True)
            if None in categories:
                raise self.fail("a category of this axis is NULL: C would crash comparing it", cell.args[1])
            return CategoryAxis(feature, tuple(self.text(c, cell.args[1]) for c in categories))
        feature = self.input(cell.args[0], "numeric", scope)
        knots = cell.name == "pwlc_knot_cell"
        numbers = self.array(cell.args[1], cell.args[2], scope, CType("array", DOUBLE), "knots" if knots else "edges", allow_null=not knots)
        if knots:
            return KnotAxis(feature, tuple(numbers))
        return StepAxis(feature, tuple(numbers), self.constant(cell.args[3], EDGE_CONSTANTS))  # type: ignore[arg-type]

    # -- arguments --

    def input(self, arg: Expr, kind: str, scope: Scope) -> str:
        """The input a parameter passed as the first argument reads."""
        if not (isinstance(arg, Name) and arg.name in scope.params):
            raise self.fail("expected the function's parameter here (the input this term reads)", arg)
        if arg.name in scope.used:
            raise self.fail(f"parameter {arg.name} is read twice; each parameter is one axis", arg)
        scope.used.add(arg.name)
        ctype, feature = scope.params[arg.name]
        if _KINDS.get(ctype) != kind:
            wanted = "double" if kind == "numeric" else "const char *"
            raise self.fail(f"this argument is a {wanted} in the runtime; parameter {arg.name} is a {ctype}", arg)
        if self.kinds[feature] != kind:
            raise self.fail(f"this term needs a {kind} input; {feature!r} is {self.kinds[feature]}", arg)
        return feature

    def missing(self, arg: Expr) -> float | None:
        if isinstance(arg, Name) and arg.name == "NAN":
            return None
        return self.values.double(arg)

    def constant(self, arg: Expr, constants: dict[str, str]) -> str:
        by_name = {c: key for key, c in constants.items()}
        if not (isinstance(arg, Name) and arg.name in by_name):
            raise self.fail(f"expected one of {', '.join(by_name)}", arg)
        return by_name[arg.name]

    def text(self, data: bytes, where: Expr) -> str:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise self.fail("a string here is not valid UTF-8", where) from None
        if "\x00" in text:
            raise self.fail("a string here holds a NUL, where C ends it; delete the NUL", where)
        return text

    def pairs(self, ref: Expr, count: Expr, scope: Scope, what: str, allow_null: bool) -> list[tuple[float, float]]:
        return [(x, y) for x, y in self.array(ref, count, scope, CType("array", CType("array", DOUBLE, 2)), what, allow_null)]

    def width(self, arg: Expr, values: Expr) -> int:
        """The grid's `columns` argument: PWLC_COUNT(values[0]) or a number."""
        if isinstance(arg, Call) and arg.name == "PWLC_COUNT":
            inner = arg.args[0] if len(arg.args) == 1 else None
            if not (isinstance(inner, Index) and isinstance(inner.base, Name) and isinstance(values, Name) and inner.base.name == values.name
                    and isinstance(inner.index, Number) and self.values.count(inner.index) == 0):
                raise self.fail("the grid's row length is PWLC_COUNT(values[0]) of its values array", arg)
            return -1  # the declared width, whatever it is
        width = self.values.count(arg)
        if width < 1:
            raise self.fail("a grid row holds at least one value", arg)
        return width

    def array(self, ref: Expr, count: Expr | None, scope: Scope, ctype: CType, what: str, allow_null: bool = False) -> list[Any]:
        """The items of the array `ref` names (of type `ctype`; a width -1 takes any),
        checked against `count` (PWLC_COUNT(ref) or a number)."""
        if allow_null and self.values.is_null(ref):
            if count is not None and self.values.count(count) != 0:
                raise self.fail(f"NULL {what} go with a count of 0", count)
            return []
        declaration = scope.array(ref.name, ref.at) if isinstance(ref, Name) else None
        if declaration is None:
            null = " (or NULL, 0)" if allow_null else ""
            raise self.fail(f"expected the name of the static const array of {what}{null}", ref)
        assert isinstance(ref, Name)
        scope.used.add(ref.name)
        declared, items = self.array_value(declaration, scope.of(declaration))
        if not _same_shape(declared, ctype):
            raise self.fail(f"{ref.name} is a {declared}; the runtime takes {what} as {_shape(ctype)}", ref)
        if count is not None:
            if isinstance(count, Call) and count.name == "PWLC_COUNT":
                if not (len(count.args) == 1 and isinstance(count.args[0], Name) and count.args[0].name == ref.name):
                    raise self.fail(f"the count of {ref.name} is PWLC_COUNT({ref.name})", count)
            elif self.values.count(count) != len(items):
                raise self.fail(f"count {self.values.count(count)} does not match the {len(items)} items of {ref.name}", count)
        return items

    def array_value(self, declaration: Declaration, scope: Scope) -> tuple[CType, Any]:
        """The type and items of a `static const` array declaration (computed once)."""
        cached = self._arrays.get(declaration.first)
        if cached is None:
            before = set(scope.used)
            ctype, items, starts = self._read_array(declaration, scope)
            cached = self._arrays[declaration.first] = (ctype, items, scope.used - before, starts)
        scope.used |= cached[2]  # a second reader of the array reads the strings it names too
        return cached[0], cached[1]

    def strings(self, scope: Scope) -> Callable[[Name], bytes | None]:
        """The text of a char array named where a string is expected (None: not one)."""

        def text(name: Name) -> bytes | None:
            declaration = scope.array(name.name, name.at)
            if declaration is None:
                return None
            ctype, chars = self.array_value(declaration, scope.of(declaration))
            if ctype.element != CHAR:
                return None
            scope.used.add(name.name)
            end = chars.index(0) if 0 in chars else -1
            if end < 0 or any(chars[end:]):
                raise self.fail(f"{name.name} must end with its one NUL ('\\0'), as a C string does", name)
            return bytes(chars[:end])

        return text

    def item_tokens(self, ref: Expr, scope: Scope) -> list[int]:
        """Where each item of the array `ref` names starts (none for NULL); read by `array` before."""
        declaration = scope.array(ref.name, ref.at) if isinstance(ref, Name) else None
        return [] if declaration is None else self._arrays[declaration.first][3]

    def _read_array(self, declaration: Declaration, scope: Scope) -> tuple[CType, Any, list[int]]:
        words = declaration.words
        if not words.startswith("static const "):
            raise self.fail(f"write the array as pwlc does: `static const {words.replace('static ', '').replace('const ', '')} "
                            f"{declaration.name}[]`", declaration.first)
        assert declaration.dims is not None
        lengths: list[int | None] = []
        for k, (bracket, size) in enumerate(declaration.dims):
            if size is None:
                if k:
                    raise self.fail("only the first size of an array may be left out", bracket)
                lengths.append(None)
                continue
            length = self.values.count(size)
            if length < 1:
                raise self.fail("an array holds at least one item", size)
            lengths.append(length)
            if math.prod(n or 1 for n in lengths) > MAX_ITEMS:
                raise self.fail(f"an array of more than {MAX_ITEMS:,} values; pwlc reads no bigger one", size)
        ctype = array_type(words.removeprefix("static const "), lengths)
        if ctype is None or not lengths:
            raise self.fail(f"pwlc does not write arrays of `{words.removeprefix('static const ')}`", declaration.first)
        if declaration.init is None:
            raise self.fail(f"{declaration.name} has no values (write ` = {{...}}`)", declaration.name_at)
        if ctype.length is not None:
            self.check_room(declaration, ctype, scope)
        starts: list[int] = []
        value = self.values.initialize(ctype, declaration.init, self.strings(scope), starts)
        if ctype.length is not None and len(starts) < ctype.length:
            self._padded[declaration.first] = declaration.dims[0][1].at  # type: ignore[index,union-attr]
        if ctype.length is None:
            ctype = CType("array", ctype.element, len(value))
        return ctype, value, starts

    def check_room(self, declaration: Declaration, ctype: CType, scope: Scope) -> None:
        """Refuse, at its size, an array declared smaller than its values (C would drop the
        rest, with a warning): most likely the size was edited, not the values."""
        size = declaration.dims[0][1]  # type: ignore[index]
        try:
            given = len(self.values.initialize(CType("array", ctype.element, None), declaration.init, self.strings(scope)))  # type: ignore[arg-type]
        except ParseError:
            return  # reading it with its size says what is wrong
        if given > ctype.length:  # type: ignore[operator]
            raise self.fail(f"{declaration.name}[{ctype.length}] has room for {ctype.length} items, but its braces hold {given} (C would drop the rest): "
                            f"write {declaration.name}[] and C counts them", size)


def _well_formed(term: Term) -> bool:
    try:
        verify_term(term)
    except VerifyError:
        return False
    return True


def _culprit(n: int, well_formed: Callable[[list[int]], bool]) -> int:
    """The item of a term's n (which are not well formed together) that is out of place:
    the last of the shortest run of first items that is not well formed (found by
    bisection, as a run that is not stays so when it grows), or the one before it when it
    is that one that stands out among its neighbours (a knot moved up, past the next)."""
    low, high = 1, n
    while low < high:
        middle = (low + high) // 2
        if well_formed(list(range(middle))):
            low = middle + 1
        else:
            high = middle
    last = low - 1
    around = list(range(min(last + 2, n)))
    if last >= 1 and well_formed([k for k in around if k != last - 1]) and not well_formed([k for k in around if k != last]):
        return last - 1
    return last


def _same_shape(declared: CType, wanted: CType) -> bool:
    """Whether an array of type `declared` is what the runtime takes as `wanted` (the
    first length aside; a wanted length of -1 is any)."""
    a, b = declared.element, wanted.element
    while a is not None and b is not None:
        if a.kind != b.kind or (b.length not in (None, -1) and a.length != b.length):
            return False
        a, b = a.element, b.element
    return a is None and b is None


def _shape(ctype: CType) -> str:
    inner = ctype.element
    assert inner is not None
    if inner.kind == "array":
        width = "N" if inner.length == -1 else inner.length
        return f"const double NAME[][{width}]"
    return {"double": "const double NAME[]", "pointer": "const char *const NAME[]", "entry": "const struct pwlc_entry NAME[]"}[inner.kind]
