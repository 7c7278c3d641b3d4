"""How much generated input the property tests get, and why their runs are reproducible.

CI (the `CI` environment variable is set there) runs derandomized with no example database: the same
inputs every run, so a red build is reproduced by running it again, never a flake that goes away.
A developer's run draws fresh inputs each time (still without a database, so nothing is written into
the work tree) and explores further; a failure prints the seed to replay it (`--hypothesis-seed`).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

IN_CI = bool(os.environ.get("CI"))


def property_settings(max_examples: int) -> settings:
    """Settings for one property test: `max_examples` inputs, no deadline (a real server answers)."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=IN_CI,
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
