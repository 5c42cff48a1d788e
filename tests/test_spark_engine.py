"""The Spark engine (docs/scale-out.md) publishes the same warehouse as DuckDB: the daily pipeline
for one generated source (a daylight-saving day in Europe/Berlin, dirty rows of every kind) run
with each engine, for D and then for a backfilled earlier day, publishes identical output files
(the nine outputs, the operator KPI files), and every table and view of staging, quarantine,
core and marts built by Spark, loaded back into DuckDB, equals the DuckDB build's row for row,
value for value, with the same column names and types. Going back to DuckDB after Spark makes
the next DuckDB build a full refresh by itself.

Real Spark (pyspark, local[2], Java 17) and real dbt-spark (session method), the whole project
with its dbt tests; one Spark session for the module.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from datetime import date, timedelta

import duckdb
import pytest
from pipeline_support import copy_built, make_settings

from parking_warehouse.config import Settings
from parking_warehouse.errors import ParkingWarehouseError
from parking_warehouse.generator import generate_database
from parking_warehouse.pipeline import run_daily
from parking_warehouse.spark_engine import SparkOptions, load_built_tables, start_session
from parking_warehouse.transform import BUILDS_TABLE, build_models, last_build_engine

pytestmark = pytest.mark.slow

D = date(2026, 3, 29)  # Europe/Berlin springs forward: a 23-hour day
BACKFILL = D - timedelta(days=2)  # run after D, as `parking-warehouse run --date` an earlier day
TZ = "Europe/Berlin"
# marts.analytics_reports: written by the report step (parking_warehouse/reports/store.py), not dbt
NOT_DBT = {"analytics_reports"}
SCHEMAS = ("staging", "quarantine", "core", "marts")
# columns whose values belong to one build or one engine: the build's own start time, and the
# fingerprints the incremental models compare with their own earlier values (DuckDB's hash();
# a Spark build is a full build and leaves values no DuckDB build takes for its own). Their
# names and types are compared, not their values.
ENGINE_SPECIFIC = {"_built_at", "_inputs_fingerprint", "payments_hash"}
# integer keys DuckDB's cast alone reads (16, 1000) and Spark's does not: unparseable on both
ODD_INTEGER_TEXT = {"slot_id": "0x10", "vehicle_id": "1_000"}


@dataclass(frozen=True)
class Built:
    """One run date built by both engines: their settings and the models Spark built."""

    run_date: date
    duck: Settings
    spark: Settings
    tables: dict[str, list[str]]  # schema -> the tables and views Spark built


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """4 days ending on D, at least one dirty row of every kind (few enough for the gates), and
    two sessions (without payments) whose key is integer text only DuckDB's cast reads."""
    path = tmp_path_factory.mktemp("spark_source") / "source.sqlite3"
    generate_database(path, days=4, end_date=D, zones=2, slots_per_zone=8, seed=7,
                      dirty_rate=0.001, timezone=TZ)
    con = sqlite3.connect(path)
    try:
        ids = [row[0] for row in con.execute(
            "select id from backend_core_parkingsession where status = 'completed' and id not in "
            "(select session_id from backend_core_payment) order by id limit 2")]
        for session_id, (column, text) in zip(ids, ODD_INTEGER_TEXT.items(), strict=True):
            con.execute(f"update backend_core_parkingsession set {column} = ? where id = ?",
                        [text, session_id])
        con.commit()
    finally:
        con.close()
    return path, ids


