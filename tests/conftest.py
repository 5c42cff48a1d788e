"""Shared fixtures: hand-made SQLite sources, the local PostgreSQL server, and the real pipeline
built once per session (see pipeline_support.py)."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from pipeline_support import (
    DAYS,
    LAST,
    Built,
    Rerun,
    copy_built,
    daily_run_id,
    generate_source,
    make_settings,
    run_airflow,
    start_reader,
)
from sourcedb import SourceDB

from parking_warehouse import publish


@pytest.fixture
def source_db(tmp_path) -> SourceDB:
    db = SourceDB(tmp_path / "source.sqlite3")
    yield db
    db.close()


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The server `make test` starts (scripts/start-postgres.sh). Missing it is a failure, not a skip."""
    url = os.environ.get("PARKING_TEST_POSTGRES_URL")
    if not url:
        pytest.fail("PARKING_TEST_POSTGRES_URL is not set: run the tests with `make test`, which starts PostgreSQL")
    return url


# --------------------------------------------------------------------------- the real pipeline, once


@pytest.fixture(scope="session")
def small_source(tmp_path_factory) -> Path:
    """A generated operational SQLite database (3 days to 2026-03-01). Read it, never change it."""
    return generate_source(tmp_path_factory.mktemp("small_source") / "parking.sqlite3")


@pytest.fixture(scope="session")
def built(tmp_path_factory, small_source) -> Built:
    """run_daily for 2026-02-27, -28 and 03-01 in order, on one warehouse (run ids daily-<D>).

    Shared by the session: copy it (pipeline_support.copy_built) before changing anything.
    """
    settings = make_settings(tmp_path_factory.mktemp("built"), small_source)
    from parking_warehouse.pipeline import run_daily

    result = Built(settings)
    for day in DAYS:
        result.results[day] = run_daily(settings, run_date=day, run_id=daily_run_id(day))
        print(result.results[day])
    return result


@pytest.fixture(scope="session")
def rerun(tmp_path_factory, built) -> Rerun:
    """A copy of `built` where run_daily for 2026-03-01 ran again (run id rerun-2026-03-01) on the
    same source; during the whole run a reader process opened the published file in a loop."""
    from parking_warehouse.pipeline import run_daily

    folder = tmp_path_factory.mktemp("rerun")
    settings = copy_built(built.settings, folder)
    stop = folder / "stop-reading"
    reader = start_reader(settings.warehouse, stop)
    try:
        time.sleep(1.0)
        before = publish.current_publication(settings.warehouse)["sha256"]
        result = run_daily(settings, run_date=LAST, run_id=f"rerun-{LAST.isoformat()}")
        time.sleep(1.0)
    finally:
        stop.touch()
        out, err = reader.communicate(timeout=120)
    assert reader.returncode == 0, err[-3000:]
    return Rerun(settings, result, json.loads(out), before)


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory) -> Path:
    """An Airflow home with a migrated SQLite metadata database, shared by a module's tests.

    One per module: the asset `parking_warehouse` is registered with the warehouse URI of the
    first DAG run an Airflow database sees, so modules using other warehouses need their own.
    """
    home = tmp_path_factory.mktemp("airflow_home")
    result = run_airflow(home, "db", "migrate")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return home
