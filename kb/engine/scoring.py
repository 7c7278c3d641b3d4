"""Whoosh's postings, held as arrays: BM25F scoring of a whole query in a few vectorized steps.

Whoosh answers an OR over five fields by walking a tree of Python matchers document by document; on
a large help center that is most of a search's time. Here the same postings are read once per index
segment (`SegmentPostings`, kept across index versions, so an incremental build only reads its new
segment) and a query is scored with numpy over all chunks at once: the same BM25F formula, inputs
(stored term weights, Whoosh's quantized field lengths, its IDF) and parameters as Whoosh's own
scorer, so the scores match Whoosh's. Multi-word synonyms (phrases) are found once per segment, from
the positions Whoosh stores, when the segment is first read.
"""

from __future__ import annotations

import math
import threading
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh.reading import CorruptIndexError, IndexReader
from whoosh.searching import Searcher

from indexer.schema import TEXT_FIELDS
from kb.engine.cache import LRU

# Whoosh's BM25F defaults (whoosh.scoring.BM25F), the weighting kb's index is searched with.
B = 0.75
K1 = 1.2
FILTER_FIELDS = ("topic", "audience", "facets")
Floats = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]


@dataclass
class FieldPostings:
    """One field's postings in one segment: term → a slice of the docs/weights arrays."""

    slices: dict[str, tuple[int, int]]
    docs: npt.NDArray[np.int32]
    weights: npt.NDArray[np.float32]


@dataclass
class SegmentPostings:
    """Everything kb reads from one Whoosh segment. Segments never change once written."""

    name: str
    doccount: int
    fields: dict[str, FieldPostings]
    lengths: dict[str, npt.NDArray[np.float32]]
    stored: list[dict[str, Any]]
    phrases: dict[tuple[str, tuple[str, ...]], npt.NDArray[np.int32]] = field(default_factory=dict)

    def phrase(
        self, reader: IndexReader, fieldname: str, stems: tuple[str, ...]
    ) -> npt.NDArray[np.int32]:
        """This segment's chunks where the stems stand next to each other, in order, in a field."""
        key = (fieldname, stems)
        found = self.phrases.get(key)
        if found is None:
            found = self.phrases[key] = _phrase(reader, self.fields[fieldname], fieldname, stems)
        return found

    @classmethod
    def read(cls, reader: IndexReader) -> SegmentPostings:
        segment = reader.segment()
        doccount = reader.doc_count_all()
        wanted = set(TEXT_FIELDS) | set(FILTER_FIELDS)
        collected: dict[str, tuple[dict[str, tuple[int, int]], list[Any], list[Any]]] = {
            f: ({}, [], []) for f in wanted
        }
        counts = dict.fromkeys(wanted, 0)
        terms = reader._terms  # the codec's terms reader: postings are read block by block
        codec = terms._codec
        for (fieldname, tbytes), info in terms.items():
            if fieldname not in wanted:
                continue
            slices, ids, weights = collected[fieldname]
            if info.is_inlined():
                block_ids, block_weights, _ = info.inlined_postings()
                ids.append(block_ids)
                weights.append(block_weights)
                n = len(block_ids)
            else:
                m = codec.postings_reader(terms._postfile, info, reader.schema[fieldname].format)
                n = 0
                while True:
                    m._read_ids()
                    m._read_weights()
                    ids.append(m._ids)
                    weights.append(m._weights)
                    n += len(m._ids)
                    if m._lastblock:
                        break
                    m._goto(m._nextoffset)
            start = counts[fieldname]
            slices[tbytes.decode("utf-8")] = (start, start + n)
            counts[fieldname] = start + n
        fields = {
            f: FieldPostings(
                slices,
                np.fromiter((i for block in ids for i in block), np.int32, counts[f]),
                np.fromiter((w for block in ws for w in block), np.float32, counts[f]),
            )
            for f, (slices, ids, ws) in collected.items()
        }
        for f, fp in fields.items():
            _check(segment.segment_id(), f, fp, doccount)
        lengths = {
            f: np.fromiter(
                (reader.doc_field_length(d, f, 0) for d in range(doccount)), np.float32, doccount
            )
            for f in TEXT_FIELDS
        }
        stored = [reader.stored_fields(d) for d in range(doccount)]
        return cls(segment.segment_id(), doccount, fields, lengths, stored)


