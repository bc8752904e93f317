"""Model-quality metrics, in numpy only (the report and the benchmarks share them)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def _pair(labels: ArrayLike, scores: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(labels, dtype=np.float64).ravel()
    s = np.asarray(scores, dtype=np.float64).ravel()
    if y.shape != s.shape:
        raise ValueError(f"{y.size} labels for {s.size} scores")
    keep = ~(np.isnan(y) | np.isnan(s))
    return y[keep], s[keep]


def auc(labels: ArrayLike, scores: ArrayLike) -> float:
    """Area under the ROC curve (ties count one half): the Mann-Whitney statistic."""
    y, s = _pair(labels, scores)
    positives = y > 0.5
    n_pos, n_neg = int(positives.sum()), int((~positives).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), dtype=np.float64)
    sorted_scores = s[order]
    # Average rank within each group of tied scores.
    starts = np.flatnonzero(np.r_[True, sorted_scores[1:] != sorted_scores[:-1]])
    ends = np.r_[starts[1:], len(s)]
    for start, end in zip(starts, ends):
        ranks[order[start:end]] = (start + end + 1) / 2.0
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def log_loss(labels: ArrayLike, probabilities: ArrayLike, eps: float = 1e-15) -> float:
    """Mean negative log-likelihood of 0/1 labels under predicted probabilities."""
    y, p = _pair(labels, probabilities)
    p = np.clip(p, eps, 1.0 - eps)
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log1p(-p)))


def rmse(targets: ArrayLike, predictions: ArrayLike) -> float:
    y, p = _pair(targets, predictions)
    return float(np.sqrt(np.mean((y - p) ** 2)))


def ndcg_at(k: int, labels: ArrayLike, scores: ArrayLike, queries: ArrayLike) -> float:
    """Mean NDCG@k over queries (gain 2^label - 1, log2 discount); queries with no
    relevant document count as 1, as LightGBM and the MSLR papers do."""
    y = np.asarray(labels, dtype=np.float64).ravel()
    s = np.asarray(scores, dtype=np.float64).ravel()
    q = np.asarray(queries).ravel()
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    values = []
    for query in np.unique(q):
        rows = q == query
        gains = 2.0 ** y[rows] - 1.0
        ranked = gains[np.argsort(-s[rows], kind="mergesort")][:k]
        ideal = np.sort(gains)[::-1][:k]
        best = float(ideal @ discounts[: len(ideal)])
        values.append(1.0 if best == 0.0 else float(ranked @ discounts[: len(ranked)]) / best)
    return float(np.mean(values)) if values else float("nan")


def multiclass_log_loss(labels: ArrayLike, probabilities: ArrayLike, eps: float = 1e-15) -> float:
    """Mean negative log-likelihood of class indices 0..K-1 under (rows, K) probabilities
    (rows with a missing probability or label left out)."""
    y, p = _classes(labels, probabilities)
    return float(-np.mean(np.log(np.clip(p[np.arange(len(y)), y], eps, 1.0))))


def accuracy(labels: ArrayLike, probabilities: ArrayLike) -> float:
    """The share of rows whose most probable class is the label (class indices 0..K-1)."""
    y, p = _classes(labels, probabilities)
    return float(np.mean(np.argmax(p, axis=1) == y))


def _classes(labels: ArrayLike, probabilities: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(labels, dtype=np.float64).ravel()
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] != y.size:
        raise ValueError(f"{y.size} labels for probabilities of shape {p.shape}")
    keep = ~(np.isnan(y) | np.isnan(p).any(axis=1))
    return y[keep].astype(np.intp), p[keep]
