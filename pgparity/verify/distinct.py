"""Distinct values counted in bounded memory: exact up to a limit, then a HyperLogLog estimate.

Values arrive as 64-bit words, one batch at a time: canonical integers themselves, other values as
hashes of their canonical form. Up to `limit` distinct words are kept (8 bytes each; pending words are
merged into them once `limit` of them wait: at most 2 x limit are held, each word is merged once into a
kept set of at most `limit`, and a table of up to `limit` rows is counted by one pass at the end), and
the count is exact (for hashes: two values share
one with probability ~n²/2^65, and both sides hash alike, so equal data always counts equal). Past
the limit the words are dropped into a HyperLogLog sketch of 2^14 one-byte registers (16 KiB): an
estimate with a standard error of about 0.8 %, a diagnostic, never a verdict.
"""

from __future__ import annotations

import math

import numpy as np

HLL_BITS = 14


def _mix(h: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser: every output bit depends on every input bit (a sketch needs that)."""
    h = h ^ (h >> np.uint64(30))
    h = h * np.uint64(0xBF58476D1CE4E5B9)
    h = h ^ (h >> np.uint64(27))
    h = h * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


class HyperLogLog:
    """Flajolet et al.'s estimator with the small-range (linear counting) correction."""

    def __init__(self, bits: int = HLL_BITS):
        self.bits = bits
        self.registers = np.zeros(1 << bits, np.uint8)

    def add(self, hashes: np.ndarray) -> None:
        h = _mix(hashes.astype(np.uint64, copy=False))
        index = (h >> np.uint64(64 - self.bits)).astype(np.intp)
        rest = 64 - self.bits  # the other bits (< 2^53: exact as doubles); rank = leading zeros among them + 1
        _, top = np.frexp((h & np.uint64((1 << rest) - 1)).astype(np.float64))
        np.maximum.at(self.registers, index, (rest + 1 - top).astype(np.uint8))

    def estimate(self) -> int:
        m = len(self.registers)
        raw = 0.7213 / (1 + 1.079 / m) * m * m / float(np.sum(np.ldexp(1.0, -self.registers.astype(np.int32))))
        zeros = int(np.count_nonzero(self.registers == 0))
        if raw <= 2.5 * m and zeros:
            return round(m * math.log(m / zeros))
        return round(raw)


def _runs(words: np.ndarray) -> np.ndarray:
    """Where a sorted array's value changes (True at each first occurrence)."""
    return np.concatenate([[True], words[1:] != words[:-1]])


def _unique(words: np.ndarray) -> np.ndarray:
    """The distinct words, sorted (numpy's sort of 64-bit integers is a few times cheaper than hashing them)."""
    ordered = np.sort(words)
    return ordered[_runs(ordered)] if len(ordered) else ordered


def _count(words: np.ndarray) -> int:
    """How many distinct words."""
    if not len(words):
        return 0
    ordered = np.sort(words)
    return int(np.count_nonzero(ordered[1:] != ordered[:-1])) + 1


class DistinctCounter:
    """Distinct 64-bit words: exact while at most `limit` are distinct, then estimated.

    Words that arrive in non-decreasing order (a key, a foreign key loaded in order, an insertion time)
    are counted as they come, without a hash table: one comparison per word."""

    def __init__(self, limit: int):
        self.limit = limit
        self.kept = np.empty(0, np.uint64)
        self.pending: list[np.ndarray] = []
        self.pending_size = 0
        self.sketch: HyperLogLog | None = None
        self.in_order, self.last, self.counted = True, None, 0

    def add(self, words: np.ndarray) -> None:
        """Count a batch of words; what is kept of it is a copy (never a view of the caller's memory)."""
        if not len(words):
            return
        if self.sketch is not None:
            self.sketch.add(words)
            return
        given = words
        if self.in_order:
            words = self._count_in_order(words)
        self.pending.append(words.copy() if words is given else words)
        self.pending_size += len(words)
        if self.pending_size >= self.limit:  # at most 2 x limit held
            self._merge()

    def _count_in_order(self, words: np.ndarray) -> np.ndarray:
        """Count a batch that continues the non-decreasing order; the words to keep (repeats dropped)."""
        self.in_order = bool(np.all(words[1:] >= words[:-1])) and (self.last is None or words[0] >= self.last)
        if not self.in_order:
            return words
        first = _runs(words)
        first[0] = self.last is None or words[0] != self.last
        self.counted += int(np.count_nonzero(first))
        self.last = words[-1]
        return words[first]

    def _all(self) -> np.ndarray:
        return np.concatenate([self.kept, *self.pending])

    def _merge(self) -> None:
        words = self._all()
        self.pending, self.pending_size = [], 0
        self.kept = words[_runs(words)] if self.in_order else _unique(words)
        if len(self.kept) > self.limit:
            self.sketch = HyperLogLog()
            self.sketch.add(self.kept)
            self.kept = np.empty(0, np.uint64)

    def result(self) -> tuple[int | None, int | None]:
        """(exact count, None) within the limit, else (None, estimate)."""
        if self.sketch is None:
            words = self._all()
            count = self.counted if self.in_order else _count(words)
            if count <= self.limit:
                return count, None
            self.sketch = HyperLogLog()
            self.sketch.add(words)  # duplicates leave a sketch as it is
        return None, self.sketch.estimate()
