"""The soak's short form (the long form: bench/soak.py; the figures: docs/reliability.md).

Four local days of a moving source across the spring daylight-saving change (Europe/Berlin,
2026-03-29 has 23 hours), each run by `parking-warehouse run` in a child process; runs
SIGKILLed inside every step, a second run refused while one holds the lock, a rollback made
and undone, a past day backfilled; after every run extracted = trusted + quarantined and no
personal column; at the end no source row lost, and the published marts and every day's nine
output files equal a clean replay of the same runs. See tests/soak_support.py.
"""

from __future__ import annotations

from datetime import date

import pytest
from soak_support import OUTPUTS, SoakPlan, run_soak

from parking_warehouse.pipeline import STEPS

pytestmark = pytest.mark.slow


def test_soak_short_form(tmp_path):
    figures = run_soak(SoakPlan(tmp_path / "soak", start=date(2026, 3, 27), days=4, seed=15))
    print("\n".join(figures.lines()))
    assert figures.days_run == 4
    assert all(figures.kills[step] >= 1 for step in STEPS), figures.kills
    assert figures.refused_second_runs == 1
    assert figures.rollbacks == 1
    assert len(figures.backfills) == 1
    assert figures.rows_lost == 0
    assert figures.files_compared == 4 * len(OUTPUTS)
    assert figures.marts_compared > 0
