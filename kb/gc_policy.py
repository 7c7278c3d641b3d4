"""How kb's long-running processes (the serving workers, the analytics writers) use the garbage
collector and the C allocator: one policy, set in one place.

`settle()` takes what a process holds at the call out of the collector's full collections
(gc.freeze) and collects the youngest generation after YOUNG_OBJECTS allocations instead of Python's
default of 700. Frozen objects are still freed by reference counting; only reference cycles among
them would stay, and what kb freezes holds none (a test holds it for an index version).

- A serving worker settles each index version it opens, after a full collection and after handing
  the memory the load freed back to the system (`return_freed_memory`). A full collection walks
  every object the collector tracks, and a worker holds a version's objects (articles, sections,
  vocabulary) for as long as the version lives: frozen, they are left out of every full
  collection. A search that no cache answers allocates thousands of short-lived objects: at the
  default threshold they would set off collections in the middle of nearly every such search (and
  every tenth an older generation's).
- An analytics writer process settles once, after start-up. Each batch keeps its records alive
  until written, so at the default threshold a young collection would run every few records and
  walk them all.

The measurements behind both: docs/performance.md, "Garbage collection".
"""

from __future__ import annotations

import ctypes
import functools
import gc
from collections.abc import Callable

__all__ = ["YOUNG_OBJECTS", "return_freed_memory", "settle"]

YOUNG_OBJECTS = 10_000


def settle() -> None:
    """Freeze what the process holds at the call and collect the young generation less often."""
    gc.freeze()
    gc.set_threshold(YOUNG_OBJECTS, *gc.get_threshold()[1:])


def return_freed_memory() -> None:
    """Hand what the C allocator keeps of freed memory back to the system: glibc's malloc_trim(0),
    where the C library has it (Linux with glibc); elsewhere nothing. Loading an index version
    allocates far more than it keeps (docs/performance.md, "Memory")."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """The C library's malloc_trim, looked up once: a CDLL made at every settle would be a
    reference cycle made after its collection and frozen with the rest, never to be freed."""
    try:
        return ctypes.CDLL(None).malloc_trim  # the C library the interpreter runs on
    except (OSError, AttributeError):
        return None
