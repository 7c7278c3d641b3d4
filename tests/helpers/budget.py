"""How much generated input the property tests get, and why their runs are reproducible.

CI (the `CI` environment variable is set there) runs derandomized with no example database: the same
inputs every run, so a red build is reproduced by running it again, never a flake that goes away.
A developer's run draws fresh inputs each time (still without a database, so nothing is written into
the work tree) and explores further; a failure prints the seed to replay it (`--hypothesis-seed`).

Each property test's budget is its number of inputs under Hypothesis's default profile. `make check`
loads the `check` profile (registered in tests/conftest.py), which scales every budget down by the
profile's share of the default's `max_examples` (`examples`); `make test` and CI run them whole.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

IN_CI = bool(os.environ.get("CI"))


def examples(budget: int) -> int:
    """A test's number of inputs under the loaded profile, for a budget of `budget` under the
    default one."""
    share = settings().max_examples / settings.get_profile("default").max_examples
    return max(1, round(budget * share))


def property_settings(max_examples: int) -> settings:
    """Settings for one property test against kb: `max_examples` inputs (scaled by the loaded
    profile, `examples`), no deadline (a real server answers)."""
    return settings(
        max_examples=examples(max_examples),
        deadline=None,
        derandomize=IN_CI,
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
