"""The C runtime: a real C file (pwlc/backends/c/runtime.h) that compiles alone and keeps
its layout, copied piece by piece into each emitted file; the reader checks the copy and
refuses any edit there, with a way to get pwlc's runtime back that works."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import pwlc
from pwlc.backends import c
from pwlc.backends.c.runtime import closure, pieces, runtime_file, runtime_section
from pwlc.ir import Table
from tests import engines
from tests.c_harness import check_refused, check_runs_as_read, require_compiler

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "golden" / "models"
RECIDIVISM = pwlc.read(GOLDEN / "recidivism.pwl")
TEXT = c.emit(RECIDIVISM)
REGENERATE = "delete the lines between `/* --- pwlc runtime (not read back) --- */` and `/* --- end of pwlc runtime --- */`"


@pytest.mark.parametrize("std", ["c99", "gnu99"])
@pytest.mark.parametrize("compiler", ["gcc", "clang"])
def test_the_runtime_compiles_alone(compiler: str, std: str) -> None:
    require_compiler(compiler)
    flags = [f for f in engines.C_FLAGS if f not in ("-shared", "-fPIC")]
    done = subprocess.run([compiler, *flags, f"-std={std}", "-x", "c", "-c", str(runtime_file()), "-o", "/dev/null"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stderr == "", done.stderr


def test_the_static_analyzer_finds_nothing(tmp_path: Path) -> None:
    """clang's static analyzer (its lint) on the runtime alone and on each golden file."""
    require_compiler("clang")
    files = [runtime_file()]
    for path in sorted(GOLDEN.glob("*.pwl")):
        files.append(tmp_path / f"{path.stem}.c")
        files[-1].write_text(c.emit(pwlc.read(path)), encoding="utf-8")
    for file in files:
        done = subprocess.run(["clang", "--analyze", "-std=c99", "-x", "c", str(file), "-o", "/dev/null"], capture_output=True, text=True)
        assert done.returncode == 0 and done.stderr == "", f"{file.name}: {done.stderr}"


def test_the_runtime_keeps_its_layout() -> None:
    require_compiler("clang-format")
    done = subprocess.run(["clang-format", "--dry-run", "--Werror", "--style=file", str(runtime_file())], capture_output=True, text=True)
    assert done.returncode == 0 and done.stderr == "", done.stderr


def test_pieces_name_what_they_need() -> None:
    """Every piece's helpers are defined by it or by the pieces it needs (so any selection
    closed under `needs` compiles), and each piece defines something."""
    for name, piece in pieces().items():
        assert piece.defines or name == "prelude", name
        available = set().union(*(pieces()[p].defines for p in closure({name})))
        used = set(re.findall(r"\b(?:pwlc|PWLC)_\w+", re.sub(r"/\*.*?\*/", "", piece.text, flags=re.DOTALL)))
        assert used <= available, (name, used - available)


def test_a_file_copies_only_the_pieces_its_terms_call() -> None:
    assert runtime_section({"constant_rows"}) in c.emit(pwlc.read(GOLDEN / "minimal.pwl"))
    called = {"curve", "curve_rows", "table", "category_rows", "constant_rows", "logistic"}
    assert runtime_section(called) in TEXT
    assert closure(called) == called | {"prelude", "count", "side", "transform", "rank", "entry", "rows", "prefetch", "whole_block"}


RUNTIME_EDITS = [
    ("return rows < PWLC_BLOCK ? rows : PWLC_BLOCK;", "return rows < 128 ? rows : PWLC_BLOCK;", "128"),
    ("#define PWLC_BLOCK 256", "#define PWLC_BLOCK 16", "#define PWLC_BLOCK 16"),
    ("#define PWLC_COUNT(array) (sizeof(array)", "#define PWLC_COUNT (array) (sizeof(array)", "#define PWLC_COUNT (array)"),
    ("#pragma STDC FP_CONTRACT OFF", "#pragma STDC FP_CONTRACT ON", "#pragma STDC FP_CONTRACT ON"),
    ("#include <string.h>\n", "#include <string.h>\n#include <stdio.h>\n", "#include <stdio.h>"),
    ("? (edge) <= (x) : (edge) < (x))", "? (edge) < (x) : (edge) < (x))", "#define PWLC_BELOW"),  # a directive is one token
    ("    return 1.0 / (1.0 + exp(-score));", "    return 1.0 / (1.0 + exp(-score + 0.0));", "+ 0.0));"),
    ("    struct pwlc_ends ends;\n", "    struct pwlc_ends ends;\n    (void)sum;\n", "(void)sum;"),
]


@pytest.mark.parametrize(("old", "new", "where"), RUNTIME_EDITS, ids=[w for _, _, w in RUNTIME_EDITS])
def test_an_edit_of_the_runtime_is_refused_at_it(old: str, new: str, where: str) -> None:
    assert old in TEXT
    error = check_refused(TEXT.replace(old, new, 1), where, "the runtime section differs from what pwlc writes from here on", TEXT)
    assert REGENERATE in error.message and "pwlc compile FILE.c -t c -o FILE.c" in error.message


def test_a_reformatted_runtime_is_accepted() -> None:
    text = TEXT.replace("PWLC_HELPER size_t pwlc_block(size_t rows)\n{\n    return rows < PWLC_BLOCK ? rows : PWLC_BLOCK;\n}",
                        "PWLC_HELPER size_t\npwlc_block (size_t rows) { return rows<PWLC_BLOCK?rows:PWLC_BLOCK; } /* one line */")
    assert text != TEXT
    assert check_runs_as_read(text) == RECIDIVISM


