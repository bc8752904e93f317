"""pwlc.metrics against scikit-learn's implementations and hand-worked rankings."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pwlc import metrics

sklearn_metrics = pytest.importorskip("sklearn.metrics")


def test_auc_and_log_loss_match_sklearn() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 500).astype(float)
    s = np.round(rng.normal(size=500) + y, 1)  # rounding makes ties
    assert metrics.auc(y, s) == pytest.approx(sklearn_metrics.roc_auc_score(y, s), rel=1e-12)
    p = 1 / (1 + np.exp(-s))
    assert metrics.log_loss(y, p) == pytest.approx(sklearn_metrics.log_loss(y, p), rel=1e-12)


def test_rmse() -> None:
    assert metrics.rmse([1.0, 2.0, 3.0], [1.0, 2.0, 5.0]) == pytest.approx(math.sqrt(4 / 3))


def test_ndcg_by_hand() -> None:
    # One query, labels [2, 0, 1] ranked by scores as [0, 2, 1]: gains 3, 1, 0.
    dcg = 3 / math.log2(2) + 1 / math.log2(3)
    ideal = 3 / math.log2(2) + 1 / math.log2(3)
    assert metrics.ndcg_at(5, [2, 0, 1], [3.0, 1.0, 2.0], [7, 7, 7]) == pytest.approx(dcg / ideal)
    # Worst order: gains 0, 1, 3.
    worst = 1 / math.log2(3) + 3 / math.log2(4)
    assert metrics.ndcg_at(5, [2, 0, 1], [1.0, 3.0, 2.0], [7, 7, 7]) == pytest.approx(worst / ideal)
    # A query with no relevant document counts as 1; k cuts the list.
    assert metrics.ndcg_at(1, [0, 0, 2, 0], [1.0, 2.0, 0.0, 5.0], [1, 1, 2, 2]) == pytest.approx((1.0 + 0.0) / 2)


def test_multiclass_log_loss_and_accuracy_match_sklearn() -> None:
    from sklearn.metrics import accuracy_score
    from sklearn.metrics import log_loss as sk_log_loss

    from pwlc.metrics import accuracy, multiclass_log_loss

    rng = np.random.default_rng(3)
    scores = rng.normal(size=(500, 4))
    probabilities = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    labels = rng.integers(0, 4, 500)
    assert multiclass_log_loss(labels, probabilities) == pytest.approx(sk_log_loss(labels, probabilities, labels=[0, 1, 2, 3]), rel=1e-12)
    assert accuracy(labels, probabilities) == accuracy_score(labels, probabilities.argmax(axis=1))
    probabilities[7] = np.nan  # a row missing is left out
    assert multiclass_log_loss(labels, probabilities) == pytest.approx(sk_log_loss(np.delete(labels, 7), np.delete(probabilities, 7, axis=0), labels=[0, 1, 2, 3]), rel=1e-12)
