"""refit{cv=K}: the ridge (or no refit) chosen by cross-validation, judged on rows the
refit never saw against the truth the data were drawn from."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pwlc.errors import PwlcError
from pwlc.ir import Constant, Curve, Input, Model, Table
from pwlc.passes import optimize
from pwlc.passes.context import PassData
from pwlc.passes.refit import Refit
from pwlc.passes.refit.cv import _folds, clearly_better
from pwlc.semantics import evaluate


def truth_and_rows(seed: int, rows: int) -> tuple[Model, dict[str, np.ndarray]]:
    """A model of a 25-knot curve and a table, and rows drawn for it."""
    rng = np.random.default_rng(seed)
    xs = tuple(float(x) for x in np.linspace(0, 1, 25))
    model = Model(
        (Input("x", "numeric"), Input("c", "categorical")),
        (Constant(0.5), Curve("x", xs, tuple(float(v) for v in rng.normal(size=25))), Table("c", (("a", 0.3), ("b", -0.2), ("d", 1.0)))),
    )
    return model, {"x": rng.uniform(0, 1, rows), "c": rng.choice(["a", "b", "d"], rows)}


def rms(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean((a - b) ** 2)))


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 10**6))
def test_cv_keeps_the_values_when_the_target_only_adds_noise(seed: int) -> None:
    """The model is the truth; the target is the truth plus noise on few rows. The plain
    refit follows the noise; cross-validation keeps the model (or barely moves it)."""
    truth, data = truth_and_rows(seed, 150)
    noisy = evaluate(truth, data, output="score") + np.random.default_rng(seed + 1).normal(0, 1.0, 150)
    plain, _ = optimize(truth, [Refit()], data=data, teacher=noisy)
    validated, report = optimize(truth, [Refit(cv=5)], data=data, teacher=noisy)
    _, fresh = truth_and_rows(seed + 2, 4000)
    exact = evaluate(truth, fresh, output="score")
    plain_error, cv_error = rms(evaluate(plain, fresh, output="score"), exact), rms(evaluate(validated, fresh, output="score"), exact)
    assert plain_error > 0.2 and cv_error < 0.7 * plain_error
    note = report.passes[0].note
    assert note.startswith("cv (5 folds): ")
    if "no refit" in note:
        assert validated == truth  # unchanged, not re-solved


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 10**6), shift=st.floats(0.2, 2.0))
def test_cv_refits_when_the_values_are_off_and_the_target_is_exact(seed: int, shift: float) -> None:
    truth, data = truth_and_rows(seed, 400)
    curve = truth.terms[1]
    assert isinstance(curve, Curve)
    off = Model(truth.inputs, (truth.terms[0], Curve("x", curve.xs, tuple(y + shift * np.sin(7 * x) for x, y in zip(curve.xs, curve.ys))), truth.terms[2]))
    validated, report = optimize(off, [Refit(cv=4)], data=data, teacher=evaluate(truth, data, output="score"))
    assert "ridge" in report.passes[0].note and "no refit" not in report.passes[0].note
    _, fresh = truth_and_rows(seed + 1, 2000)
    exact = evaluate(truth, fresh, output="score")
    assert rms(evaluate(validated, fresh, output="score"), exact) < 0.1 * rms(evaluate(off, fresh, output="score"), exact)


def test_cv_keeps_the_values_when_its_gain_is_within_the_folds_noise() -> None:
    """The student is the truth and the target adds noise: any refit is further from the
    truth on fresh rows, yet with the fold-summed loss alone cross-validation chose a ridge
    on 10 of these 40 data sets, by chance. The one-standard-error rule takes a ridge only
    where its gain exceeds what the folds disagree by."""
    refitted = 0
    for seed in range(40):
        truth, data = truth_and_rows(seed, 600)
        noisy = evaluate(truth, data, output="score") + np.random.default_rng(seed + 1).normal(0, 1.0, 600)
        validated, report = optimize(truth, [Refit(cv=5)], data=data, teacher=noisy)
        if validated != truth:
            assert "no refit" not in report.passes[0].note
            refitted += 1
    assert refitted <= 4


def test_a_gain_counts_only_beyond_one_standard_error_of_the_folds() -> None:
    shares = np.ones(5)
    kept = np.array([1.0, 1.2, 0.9, 1.1, 1.0])
    assert clearly_better(kept, kept - 0.01, shares)  # the same gain in every fold
    assert not clearly_better(kept, kept, shares)
    assert not clearly_better(kept, kept - np.array([0.05, -0.04, 0.03, -0.04, 0.01]), shares)  # mean 0.002, SE 0.019
    assert clearly_better(kept, kept - np.array([0.05, 0.01, 0.03, 0.02, 0.04]), shares)
    assert clearly_better(kept[:1], kept[:1] - 1e-9, shares[:1]) and not clearly_better(kept[:1], kept[:1], shares[:1])


def test_cv_on_labels_measures_log_loss() -> None:
    truth, data = truth_and_rows(3, 600)
    logistic = Model(truth.inputs, truth.terms, "logistic")
    probability = 1 / (1 + np.exp(-evaluate(truth, data, output="score")))
    labels = (np.random.default_rng(4).uniform(size=600) < probability).astype(float)
    _, report = optimize(logistic, [Refit(target="labels", label="y", cv=3)], data={**data, "y": labels})
    assert "held-out log loss" in report.passes[0].note


@settings(max_examples=30, deadline=None)
@given(groups=st.lists(st.integers(0, 12), min_size=8, max_size=80), folds=st.integers(2, 5), seed=st.integers(0, 100))
def test_grouped_folds_keep_every_group_whole(groups: list[int], folds: int, seed: int) -> None:
    labels = np.array(groups)
    if len(set(groups)) < folds:
        with pytest.raises(PwlcError, match=f"at least {folds} groups"):
            _folds(Refit(cv=folds, cv_groups="q", seed=seed), PassData({"q": labels}, {}, labels.size), np.arange(labels.size), folds)
        return
    parts = _folds(Refit(cv=folds, cv_groups="q", seed=seed), PassData({"q": labels}, {}, labels.size), np.arange(labels.size), folds)
    assert sorted(np.concatenate(parts).tolist()) == list(range(labels.size))  # every row once
    assert all(len(set(labels[a]) & set(labels[b])) == 0 for i, a in enumerate(parts) for b in parts[i + 1 :])
    assert all(part.size for part in parts)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"cv": 1}, "number of folds >= 2"),
        ({"cv_groups": "q"}, "give cv=K"),
        ({"cv": 3, "cv_groups": "q", "max_rows": 10}, "cannot be combined"),
    ],
)
def test_cv_mistakes_say_what_to_do(options: dict, message: str) -> None:
    with pytest.raises(PwlcError, match=message):
        Refit(**options)


def test_cv_is_an_option_of_the_pipeline_text() -> None:
    truth, data = truth_and_rows(5, 100)
    model, report = optimize(truth, "refit{cv=3}", data=data, teacher=evaluate(truth, data, output="score"))
    assert report.passes[0].note.startswith("cv (3 folds): no refit")  # the model is the target: nothing to gain
    assert model == truth
