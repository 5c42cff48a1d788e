"""Configuration: flags win over environment variables, which win over defaults."""

from datetime import date

import pytest

from parking_warehouse import REPO_ROOT
from parking_warehouse.cli import main
from parking_warehouse.config import Settings
from parking_warehouse.errors import ParkingWarehouseError


def test_defaults_when_nothing_is_given():
    settings = Settings.resolve({}, environ={})
    assert settings.timezone == "UTC"
    assert settings.source is None
    assert settings.warehouse == REPO_ROOT / "warehouse.duckdb"
    assert settings.reports_dir == REPO_ROOT / "reports"
    assert settings.start_date == date(2026, 1, 1)


def test_environment_overrides_defaults(tmp_path):
    environ = {
        "PARKING_TIMEZONE": "Europe/Berlin",
        "PARKING_SOURCE": "/data/db.sqlite3",
        "PARKING_WAREHOUSE": str(tmp_path / "w.duckdb"),
        "PARKING_REPORTS_DIR": str(tmp_path / "out"),
        "PARKING_START_DATE": "2026-03-01",
    }
    settings = Settings.resolve({}, environ=environ)
    assert settings == Settings("Europe/Berlin", "/data/db.sqlite3", tmp_path / "w.duckdb", tmp_path / "out",
                                date(2026, 3, 1))


def test_flags_override_environment(tmp_path):
    environ = {"PARKING_TIMEZONE": "Europe/Berlin", "PARKING_SOURCE": "/env.sqlite3"}
    flags = {"timezone": "America/New_York", "source": "postgresql://h/db", "warehouse": None}
    settings = Settings.resolve(flags, environ=environ)
    assert settings.timezone == "America/New_York"
    assert settings.source == "postgresql://h/db"
    assert Settings.resolve({"start_date": "2026-02-01"}, environ={"PARKING_START_DATE": "2026-03-01"}
                            ).start_date == date(2026, 2, 1)


def test_unknown_time_zone_is_a_clear_error():
    with pytest.raises(ParkingWarehouseError, match="'Mars/Olympus'.*IANA"):
        Settings.resolve({"timezone": "Mars/Olympus"}, environ={})


def test_a_malformed_start_date_is_a_clear_error():
    with pytest.raises(ParkingWarehouseError, match="'March 1st'.*PARKING_START_DATE.*YYYY-MM-DD"):
        Settings.resolve({}, environ={"PARKING_START_DATE": "March 1st"})


def test_missing_source_is_a_clear_error():
    with pytest.raises(ParkingWarehouseError, match="PARKING_SOURCE"):
        Settings.resolve({}, environ={}).require_source()


def test_cli_turns_a_user_error_into_one_line_and_exit_code(capsys, monkeypatch):
    monkeypatch.setenv("PARKING_TIMEZONE", "Not/AZone")
    assert main(["generate", "--db", "x.sqlite3", "--days", "1", "--end-date", "2026-01-01"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("parking-warehouse generate: error:") and "Not/AZone" in err
    assert "\n" not in err


def test_cli_rejects_a_malformed_date(capsys):
    with pytest.raises(SystemExit):
        main(["build", "--date", "2026-13-01"])
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_engine_is_duckdb_unless_spark_is_chosen(tmp_path):
    settings = Settings.resolve({"warehouse": str(tmp_path / "w.duckdb")}, environ={})
    assert settings.engine == "duckdb"
    assert settings.spark_master == "local[2]"
    assert settings.spark_dir == tmp_path / ".w" / "spark"  # beside the working copies

    environ = {"PARKING_ENGINE": "spark", "PARKING_SPARK_MASTER": "spark://head:7077",
               "PARKING_SPARK_WAREHOUSE_DIR": str(tmp_path / "shared"),
               "PARKING_SPARK_DRIVER_MEMORY": "8g"}
    settings = Settings.resolve({}, environ=environ)
    assert (settings.engine, settings.spark_master, settings.spark_dir, settings.spark_driver_memory) \
        == ("spark", "spark://head:7077", tmp_path / "shared", "8g")
    assert Settings.resolve({"engine": "duckdb"}, environ=environ).engine == "duckdb"  # the flag wins


def test_unknown_engine_is_refused_with_its_name():
    with pytest.raises(ParkingWarehouseError, match="engine 'postgres'.*duckdb, spark"):
        Settings.resolve({}, environ={"PARKING_ENGINE": "postgres"})
