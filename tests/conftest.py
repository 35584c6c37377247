"""Shared test settings: hypothesis profiles (a light default, a heavier one for CI)."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
# ci: ten times the default examples per property, derandomized (the same examples on every
# run); 200 keeps the whole suite under 5 minutes on 2 cores (300 took 5m14s on 2026-11-30).
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