@pytest.fixture(scope="module")
def engines(tmp_path_factory, source):
    """The daily pipeline with DuckDB, then with Spark on a copy of the published warehouse (the
    same raw layer: the source has not changed, so the extract loads nothing), for D; then each
    engine backfills an earlier day on its own warehouse. -> {"D": Built, "backfill": Built}"""
    folder = tmp_path_factory.mktemp("spark_engine")
    options = SparkOptions(master="local[2]", warehouse_dir=folder / "spark_warehouse",
                           driver_memory="1g")
    duck = make_settings(folder / "duckdb", source[0], TZ)
    runs = {"duckdb D": run_daily(duck, D)}
    spark = replace(copy_built(duck, folder / "spark"), engine="spark",
                    spark_warehouse_dir=options.warehouse_dir, spark_driver_memory=options.driver_memory)
    runs["spark D"] = run_daily(spark, D)
    tables = _load_staging(spark, options)
    on_d = Built(D, copy_built(duck, folder / "duckdb_d"), copy_built(spark, folder / "spark_d"), tables)
    runs["duckdb backfill"] = run_daily(duck, BACKFILL)
    runs["spark backfill"] = run_daily(spark, BACKFILL)
    backfill = Built(BACKFILL, duck, spark, _load_staging(spark, options))
    print("\n" + "; ".join(f"{name}: {run.seconds['build']:.1f} s build, {run.total_seconds:.1f} s in all"
                          for name, run in runs.items()))
    yield {"D": on_d, "backfill": backfill}
    start_session(options).stop()


def _load_staging(spark: Settings, options: SparkOptions) -> dict[str, list[str]]:
    """The models the last Spark build made; staging is not loaded back by a run (nothing after
    the build reads it): load it into the published warehouse here."""
    session = start_session(options)
    built = {schema: sorted(table.name for table in session.catalog.listTables(schema))
             for schema in SCHEMAS}
    load_built_tables(session, spark.warehouse, options, schemas=("staging",))
    return built


@pytest.fixture(scope="module")
def back_to_duckdb(engines, tmp_path_factory):
    """The DuckDB daily run for D on a copy of the warehouse Spark built last (the backfill)."""
    settings = replace(copy_built(engines["backfill"].spark, tmp_path_factory.mktemp("back")),
                       engine="duckdb")
    return settings, run_daily(settings, D)


def _relations(warehouse, schema: str) -> list[str]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return [name for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = ? order by 1",
            [schema]).fetchall()]
    finally:
        con.close()


def _columns(con, relation: str) -> list[tuple[str, str]]:
    return [(row[0], row[1]) for row in con.execute(f"describe {relation}").fetchall()]


@pytest.mark.parametrize("day", ["D", "backfill"])
def test_spark_built_every_model_the_duckdb_run_built(engines, day):
    built = engines[day]
    for schema in SCHEMAS:
        assert built.tables[schema], schema
        assert built.tables[schema] == [name for name in _relations(built.duck.warehouse, schema)
                                        if name not in NOT_DBT], schema


def _assert_same_tables(ours_db, theirs_db, tables: dict[str, list[str]], *, where: dict | None = None):
    """Every `schema.table` of `tables` in theirs_db equals ours_db's: column names and types, and
    rows as multisets (ENGINE_SPECIFIC values left out; `where`: table -> the rows compared)."""
    con = duckdb.connect(str(ours_db), read_only=True)
    try:
        con.execute(f"attach '{theirs_db}' as theirs (read_only)")
        for schema, names in tables.items():
            for table in names:
                ours, theirs = f"{schema}.{table}", f"theirs.{schema}.{table}"
                columns = _columns(con, ours)
                assert _columns(con, theirs) == columns, ours
                kept = ", ".join(f'"{name}"' for name, _ in columns if name not in ENGINE_SPECIFIC)
                condition = f" where {where[ours]}" if where and ours in where else ""
                for left, right in ((ours, theirs), (theirs, ours)):
                    extra = con.execute(
                        f"select * from (select {kept} from {left}{condition} "
                        f"except all select {kept} from {right}{condition}) limit 5").fetchall()
                    assert extra == [], f"{ours}: rows only in {left}: {extra}"
                assert con.execute(f"select count(*) from {ours}{condition}").fetchone() == \
                    con.execute(f"select count(*) from {theirs}{condition}").fetchone(), ours
    finally:
        con.close()


@pytest.mark.parametrize("day", ["D", "backfill"])
@pytest.mark.parametrize("schema", SCHEMAS)
def test_spark_and_duckdb_build_identical_tables(engines, day, schema):
    built = engines[day]
    _assert_same_tables(built.duck.warehouse, built.spark.warehouse, {schema: built.tables[schema]})


