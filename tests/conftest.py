"""Shared fixtures: hand-made SQLite sources and the local PostgreSQL server."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from sourcedb import SourceDB  # noqa: E402


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