def test_a_runtime_without_a_piece_the_terms_call_is_refused() -> None:
    table = pieces()["table"].text
    assert table in TEXT
    check_refused(TEXT.replace(table, ""), c.RUNTIME_END, "the runtime section lacks pwlc_table, which this file uses", TEXT)
    check_refused(TEXT.replace(pieces()["entry"].text, ""), c.RUNTIME_END, "the runtime's table needs its entry, which is missing", TEXT)


def test_pieces_no_term_calls_any_more_compile_clean() -> None:
    """Both tables deleted by hand: their runtime pieces stay, unused, and compile with no warning."""
    text = TEXT
    for feature in ("sex", "c_charge_degree"):
        text = text.replace(f"        + {feature}_table(row->{feature})\n", "")
        text = text.replace(f"    pwlc_category_rows(m, columns->{feature} + start, sum, {feature}_table);\n", "")
        text = re.sub(rf'/\* table on "{feature}" \*/\nstatic double {feature}_table.*?\n}}\n\n', "", text, flags=re.DOTALL)
    text = text.replace("\n        + c_charge_degree_table(row->c_charge_degree);", ";")
    text = text.replace("        + length_of_stay_curve(row->length_of_stay)\n;", "        + length_of_stay_curve(row->length_of_stay);")
    assert "pwlc_table(" in text and "_table(row" not in text
    model = check_runs_as_read(text, flags=())
    assert not any(isinstance(t, Table) for t in model.terms)


def test_the_markers_must_be_there_once() -> None:
    check_refused(TEXT.replace(c.RUNTIME_START, "/* --- the pwlc runtime --- */"), "/* --- end of pwlc runtime", "expected the runtime section between", TEXT)
    check_refused(TEXT.replace(c.RUNTIME_END, "/* end */"), c.RUNTIME_START, "expected the runtime section between", "")
    check_refused(TEXT.replace("/* One field per input", c.RUNTIME_START + "\n/* One field per input"), c.RUNTIME_START, "(found 2 start and 1 end markers)", "")


def test_the_regenerate_workflow_the_refusal_describes(tmp_path: Path) -> None:
    """A stale or edited runtime is refused; deleting it between the markers, as the message
    says, and compiling the file onto itself gives pwlc's file back, which compiles."""
    path = tmp_path / "risk.c"
    old_runtime = TEXT.replace("    return rows < PWLC_BLOCK ? rows : PWLC_BLOCK;", "    return rows;")  # an older pwlc's, say
    path.write_text(old_runtime.replace("        + sex_table(row->sex)\n", "        + sex_table(row->sex)\n        + 0.25\n").replace(
        "    pwlc_category_rows(m, columns->sex + start, sum, sex_table);\n",
        "    pwlc_category_rows(m, columns->sex + start, sum, sex_table);\n    pwlc_constant_rows(m, sum, 0.25);\n"), encoding="utf-8")
    refused = subprocess.run([sys.executable, "-m", "pwlc", "compile", str(path), "-t", "c", "-o", str(path)], capture_output=True, text=True)
    assert refused.returncode == 1 and REGENERATE in refused.stderr, refused.stderr
    text = path.read_text(encoding="utf-8")
    start, end = text.index(c.RUNTIME_START) + len(c.RUNTIME_START), text.index(c.RUNTIME_END)
    path.write_text(text[:start] + "\n\n" + text[end:], encoding="utf-8")  # as the message says
    done = subprocess.run([sys.executable, "-m", "pwlc", "compile", str(path), "-t", "c", "-o", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    regenerated = path.read_text(encoding="utf-8")
    model = pwlc.read(path)
    assert regenerated == c.emit(model) and model.terms[5].value == 0.25  # type: ignore[union-attr]
    assert check_runs_as_read(regenerated, flags=()) == model


def test_a_file_with_its_includes_above_the_runtime_is_told_how_to_upgrade(tmp_path: Path) -> None:
    """pwlc before the runtime held the includes wrote them above it."""
    includes = "#include <math.h>\n#include <stddef.h>\n#include <stdint.h>\n#include <string.h>\n"
    old = TEXT.replace(includes, "").replace(c.RUNTIME_START, includes + "\n" + c.RUNTIME_START)
    error = check_refused(old, "#include <math.h>", "pwlc writes its #include lines inside the runtime section now; delete these, then delete the lines between", "")
    assert "pwlc compile FILE.c -t c -o FILE.c" in error.message
    upgraded = old.replace(includes + "\n", "")
    start, end = upgraded.index(c.RUNTIME_START) + len(c.RUNTIME_START), upgraded.index(c.RUNTIME_END)
    path = tmp_path / "old.c"
    path.write_text(upgraded[:start] + "\n" + upgraded[end:], encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pwlc", "compile", str(path), "-t", "c", "-o", str(path)], check=True, capture_output=True)
    assert path.read_text(encoding="utf-8") == TEXT


def test_the_runtime_ships_in_the_wheel(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("pwlc-*.whl"))
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    assert (unpacked / "pwlc" / "backends" / "c" / "runtime.h").is_file()
    code = (f"import sys; sys.path.insert(0, {str(unpacked)!r}); import pwlc; assert pwlc.__file__.startswith({str(unpacked)!r}); "
            f"m = pwlc.read({str(GOLDEN / 'grids.pwl')!r}); t = pwlc.emit(m, 'c'); assert pwlc.read(t, format='c') == m; print(len(t))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=tmp_path)
    assert int(out.stdout) == len(c.emit(pwlc.read(GOLDEN / "grids.pwl")))
