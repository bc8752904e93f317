"""Every piece of user text that reaches a C file goes through this module, which makes it
unable to leave its identifier, string literal or comment by construction:

- a name becomes an ASCII identifier (`identifier`) that no header pwlc includes declares
  as a function, type or macro, and that is not a keyword (`RESERVED`);
- a category or input name becomes a string literal (`c_string`) in which every character
  a reader cannot see, every line break and every byte a C string cannot hold before its
  end is an escape, and `??` (a trigraph under -std=c99) is written `?\\?`;
- a description becomes comment lines (`comment_lines`) in which `*/`, `/*` and `??` are
  broken by a backslash, invisible characters (controls, every Unicode line break, NUL,
  lone surrogates) are `\\uXXXX` escapes, and no line ends with a backslash (a line
  splice) or a space (which editors strip); `description` reads them back exactly.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from pwlc.backends.common import identifier, quoted
from pwlc.errors import UnsupportedError
from pwlc.ir import Constant, Grid, Model, Multiclass, Term

# Keywords, and every name the headers pwlc includes (math.h, stddef.h, stdint.h,
# string.h) declare or define in C99 or GNU mode with gcc, clang and glibc, and the
# macros GNU mode predefines (`linux` is 1): a field, function or parameter named so
# would be macro-expanded or clash.
C_RESERVED = frozenset(
    """
    auto break case char const continue default do double else enum extern float for goto if inline int long register
    restrict return short signed sizeof static struct switch typedef union unsigned void volatile while _Bool _Complex
    _Imaginary linux unix i386 signgam
    FP_ILOGB0 FP_ILOGBNAN FP_INFINITE FP_NAN FP_NORMAL FP_SUBNORMAL FP_ZERO HUGE_VAL HUGE_VALF HUGE_VALL INFINITY NAN
    NULL MATH_ERREXCEPT MATH_ERRNO math_errhandling M_1_PI M_2_PI M_2_SQRTPI M_E M_LN10 M_LN2 M_LOG10E M_LOG2E M_PI
    M_PI_2 M_PI_4 M_SQRT1_2 M_SQRT2 PTRDIFF_MAX PTRDIFF_MIN SIG_ATOMIC_MAX SIG_ATOMIC_MIN SIZE_MAX WCHAR_MAX WCHAR_MIN
    WINT_MAX WINT_MIN INTMAX_C INTMAX_MAX INTMAX_MIN INTPTR_MAX INTPTR_MIN UINTMAX_C UINTMAX_MAX UINTPTR_MAX offsetof
    fpclassify isfinite isgreater isgreaterequal isinf isless islessequal islessgreater isnan isnormal isunordered
    signbit double_t float_t intmax_t intptr_t locale_t ptrdiff_t size_t uintmax_t uintptr_t wchar_t
    bcmp bcopy bzero explicit_bzero ffs ffsl ffsll index rindex memccpy memchr memcmp memcpy memmove memset stpcpy
    stpncpy strcasecmp strcasecmp_l strcat strchr strcmp strcoll strcoll_l strcpy strcspn strdup strerror strerror_l
    strerror_r strlen strncasecmp strncasecmp_l strncat strncmp strncpy strndup strnlen strpbrk strrchr strsep strsignal
    strspn strstr strtok strtok_r strxfrm strxfrm_l lgamma_r lgammaf_r lgammal_r
    """.split()
    + [f"{stem}{suffix}" for stem in """
    acos acosh asin asinh atan atan2 atanh cbrt ceil copysign cos cosh drem erf erfc exp exp2 expm1 fabs fdim finite
    floor fma fmax fmin fmod frexp gamma hypot ilogb isinf isnan j0 j1 jn ldexp lgamma llrint llround log log10 log1p
    log2 logb lrint lround modf nan nearbyint nextafter nexttoward pow remainder remquo rint round scalb scalbln scalbn
    significand sin sinh sqrt tan tanh tgamma trunc y0 y1 yn
    """.split() for suffix in ("", "f", "l")]
    + [f"{prefix}INT{kind}{bits}_{what}" for prefix in ("", "U") for kind in ("", "_FAST", "_LEAST")
       for bits in (8, 16, 32, 64) for what in ("MAX", "MIN", "C")]
    + [f"{prefix}int{kind}{bits}_t" for prefix in ("", "u") for kind in ("", "_fast", "_least") for bits in (8, 16, 32, 64)]
)

# The exported function is an external name: besides the above, C99 7.1.3 reserves every
# external name of the standard library whether or not its header is included (gcc and
# clang know them as builtins: redeclaring `printf` returning double does not compile),
# and `main` is the program's entry point.
EXTERNAL_RESERVED = frozenset(
    """
    main abort abs atexit atof atoi atol atoll bsearch calloc div exit _Exit free getenv labs ldiv llabs lldiv malloc
    mblen mbstowcs mbtowc qsort rand realloc srand strtod strtof strtol strtold strtoll strtoul strtoull system
    wcstombs wctomb clearerr fclose feof ferror fflush fgetc fgetpos fgets fopen fprintf fputc fputs fread freopen
    fscanf fseek fsetpos ftell fwrite getc getchar gets perror printf putc putchar puts remove rename rewind scanf
    setbuf setvbuf snprintf sprintf sscanf tmpfile tmpnam ungetc vfprintf vfscanf vprintf vscanf vsnprintf vsprintf
    vsscanf isalnum isalpha isblank iscntrl isdigit isgraph islower isprint ispunct isspace isupper isxdigit tolower
    toupper asctime clock ctime difftime gmtime localtime mktime strftime time localeconv setlocale longjmp setjmp
    raise signal errno assert imaxabs imaxdiv strtoimax strtoumax wcstoimax wcstoumax feclearexcept fegetenv
    fegetexceptflag fegetround feholdexcept feraiseexcept fesetenv fesetexceptflag fesetround fetestexcept
    feupdateenv btowc fgetwc fgetws fputwc fputws fwide fwprintf fwscanf getwc getwchar mbrlen mbrtowc mbsinit
    mbsrtowcs putwc putwchar swprintf swscanf ungetwc vfwprintf vfwscanf vswprintf vswscanf vwprintf vwscanf wcrtomb
    wcscat wcschr wcscmp wcscoll wcscpy wcscspn wcsftime wcslen wcsncat wcsncmp wcsncpy wcspbrk wcsrchr wcsrtombs
    wcsspn wcsstr wcstod wcstof wcstok wcstol wcstold wcstoll wcstoul wcstoull wcsxfrm wctob wmemchr wmemcmp wmemcpy
    wmemmove wmemset wprintf wscanf iswalnum iswalpha iswblank iswcntrl iswctype iswdigit iswgraph iswlower iswprint
    iswpunct iswspace iswupper iswxdigit towctrans towlower towupper wctrans wctype
    """.split()
)

# ... and the names the emitted functions give their own parameters and locals.
RESERVED = C_RESERVED | {"row", "columns", "out", "n", "i", "x", "a", "b", "category", "m", "sum", "start", "term"}

_ASCII_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def invisible(char: str) -> bool:
    """A character a reader cannot see, that breaks a line, or that reorders the text
    around it: controls (NUL, \\r, \\x0b, \\x0c, \\x85 ...), Unicode line and paragraph
    separators, bidi overrides and other format characters (Trojan Source), odd spaces
    and lone surrogates."""
    return ord(char) < 0x20 or ord(char) == 0x7F or (ord(char) > 0x7F and unicodedata.category(char)[0] in "CZ")


# --- identifiers ----------------------------------------------------------------------


@dataclass
class CNames:
    """The C names of a model: its struct fields and its term functions."""

    model: Model
    fields: dict[str, str]  # input name -> struct field
    functions: list[str]  # one per term, "" for a constant
    score: str = ""  # the function that sums the terms: the model's name, or a class's (`species_class_setosa`)
    label: str | None = None  # the class whose score this is, in a multiclass model

    def __post_init__(self) -> None:
        self.score = self.score or self.model.name

    @property
    def struct(self) -> str:
        return f"{self.model.name}_input"


def check_model_name(name: str) -> None:
    """Refuse a model name that cannot be the exported C function."""
    if not _ASCII_IDENTIFIER.match(name):
        raise UnsupportedError(f"model name {name!r} is not an ASCII C identifier; rename the model (letters, digits, _)")
    if name in RESERVED or name.startswith(("pwlc_", "PWLC_", "_")):
        raise UnsupportedError(f"function name {name!r} is reserved in C; rename the model")
    if name in EXTERNAL_RESERVED:
        raise UnsupportedError(f"function name {name!r} is a name of the C standard library (or the program's main); rename the model")


def c_names(model: Model) -> CNames:
    """A distinct C identifier for each input (struct field) and each term function."""
    check_model_name(model.name)
    fields: dict[str, str] = {}
    for declared in model.inputs:
        fields[declared.name] = _clear_of_runtime(identifier(declared.name, set(fields.values()), RESERVED), "input", set(fields.values()))
    taken = {model.name, f"{model.name}_input", f"{model.name}_input_names", f"{model.name}_batch", f"{model.name}_rows"}
    taken |= {f"{model.name}_probability", f"{model.name}_prediction", f"{model.name}_columns"}
    functions: list[str] = []
    for term in model.terms:
        if isinstance(term, Constant):
            functions.append("")
            continue
        stem = "_".join(fields[f] for f in term_features(term))
        name = identifier(f"{stem}_{type(term).__name__.lower()}", taken | set(functions), RESERVED)
        functions.append(_clear_of_runtime(name, "term", taken | set(functions)))
    return CNames(model, fields, functions)


def _clear_of_runtime(name: str, prefix: str, taken: set[str]) -> str:
    """`name`, or `<prefix>_name` when it starts as the runtime's names do (`pwlc_`,
    `PWLC_`): the reader takes those for the runtime's, and a field named like a runtime
    macro would be replaced by it."""
    if not name.startswith(("pwlc_", "PWLC_")):
        return name
    return identifier(f"{prefix}_{name}", taken, RESERVED)


def class_names(model: Multiclass) -> list[CNames]:
    """The C names of each class of a multiclass model: the struct fields all classes
    share, the class's scoring function (`class_scores`) and its term functions
    (`class_setosa_age_curve`), every one distinct from the others'."""
    shared = c_names(Model(model.inputs, (), name=model.name))
    scores = class_scores(model.name, model.classes)
    taken = set(multiclass_interface(model.name)) | {n for score in scores for n in (score, f"{score}_rows")}
    out = []
    for label, terms, score in zip(model.classes, model.scores, scores):
        tag = score.removeprefix(f"{model.name}_")
        functions: list[str] = []
        for term in terms:
            if isinstance(term, Constant):
                functions.append("")
                continue
            stem = "_".join(shared.fields[f] for f in term_features(term))
            name = identifier(f"{tag}_{stem}_{type(term).__name__.lower()}", taken, RESERVED)
            taken.add(name)
            functions.append(name)
        out.append(CNames(Model(model.inputs, terms, "identity", model.name), shared.fields, functions, score, label))
    return out


