"""What the index knows of words: its vocabulary (typo correction, unknown words) and synonyms."""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.distance import OSA

from indexer.schema import analyzer, words
from kb.engine.cache import LRU
from kb.errors import ContentError

_ANALYZER = analyzer()


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The indexed form of one word ('' for a stop word or one too short to index)."""
    tokens = [t.text for t in _ANALYZER(word)]
    return tokens[0] if tokens else ""


def max_typo_distance(word: str) -> int:
    """Edits allowed when correcting a word: none for short words, numbers and codes; two from
    eight letters, where two slips are common ("costumer", "analisys") and a word two edits from
    another content word is rare (the length from which Algolia's default allows two typos)."""
    if len(word) < 4 or not word.isalpha():
        return 0
    return 1 if len(word) < 8 else 2


def _by_length(words: Iterable[str]) -> tuple[list[str], list[int]]:
    """`words` sorted by length (as given within a length), and `starts`: the words of n letters
    are words[starts[n]:starts[n + 1]]."""
    ordered = sorted(words, key=len)
    lengths = np.fromiter(map(len, ordered), np.int64, count=len(ordered))
    longest = int(lengths[-1]) if ordered else 0
    return ordered, np.searchsorted(lengths, np.arange(longest + 2)).tolist()


def _length_runs(starts: list[int]) -> list[tuple[int, int, int]]:
    """(length, first, after) of each length that has words, from _by_length's `starts`."""
    return [
        (n, starts[n], starts[n + 1]) for n in range(len(starts) - 1) if starts[n + 1] > starts[n]
    ]


def _code_points(words: list[str], size: int) -> npt.NDArray[np.uint32]:
    """Words of `size` letters as a (words × size) array of their code points."""
    return np.array(words, dtype=f"<U{size}").view(np.uint32).reshape(len(words), size)


class Grams:
    """Which words share which letter pairs: the words a typo can be one or two edits from, found
    without comparing it with every word of similar length. (Corrections look for words one edit
    away in Deletions first, and come here only for a long word that has none.)

    A word is read as the pairs of letters of "^word$". One edit (insert, delete, substitute, or
    swap two neighbours) removes at most three of a word's pairs, so two words within k edits have
    at least max(distinct pairs of either) - 3k distinct pairs in common. Counting the pairs a typo
    shares with each word keeps every word that can be within reach, in the words' order, and drops
    the rest before any edit distance, the costly step, is computed.

    The words are sorted by length, so the words of a length are one run of them and one run of
    each pair's list: only the runs of the lengths within reach are counted, never whole lists into
    a vocabulary-sized array.
    """

    def __init__(self, words: Iterable[str]) -> None:
        # As candidate pools list them: by length, then as given. starts[n]: where the words of n
        # letters or more begin, in the words and in each pair's list.
        self.words, self.starts = _by_length(words)
        n = len(self.words)
        # Every word's distinct pairs as numbers (two code points, 21 bits each), computed with
        # numpy for all the words of a length at once, not in a Python loop over the pairs, which
        # is far slower and holds the GIL all the while, so its worker answers nothing else.
        codes: list[npt.NDArray[np.int64]] = []
        owners: list[npt.NDArray[np.int64]] = []
        distinct = np.zeros(n, dtype=np.int32)
        for size, first, after in _length_runs(self.starts):
            padded = [f"^{w}$" for w in self.words[first:after]]
            points = _code_points(padded, size + 2).astype(np.int64)
            pairs = np.sort((points[:, :-1] << 21) | points[:, 1:], axis=1)
            new = np.ones(pairs.shape, dtype=bool)
            new[:, 1:] = pairs[:, 1:] != pairs[:, :-1]
            distinct[first:after] = new.sum(axis=1)
            codes.append(pairs[new])
            owners.append(np.nonzero(new)[0] + first)
        self.distinct = distinct
        self.postings: dict[str, npt.NDArray[np.int32]] = {}
        self.runs: dict[str, list[int]] = {}
        if not n:
            return
        # By pair, each pair's words in the words' order: one sort of (pair, word) numbers (a pair
        # takes 42 bits; more words than 2**21 would not fit in the rest, and sort stably instead).
        flat, ids = np.concatenate(codes), np.concatenate(owners)
        if n < 1 << 21:
            both = np.sort((flat << 21) | ids)
            flat, ids = both >> 21, both & ((1 << 21) - 1)
        else:
            order = np.argsort(flat, kind="stable")
            flat, ids = flat[order], ids[order]
        begins = np.flatnonzero(np.concatenate(([True], flat[1:] != flat[:-1])))
        pair_codes = flat[begins]
        ends = np.append(begins[1:], len(flat))
        # Each pair's run of the words of each length: one search over (pair, word) keys.
        which = np.repeat(np.arange(len(pair_codes)), ends - begins)
        keys = which * (n + 1) + ids
        wanted = np.arange(len(pair_codes))[:, None] * (n + 1) + np.array(self.starts)[None, :]
        runs = np.searchsorted(keys, wanted) - begins[:, None]
        postings = ids.astype(np.int32)
        for i, code in enumerate(pair_codes.tolist()):
            pair = chr(code >> 21) + chr(code & 0x1FFFFF)
            self.postings[pair] = postings[begins[i] : ends[i]]
            self.runs[pair] = runs[i].tolist()

    @staticmethod
    def pairs(word: str) -> set[str]:
        padded = f"^{word}$"
        return {padded[i : i + 2] for i in range(len(padded) - 1)}

    def near(self, word: str, low: int, high: int, edits: int) -> list[str]:
        """The words of length low..high that may be within `edits` of `word`, in pool order."""
        last = len(self.starts) - 1
        first, after = min(max(low, 0), last), min(max(high + 1, 0), last)
        start, end = self.starts[first], self.starts[after]
        if end <= start:
            return []
        pairs = self.pairs(word)
        found = []
        for pair in pairs:
            run = self.runs.get(pair)
            if run is not None and run[after] > run[first]:
                found.append(self.postings[pair][run[first] : run[after]])
        floor = len(pairs) - 3 * edits  # fewer shared pairs than this: out of reach of any word
        if found:
            shared = np.bincount(np.concatenate(found) - start, minlength=end - start)
        elif floor > 0:
            return []
        else:
            shared = np.zeros(end - start, dtype=np.int64)
        within = np.flatnonzero(shared >= floor)
        within = within[shared[within] >= self.distinct[start + within] - 3 * edits]
        return [self.words[start + i] for i in within.tolist()]


_BASE = np.uint64(0x100000001B3)  # the polynomial hashes' base (FNV-1's 64-bit prime)


def _deletion_hashes(points: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """Rows of n words of one length L, as code points: each word's hash, then the hashes of the L
    words it becomes when one of its letters is deleted (n × (L + 1)). The hash of a word s of m
    letters is Σ s[k]·B^(m-1-k) mod 2**64, so deleting letter j leaves
    hash(s[:j])·B^(L-1-j) + hash(s[j+1:]), both read off a column of prefix or suffix hashes."""
    n, size = points.shape
    powers = np.ones(size + 1, dtype=np.uint64)  # B**j; array arithmetic wraps around mod 2**64
    powers[1:] = np.cumprod(np.full(size, _BASE, dtype=np.uint64))
    prefix = np.zeros((n, size + 1), dtype=np.uint64)  # prefix[:, j]: hash of the first j letters
    for j in range(size):
        prefix[:, j + 1] = prefix[:, j] * _BASE + points[:, j]
    suffix = np.zeros((n, size + 1), dtype=np.uint64)  # suffix[:, j]: hash of letters j onwards
    for j in range(size - 1, -1, -1):
        suffix[:, j] = points[:, j] * powers[size - 1 - j] + suffix[:, j + 1]
    hashes = np.empty((n, size + 1), dtype=np.uint64)
    hashes[:, 0] = prefix[:, size]
    hashes[:, 1:] = prefix[:, :size] * powers[size - 1 :: -1] + suffix[:, 1:]
    return hashes


def _word_deletion_hashes(word: str) -> list[int]:
    """_deletion_hashes of one word, in Python's integers: on one row, numpy's per-call overhead
    costs far more than the arithmetic."""
    size, base, mask = len(word), int(_BASE), (1 << 64) - 1
    points = [ord(c) for c in word]
    powers = [1]
    for _ in range(size):
        powers.append(powers[-1] * base & mask)
    prefix = [0]
    for point in points:
        prefix.append((prefix[-1] * base + point) & mask)
    suffix = [0] * (size + 1)
    for j in range(size - 1, -1, -1):
        suffix[j] = (points[j] * powers[size - 1 - j] + suffix[j + 1]) & mask
    return [prefix[size]] + [
        (prefix[j] * powers[size - 1 - j] + suffix[j + 1]) & mask for j in range(size)
    ]


class Deletions:
    """The words one edit away from a typo, found by their deletion neighbourhoods (the idea of
    SymSpell): a word and a typo within one edit (insert, delete, substitute, or swap two
    neighbours) always share a key, a key being the word itself or the word with one letter
    deleted (a substitution deletes the changed letter from both; a swap deletes the same letter
    from both). The keys are kept as 64-bit hashes in a hash table of flat arrays, built with numpy
    (docs/performance.md, "Per query"). A typo's dozen keys are looked up one by one, where
    Grams.near counts letter pairs over thousands of words: so corrections try Deletions first.
    A hash shared by chance only adds a candidate that the edit distance then drops.
    """

    def __init__(self, words: Iterable[str]) -> None:
        self.words, starts = _by_length(words)  # in the order Grams keeps them (pool order)
        keys: list[npt.NDArray[np.uint64]] = []
        owners: list[npt.NDArray[np.int64]] = []
        for size, first, after in _length_runs(starts):
            hashes = _deletion_hashes(_code_points(self.words[first:after], size).astype(np.uint64))
            keys.append(hashes.ravel())
            owners.append(np.repeat(np.arange(first, after), size + 1))
        flat = np.concatenate(keys) if keys else np.zeros(0, dtype=np.uint64)
        order = np.argsort(flat, kind="stable")
        flat = flat[order]
        # A hash table in three flat arrays: the keys sorted, the word of each key beside it, and
        # where each bucket's keys start (a bucket: the keys' top `bits` bits, as many buckets as
        # keys or more). Looked up from Python a key at a time, as array.array (whose items are
        # Python ints at once): numpy's calls cost more than the lookups they would batch.
        self.bits = max(1, len(flat).bit_length())
        buckets = flat >> np.uint64(64 - self.bits)
        starts_at = np.searchsorted(buckets, np.arange(2**self.bits + 1, dtype=np.uint64))
        self.keys = array("Q", flat.tobytes())
        owned = np.concatenate(owners)[order] if owners else np.zeros(0, dtype=np.int64)
        self.owners = array("i", owned.astype(np.int32).tobytes())
        self.buckets = array("i", starts_at.astype(np.int32).tobytes())

    def candidates(self, word: str) -> list[str]:
        """Every word within one edit of `word` (and perhaps a few more), in the words' order."""
        if not word or not self.keys:
            return []
        keys, owners, buckets, shift = self.keys, self.owners, self.buckets, 64 - self.bits
        found: set[int] = set()
        for wanted in _word_deletion_hashes(word):
            bucket = wanted >> shift
            for k in range(buckets[bucket], buckets[bucket + 1]):
                if keys[k] == wanted:
                    found.add(owners[k])
        return [self.words[i] for i in sorted(found)]


class Vocabulary:
    """The words of one index version with their counts."""

    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = counts
        self.stems = {stem(w) for w in counts} - {""}
        self.total = sum(counts.values()) or 1
        # This version's corrections ("" for none). Kept on the instance: a functools.lru_cache on
        # the method is one cache for the class, whose keys would hold every replaced version's
        # vocabulary (its typo indexes included) alive after its index is gone.
        self._corrections: LRU[str, str] = LRU(8192)

    def __len__(self) -> int:
        return len(self.counts)

    def knows(self, word: str) -> bool:
        return word in self.counts or stem(word) in self.stems

    def frequency(self, word: str) -> int:
        return self.counts.get(word, 0)

    def correct(self, word: str) -> str | None:
        """The nearest indexed word within the typo distance for its length, or None.

        Ties go to the candidate that keeps the first letter, then to the more frequent word.
        """
        return self._corrections.get_or_make(word, self._correct) or None

    def _correct(self, word: str) -> str:
        """`correct` without the cache, "" for no correction."""
        limit = max_typo_distance(word)
        if limit == 0:
            return ""
        # A word one edit away beats every word two away: those are looked for only when there
        # is none (the first eight within one edit, in pool order, are what the extract over
        # the whole pool would put first).
        pool = self._deletions.candidates(word)
        found = process.extract(word, pool, scorer=OSA.distance, score_cutoff=1, limit=8)
        if not found and limit > 1:
            pool = self._grams.near(word, len(word) - limit, len(word) + limit, limit)
            found = process.extract(word, pool, scorer=OSA.distance, score_cutoff=limit, limit=8)
        if len(word) == 4:
            # Four letters leave little to go on: only a same-first-letter fix (caht → chat, not bake → make).
            found = [f for f in found if f[0][0] == word[0]]
        if not found:
            return ""
        best = min(found, key=lambda f: (f[1], f[0][0] != word[0], -self.counts.get(f[0], 0)))
        return str(best[0])

    def prepare(self) -> None:
        """Build the typo-correction indexes here, not in the first question that needs them (which
        would wait for them, and its worker would answer nothing else meanwhile)."""
        self._deletions, self._grams  # noqa: B018 - cached properties, computed for their effect

    @cached_property
    def _grams(self) -> Grams:
        """The words' letter pairs, for a long typo's two-edit corrections (built once: see
        `prepare`)."""
        return Grams(self._alphabetic)

    @cached_property
    def _deletions(self) -> Deletions:
        """The words' deletion keys, for one-edit corrections (built once: see `prepare`)."""
        return Deletions(self._alphabetic)

    @property
    def _alphabetic(self) -> list[str]:
        """The words typos are corrected to, as counted."""
        return [w for w in self.counts if w.isalpha()]


def match_key(word: str) -> str:
    """How a word is compared with synonym phrases: its stem, or itself when it is a stop word."""
    return stem(word) or word


@dataclass(frozen=True)
class Synonyms:
    """Groups of words and phrases that mean the same to a customer (content/synonyms.yaml).

    A member is matched by its words' keys (stems, stop words kept), so "turned up" matches "turned
    up" but not "turn on"; it is searched as its stems (stop words dropped).
    """

    groups: tuple[
        tuple[tuple[tuple[str, ...], tuple[str, ...]], ...], ...
    ]  # (keys, stems) per member

    @classmethod
    def from_data(cls, data: Any) -> Synonyms:
        if data is None:
            return cls(())
        raw = data.get("groups") if isinstance(data, dict) else data
        if not isinstance(raw, list):
            raise ContentError("synonyms.yaml: expected a list of groups (or 'groups:' list)")
        groups = []
        for group in raw:
            if not isinstance(group, list):
                raise ContentError("synonyms.yaml: every group must be a list of words or phrases")
            members: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
            for member in group:
                ws = words(str(member))
                keys = tuple(match_key(w) for w in ws)
                stems = tuple(s for s in (stem(w) for w in ws) if s)
                if stems and all(keys != k for k, _ in members):
                    members.append((keys, stems))
            if len(members) > 1:
                groups.append(tuple(members))
        return cls(tuple(groups))

    def phrases(self) -> list[tuple[str, ...]]:
        """The members searched as phrases (more than one stem)."""
        return sorted({stems for group in self.groups for _, stems in group if len(stems) > 1})

    @cached_property
    def _by_first_key(self) -> dict[str, list[tuple[int, int, tuple[str, ...]]]]:
        """(group, member, keys) of every member, by the key of its first word."""
        index: dict[str, list[tuple[int, int, tuple[str, ...]]]] = {}
        for g, group in enumerate(self.groups):
            for m, (member_keys, _) in enumerate(group):
                index.setdefault(member_keys[0], []).append((g, m, member_keys))
        return index

    def expansions(self, keys: list[str]) -> list[tuple[int, int, tuple[str, ...]]]:
        """(start, end, other member's stems) for every member found in the query's word keys, in
        the order of the groups, their members, then the positions."""
        matches: list[tuple[int, int, int, int]] = []  # group, member, start, end
        index = self._by_first_key
        for i, key in enumerate(keys):
            for g, m, member_keys in index.get(key, ()):
                end = i + len(member_keys)
                if tuple(keys[i:end]) == member_keys:
                    matches.append((g, m, i, end))
        matches.sort()
        found: list[tuple[int, int, tuple[str, ...]]] = []
        for g, m, start, end in matches:
            found.extend(
                (start, end, stems) for j, (_, stems) in enumerate(self.groups[g]) if j != m
            )
        return found
