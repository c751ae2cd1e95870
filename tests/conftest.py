"""Shared test configuration: hypothesis profiles and paths."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
#: The shared folder beside the project: the trial text and the CQL conformance suite.
SHARED = ROOT.parent / "shared"

settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "ci",
    deadline=None,
    max_examples=300,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
# A long run for the differential and property tests: HYPOTHESIS_PROFILE=deep pytest ...
settings.register_profile(
    "deep",
    deadline=None,
    max_examples=2000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "default")
)


def examples(default: int) -> int:
    """A slow test's number of examples: ``default``, or twenty times it in the deep profile.

    For tests whose every example costs a second or more (a SQL query planned and run):
    they set this explicitly, so a profile that raises every test's count (``ci``)
    leaves them within the time CI has.
    """
    deep = os.environ.get("HYPOTHESIS_PROFILE") == "deep"
    return default * 20 if deep else default
