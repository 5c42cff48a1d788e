"""Parquet export of the marts, and the CLI commands around the published warehouse."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
from test_pipeline_fakes import install_fake_steps, make_settings

from parking_warehouse.cli import main
from parking_warehouse.errors import ParkingWarehouseError
from parking_warehouse.pipeline import run_daily
from parking_warehouse.reports.export import export_parquet


def test_every_mart_is_exported_as_parquet_with_its_rows(tmp_path, monkeypatch):
    install_fake_steps(monkeypatch)
    settings = make_settings(tmp_path)
    run_daily(settings, run_date=date(2026, 3, 8))
    result = export_parquet(settings.warehouse, tmp_path / "parquet")
    assert "system_metrics" in result.tables and "analytics_reports" in result.tables
    con = duckdb.connect()
    for table, rows in result.tables.items():
        assert con.execute(f"select count(*) from '{tmp_path / 'parquet' / table}.parquet'").fetchone()[0] == rows
    assert con.execute(f"select daily_revenue from '{tmp_path}/parquet/system_metrics.parquet'").fetchone()[0] == 123.5
    assert not list((tmp_path / "parquet").glob(".*"))


def test_export_without_a_warehouse_is_refused(tmp_path):
    with pytest.raises(ParkingWarehouseError, match="no warehouse at"):
        export_parquet(tmp_path / "missing.duckdb", tmp_path / "out")


def test_the_cli_rolls_back_and_exports(tmp_path, monkeypatch, capsys):
    fake = install_fake_steps(monkeypatch)
    settings = make_settings(tmp_path)
    run_daily(settings, run_date=date(2026, 3, 8))
    fake.revenue = 50.0
    run_daily(settings, run_date=date(2026, 3, 9))
    monkeypatch.setenv("PARKING_WAREHOUSE", str(settings.warehouse))
    monkeypatch.setenv("PARKING_REPORTS_DIR", str(settings.reports_dir))
    assert main(["rollback"]) == 0
    assert "back from version 2 to version 1" in capsys.readouterr().out
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    assert con.execute("select max(run_date)::varchar from marts.system_metrics").fetchone()[0] == "2026-03-08"
    con.close()
    assert main(["rollback"]) == 1
    assert "only 0 earlier version(s)" in capsys.readouterr().err
    assert main(["export-parquet"]) == 0
    assert (settings.reports_dir / "parquet" / "system_metrics.parquet").exists()
