"""The search's compiled similarity (geo._similarity) gives rapidfuzz's ``fuzz.ratio`` to the last bit, and the
score the search combined from it before."""

from __future__ import annotations

import random

import numpy as np
from rapidfuzz import fuzz

from geo import _similarity

ALPHABET = "abcdeghiklmnopqrstuvxy đ0123456789가ກ"


def _strings(rng: random.Random, count: int, longest: int, alphabet: str = ALPHABET) -> list[str]:
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, longest))) for _ in range(count)]


def _scores(
    query: str,
    alphabet: dict[str, int],
    labels: _similarity.Texts,
    names: _similarity.Texts,
    rows: np.ndarray,
    part: np.ndarray,
    scale: np.ndarray,
    weight: float,
) -> np.ndarray:
    labels_, names_ = (labels.codes, labels.offset), (names.codes, names.offset)
    return _similarity.scores(
        _similarity.encode(query, alphabet), len(alphabet), labels_, names_, rows, part, scale, weight
    )


def test_the_ratio_is_rapidfuzz_s_for_queries_of_one_and_of_several_machine_words() -> None:
    rng = random.Random(3)
    texts = ["pho hue", "hue pho", "dinh tien hoang", "", "가", *_strings(rng, 600, 90)]
    # Longer than 64 characters (several machine words), empty, and with characters no text has.
    queries = ["pho hue", "", "zzz", *_strings(rng, 120, 150, ALPHABET + "zwf")]
    alphabet: dict[str, int] = {}
    labels = _similarity.Texts(texts, alphabet)
    no_names = _similarity.Texts([""] * len(texts), alphabet)
    rows = np.arange(len(texts))
    for query in queries:
        got = _scores(query, alphabet, labels, no_names, rows, np.zeros(len(rows)), np.ones(len(rows)), 1.0)
        expected = np.array([fuzz.ratio(query, text) / 100.0 for text in texts])
        assert got.tolist() == expected.tolist(), query


def test_the_score_takes_the_better_of_label_and_name_weighted_scaled_and_clipped() -> None:
    rng = random.Random(5)
    labels_text, names_text = _strings(rng, 300, 40), _strings(rng, 300, 40)
    names_text[::3] = [""] * len(names_text[::3])  # no name: the label alone counts
    alphabet: dict[str, int] = {}
    labels = _similarity.Texts(labels_text, alphabet)
    names = _similarity.Texts(names_text, alphabet)
    rows = np.array(sorted(rng.sample(range(300), 120)))
    part = np.array([rng.uniform(0.0, 0.9) for _ in rows])
    scale = np.array([rng.choice([0.85, 0.93, 1.0, 1.3]) for _ in rows])  # 1.3: scores above 1 are clipped
    query = "pho hue 12"
    got = _scores(query, alphabet, labels, names, rows, part, scale, 0.15)
    by_label = np.array([fuzz.ratio(query, labels_text[r]) for r in rows], dtype=float)
    by_name = np.array([fuzz.ratio(query, names_text[r]) for r in rows], dtype=float)
    has_name = np.array([bool(names_text[r]) for r in rows])
    similarity = np.maximum(by_label, np.where(has_name, by_name, 0.0))
    expected = np.clip((part + 0.15 * similarity / 100.0) * scale, 0.0, 1.0)
    assert got.tolist() == expected.tolist()
    assert (got == 1.0).any() and (got < 1.0).any()
