"""A bounded load run in ``make test``: 10 learners × 3 full flows at once against one sandbox, 0 errors.

The long variant (50 learners, p50/p99 printed) is ``make load``; timings are never asserted here.
"""

from __future__ import annotations

import pytest

from benchmarks.common import run_load
from pinghelpers.local import sandbox_settings
from pinghelpers.sandbox import Sandbox

from .conftest import FIGURES


def test_ten_learners_three_flows_each_no_errors(rsandbox: Sandbox) -> None:
    result = run_load(sandbox_settings(rsandbox), learners=10, flows=3, time_limit=60)
    FIGURES["load (make test)"] = result.summary()
    assert result.errors == []
    assert result.completed == 30
    assert result.held >= 2  # they really overlapped


@pytest.mark.slow
def test_fifty_learners(rsandbox: Sandbox) -> None:
    """The issue's default: 50 concurrent learners (run by `make load` through benchmarks.load, or -m slow)."""
    result = run_load(sandbox_settings(rsandbox), learners=50, flows=2, time_limit=90)
    FIGURES["load (50 learners)"] = result.summary()
    assert result.errors == [] and result.completed == 100
