"""Every value a user gives reaches SQL only as a bound parameter or a checked value.

Injection strings are fed through the CLI (dates, user id, report type, time zone, paths; the
custom-report DAG's Params in test_dags.py): each
is refused with a one-line message before anything is written, or, for paths, treated as
nothing but a file name. (Values inside SQL: `report` binds the user id, `vehicle_analytics`
the plate; the time zone must be an IANA name before it reaches dbt; window bounds are checked
datetime text, see extract/sources.py.)
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pipeline_support import generate_source
from test_extract import assert_raw_equals_sqlite

from extract import extract_to_raw
from parking_warehouse import REPO_ROOT

INJECTIONS = ("2026-03-01'; drop table raw.backend_core_payment; --", "1 or 1=1", "UTC'); select 1; --",
              "../../../../etc/passwd")


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "parking_warehouse.cli", *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, check=False, timeout=300)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("security")
    source = generate_source(folder / "source.sqlite3")
    warehouse = folder / "warehouse.duckdb"
    extract_to_raw(str(source), warehouse)
    return source, warehouse


@pytest.mark.parametrize("value", INJECTIONS)
@pytest.mark.parametrize("command", [
    ("run", "--date", "{v}"),
    ("build", "--date", "{v}"),
    ("report", "--from", "{v}", "--to", "2026-03-01", "--generated-by", "1"),
    ("report", "--from", "2026-03-01", "--to", "2026-03-01", "--generated-by", "{v}"),
    ("report", "--type", "{v}", "--from", "2026-03-01", "--to", "2026-03-01", "--generated-by", "1"),
    ("build", "--date", "2026-03-01", "--timezone", "{v}"),
    ("run", "--date", "2026-03-01", "--timezone", "{v}"),
])
def test_injection_strings_are_refused_before_anything_is_written(loaded, tmp_path, command, value):
    source, warehouse = loaded
    before = digest(warehouse)
    args = [part.replace("{v}", value) for part in command]
    source_flag = ["--source", str(source)] if args[0] == "run" else []
    reports_flag = ["--reports-dir", str(tmp_path / "reports")] if args[0] in ("run", "report") else []
    result = cli(*args, "--warehouse", str(warehouse), *source_flag, *reports_flag)
    assert result.returncode != 0, result.stdout
    message = result.stderr.strip().splitlines()[-1]
    assert "error" in message and "Traceback" not in result.stderr, result.stderr
    assert "unrecognized arguments" not in message, message  # refused for the value, not the call
    assert digest(warehouse) == before


def test_paths_with_sql_and_uri_characters_are_only_file_names(loaded, tmp_path):
    """A source path holding quotes, `?mode=rwc` and `;` is opened as that file (the SQLite URI
    is percent-encoded), read-only; the warehouse path likewise."""
    source, _ = loaded
    folder = tmp_path / "x'; drop table raw.backend_core_payment; --"
    folder.mkdir()
    odd_source = folder / "db.sqlite3?mode=rwc&cache=shared"
    shutil.copyfile(source, odd_source)
    before = digest(odd_source)
    warehouse = folder / "wh'.duckdb"
    result = cli("extract", "--source", str(odd_source), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr
    assert_raw_equals_sqlite(odd_source, warehouse)
    assert digest(odd_source) == before  # opened read-only: not even a header touched