def _assert_same_output_files(ours, theirs) -> None:
    """The nine outputs and the operator KPI files of one day, byte for byte (health.json,
    manifest.json and index.html name the run: they differ by run id, times and hashes)."""
    names = sorted(path.name for path in ours.glob("*.json")
                   if path.name not in ("health.json", "manifest.json"))
    assert len(names) == 11, names  # the nine outputs, occupancy_timeline, operations
    for name in names:
        assert (theirs / name).read_bytes() == (ours / name).read_bytes(), name


@pytest.mark.parametrize("day", ["D", "backfill"])
def test_both_runs_publish_the_same_output_files(engines, day):
    built = engines[day]
    folder = built.run_date.isoformat()
    _assert_same_output_files(built.duck.reports_dir / folder, built.spark.reports_dir / folder)


def test_the_dirty_and_dst_source_reaches_every_layer(engines, source):
    """The comparison means something: quarantine holds rows and the DST day has sessions; the
    backfill rebuilt the marts for its own day."""
    _, odd_sessions = source
    for day, built in engines.items():
        con = duckdb.connect(str(built.duck.warehouse), read_only=True)
        try:
            assert con.execute("select count(*) from quarantine.quarantined_rows").fetchone()[0] > 0
            assert con.execute("select run_date from marts.dashboard_summary").fetchone()[0] \
                == built.run_date, day
            # the integer text only DuckDB's cast reads is unparseable
            assert con.execute(
                "select row_key, reason from quarantine.quarantined_rows "
                "where table_name = 'backend_core_parkingsession' and row_key in (?, ?) order by 1",
                odd_sessions).fetchall() == [(key, "unparseable value") for key in odd_sessions]
        finally:
            con.close()
    con = duckdb.connect(str(engines["D"].duck.warehouse), read_only=True)
    try:
        assert con.execute("select count(*) from core.fct_parking_sessions "
                           "where entry_date_local = ?", [D]).fetchone()[0] > 0
        # 92 quarter hours on the 23-hour day
        assert con.execute("select count(distinct \"at\") from marts.occupancy_timeline").fetchone()[0] == 92
    finally:
        con.close()


def test_the_warehouse_records_the_engine_of_each_build(engines):
    built = engines["backfill"]
    assert last_build_engine(built.duck.warehouse) == "duckdb"
    assert last_build_engine(built.spark.warehouse) == "spark"


def test_a_duckdb_run_after_spark_is_a_full_refresh_and_publishes_the_same(engines, back_to_duckdb):
    """Spark built the warehouse last (the backfill); the DuckDB run for D on it refreshes in
    full by itself and publishes what the DuckDB-only run for D published."""
    settings, run = back_to_duckdb
    assert "full refresh (the last build was on spark)" in run.build
    assert last_build_engine(settings.warehouse) == "duckdb"
    duck = engines["D"].duck
    _assert_same_output_files(duck.reports_dir / D.isoformat(), settings.reports_dir / D.isoformat())
    tables = {schema: [name for name in _relations(duck.warehouse, schema) if name not in NOT_DBT]
              for schema in ("quarantine", "core", "marts")}
    # system_metrics keeps a row per run date: the backfill's stays beside D's
    _assert_same_tables(duck.warehouse, settings.warehouse, tables,
                        where={"marts.system_metrics": f"run_date = '{D}'"})


def test_a_warehouse_built_before_the_record_is_refreshed_once(engines, tmp_path):
    """Models without a record of the build that made them (a warehouse built before
    audit.dbt_builds): the next DuckDB build is a full refresh; it records itself."""
    warehouse = tmp_path / "warehouse.duckdb"
    warehouse.write_bytes(engines["D"].duck.warehouse.read_bytes())
    con = duckdb.connect(str(warehouse))
    try:
        con.execute(f"drop table {BUILDS_TABLE}")
    finally:
        con.close()
    result = build_models(warehouse, run_date=D, timezone=TZ)
    assert result.full_refresh
    assert result.refresh_reason == "no record of the build that made the models"
    assert last_build_engine(warehouse) == "duckdb"


def test_spark_build_refuses_a_warehouse_without_a_raw_layer(engines, tmp_path):
    """A warehouse without a raw layer is refused before Spark is asked for anything."""
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(ParkingWarehouseError, match="raw"):
        build_models(empty, run_date=D, timezone=TZ,
                     spark=SparkOptions.from_settings(engines["D"].spark))
