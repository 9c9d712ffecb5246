"""Near-duplicate detection for syndicated wire copy: a 64-bit SimHash over word 3-shingles.

Two texts whose SimHashes differ in at most ``MAX_DISTANCE`` bits are the same story. Lookups use four
16-bit bands: by the pigeonhole principle, two hashes within 3 bits share at least one band exactly,
so only articles sharing a band are compared.
"""

from __future__ import annotations

import hashlib
import re

MAX_DISTANCE = 3
BANDS = 4
_WORD = re.compile(r"\w+", re.UNICODE)


def simhash(text: str) -> int:
    words = [w.lower() for w in _WORD.findall(text)]
    shingles = [" ".join(words[i : i + 3]) for i in range(max(1, len(words) - 2))]
    weights = [0] * 64
    for shingle in shingles:
        h = int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big")
        for bit in range(64):
            weights[bit] += 1 if h >> bit & 1 else -1
    return sum(1 << bit for bit in range(64) if weights[bit] > 0)


def bands(h: int) -> list[int]:
    """(band index, 16-bit value) packed as index << 16 | value."""
    return [i << 16 | (h >> (16 * i)) & 0xFFFF for i in range(BANDS)]


def distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def to_signed(h: int) -> int:
    """SQLite integers are signed 64-bit."""
    return h - (1 << 64) if h >= 1 << 63 else h


def from_signed(h: int) -> int:
    return h + (1 << 64) if h < 0 else h
