"""How much generated input the property tests get, and why their runs are reproducible.

CI (the `CI` environment variable is set there) runs derandomized with no example database: the same
inputs every run, so a red build is reproduced by running it again, never a flake that goes away.
A developer's run draws fresh inputs each time (still without a database, so nothing is written into
the work tree) and explores further; a failure prints the seed to replay it (`--hypothesis-seed`).

Each test's budget is its number of inputs under Hypothesis's default profile. `make check` loads the
`check` profile (registered in tests/conftest.py), which scales every budget down by the profile's
share of the default's `max_examples`; `make test` and CI run the whole budget.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

IN_CI = bool(os.environ.get("CI"))


def property_settings(max_examples: int) -> settings:
    """Settings for one property test: `max_examples` inputs (scaled by the loaded profile), no
    deadline (a real server answers)."""
    share = settings().max_examples / settings.get_profile("default").max_examples
    return settings(
        max_examples=max(1, round(max_examples * share)),
        deadline=None,
        derandomize=IN_CI,
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
