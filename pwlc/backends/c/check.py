"""The parts of a file that hold no model are checked, not read: they must be, token for
token (comments and layout aside), what pwlc writes for the model read from the rest.

- `same_as`: a struct, prototype or function against the printer's text for it, where
  the parameters may have other names (used consistently);
- `check_runtime`: the runtime section against a selection of runtime.h's pieces.
"""

from __future__ import annotations

from functools import cache

from pwlc.backends.c.lex import NAME, Tokens, tokenize
from pwlc.backends.c.names import C_RESERVED
from pwlc.backends.c.runtime import RUNTIME_END, RUNTIME_START, piece_defining, pieces

UPGRADE = f"delete the lines between `{RUNTIME_START}` and `{RUNTIME_END}` (keep those two) and run `pwlc compile FILE.c -t c -o FILE.c`"
REGENERATE = f"pwlc does not read the runtime, so an edit there would go unseen. To get pwlc's runtime back, {UPGRADE}"


@cache
def token_list(text: str) -> tuple[tuple[int, str], ...]:
    """(kind, text) of each token of C text pwlc writes."""
    tokens = tokenize(text, "<pwlc>")
    return tuple((tokens.kinds[i], tokens.text(i)) for i in range(len(tokens)))


def same_as(tokens: Tokens, first: int, last: int, expected: str, what: str, parameters: tuple[str, ...] = ()) -> None:
    """Refuse tokens first .. last-1 unless they are those of `expected`, but for the
    names in `parameters`, which may be renamed (consistently, to a name of their own)."""
    want = token_list(expected)
    renamed: dict[str, str] = {}
    for k, (kind, text) in enumerate(want):
        i = first + k
        if i >= last:
            raise tokens.fail(f"{what} ends early: pwlc writes `{text}` here; {_ADVICE}", i)
        found = tokens.text(i)
        if kind == NAME and text in parameters and tokens.kinds[i] == NAME:
            if renamed.setdefault(text, found) != found:
                raise tokens.fail(f"{what} differs from what pwlc writes: expected `{renamed[text]}` (the parameter), found `{found}`", i)
            if found != text and (found in C_RESERVED or found.startswith(("pwlc_", "PWLC_")) or any(found == t for _, t in want)):
                raise tokens.fail(f"{found!r} cannot name a parameter here: it is reserved or names something else", i)
            continue
        if (tokens.kinds[i], found) != (kind, text):
            text = renamed.get(text, text)
            raise tokens.fail(f"{what} differs from what pwlc writes: expected `{text}`, found `{found[:60]}`; {_ADVICE}", i)
    if first + len(want) < last:
        raise tokens.fail(f"{what} goes on past what pwlc writes; {_ADVICE}", first + len(want))
    if len(set(renamed.values())) < len(renamed):
        raise tokens.fail(f"two parameters of {what} have the same name", first)


_ADVICE = "this part holds no model and pwlc reads nothing from it: write it back as it was (or regenerate the file)"


@cache
def _piece_tokens() -> dict[str, tuple[tuple[int, str], ...]]:
    return {name: token_list(piece.text) for name, piece in pieces().items()}


def check_runtime(tokens: Tokens, first: int, last: int, used: set[str], end_marker: int) -> None:
    """Refuse a runtime section (tokens first .. last-1) that is not the prelude and a
    selection of runtime.h's pieces in order, or that lacks a piece defining a name in
    `used` (refused at `end_marker`, an offset). An empty section is accepted: it is how a
    file asks to have it written back."""
    if first == last:
        return
    found = [(tokens.kinds[i], tokens.text(i)) for i in range(first, last)]
    expected = _piece_tokens()
    position = 0
    present: list[str] = []
    for name, want in expected.items():
        if tuple(found[position : position + len(want)]) == want:
            present.append(name)
            position += len(want)
        elif name == "prelude":
            break
    if position < len(found) or "prelude" not in present:
        differs = first + position + max(_common_prefix(found[position:], want) for name, want in expected.items() if name not in present)
        if differs == last:
            raise tokens.source.fail(f"the runtime section ends before pwlc's does; {REGENERATE}", end_marker)
        written = tokens.source.text[tokens.starts[differs] : tokens.ends[differs]]
        raise tokens.fail(f"the runtime section differs from what pwlc writes from here on (`{written[:60]}`); {REGENERATE}", differs)
    for name in present:
        for need in pieces()[name].needs:
            if need not in present:
                raise tokens.source.fail(f"the runtime's {name} needs its {need}, which is missing; {REGENERATE}", end_marker)
    for name in sorted(used):
        piece = piece_defining(name)
        if piece is not None and piece not in present:
            raise tokens.source.fail(f"the runtime section lacks {name}, which this file uses; {REGENERATE}", end_marker)


def _common_prefix(a: list[tuple[int, str]], b: tuple[tuple[int, str], ...]) -> int:
    n = 0
    while n < len(a) and n < len(b) and a[n] == b[n]:
        n += 1
    return n
