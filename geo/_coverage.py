"""Compiled (numba) coverage sums of the text search (:mod:`geo.search`): how much of the query each record
matches, and how much of its best-covered field the query matches.

Done with numpy these were a few dozen small array operations per query (per query word, per matched
vocabulary word, per field), each costing more in calls than in arithmetic: most of a search's time under load
(bench/api.py). The sums are done here in the same order with the same operations, so the scores are the same
to the last bit.
"""

from __future__ import annotations

import numpy as np
from numba import njit


def csr(postings: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Postings (the rows holding each vocabulary word) as one array and its offsets: word ``v``'s rows are
    ``rows[offset[v]:offset[v + 1]]``."""
    offset = np.zeros(len(postings) + 1, dtype=np.int64)
    offset[1:] = np.cumsum([len(p) for p in postings])
    rows = np.concatenate(postings).astype(np.int64) if postings else np.zeros(0, dtype=np.int64)
    return offset, rows


@njit(cache=True)
def coverage(
    n: int,
    any_offset: np.ndarray,
    any_rows: np.ndarray,
    field_offsets: np.ndarray,
    field_rows: np.ndarray,
    field_totals: np.ndarray,
    weight: np.ndarray,
    word_offset: np.ndarray,
    found_vocab: np.ndarray,
    found_sim: np.ndarray,
    word_weight: np.ndarray,
    total_weight: float,
    best_vocab: np.ndarray,
    best_sim: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The records holding a matched word (sorted), their query coverage and their record coverage.

    Parameters
    ----------
    n
        Number of records.
    any_offset, any_rows
        Postings of every vocabulary word in any field (:func:`csr`).
    field_offsets, field_rows, field_totals
        Per field (street, name): offsets ``(n_fields, n_vocab + 1)`` into the concatenated ``field_rows``
        (each field's offsets count from its own start in it), and ``(n_fields, n)`` the weight of each
        record's words in that field.
    weight
        Weight of each vocabulary word.
    word_offset, found_vocab, found_sim, word_weight
        The query words: word ``w`` matches vocabulary words ``found_vocab[word_offset[w]:word_offset[w + 1]]``
        with similarities ``found_sim`` there, and weighs ``word_weight[w]``; ``total_weight`` is their sum.
    best_vocab, best_sim
        Every matched vocabulary word once, with its best similarity over the query words.
    """
    held = np.zeros(n, dtype=np.bool_)
    for v in best_vocab:
        for i in range(any_offset[v], any_offset[v + 1]):
            held[any_rows[i]] = True
    rows = np.flatnonzero(held)
    m = len(rows)
    at = np.empty(n, dtype=np.int64)
    for j in range(m):
        at[rows[j]] = j

    covered = np.zeros(m)
    hit = np.empty(m)
    for w in range(len(word_weight)):
        hit[:] = 0.0
        for f in range(word_offset[w], word_offset[w + 1]):
            v, sim = found_vocab[f], found_sim[f]
            for i in range(any_offset[v], any_offset[v + 1]):
                j = at[any_rows[i]]
                hit[j] = max(hit[j], sim)
        for j in range(m):
            covered[j] += word_weight[w] * hit[j]
    query_cov = covered / total_weight

    record_cov = np.zeros(m)
    matched = np.empty(m)
    start = 0
    for field in range(len(field_offsets)):
        offset = field_offsets[field]
        matched[:] = 0.0
        for b in range(len(best_vocab)):
            v = best_vocab[b]
            add = weight[v] * best_sim[b]
            for i in range(start + offset[v], start + offset[v + 1]):
                matched[at[field_rows[i]]] += add
        for j in range(m):
            total = field_totals[field, rows[j]]
            share = matched[j] / total if total > 0 else 0.0
            record_cov[j] = max(record_cov[j], share)
        start += offset[-1]
    return rows, query_cov, record_cov


@njit(cache=True)
def may_rank(
    rows: np.ndarray,
    query_cov: np.ndarray,
    record_cov: np.ndarray,
    mask: np.ndarray,
    factor: np.ndarray,
    weights: tuple[float, float, float],
    k: int,
    cut: float,
    place: np.ndarray,
    rows_per_place: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Of the records :func:`coverage` found, those that may rank among the best ``k`` before their similarity
    part is known.

    A record's score is ``clip((w_query * query_cov + w_record * min(record_cov, 1) + w_similarity * s / 100)
    * factor, 0, 1)`` with ``s`` its similarity in [0, 100]; the operations round monotonically, so ``s = 0`` and
    ``s = 100`` bound it. A record whose upper bound is below ``cut`` or below the ``k``-th best lower bound
    cannot rank; a place found by several rows (its other names) counts once, by its best.

    Parameters
    ----------
    rows, query_cov, record_cov
        What :func:`coverage` returned.
    mask
        Per record, whether it may be returned (the kinds asked).
    factor
        Per record, what its text score is multiplied by (house number, areas, diacritics; ones for none).
    weights
        ``(w_query, w_record, w_similarity)``.
    k
        Number of results asked.
    cut
        Lowest score returned.
    place, rows_per_place
        The place each row stands for, and the most rows any place has.

    Returns
    -------
    tuple
        The records that may rank (sorted), their coverage part ``w_query * query_cov + w_record *
        min(record_cov, 1)`` and their factor.
    """
    w_query, w_record, w_similarity = weights
    m = len(rows)
    kept = np.empty(m, dtype=np.int64)
    part = np.empty(m)
    scale = np.empty(m)
    n = 0
    for j in range(m):
        row = rows[j]
        if query_cov[j] > 0 and mask[row]:
            kept[n] = row
            part[n] = w_query * query_cov[j] + w_record * min(record_cov[j], 1.0)
            scale[n] = factor[row]
            n += 1
    if n > k:
        lower = np.empty(n)
        for j in range(n):
            lower[j] = min(max((part[j] + w_similarity * 0.0 / 100.0) * scale[j], 0.0), 1.0)
        # The k-th best place is among the best k * rows_per_place rows: walk those, best first.
        m = min(n, k * rows_per_place)
        top = np.flatnonzero(lower >= np.partition(lower, n - m)[n - m])
        seen = np.empty(k, dtype=np.int64)
        count = 0
        for j in top[np.argsort(-lower[top], kind="mergesort")]:
            p = place[kept[j]]
            if p not in seen[:count]:
                seen[count] = p
                count += 1
                if count == k:
                    cut = max(cut, lower[j])
                    break
    out = 0
    for j in range(n):
        if min(max((part[j] + w_similarity * 100.0 / 100.0) * scale[j], 0.0), 1.0) >= cut:
            kept[out], part[out], scale[out] = kept[j], part[j], scale[j]
            out += 1
    return kept[:out], part[:out], scale[:out]
