"""How kb's long-running processes (the serving workers, the analytics writers) use the garbage
collector and the C allocator: one policy, set in one place.

`settle()` takes what a process holds now out of the collector's full collections (gc.freeze) and
collects the youngest generation after YOUNG_OBJECTS allocations instead of Python's 700. Frozen
objects are still freed by reference counting; only reference cycles among them would stay, and
what kb freezes holds none (a test holds it for an index version).

- A serving worker settles each index version it opens, after a full collection and after handing
  the memory the load freed back to the system (`return_freed_memory`). A full collection walks
  every object the collector tracks, and a worker holds ~100,000 for as long as a version lives:
  on the 10k corpus, replaying the query log through the app, one took ~85 ms, frozen ~13 ms. A
  search that no cache answers allocates thousands of short-lived objects: at 700 they set off
  collections in the middle of nearly every such search (and every tenth an older generation's);
  collection took ≈ 4.9 µs per request at 700 and ≈ 0.8–1.1 µs at 10,000.
- An analytics writer process settles once, after start-up. Each batch keeps its hundreds of
  records alive until written, so at 700 a young collection ran every few records and walked
  them: under load, 749 collections in 20 s, ≈ 4.8 of its ≈ 25 µs of CPU per search; at 10,000
  none in 20 s (fed 50,000 searches, 24–28 → 20–23 µs per search).
"""

from __future__ import annotations

import ctypes
import functools
import gc
from collections.abc import Callable

__all__ = ["YOUNG_OBJECTS", "return_freed_memory", "settle"]

YOUNG_OBJECTS = 10_000


def settle() -> None:
    """Freeze what the process holds now and collect the young generation less often."""
    gc.freeze()
    gc.set_threshold(YOUNG_OBJECTS, *gc.get_threshold()[1:])


def return_freed_memory() -> None:
    """Hand what the C allocator keeps of freed memory back to the system: glibc's malloc_trim(0),
    where the C library has it (Linux with glibc); elsewhere nothing. Loading an index version
    allocates far more than it keeps (10k corpus: a worker's resident memory ~316 → ~207 MB)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """The C library's malloc_trim, looked up once: a CDLL made at every settle was a reference
    cycle made after its collection and frozen with the rest, never to be freed."""
    try:
        return ctypes.CDLL(None).malloc_trim  # the C library the interpreter runs on
    except (OSError, AttributeError):
        return None
