"""A bounded least-recently-used map: kb's result cache and the index's per-term memos.

Used from one thread (a worker's event loop), so it takes no lock.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

# KB_CACHE_SIZE's default: search results kept per worker by text, and as many by meaning. The
# size past which a larger cache hardly answers more of a help center's log (docs/performance.md,
# "Per query").
RESULTS = 3072

K = TypeVar("K")
V = TypeVar("V")


class LRU(Generic[K, V]):
    """At most `size` entries (0 turns it off); the least recently used goes first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[K, V] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: K) -> V | None:
        if self.size == 0:
            return None
        value = self._data.get(key)
        if value is None:
            self.misses += 1
            return None
        self._data.move_to_end(key)
        self.hits += 1
        return value

    def get_or_make(self, key: K, make: Callable[[K], V]) -> V:
        """The value kept for `key`; made by `make` and kept when there is none (a value that is
        None is never kept: give "no answer" a value of its own, as "" for no string)."""
        value = self.get(key)
        if value is None:
            value = make(key)
            self.put(key, value)
        return value

    def put(self, key: K, value: V) -> None:
        if self.size == 0:
            return
        self._data[key] = value
        self._data.move_to_end(key)
        while len(self._data) > self.size:
            self._data.popitem(last=False)

    def clear(self) -> None:
        self._data.clear()
