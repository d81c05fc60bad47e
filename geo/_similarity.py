"""The similarity part of the text search (:mod:`geo.search`) in compiled code: rapidfuzz's ``fuzz.ratio`` of the
query and each candidate's label and name, and the candidate's final score.

After :func:`geo._coverage.may_rank` a query keeps a few dozen candidates (29 for the median listed query, 429 at
most). Through rapidfuzz their similarity cost more in Python around the call (the candidates' strings taken
from object arrays, ``process.cdist``'s set-up, five numpy passes to combine the two ratios and clip the score)
than in scoring: about a fifth of a search under load (bench/api.py). rapidfuzz cannot be called from numba, so
its ratio is written here, for the one case the search needs: ``fuzz.ratio(a, b) = 100 * (1 - d / (|a| + |b|))``
with ``d = |a| + |b| - 2 * LCS(a, b)`` (the Indel distance), the longest common subsequence counted with the
bit-parallel algorithm of Allison and Dix (as rapidfuzz does), 64 query characters per machine word. The same
operations in the same order give the same ratios and scores to the last bit (tests/test_search_queries.py
compares them with rapidfuzz's).
"""

from __future__ import annotations

import numpy as np
from numba import njit

_ONES = np.uint64(0xFFFFFFFFFFFFFFFF)


class Texts:
    """Strings as one array of character codes (dense: their alphabet's indices) and offsets.

    Parameters
    ----------
    texts
        The strings; string ``i`` is ``codes[offset[i]:offset[i + 1]]``.
    alphabet
        Character -> code; extended with the characters of ``texts`` not in it yet. Share one between the texts
        a query is compared with.
    """

    def __init__(self, texts: list[str], alphabet: dict[str, int]) -> None:
        for text in texts:
            for char in text:
                alphabet.setdefault(char, len(alphabet))
        self.codes = np.array([alphabet[c] for text in texts for c in text], dtype=np.int32)
        self.offset = np.zeros(len(texts) + 1, dtype=np.int64)
        self.offset[1:] = np.cumsum([len(t) for t in texts])


def encode(query: str, alphabet: dict[str, int]) -> np.ndarray:
    """A query's characters as codes of ``alphabet``, -1 for one found in no indexed text."""
    return np.array([alphabet.get(c, -1) for c in query], dtype=np.int32)


@njit(cache=True)
def scores(
    query: np.ndarray,
    alphabet_size: int,
    labels: tuple[np.ndarray, np.ndarray],
    names: tuple[np.ndarray, np.ndarray],
    rows: np.ndarray,
    part: np.ndarray,
    scale: np.ndarray,
    w_similarity: float,
) -> np.ndarray:
    """The candidates' scores: ``clip((part + w_similarity * s / 100) * scale, 0, 1)`` with ``s`` the greater of
    the ratios of the query to the row's label and to its name (a name only when not empty).

    Parameters
    ----------
    query
        The query's codes (:func:`encode`).
    alphabet_size
        Number of codes of the alphabet.
    labels, names
        ``(codes, offset)`` of the records' labels and names (:class:`Texts`), by row.
    rows, part, scale
        The candidates, their coverage part and their house-number factor (:func:`geo._coverage.may_rank`).
    w_similarity
        Weight of the similarity part.
    """
    m = len(query)
    words = max(1, (m + 63) // 64)
    # Bit i of a character's mask says whether the query's character i is that one.
    masks = np.zeros((alphabet_size, words), dtype=np.uint64)
    for i in range(m):
        if query[i] >= 0:
            masks[query[i], i // 64] |= np.uint64(1) << np.uint64(i % 64)
    state = np.empty(words, dtype=np.uint64)
    out = np.empty(len(rows))
    for j in range(len(rows)):
        row = rows[j]
        similarity = _ratio(masks, m, labels[0], labels[1][row], labels[1][row + 1], state)
        if names[1][row + 1] > names[1][row]:
            similarity = max(similarity, _ratio(masks, m, names[0], names[1][row], names[1][row + 1], state))
        out[j] = min(max((part[j] + w_similarity * similarity / 100.0) * scale[j], 0.0), 1.0)
    return out


@njit(cache=True)
def _ratio(masks: np.ndarray, m: int, codes: np.ndarray, start: int, end: int, state: np.ndarray) -> float:
    """rapidfuzz's ``fuzz.ratio`` of the query (``m`` characters, its ``masks``) and ``codes[start:end]``."""
    total = m + end - start
    if total == 0:
        return 100.0
    words = len(state)
    state[:] = _ONES
    for t in range(start, end):
        carry = np.uint64(0)
        for w in range(words):
            s = state[w]
            u = s & masks[codes[t], w]
            added = s + u
            summed = added + carry
            carry = np.uint64(1) if added < s or summed < added else np.uint64(0)
            state[w] = summed | (s - u)
    common = 0
    for w in range(words):
        left = ~state[w]
        if w == words - 1 and m % 64:
            left &= (np.uint64(1) << np.uint64(m % 64)) - np.uint64(1)
        common += _popcount(left)
    distance = total - 2 * common
    return (1.0 - distance / total) * 100.0


@njit(cache=True)
def _popcount(x: np.uint64) -> int:
    """Number of bits set in ``x``."""
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return int((x * np.uint64(0x0101010101010101)) >> np.uint64(56))