def _check(segment: str, fieldname: str, fp: FieldPostings, doccount: int) -> None:
    """Refuse postings that cannot be right (a damaged segment can decode into garbage)."""
    bad = None
    if len(fp.docs) and (fp.docs.min() < 0 or fp.docs.max() >= doccount):
        bad = "a document number out of range"
    elif not np.isfinite(fp.weights).all() or (fp.weights < 0).any():
        bad = "a weight that is not a count"
    else:
        rising = np.diff(fp.docs) > 0
        starts = np.array(sorted(start for start, _ in fp.slices.values())[1:], dtype=np.int64)
        rising[starts[starts > 0] - 1] = True  # each term's list starts afresh
        if not rising.all():
            bad = "document numbers out of order"
    if bad:
        raise CorruptIndexError(f"segment {segment}, field {fieldname}: {bad}")


def _phrase(
    reader: IndexReader, fp: FieldPostings, fieldname: str, stems: tuple[str, ...]
) -> npt.NDArray[np.int32]:
    spans = [fp.slices.get(s) for s in stems]
    if any(span is None for span in spans):
        return np.zeros(0, np.int32)
    docs = None
    for span in spans:
        assert span is not None
        these = fp.docs[span[0] : span[1]]
        docs = these if docs is None else np.intersect1d(docs, these, assume_unique=True)
    if docs is None or not len(docs):
        return np.zeros(0, np.int32)
    # Only the chunks with every word need their positions read.
    matchers = [
        reader._terms.matcher(fieldname, s.encode("utf-8"), reader.schema[fieldname].format)
        for s in stems
    ]
    keep: list[int] = []
    for d in docs.tolist():
        positions: list[set[int]] = []
        for m in matchers:
            m.skip_to(d)
            if not m.is_active() or m.id() != d:
                break
            positions.append(set(m.value_as("positions")))
        else:
            if any(all(p + i in positions[i] for i in range(1, len(stems))) for p in positions[0]):
                keep.append(d)
    return np.array(keep, np.int32)


class SegmentCache:
    """Segments read for one index folder, shared by the versions that contain them.

    Keyed by the segment's name and a checksum of its files' bytes: a copy that has rotted on disk
    is read (and refused) rather than served from the intact original.
    """

    def __init__(self) -> None:
        self._data: dict[str, SegmentPostings] = {}
        self._lock = threading.Lock()

    def get(
        self, reader: IndexReader, phrases: list[tuple[str, ...]], files: dict[str, bytes]
    ) -> SegmentPostings:
        segid = reader.segment().segment_id()
        crc = 0
        for fname in sorted(files):
            if fname.startswith(segid):
                crc = zlib.crc32(files[fname], crc)
        name = f"{segid}-{crc:08x}"
        with self._lock:
            seg = self._data.get(name)
        if seg is None or seg.doccount != reader.doc_count_all():
            seg = SegmentPostings.read(reader)
            seg.name = name
            with self._lock:
                self._data[name] = seg
        for stems in phrases:
            for f in TEXT_FIELDS:
                seg.phrase(reader, f, stems)
        return seg

    def keep(self, names: set[str]) -> None:
        """Forget segments no live version uses any more."""
        with self._lock:
            for name in set(self._data) - names:
                del self._data[name]


@dataclass
class Leaf:
    """One scored part of a query: a stem (or a phrase of stems) in every text field."""

    stems: tuple[str, ...]
    weight: float


@dataclass
class Scored:
    """A query's scores over all chunks, and where each query stem was found."""

    scores: Floats
    present: dict[str, Mask]  # stem → chunks with it in any text field
    strong: dict[str, Mask]  # stem → chunks with it in a title, heading, question or summary


# (field, term) scores kept per version: room for the distinct terms a large help center's log
# searches, so that a search not cached seldom reads a term's postings again (docs/performance.md,
# "Per query").
TERMS_KEPT = 16_384