def multiclass_interface(name: str) -> tuple[str, ...]:
    """The names a multiclass file declares besides its classes' functions."""
    return (name, f"{name}_input", f"{name}_input_names", f"{name}_classes", f"{name}_probabilities", f"{name}_batch", f"{name}_columns")


def class_scores(name: str, classes: tuple[str, ...]) -> list[str]:
    """Each class's scoring function, `NAME_class_LABEL` (LABEL made an identifier, distinct)."""
    check_model_name(name)
    taken = set(multiclass_interface(name))
    out = []
    for label in classes:
        score = identifier(f"{name}_class_{label}", taken, RESERVED)
        taken |= {score, f"{score}_rows"}
        out.append(score)
    return out


def term_features(term: Term) -> tuple[str, ...]:
    if isinstance(term, Constant):
        return ()
    return term.features if isinstance(term, Grid) else (term.feature,)


# --- string literals ------------------------------------------------------------------

# C99 compilers need only accept string literals of 4095 characters (after concatenation):
# a longer string is written as a char array instead (see `Strings`).
MAX_LITERAL = 4095


def check_string(text: str, what: str) -> None:
    """Refuse text a C string cannot hold: a C string ends at its first NUL."""
    quoted(text)  # raises for text that is not valid Unicode (a lone surrogate)
    if "\x00" in text:
        raise UnsupportedError(
            f"{what} {text!r} holds a NUL character, where a C string ends (C would match its prefix); "
            "rename it, or compile to Python or SQL"
        )


