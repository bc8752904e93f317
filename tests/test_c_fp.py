"""The emitted C computes the evaluator's arithmetic to the bit, whatever the compiler does
with it: gcc and clang, ISO (-std=c99) and GNU modes, -O2 and -O3 -march=native (where a
CPU with FMA invites fusing `a + b * c`). The batch, the one-row function and the link
function are all compared.

Bit for bit for every term but curves with a log, log1p or symlog1p transform: there the
evaluator's numpy, the C library and clang's constant folder each compute log and log1p
their own way, and disagree in the last bit for some arguments (numpy's log1p differs from
glibc's on about 1 in 2,000 doubles); those are compared to 1e-12. The link function calls
exp, where numpy and glibc disagree in the last bit for about 1 in 20 arguments.
"""

from __future__ import annotations

import platform
import subprocess

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import pwlc
from pwlc.backends import c
from pwlc.errors import PwlcError
from pwlc.ir import Curve, Grid, Input, KnotAxis, Model, verify
from pwlc.semantics import evaluate
from pwlc.testing import mismatches
from tests.c_harness import probes, require_compiler, run_rows
from tests.strategies import increasing, missing, models
from tests.strategies import values as numbers
from tests.test_backend_c import GOLDEN, MODELS, _holds_nul

CONFIGS = [(compiler, std, opt) for compiler in ("gcc", "clang") for std in ("-std=c99", "-std=gnu17") for opt in ("-O2", "-O3 -march=native")]
# `y0 + (y1 - y0) * w` at x = 2.291 rounds differently when fused into one FMA.
FMA_CANARY = Model(
    (Input("x"), Input("y")),
    (Curve("x", (0.0, 3.0), (-3.66, 3.47)), Grid(KnotAxis("x", (0.0, 3.0)), KnotAxis("y", (0.0, 1.0)), ((-3.66, 0.5), (3.47, -1.25)))),
)


def flags(std: str, opt: str) -> tuple[str, ...]:
    return (std, *opt.split())


def _transforms(model: Model) -> bool:
    return any(isinstance(t, Curve) and t.fx != "identity" for t in model.terms)


def check_bit_identical(model: Model, compiler: str, std: str, opt: str, text: str | None = None) -> int:
    """Compile and run `model` (or `text`); the count of rows not bit-identical to the
    evaluator (0 is required but for transformed curves, which must agree to 1e-12)."""
    columns = probes(model, seed=1, n=100)
    if model is FMA_CANARY:
        columns = {"x": [*columns["x"], 2.291], "y": [*columns["y"], 0.5]}
    score, prediction = evaluate(model, columns, output="score"), evaluate(model, columns)
    got = run_rows(c.emit(model) if text is None else text, model, columns, compiler, flags(std, opt))
    differing = 0
    for function, values in got.items():
        expected = prediction if function == "link" else score
        same = (values == expected) | (np.isnan(values) & np.isnan(expected))
        label = f"{compiler} {std} {opt} {function}"
        if function == "link" or _transforms(model):
            assert mismatches(values, expected) == [], label
        else:
            differing += int((~same).sum())
            assert same.all() or text is not None, f"{label}: rows {np.flatnonzero(~same)[:5]}: {values[~same][:3]} vs {expected[~same][:3]}"
    return differing


@pytest.mark.parametrize(("compiler", "std", "opt"), CONFIGS)
def test_golden_models_are_bit_identical(compiler: str, std: str, opt: str) -> None:
    require_compiler(compiler)
    for path in MODELS:
        check_bit_identical(pwlc.read(path), compiler, std, opt)
    check_bit_identical(FMA_CANARY, compiler, std, opt)


@pytest.mark.parametrize(("compiler", "std", "opt"), [(cc, "-std=gnu17", "-O3 -march=native") for cc in ("gcc", "clang")])
def test_without_the_contraction_pragmas_the_canary_differs(compiler: str, std: str, opt: str) -> None:
    """The test above can fail: with the pragmas taken out, both compilers fuse."""
    require_compiler(compiler)
    text = c.emit(FMA_CANARY)
    for pragma in ("#pragma STDC FP_CONTRACT OFF\n", '#pragma GCC optimize("fp-contract=off")\n'):
        assert pragma in text
        text = text.replace(pragma, "")
    if "fma" not in open("/proc/cpuinfo").read().split():  # noqa: SIM115
        pytest.skip("this CPU has no FMA instruction to fuse with")
    assert check_bit_identical(FMA_CANARY, compiler, std, opt, text=text) > 0


