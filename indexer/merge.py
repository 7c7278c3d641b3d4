"""Which Whoosh segments an incremental build merges, so that edits do not pile segments up.

An incremental build writes the changed articles' chunks as a new segment and marks their old chunks
deleted in the segments that hold them. Without merging, a served index gains a segment per edit for
as long as it lives (a full build is the only other thing that compacts), and every search and every
build pays per segment: a query term's postings are looked up in each, deleted chunks keep their
place in every score array, and each build's Whoosh writer opens them all.

The policy is tiered, as log-structured indexes do it. A segment's tier is the order of magnitude,
in powers of `FACTOR`, of its live chunks: up to 8, up to 64, up to 512, and so on. When a tier
holds `FACTOR` segments, those and every smaller segment are merged into the build's new segment,
which drops their deleted chunks. A merge of tier t comes only every FACTOR**t edits or so, so its
cost is spread over the edits it absorbs, and no tier keeps more than FACTOR - 1 segments. Segments
holding more than a quarter of the index's live chunks (a full build's) are never merged here:
rewriting them would cost more than an edit may take to go live; the next full build compacts them.
Segments whose chunks are all deleted are dropped at once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any, Protocol

from whoosh.reading import SegmentReader

FACTOR = 8
LARGE_SHARE = 4  # a segment with over 1/LARGE_SHARE of the live chunks is left to full builds


class Segment(Protocol):
    def doc_count(self) -> int: ...


def tier(live: int) -> int:
    """0 for up to FACTOR live chunks, 1 for up to FACTOR**2, and so on."""
    t, ceiling = 0, FACTOR
    while live > ceiling:
        t, ceiling = t + 1, ceiling * FACTOR
    return t


def to_merge(segments: Sequence[Segment]) -> list[int]:
    """The positions of the segments to merge into the new one (empty ones included: merging
    them drops them), in their order."""
    live = [s.doc_count() for s in segments]
    limit = sum(live) // LARGE_SHARE
    tiers = [tier(n) if 0 < n <= limit else None for n in live]
    counts = Counter(t for t in tiers if t is not None)
    full = [t for t, n in counts.items() if n >= FACTOR]
    top = max(full, default=-1)
    return [
        i
        for i, (n, t) in enumerate(zip(live, tiers, strict=True))
        if n == 0 or (t is not None and t <= top)
    ]


def tiered(writer: Any, segments: list[Any]) -> list[Any]:
    """A Whoosh merge policy (`writer.commit(mergetype=tiered)`): adds the segments `to_merge`
    picks to the writer's new segment and returns the others, which the new version keeps."""
    chosen = set(to_merge(segments))
    for i in sorted(chosen):
        if segments[i].doc_count():
            reader = SegmentReader(writer.storage, writer.schema, segments[i])
            writer.add_reader(reader)
            reader.close()
    return [s for i, s in enumerate(segments) if i not in chosen]
