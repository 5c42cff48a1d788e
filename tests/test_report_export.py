"""Parquet export of the marts, and the CLI commands around the published warehouse, on the
session's real warehouse (conftest.py `built`: three publications, 2026-02-27 to 03-01)."""

from __future__ import annotations

import json

import duckdb
import pytest
from pipeline_support import DAYS, copy_built, query

from parking_warehouse.cli import main
from parking_warehouse.errors import ParkingWarehouseError
from parking_warehouse.reports.export import export_parquet


def test_every_mart_is_exported_as_parquet_with_its_rows(built, tmp_path):
    out = tmp_path / "parquet"
    result = export_parquet(built.settings.warehouse, out)  # read-only: the session's file is fine
    marts = {name for (name,) in query(built.settings, "select table_name from information_schema.tables "
                                                       "where table_schema = 'marts'")}
    assert set(result.tables) == marts >= {"system_metrics", "analytics_reports", "dashboard_summary"}
    assert result.tables["system_metrics"] == 3 and result.tables["analytics_reports"] == 5
    con = duckdb.connect()
    for table, rows in result.tables.items():
        assert con.execute(f"select count(*) from '{out / table}.parquet'").fetchone()[0] == rows, table
    revenue = con.execute(f"select run_date::varchar, daily_revenue::double from '{out}/system_metrics.parquet' "
                          "order by run_date").fetchall()
    assert revenue == [
        (day.isoformat(), json.loads((built.settings.reports_dir / day.isoformat() / "dashboard_summary.json")
                                     .read_text())["revenue_today"]) for day in DAYS]
    assert not list(out.glob(".*"))
    assert str(result).startswith(f"wrote {len(marts)} Parquet file(s) to {out}")


def test_export_without_a_warehouse_is_refused(tmp_path):
    with pytest.raises(ParkingWarehouseError, match="no warehouse at"):
        export_parquet(tmp_path / "missing.duckdb", tmp_path / "out")


def test_the_cli_rolls_back_and_exports(built, tmp_path, monkeypatch, capsys):
    settings = copy_built(built.settings, tmp_path)
    monkeypatch.setenv("PARKING_WAREHOUSE", str(settings.warehouse))
    monkeypatch.setenv("PARKING_REPORTS_DIR", str(settings.reports_dir))

    def last_run_date() -> str:
        return query(settings, "select max(run_date)::varchar from marts.system_metrics")[0][0]

    assert main(["rollback"]) == 0
    assert "back from version 3 to version 2" in capsys.readouterr().out
    assert last_run_date() == "2026-02-28"
    assert main(["rollback"]) == 0
    assert "back from version 2 to version 1" in capsys.readouterr().out
    assert last_run_date() == "2026-02-27"
    assert main(["rollback"]) == 1
    assert "only 0 earlier version(s)" in capsys.readouterr().err
    assert main(["export-parquet"]) == 0
    exported = settings.reports_dir / "parquet" / "system_metrics.parquet"
    assert duckdb.connect().execute(f"select run_date::varchar from '{exported}'").fetchall() == [("2026-02-27",)]
