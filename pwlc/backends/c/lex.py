"""C's translation phases 1 to 3, as gcc and clang run them on a file pwlc reads back.

1. Trigraphs: `??=` is `#` under -std=c99 and two question marks and `=` in the GNU
   modes, so a file that holds one outside a comment means different things to different
   compilers: it is refused, and `??/` (a backslash, so maybe a line splice) anywhere.
2. Line splices: a backslash at the end of a line (spaces may follow it) joins the next
   line to it, in code, strings and `//` comments alike. They are removed first, and every
   position is mapped back to the file as written.
3. Tokens: comments become white space (the first one is kept for the description, and
   the runtime markers are found among them); numbers are C's preprocessing numbers (so
   `1_000` or `08` is one token, read or refused whole); digraphs (`<:` ...) are read as
   what they stand for; a line that starts with `#` is a directive, kept as one token.

Tokens are kept in flat arrays (kind, start, end), so a 16 MiB file costs a few bytes a token.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from dataclasses import dataclass, field

from pwlc.errors import ParseError, Span

NAME, NUMBER, STRING, CHAR, PUNCT, DIRECTIVE = range(1, 7)
KIND_NAMES = {NAME: "a name", NUMBER: "a number", STRING: "a string", CHAR: "a character constant", PUNCT: "a symbol", DIRECTIVE: "a directive"}

_SPLICE = re.compile(r"\\[ \t\f\v]*(?:\r\n|\r|\n)")
_LINE_END = re.compile(r"[\r\n]")
_END_SPLICE = re.compile(r"\\[ \t\f\v]*(?:\r\n|\r|\n)?\Z")
_TRIGRAPH = re.compile(r"\?\?[=/'()!<>\-]")
_TOKEN = re.compile(
    r"""[ \t\f\v]*(?:
     (\r\n?|\n)
    |(//[^\r\n]*|/\*(?s:.*?)\*/)
    |(/\*)
    |(\.?[0-9](?:[0-9A-DF-OQ-Za-df-oq-z_.]+|[eEpP][+-]?)*)
    |([A-Za-z_][A-Za-z0-9_]*)
    |(%:%:|\.\.\.|<<=|>>=|->|\+\+|--|<<|>>|&&|\|\||\#\#|[-+*/%&|^=!<>]=|<:|:>|<%|%>|%:|[-+*/%&|^!~<>=?:;,.()\[\]{}\#])
    |("(?:[^"\\\r\n]|\\.)*")
    |('(?:[^'\\\r\n]|\\.)*')
    |(["'])
    |(\Z)
    |(.)
    )""",
    re.VERBOSE,
)
# the groups of _TOKEN, in order
_NEWLINE, _COMMENT, _OPEN_COMMENT, _NUMBER, _NAME, _PUNCT, _STRING, _CHAR, _OPEN_QUOTE, _END, _OTHER = range(1, 12)
_CODES = {_NUMBER: NUMBER, _NAME: NAME, _PUNCT: PUNCT, _STRING: STRING, _CHAR: CHAR}
DIGRAPHS = {"<:": "[", ":>": "]", "<%": "{", "%>": "}", "%:": "#", "%:%:": "##"}


@dataclass
class Comment:
    start: int  # offsets in the spliced text
    end: int
    text: str
    before: int  # how many tokens precede it


@dataclass
class Tokens:
    """The tokens of a file, after translation phases 1 to 3."""

    source: CSource
    kinds: bytearray = field(default_factory=bytearray)
    starts: array = field(default_factory=lambda: array("q"))
    ends: array = field(default_factory=lambda: array("q"))
    texts: list[str | None] = field(default_factory=list)  # names and symbols (shared strings); one "" past the end
    directives: dict[int, str] = field(default_factory=dict)  # token index -> normalized directive
    comments: list[Comment] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.kinds)

    def text(self, i: int) -> str:
        """Token i as written (a directive: its words, one space apart; a digraph: what it stands for)."""
        known = self.texts[i] if i < len(self.texts) else ""
        if known is not None:
            return known
        if self.kinds[i] == DIRECTIVE:
            return self.directives[i]
        return self.source.text[self.starts[i] : self.ends[i]]

    def offset(self, i: int) -> int:
        """Where token i starts (the end of the file for i past the last token)."""
        return self.starts[i] if i < len(self.starts) else len(self.source.text)

    def fail(self, message: str, i: int) -> ParseError:
        return self.source.fail(message, self.offset(i))


class CSource:
    """A C file's text after line splicing, with positions in the file as written."""

    def __init__(self, original: str, filename: str):
        self.original = original
        self.filename = filename
        self._joins: list[int] = []  # offsets in `text` where a splice was removed
        self._removed: list[int] = []  # characters removed up to and including that splice
        parts, last, removed = [], 0, 0
        for match in _SPLICE.finditer(original):
            parts.append(original[last : match.start()])
            removed += match.end() - match.start()
            self._joins.append(match.end() - removed)
            self._removed.append(removed)
            last = match.end()
        parts.append(original[last:])
        self.text = "".join(parts) if self._joins else original

    def original_offset(self, offset: int) -> int:
        k = bisect_right(self._joins, offset)
        return offset + (self._removed[k - 1] if k else 0)

    def span(self, offset: int) -> Span:
        return Span.at(self.original, self.filename, min(self.original_offset(offset), len(self.original)))

    def fail(self, message: str, offset: int) -> ParseError:
        return ParseError(message, self.span(offset))

    def fail_at_original(self, message: str, offset: int) -> ParseError:
        return ParseError(message, Span.at(self.original, self.filename, offset))


def spliced_comment(tokens: Tokens) -> tuple[Comment, str] | None:
    """The first `//` comment that a backslash at its end continues onto a line holding
    code (which C then does not compile), and that code."""
    joins = tokens.source._joins
    for comment in tokens.comments:
        if not comment.text.startswith("//"):
            continue
        k = bisect_right(joins, comment.start)
        if k < len(joins) and joins[k] <= comment.end:
            swallowed = comment.text[joins[k] - comment.start :].strip()
            if swallowed and not swallowed.startswith(("//", "/*")):
                return comment, swallowed
    return None


def tokenize(original: str, filename: str) -> Tokens:
    """The tokens of C text, through translation phases 1 to 3 (see the module docstring)."""
    source = CSource(original, filename)
    nul = original.find("\x00")
    if nul >= 0:
        raise source.fail_at_original("a NUL character in the file (gcc and clang skip it); delete it", nul)
    trigraphs = [m.start() for m in _TRIGRAPH.finditer(original)]
    for at in trigraphs:
        if original.startswith("??/", at):
            raise source.fail_at_original(
                "`??/` is a trigraph: a backslash under -std=c99 (maybe joining two lines), itself in GNU C; write `?\\?/` in a string, or reword", at
            )
    end_splice = _END_SPLICE.search(original)
    if end_splice:  # C99 5.1.1.2: undefined; gcc and clang warn "backslash-newline at end of file"
        raise source.fail_at_original(
            "the file ends in a backslash that would join its last line to nothing (C leaves that undefined); delete the backslash",
            end_splice.start(),
        )
    tokens = Tokens(source)
    _scan(source, tokens)
    comments = [(source.original_offset(c.start), source.original_offset(c.end)) for c in tokens.comments]
    comments.sort()
    for at in trigraphs:
        k = bisect_right(comments, (at, len(original))) - 1
        if not (k >= 0 and comments[k][0] <= at < comments[k][1]):
            raise source.fail_at_original(
                f"`{original[at : at + 3]}` is a trigraph: {TRIGRAPHS[original[at + 2]]!r} under -std=c99, itself in GNU C; write `?\\?` for `??` in a string",
                at,
            )
    return tokens


TRIGRAPHS = {"=": "#", "(": "[", ")": "]", "<": "{", ">": "}", "!": "|", "'": "^", "-": "~", "/": "\\"}


def _scan(source: CSource, tokens: Tokens) -> None:
    text = source.text
    pos: int | None = 1 if text.startswith("\ufeff") else 0  # gcc and clang skip a UTF-8 byte order mark
    line_start = True  # no token yet on this line: a `#` here starts a directive
    kinds, starts, ends, texts = tokens.kinds, tokens.starts, tokens.ends, tokens.texts
    shared: dict[str, str] = {}
    while pos is not None:
        resume: int | None = None
        for match in _TOKEN.finditer(text, pos):
            group = match.lastindex
            if group == _NEWLINE:
                line_start = True
                continue
            if group == _END:  # white space at the end of the file
                break
            start = match.start(group)  # type: ignore[arg-type]
            if group == _COMMENT:
                tokens.comments.append(Comment(start, match.end(), match.group(group), len(kinds)))  # type: ignore[arg-type]
                continue
            kind = _CODES.get(group)  # type: ignore[arg-type]
            if kind is None:
                raise source.fail(_LEX_ERRORS[group](text[start]), start)  # type: ignore[index]
            written = match.group(group)  # type: ignore[arg-type]
            if kind == PUNCT:
                written = DIGRAPHS.get(written, written)
                if written == "#" and line_start:
                    resume = _directive(source, tokens, start)
                    line_start = True
                    break
                texts.append(shared.setdefault(written, written))
            elif kind == NAME:
                texts.append(shared.setdefault(written, written))
            else:
                texts.append(None)
                if kind != NUMBER and kinds and kinds[-1] == NAME and ends[-1] == start and texts[-2] in ("L", "u", "U", "u8"):
                    raise source.fail(f"a {texts[-2]}-prefixed literal (wide or Unicode) is not read; write a plain \"...\" string", starts[-1])
            kinds.append(kind)
            starts.append(start)
            ends.append(match.end())
            line_start = False
        pos = resume
    texts.append("")


_LEX_ERRORS = {
    _OPEN_COMMENT: lambda _: "a comment that is never closed with */",
    _OPEN_QUOTE: lambda quote: f"a {'string' if quote == chr(34) else 'character constant'} that does not end on its line",
    _OTHER: lambda char: f"unexpected character {char!r} (U+{ord(char):04X})",
}


def _directive(source: CSource, tokens: Tokens, start: int) -> int:
    """Scan the directive starting at `start` to the end of its line; one DIRECTIVE token,
    its text the words one space apart (`#define F(x)` and `#define F (x)` kept apart,
    `#include <...>` as written)."""
    text = source.text
    words: list[str] = []
    pos = start
    name_end = -1
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        assert match is not None  # `other` or the end matches
        group = match.lastindex
        if group == _END:
            pos = len(text)
            break
        at = match.start(group)  # type: ignore[arg-type]
        if group == _NEWLINE:
            pos = at
            break
        if group == _COMMENT:
            tokens.comments.append(Comment(at, match.end(), match.group(group), len(tokens.kinds)))  # type: ignore[arg-type]
        elif group in _CODES:
            written = DIGRAPHS.get(match.group(group), match.group(group))  # type: ignore[arg-type]
            if words == ["#", "include"]:
                line_end = _LINE_END.search(text, at)
                pos = line_end.start() if line_end else len(text)
                words.append(text[at:pos].strip())
                break
            if len(words) == 3 and words[1] == "define" and written == "(" and at == name_end:
                words[2] += "("  # a function-like macro
            else:
                words.append(written)
            if len(words) == 3:
                name_end = match.end()
        else:
            raise source.fail(_LEX_ERRORS[group](text[at]), at)  # type: ignore[index]
        pos = match.end()
    tokens.directives[len(tokens.kinds)] = " ".join(words)
    tokens.kinds.append(DIRECTIVE)
    tokens.starts.append(start)
    tokens.ends.append(pos)
    tokens.texts.append(None)
    return pos