class ImpactIndex:
    """One index version's postings over all its segments, in chunk (Whoosh docnum) order."""

    def __init__(
        self,
        searcher: Searcher,
        cache: SegmentCache,
        phrases: list[tuple[str, ...]],
        files: dict[str, bytes],
    ) -> None:
        """`files`: the index's files in memory (whoosh RamStorage.files), for the checksums."""
        reader = searcher.reader()
        self.segments: list[tuple[SegmentPostings, int]] = [
            (cache.get(leaf, phrases, files), offset) for leaf, offset in reader.leaf_readers()
        ]
        self.size = reader.doc_count_all()
        self.alive: Mask = np.ones(self.size, dtype=bool)
        for leaf, offset in reader.leaf_readers():
            for d in leaf.deleted_docs_set:
                self.alive[offset + d] = False
        self.lengths = {
            f: np.concatenate([s.lengths[f] for s, _ in self.segments])
            if self.segments
            else np.zeros(0, np.float32)
            for f in TEXT_FIELDS
        }
        # The collection statistics are the live chunks', as a full build of the same content
        # would have them: Whoosh's own still count the chunks an incremental build marked deleted
        # (until a merge or a full build drops them), and its total field lengths are exact sums
        # where each chunk's length is kept to within a one-byte encoding (a merge adds up the
        # encoded ones). The mean length is taken here from the same encoded lengths BM25F reads
        # for each chunk, over the live chunks: an edited index then scores every chunk exactly as
        # a full build does (a test holds it), and scores differ slightly from Whoosh's
        # searcher's, whose mean is of the exact lengths (docs/performance.md, "Scoring").
        self.dead = np.flatnonzero(~self.alive)  # the chunks an incremental build marked deleted
        self.live = self.size - len(self.dead)
        self.avg_length = {
            f: (float(np.nansum(self.lengths[f][self.alive], dtype=np.float64)) / (self.live or 1))
            or 1.0
            for f in TEXT_FIELDS
        }
        # Ties are broken by the chunks' order in a full build (the source files' order, then the
        # sections'), not by where an incremental build put them; set by the snapshot.
        self.order: npt.NDArray[np.int64] = np.arange(self.size, dtype=np.int64)
        self.stored: list[dict[str, Any]] = [d for s, _ in self.segments for d in s.stored]
        self._impacts: LRU[tuple[str, str], tuple[npt.NDArray[np.int64], Floats]] = LRU(TERMS_KEPT)
        self._masks: LRU[tuple[str, str], Mask] = LRU(256)
        # Live chunks per (field, term), on a version with deleted chunks: counting them reads the
        # term's list from every segment, and each search not cached asks it of each of its words
        # (their IDF), right after scoring them from the same list.
        self._frequencies: LRU[tuple[str, str], int] = LRU(TERMS_KEPT)

    @property
    def segment_names(self) -> set[str]:
        return {s.name for s, _ in self.segments}

    def postings(self, fieldname: str, term: str) -> tuple[npt.NDArray[np.int64], Any]:
        """The chunks containing a term in a field, and the term's stored weights there."""
        docs: list[Any] = []
        weights: list[Any] = []
        for seg, offset in self.segments:
            span = seg.fields[fieldname].slices.get(term)
            if span is not None:
                fp = seg.fields[fieldname]
                docs.append(np.add(fp.docs[span[0] : span[1]], offset, dtype=np.int64))
                weights.append(fp.weights[span[0] : span[1]])
        if not docs:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        if len(docs) == 1:
            return docs[0], weights[0]
        return np.concatenate(docs), np.concatenate(weights)

    def doc_frequency(self, fieldname: str, term: str) -> int:
        """How many live chunks have the term in the field."""
        if not len(self.dead):  # nothing deleted: the lists' lengths, no list read
            return sum(
                span[1] - span[0]
                for seg, _ in self.segments
                if (span := seg.fields[fieldname].slices.get(term)) is not None
            )
        return self._frequencies.get_or_make(
            (fieldname, term), lambda key: self._live_count(self.postings(*key)[0])
        )

    def _live_count(self, docs: npt.NDArray[np.int64]) -> int:
        """How many of `docs` (a postings list: ascending) are live: its length less the deleted
        chunks found in it, looked up (a version has few of those) instead of reading the alive
        mask at every chunk of the list."""
        if not len(self.dead):
            return len(docs)
        at = np.searchsorted(docs, self.dead)
        found = at < len(docs)
        return len(docs) - int(np.count_nonzero(docs[at[found]] == self.dead[found]))

    def idf(self, fieldname: str, term: str) -> float:
        """Whoosh's IDF (whoosh.scoring.WeightingModel.idf), over the live chunks."""
        return self._idf(self.doc_frequency(fieldname, term))

    def _idf(self, doc_frequency: int) -> float:
        return math.log((self.live or 1) / (doc_frequency + 1)) + 1

    def impacts(self, fieldname: str, term: str) -> tuple[npt.NDArray[np.int64], Floats]:
        """The chunks with a term in a field and its BM25F score in each (before query weights)."""
        key = (fieldname, term)
        hit = self._impacts.get(key)
        if hit is not None:
            return hit
        docs, tf = self.postings(fieldname, term)
        if len(docs):
            tf = tf.astype(np.float64)
            norm = K1 * ((1 - B) + B * self.lengths[fieldname][docs] / self.avg_length[fieldname])
            # The IDF from the list at hand, its live count kept for doc_frequency.
            frequency = self._live_count(docs)
            if len(self.dead):
                self._frequencies.put(key, frequency)
            scores = self._idf(frequency) * (tf * (K1 + 1)) / (tf + norm)
        else:
            scores = np.zeros(0)
        self._impacts.put(key, (docs, scores))
        return docs, scores

    def term_mask(self, fieldname: str, term: str) -> Mask:
        """The chunks with a term in a field, as a mask (filters, the internal audience); read-only."""
        mask = self._masks.get((fieldname, term))
        if mask is None:
            mask = np.zeros(self.size, dtype=bool)
            mask[self.postings(fieldname, term)[0]] = True
            mask.flags.writeable = False
            self._masks.put((fieldname, term), mask)
        return mask

    def phrase_docs(self, fieldname: str, stems: tuple[str, ...]) -> npt.NDArray[np.int64]:
        """Chunks where the stems stand next to each other, in order, in a field.

        Only phrases named when the index is opened (the synonyms' phrases) are looked for.
        """
        found = [
            seg.phrases[(fieldname, stems)].astype(np.int64) + offset
            for seg, offset in self.segments
            if (fieldname, stems) in seg.phrases
        ]
        return np.concatenate(found) if found else np.zeros(0, np.int64)

    def leaf_scores(self, leaf: Leaf, strong_fields: frozenset[str]) -> tuple[Floats, Mask, Mask]:
        """A leaf's score in every chunk (sum over the text fields), where it is, where strongly."""
        total = np.zeros(self.size)
        present = np.zeros(self.size, dtype=bool)
        strong = np.zeros(self.size, dtype=bool)
        for f in TEXT_FIELDS:
            if len(leaf.stems) == 1:
                docs, scores = self.impacts(f, leaf.stems[0])
            else:
                docs = self.phrase_docs(f, leaf.stems)
                if not len(docs):
                    continue
                scores = np.zeros(len(docs))
                for s in leaf.stems:
                    sdocs, sscores = self.impacts(f, s)
                    pos = np.searchsorted(sdocs, docs)
                    pos[pos >= len(sdocs)] = 0
                    found = sdocs[pos] == docs if len(sdocs) else np.zeros(len(docs), bool)
                    scores += np.where(found, sscores[pos] if len(sscores) else 0.0, 0.0)
            if not len(docs):
                continue
            total[docs] += scores
            present[docs] = True
            if f in strong_fields:
                strong[docs] = True
        return total * leaf.weight, present, strong


@dataclass
class Clause:
    """The alternatives for one part of a query (a word: typed, corrected, synonyms); best one counts."""

    leaves: list[Leaf] = field(default_factory=list)


def score(index: ImpactIndex, clauses: list[Clause], strong_fields: frozenset[str]) -> Scored:
    """Sum over clauses of the best alternative's score, as Or(DisjunctionMax(...)) in Whoosh."""
    total = np.zeros(index.size)
    present: dict[str, Mask] = {}
    strong: dict[str, Mask] = {}
    for clause in clauses:
        best: Floats | None = None
        for leaf in clause.leaves:
            scores, where, where_strong = index.leaf_scores(leaf, strong_fields)
            best = scores if best is None else np.maximum(best, scores)
            for s in leaf.stems:
                present[s] = present[s] | where if s in present else where
                strong[s] = strong[s] | where_strong if s in strong else where_strong
        if best is not None:
            total += best
    return Scored(total, present, strong)
