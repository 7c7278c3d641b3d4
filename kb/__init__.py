"""kb: help-center search that answers, or hands over to the right person."""

import os

# One BLAS thread per process. A worker answers one search at a time and kb scales by processes
# (`kb serve --workers N`, index build workers); numpy's OpenBLAS would start a thread per core in
# each of them, and its threads spin between calls on the cores the other workers need (measured:
# a semantic worker kept 1.7 cores busy to serve 3,000 req/s that one core serves; docs/performance.md).
# OpenBLAS reads these when numpy loads, so they are set before any of kb imports it; a value the
# operator set is kept.
for _threads in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_threads, "1")

__all__ = ["__version__"]
__version__ = "0.1.0"
