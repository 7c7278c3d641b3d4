"""kb.gc_policy: how the serving workers and the analytics writers use the garbage collector."""

from __future__ import annotations

import subprocess
import sys

from kb import gc_policy


def test_settling_freezes_what_is_held_and_collects_young_objects_less_often() -> None:
    """After `settle`, what the process held is frozen out of the collections and the youngest
    generation is collected after YOUNG_OBJECTS allocations, not Python's default (run in a
    process of its own, as a worker or a writer is; handing freed memory back is harmless)."""
    code = (
        "import gc\n"
        "from kb import gc_policy\n"
        "before = gc.get_threshold()[0], gc.get_freeze_count()\n"
        "gc_policy.return_freed_memory()\n"
        "gc_policy.settle()\n"
        "print(*before, gc.get_threshold()[0], gc.get_freeze_count())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    threshold_before, frozen_before, threshold, frozen = map(int, out.stdout.split())
    assert threshold_before < gc_policy.YOUNG_OBJECTS == threshold
    assert frozen_before == 0 and frozen > 100
