"""SimHash of ingest's near-duplicate check: the numpy version agrees bit for bit with the textbook loop."""

from __future__ import annotations

import hashlib

import pytest

from services.ingest.neardup import _WORD, simhash


def reference_simhash(text: str) -> int:
    words = [w.lower() for w in _WORD.findall(text)]
    shingles = [" ".join(words[i : i + 3]) for i in range(max(1, len(words) - 2))]
    weights = [0] * 64
    for shingle in shingles:
        h = int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big")
        for bit in range(64):
            weights[bit] += 1 if h >> bit & 1 else -1
    return sum(1 << bit for bit in range(64) if weights[bit] > 0)


STORY = (
    "Artillery shelled the outskirts of the town overnight, local officials said on Tuesday, and at "
    "least three houses were destroyed. Residents said the shelling began shortly after midnight and "
    "lasted until dawn; no casualties were reported by the regional administration."
)


@pytest.mark.parametrize(
    "text", ["", "one", "two words", "three words here", STORY, STORY.upper(), STORY * 5]
)
def test_simhash_matches_the_reference(text: str) -> None:
    assert simhash(text) == reference_simhash(text)
