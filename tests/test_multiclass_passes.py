"""Multiclass models through distill and the passes: class by class, tolerances on each
class's score, fold-constants' common shift leaving the probabilities as they were."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings

import pwlc
from pwlc.datasets import compas_risk
from pwlc.errors import UnsupportedError
from pwlc.ir import Constant, Multiclass
from pwlc.passes import optimize
from pwlc.testing import edge_grid, grid_as_arrays
from tests.frontend_checks import require_library
from tests.real_data import load
from tests.strategies import multiclass_models

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def both_grids(a: Multiclass, b: Multiclass) -> dict[str, object]:
    grids = (edge_grid(a), edge_grid(b))
    return grid_as_arrays(a, {i.name: grids[0][i.name] + grids[1][i.name] for i in a.inputs})


def class_changes(a: Multiclass, b: Multiclass, data: object) -> np.ndarray:
    """|score change| of each class on each row (NaN meeting NaN is no change)."""
    before, after = pwlc.evaluate(a, data, output="score"), pwlc.evaluate(b, data, output="score")
    with np.errstate(invalid="ignore"):
        change = np.abs(after - before)
    change[np.isnan(before) & np.isnan(after)] = 0.0
    return change


@settings(max_examples=40, deadline=None)
@given(multiclass_models())
def test_lossy_passes_keep_each_class_score_within_their_tolerance_over_all_inputs(model: Multiclass) -> None:
    optimized, report = optimize(model, "merge-segments{tol=0.005},round{tol=0.005}")
    assert isinstance(optimized, Multiclass) and optimized.classes == model.classes
    # two lossy passes of tol 0.005 each, over every input (no data): each class within 0.01
    change = class_changes(model, optimized, both_grids(model, optimized))
    assert np.max(change, initial=0.0) <= 0.01 + 1e-9
    for line in report:
        assert line.max_error <= line.stated_error + 1e-12, str(line)  # type: ignore[operator]


@settings(max_examples=40, deadline=None)
@given(multiclass_models())
def test_o2_moves_the_softmax_input_by_at_most_twice_its_tolerances(model: Multiclass) -> None:
    """O2 = fold (a shift common to the classes) + two lossy passes of 0.005 on each class:
    the scores relative to their row mean (all the softmax sees) move by at most 2 x 0.01."""
    optimized, report = optimize(model, "O2")
    assert [p.spec for p in report] == ["fold-constants", "merge-segments{tol=0.005}", "round{tol=0.005}"]
    data = both_grids(model, optimized)
    before, after = pwlc.evaluate(model, data, output="score"), pwlc.evaluate(optimized, data, output="score")
    usable = (np.abs(before) < 1e9).all(axis=1) & (np.abs(after) < 1e9).all(axis=1)
    relative = lambda s: s - s.mean(axis=1, keepdims=True)  # noqa: E731
    assert np.max(np.abs(relative(after[usable]) - relative(before[usable])), initial=0.0) <= 0.02 + 1e-6
    assert np.array_equal(np.isnan(before).any(axis=1), np.isnan(after).any(axis=1))


@settings(max_examples=40, deadline=None)
@given(multiclass_models())
def test_fold_constants_centres_the_intercepts_and_leaves_the_probabilities(model: Multiclass) -> None:
    folded, report = optimize(model, "fold-constants")
    data = both_grids(model, folded)
    before, after = pwlc.evaluate(model, data), pwlc.evaluate(folded, data)
    finite = np.isfinite(pwlc.evaluate(model, data, output="score")).all(axis=1) & (np.abs(pwlc.evaluate(model, data, output="score")) < 1e12).all(axis=1)
    np.testing.assert_allclose(after[finite], before[finite], rtol=1e-9, atol=1e-12)
    assert np.array_equal(np.isnan(before).all(axis=1), np.isnan(after).all(axis=1))
    intercepts = [sum(t.value for t in terms if isinstance(t, Constant)) for terms in folded.scores]
    if all(abs(c) < 1e12 for c in intercepts):
        assert abs(math.fsum(intercepts)) <= 1e-9 * max(1.0, max(abs(c) for c in intercepts)) * len(intercepts)


def test_the_shift_is_in_the_note_and_not_counted_as_a_score_change() -> None:
    model = pwlc.read("golden/multiclass/species.pwl")
    folded, report = optimize(model, "fold-constants")
    (line,) = report
    assert "intercept shifted by" in line.note and "the probabilities do not change" in line.note
    assert line.max_error < 1e-12


def test_teacher_scores_are_one_column_a_class_and_refit_fits_each_class() -> None:
    model = pwlc.read("golden/multiclass/species.pwl")
    rng = np.random.default_rng(0)
    data = {"petal_length": rng.uniform(1, 7, 300), "petal_width": rng.uniform(0, 2.5, 300), "soil type": list(rng.choice(["clay", "sand", "loam"], 300))}
    with pytest.raises(pwlc.DataError, match=r"one column a class, shape \(rows, 3\)"):
        optimize(model, "refit", data=data, teacher=np.zeros(300))
    teacher = pwlc.evaluate(model, data, output="score") + 0.01 * rng.standard_normal((300, 3))
    refitted, report = optimize(model, "refit", data=data, teacher=teacher)
    before = np.sqrt(np.mean((pwlc.evaluate(model, data, output="score") - teacher) ** 2))
    after = np.sqrt(np.mean((pwlc.evaluate(refitted, data, output="score") - teacher) ** 2))
    assert after < before


def test_distill_a_multiclass_ebm_class_by_class() -> None:
    require_library("interpret")
    from interpret.glassbox import ExplainableBoostingClassifier

    data = load(compas_risk)
    X, y = data.X.iloc[:3000], data.y[:3000].astype(int)
    teacher = ExplainableBoostingClassifier(interactions=[(0, 1)], outer_bags=2, max_rounds=200, random_state=0).fit(X, y)
    from pwlc.distill import distill_report

    distilled = distill_report(teacher, X, segments=4)
    student = distilled.model
    assert isinstance(student, Multiclass) and student.classes == ("0", "1", "2")
    assert all(sum(isinstance(t, pwlc.Curve) for t in terms) == 3 for terms in student.scores)
    assert all(sum(isinstance(t, pwlc.Grid) for t in terms) == 1 for terms in student.scores)
    assert {e.description.split(":")[0] for e in distilled.errors} == {"class '0'", "class '1'", "class '2'"}
    gap = np.abs(pwlc.evaluate(student, X, output="score") - teacher.decision_function(X))
    assert np.sqrt(np.mean(gap**2)) < 0.1
    probability_gap = np.abs(pwlc.evaluate(student, X) - teacher.predict_proba(X))
    assert probability_gap.mean() < 0.02 and probability_gap.max() < 0.2  # (segments=4: 0.011 and 0.13 measured)
    with pytest.raises(UnsupportedError, match="softmax over its classes' scores: leave link out"):
        pwlc.distill(teacher, X, link="logistic")


# --- diff and check ---------------------------------------------------------------------


def test_diff_compares_class_by_class_and_names_the_class(tmp_path) -> None:
    import json
    import subprocess
    import sys

    from pwlc.diff import compare

    text = open("golden/multiclass/species.pwl", encoding="utf-8").read()
    old_path, new_path = tmp_path / "old.pwl", tmp_path / "new.pwl"
    old_path.write_text(text)
    new_path.write_text(text.replace("curve petal_length { 1: 3, 2.5: 1.5, 4: -4 }", "curve petal_length { 1: 3, 2.5: 1.75, 4: -4 }"))
    comparison = compare(pwlc.read(old_path), pwlc.read(new_path))
    ((term, change),) = comparison.terms
    assert term.title == 'class "setosa": curve petal_length' and term.class_label == "setosa"
    assert change.max == pytest.approx(0.25) and comparison.total.max == pytest.approx(0.25)
    assert comparison.scale == "class score" and comparison.measured_on == "both models' edge grids"
    assert not comparison.within(0.1) and comparison.within(0.25)
    lines = comparison.lines(0.1)
    assert lines[0].startswith('class "setosa": curve petal_length: changed') and "above tol 0.1" in lines[-1]
    done = subprocess.run([sys.executable, "-m", "pwlc", "diff", str(old_path), str(new_path), "--json"], capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["terms"][0]["class"] == "setosa"
    done = subprocess.run([sys.executable, "-m", "pwlc", "check", str(new_path), "--against", str(old_path), "--tol", "0.3"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_diff_refuses_other_classes_or_a_one_score_model_with_advice() -> None:
    from pwlc.diff import compare

    model = pwlc.read("golden/multiclass/species.pwl")
    renamed = Multiclass(model.inputs, ("a", "b", "c"), model.scores)
    with pytest.raises(pwlc.PwlcError, match="compare models of the same classes"):
        compare(model, renamed)
    with pytest.raises(pwlc.PwlcError, match="new is a multiclass model and the other scores one number: compare models of one kind"):
        compare(model.class_model(0), model)


def test_check_a_lowered_multiclass_lightgbm_against_its_booster_text(tmp_path) -> None:
    lightgbm = require_library("lightgbm")
    import subprocess
    import sys

    data = load(compas_risk)
    X = data.X[["age", "priors_count"]]
    booster = lightgbm.train({"objective": "multiclass", "num_class": 3, "max_depth": 1, "verbose": -1}, lightgbm.Dataset(X, data.y), 15)
    text_path = tmp_path / "model.txt"
    booster.save_model(str(text_path))
    pwl_path = tmp_path / "model.pwl"
    pwl_path.write_text(pwlc.emit(pwlc.lower(booster), "pwl"))
    done = subprocess.run([sys.executable, "-m", "pwlc", "check", str(pwl_path), "--against", str(text_path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "class score change max 0" in done.stdout


def test_refit_on_labels_fits_every_class_under_the_multinomial_log_loss() -> None:
    """Labels drawn from a known softmax model: the refit moves a perturbed model's values
    toward them, the log loss falls, and the report says so."""
    from pwlc.metrics import multiclass_log_loss

    truth = pwlc.read("golden/multiclass/species.pwl")
    rng = np.random.default_rng(1)
    n = 3000
    data = {"petal_length": rng.uniform(1, 7, n), "petal_width": rng.uniform(0, 2.5, n), "soil type": list(rng.choice(["clay", "sand", "loam"], n))}
    probabilities = pwlc.evaluate(truth, data)
    labels = np.array([rng.choice(3, p=p) for p in probabilities])
    data["species"] = list(np.array(truth.classes)[labels])
    start, _ = optimize(truth, "merge-segments{tol=0.5},round{tol=0.5,digits=1}")  # away from the truth
    refitted, report = optimize(start, "refit{target=labels,label=species}", data=data)
    assert isinstance(refitted, Multiclass) and refitted.classes == truth.classes
    before = multiclass_log_loss(labels, pwlc.evaluate(start, data))
    after = multiclass_log_loss(labels, pwlc.evaluate(refitted, data))
    assert after < before
    assert after <= multiclass_log_loss(labels, probabilities) + 0.01  # as good as the model that drew the labels
    (line,) = report
    assert line.note.startswith("multinomial log loss: ")
    data["species"][5] = "daisy"
    with pytest.raises(pwlc.DataError, match="label column 'species': 'daisy' is not a class of the model"):
        optimize(start, "refit{target=labels,label=species}", data=data)
    with pytest.raises(UnsupportedError, match="monotone, smooth, max_rows and loss are for one-score models"):
        optimize(start, "refit{target=labels,label=species,smooth=1}", data=data)


# --- the report -------------------------------------------------------------------------


def test_the_report_of_a_distilled_multiclass_ebm(tmp_path) -> None:
    """One plot a shape with a line (bar) a class, a grid a class; multiclass log loss and
    accuracy of student and teacher as pwlc.metrics computes them; the CLI with an EBM
    JSON teacher and a label column of class names."""
    import json
    import re
    import subprocess
    import sys

    require_library("interpret")
    require_library("matplotlib")
    from interpret.glassbox import ExplainableBoostingClassifier

    from pwlc.frontends.ebm import jsonable
    from pwlc.metrics import accuracy, multiclass_log_loss
    from pwlc.report_multiclass import build_multiclass_report

    data = load(compas_risk)
    X, y = data.X.iloc[:1500], data.y[:1500].astype(int)
    names = np.array(data.classes)[y]
    teacher = ExplainableBoostingClassifier(interactions=[(0, 1)], outer_bags=1, max_rounds=100, random_state=0).fit(X, names)
    student = pwlc.distill(teacher, X, segments=3)
    exact = pwlc.lower(teacher)
    text = build_multiclass_report(student, X, teacher=exact, labels=names)
    assert text.count("<section>") == 6 + 3  # age, priors, stay, race, sex, charge; the pair a class
    indices = np.array([student.classes.index(n) for n in names])
    loss = multiclass_log_loss(indices, pwlc.evaluate(student, X))
    assert f"<td>multiclass log loss</td><td>{loss:.4f}</td><td>{multiclass_log_loss(indices, pwlc.evaluate(exact, X)):.4f}</td>" in text
    assert f"<td>accuracy</td><td>{accuracy(indices, pwlc.evaluate(student, X)):.4f}</td>" in text
    assert len(re.findall(r"# class (High|Low|Medium)\n", text)) == 3 * 6
    model_path, teacher_path, data_path, out = tmp_path / "m.pwl", tmp_path / "ebm.json", tmp_path / "d.csv", tmp_path / "r.html"
    model_path.write_text(pwlc.emit(student, "pwl"))
    teacher_path.write_text(json.dumps(jsonable(teacher)))
    X.assign(risk=names).to_csv(data_path, index=False)
    done = subprocess.run([sys.executable, "-m", "pwlc", "report", str(model_path), "--data", str(data_path), "--teacher", str(teacher_path), "--labels", "risk", "-o", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert f"<td>multiclass log loss</td><td>{loss:.4f}</td>" in out.read_text()


def test_distill_a_multiclass_black_box_through_its_centred_log_probabilities() -> None:
    """A classifier of 3 classes no frontend reads: each class's score is its log-probability
    minus the classes' mean (whose softmax is predict_proba), distilled by partial
    dependence, then refitted to those scores; one Multiclass comes out."""
    require_library("sklearn")
    from sklearn.ensemble import RandomForestClassifier

    from pwlc.metrics import multiclass_log_loss

    data = load(compas_risk)
    X = data.X[["age", "priors_count", "length_of_stay"]].iloc[:2000]
    names = np.array(data.classes)[data.y[:2000].astype(int)]
    forest = RandomForestClassifier(n_estimators=30, min_samples_leaf=30, random_state=0).fit(X, names)
    student = pwlc.distill(forest, X)
    assert isinstance(student, Multiclass) and student.classes == tuple(str(c) for c in forest.classes_)
    assert all(type(c) is str for c in student.classes)
    assert "predict_proba of 3 classes" in student.doc
    taught, learned = forest.predict_proba(X), pwlc.evaluate(student, X)
    assert np.abs(taught - learned).mean() < 0.05  # (0.036 measured)
    labels = np.array([list(forest.classes_).index(n) for n in names])
    assert multiclass_log_loss(labels, learned) < multiclass_log_loss(labels, np.full_like(taught, 1 / 3))
    with pytest.raises(UnsupportedError, match="distilled as one score a class under a softmax; leave link out"):
        pwlc.distill(forest, X, link="logistic")


def test_assert_models_close_takes_multiclass_models() -> None:
    from pwlc.testing import assert_models_close

    model = pwlc.read("golden/multiclass/species.pwl")
    assert_models_close(model, pwlc.read(pwlc.emit(model, "c"), format="c"))
    moved = Multiclass(model.inputs, model.classes, (model.scores[0] + (Constant(0.5),), *model.scores[1:]), model.name, model.doc)
    with pytest.raises(AssertionError, match=r'b differs from a:\nclass "setosa": intercept: changed'):
        assert_models_close(model, moved, tol=0.1)