def c_string(text: str) -> str:
    """A C string literal holding `text` as UTF-8. Printable characters are kept (so a name
    reads as itself); an invisible one is written as the octal escapes of its UTF-8 bytes."""
    out = ['"']
    previous = ""
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif char == "?" and previous == "?":
            out.append("\\?")  # "??x" would be a trigraph
        elif invisible(char):
            out.append("".join(f"\\{byte:03o}" for byte in char.encode("utf-8")))
        else:
            out.append(char)
        previous = char
    return "".join(out) + '"'


def c_char(byte: int) -> str:
    """One byte as a C character constant."""
    char = chr(byte)
    if char in "'\\":
        return f"'\\{char}'"
    if char == "?":
        return "'?'"
    return f"'{char}'" if 0x20 <= byte < 0x7F else f"'\\{byte:03o}'"


class Strings:
    """String literals for one scope; a string too long for a C99 literal becomes a
    `static const char NAME[] = {'a', 'b', ..., '\\0'};` array declared in that scope."""

    def __init__(self, stem: str) -> None:
        self.stem = stem
        self.arrays: list[str] = []

    def literal(self, text: str) -> str:
        encoded = text.encode("utf-8")
        if len(encoded) <= MAX_LITERAL:
            return c_string(text)
        name = f"{self.stem}{len(self.arrays) + 1}"
        chars = [c_char(byte) for byte in encoded] + ["'\\0'"]
        rows = "".join(f"    {', '.join(chars[i : i + 16])},\n" for i in range(0, len(chars), 16))
        self.arrays.append(f"static const char {name}[] = {{ /* {len(encoded)} bytes: too long for a C99 string literal */\n{rows}}};")
        return name


