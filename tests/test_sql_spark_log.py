"""Spark's LN is Java's StrictMath.log, at times an ulp off the C library's log that numpy,
DuckDB, SQLite and PostgreSQL call. Two knots whose transforms are a few ulps apart here can
have one transform there, and Spark (ANSI mode, its default) stops the whole query on the
interpolation's division by zero (the model fuzz found it: seed 2612). pwlc refuses such a
curve for Spark: knots whose transforms are 3 ulps apart here stay apart there, since each
transform moves by at most one."""

from __future__ import annotations

import math
import random

import pytest

from pwlc.backends import sql
from pwlc.errors import ParseError, UnsupportedError
from pwlc.ir import Curve, Input, Model, verify
from tests import engines
from tests.conftest import require_engine
from tests.model_fuzz import FuzzEngine, all_engines, check_model

# the model fuzz's crash, shrunk: Spark's LN(1 + 204.99999999999994) is its LN(206)
FOUND = Model((Input("a"),), (Curve("a", (-205.0, -204.99999999999994), (1.0, -4.9827698851214616e16), "symlog1p"),))


def _engine(family: str) -> FuzzEngine:
    reason = engines.unavailable(family)
    if reason is not None:
        require_engine(family, reason)
    (engine,) = [e for e in all_engines() if e.family == family]
    return engine


def test_spark_rounds_a_log_the_c_library_rounds_apart() -> None:
    """The fact the rule rests on (if a Spark ever agrees with glibc here, the rule is only
    cautious, not wrong)."""
    _engine("spark")
    (same,) = engines.spark_session().sql("SELECT LN(206.0D) = LN(205.99999999999994D)").collect()[0]
    assert same is True
    assert math.log(206.0) != math.log(205.99999999999994)


def test_the_fuzz_crash_is_refused_for_spark_and_runs_elsewhere() -> None:
    for dialect in ("spark", "databricks"):
        with pytest.raises(UnsupportedError, match=f"^{dialect}'s symlog1p of knots -205.0 and -204.99999999999994 of 'a' may be the same double.*move the knots further apart"):
            sql.emit(FOUND, dialect)
    report = check_model(verify(FOUND), [_engine("duckdb")], [], 0)  # DuckDB's LN is the C library's
    assert not report.failures
    assert report.outcomes["duckdb"].rows > 0


def test_the_reader_refuses_such_knots_in_spark_sql_at_the_curve() -> None:
    safe = verify(Model((Input("a"),), (Curve("a", (-205.0, -200.0), (1.0, 2.0), "symlog1p"),)))
    text = sql.emit(safe, "spark")
    assert sql.read(text, dialect="spark") == safe
    edited = text.replace("200.0e0", "204.99999999999994e0")
    assert edited.count("204.99999999999994e0") == 2  # the segment's bound and its knot
    with pytest.raises(ParseError, match="may be the same double.*move the knots further apart") as caught:
        sql.read(edited, "edited.sql", dialect="spark")
    span = caught.value.span
    assert span is not None and (span.file, span.line) == ("edited.sql", 13), str(caught.value)
    assert span.source_line.strip() == "CASE"  # the caret on the curve's CASE


def _close_curve(rng: random.Random, feature: str) -> Curve:
    """Two knots 1 to 6 ulps apart somewhere in log, log1p or symlog1p's domain."""
    fx = rng.choice(["log", "log1p", "symlog1p"])
    x0 = 10.0 ** rng.uniform(-3, 12)
    if fx == "symlog1p" and rng.random() < 0.5:
        x0 = -x0
    x1 = x0
    for _ in range(rng.randint(1, 6)):
        x1 = math.nextafter(x1, math.inf)
    return Curve(feature, (x0, x1), (rng.uniform(-5, 5), rng.uniform(-5, 5)), fx)


def test_close_knots_are_refused_for_spark_or_score_as_the_evaluator_there() -> None:
    """Random curves with knots a few ulps apart: each one Spark's SQL accepts runs on Spark
    without stopping and within the evaluator's envelope (a one-ulp LN may move a row's
    weight a long way between such knots: the envelope allows it); the rest are refused."""
    spark = _engine("spark")
    rng = random.Random(2612)
    accepted: list[Curve] = []
    refused = 0
    for k in range(240):
        curve = _close_curve(rng, f"x{k}")
        try:
            sql.emit(Model((Input(curve.feature),), (curve,)), "spark")
        except UnsupportedError as refusal:
            assert "move the knots further apart" in refusal.message
            refused += 1
            continue
        accepted.append(curve)
    assert refused > 20 and len(accepted) > 20, (refused, len(accepted))
    model = verify(Model(tuple(Input(c.feature) for c in accepted), tuple(accepted)))
    report = check_model(model, [spark], [], 0)
    assert not report.failures, report.failures[:3]
    assert report.outcomes["spark"].rows > 0