@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(models())
def test_random_models_are_bit_identical_everywhere(model: Model) -> None:
    if _holds_nul(model):
        return
    for compiler, std, opt in CONFIGS:
        require_compiler(compiler)
        check_bit_identical(model, compiler, std, opt)


def test_the_golden_models_cover_the_kinds_of_terms() -> None:
    kinds = {type(t).__name__ for path in MODELS for t in pwlc.read(path).terms}
    assert kinds == {"Constant", "Curve", "Step", "Table", "Grid"} and GOLDEN.is_dir()


def _avx2() -> bool:
    """Whether this CPU runs AVX2 code (then gcc and clang target it with -mavx2)."""
    try:
        flags = open("/proc/cpuinfo").read().split()  # noqa: SIM115
    except OSError:
        return False
    return "avx2" in flags


@st.composite
def curve_models(draw: st.DrawFn) -> Model:
    """Up to 3 curves of 1 to 40 knots (the batch interpolates more than 32 row by row)."""
    count = draw(st.integers(1, 3))
    curves = []
    for k in range(count):
        fx = draw(st.sampled_from(["identity", "identity", "log1p", "symlog1p"]))
        xs = draw(increasing(1, 40, low=-0.999 if fx == "log1p" else -1e5))
        ys = tuple(draw(numbers) for _ in xs)
        curves.append(Curve(f"x{k}", xs, ys, fx, draw(missing)))  # type: ignore[arg-type]
    model = Model(tuple(Input(f"x{k}") for k in range(count)), tuple(curves))
    try:
        verify(model)  # knots whose transforms round together are refused
    except PwlcError:
        assume(False)
    return model


@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(curve_models())
def test_both_curve_kernels_score_like_the_evaluator(model: Model) -> None:
    """pwlc_curve_rows picks a row's segment by vector selects where the compiler targets
    AVX2 (-mavx2, -march=native here) and by counting knots elsewhere (-O2): both, over
    whole blocks of rows and a last partial one, score as the evaluator, bit for bit (with
    log1p curves: as each other, libm's log1p rounding its own way)."""
    if platform.machine() not in ("x86_64", "AMD64") or not _avx2():
        pytest.skip("this CPU does not run AVX2 code")
    columns = probes(model, seed=2, n=700)
    expected = evaluate(model, columns, output="score")
    if _transforms(model):  # numpy's log1p and glibc's differ in the last bit: the C kernels must agree with each other
        expected = run_rows(c.emit(model), model, columns, "gcc", flags("-std=c99", "-O2"))["batch"]
    for compiler in ("gcc", "clang"):
        require_compiler(compiler)
        for opt in ("-O2", "-O2 -mavx2", "-O3 -mavx2"):
            got = run_rows(c.emit(model), model, columns, compiler, flags("-std=c99", opt))["batch"]
            same = (got == expected) | (np.isnan(got) & np.isnan(expected))
            assert same.all(), f"{compiler} {opt}: rows {np.flatnonzero(~same)[:5]}: {got[~same][:3]} vs {expected[~same][:3]}"


@pytest.mark.parametrize("compiler", ["gcc", "clang"])
def test_the_curve_kernels_are_chosen_by_the_target(compiler: str) -> None:
    """The test above runs both kernels: -mavx2 defines __AVX2__, the default target does not."""
    require_compiler(compiler)
    if platform.machine() not in ("x86_64", "AMD64"):
        pytest.skip("x86 only")
    defines = {opt: subprocess.run([compiler, *opt.split(), "-dM", "-E", "-x", "c", "/dev/null"], capture_output=True, text=True, check=True).stdout
               for opt in ("-O2", "-O2 -mavx2")}
    assert "__AVX2__" not in defines["-O2"] and "#define __AVX2__ 1" in defines["-O2 -mavx2"]
    assert "#if defined(__AVX2__)" in c.emit(pwlc.read(GOLDEN / "transforms.pwl"))