# --- comments -------------------------------------------------------------------------


def _escaped(char: str) -> str:
    return f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}"


def comment_line(text: str, reversible: bool = True) -> str:
    """One line of text (no newline in it) safe inside a /* */ comment.

    A backslash goes before the second character of each `*/`, `/*` and `??`; invisible
    characters become `\\uXXXX`; a last space or backslash becomes `\\u0020` / `\\u005c`.
    When `reversible`, a backslash also escapes itself, so `description` gets the text back.
    """
    out = []
    previous = ""
    for char in text:
        if invisible(char) or char == "\n":
            out.append(_escaped(char))
        elif (previous, char) in (("*", "/"), ("/", "*"), ("?", "?")) or (char == "\\" and reversible):
            out.append("\\" + char)
        else:
            out.append(char)
        previous = char
    if text and text[-1] in " \\":
        out[-1] = _escaped(text[-1])
    return "".join(out)


def comment_lines(text: str, trailer: str) -> list[str]:
    """The lines of a description inside a comment (see `comment_line`). A line equal to
    `trailer` (the line that ends the description) has its first character escaped."""
    lines = [comment_line(line) for line in text.split("\n")]
    return [_escaped(line[0]) + line[1:] if line == trailer else line for line in lines]


_UNESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})|\\(.)", re.DOTALL)


def description(lines: list[str]) -> str:
    """The text of comment lines written by `comment_lines`."""

    def unescape(match: re.Match[str]) -> str:
        code = match.group(1) or match.group(2)
        if not code:
            return match.group(3)
        point = int(code, 16)
        return chr(point) if point <= 0x10FFFF else match.group(0)

    return "\n".join(_UNESCAPE.sub(unescape, line) for line in lines)


def note(text: str) -> str:
    """A name inside a comment that is never read back: quoted, then made comment-safe."""
    return comment_line(quoted(text), reversible=False)
