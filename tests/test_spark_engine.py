"""The Spark engine (docs/scale-out.md) publishes the same warehouse as DuckDB: the daily pipeline
for one generated source (a daylight-saving day in Europe/Berlin, dirty rows of every kind) run
with each engine publishes identical output files (the nine outputs, the operator KPI files), and
every table and view of staging, quarantine, core and marts built by Spark, loaded back into
DuckDB, equals the DuckDB build's row for row, value for value, with the same column names and
types.

Real Spark (pyspark, local[2], Java 17) and real dbt-spark (session method), the whole project
with its dbt tests; one Spark session for the module.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import duckdb
import pytest
from pipeline_support import copy_built, make_settings

from parking_warehouse.errors import ParkingWarehouseError
from parking_warehouse.generator import generate_database
from parking_warehouse.pipeline import run_daily
from parking_warehouse.spark_engine import SparkOptions, load_built_tables, start_session
from parking_warehouse.transform import build_models

pytestmark = pytest.mark.slow

D = date(2026, 3, 29)  # Europe/Berlin springs forward: a 23-hour day
TZ = "Europe/Berlin"
# marts.analytics_reports: written by the report step (parking_warehouse/reports/store.py), not dbt
NOT_DBT = {"analytics_reports"}
SCHEMAS = ("staging", "quarantine", "core", "marts")
# columns whose values belong to one build or one engine: the build's own start time, and the
# fingerprints the incremental models compare with their own earlier values (DuckDB's hash();
# a Spark build is a full build and leaves values no DuckDB build takes for its own)
ENGINE_SPECIFIC = {"_built_at", "_inputs_fingerprint", "payments_hash"}


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    """The daily pipeline for D with DuckDB; then, on a copy of the published warehouse (the same
    raw layer: the source has not changed, so the extract loads nothing), with Spark."""
    folder = tmp_path_factory.mktemp("spark_engine")
    source = folder / "source.sqlite3"
    # at least one dirty row of every kind, few enough for the gates to let the day through
    generate_database(source, days=4, end_date=D, zones=2, slots_per_zone=8, seed=7,
                      dirty_rate=0.001, timezone=TZ)
    duck = make_settings(folder / "duckdb", source, TZ)
    duck_run = run_daily(duck, D)
    options = SparkOptions(master="local[2]", warehouse_dir=folder / "spark_warehouse",
                           driver_memory="1g")
    spark = replace(copy_built(duck, folder / "spark"), engine="spark",
                    spark_warehouse_dir=options.warehouse_dir, spark_driver_memory=options.driver_memory)
    spark_run = run_daily(spark, D)
    session = start_session(options)
    built = {schema: sorted(table.name for table in session.catalog.listTables(schema))
             for schema in SCHEMAS}
    # staging is not loaded back by a run (nothing after the build reads it): load it here
    load_built_tables(session, spark.warehouse, options, schemas=("staging",))
    print(f"\nDuckDB run: {duck_run.seconds['build']:.1f} s build, {duck_run.total_seconds:.1f} s in all; "
          f"Spark run: {spark_run.seconds['build']:.1f} s build, {spark_run.total_seconds:.1f} s in all")
    yield duck, spark, built
    session.stop()


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


def test_spark_built_every_model_the_duckdb_run_built(engines):
    duck, _, built = engines
    for schema in SCHEMAS:
        assert built[schema], schema
        assert built[schema] == [name for name in _relations(duck.warehouse, schema)
                                 if name not in NOT_DBT], schema


@pytest.mark.parametrize("schema", SCHEMAS)
def test_spark_and_duckdb_build_identical_tables(engines, schema):
    duck, spark, built = engines
    con = duckdb.connect(str(duck.warehouse), read_only=True)
    try:
        con.execute(f"attach '{spark.warehouse}' as spark (read_only)")
        for table in built[schema]:
            ours, theirs = f"{schema}.{table}", f"spark.{schema}.{table}"
            compared = [column for column in _columns(con, ours) if column[0] not in ENGINE_SPECIFIC]
            assert [column for column in _columns(con, theirs) if column[0] not in ENGINE_SPECIFIC] \
                == compared, ours
            kept = ", ".join(f'"{name}"' for name, _ in compared)
            for left, right in ((ours, theirs), (theirs, ours)):
                extra = con.execute(
                    f"select * from (select {kept} from {left} except all select {kept} from {right}) "
                    "limit 5").fetchall()
                assert extra == [], f"{ours}: rows only in {left}: {extra}"
            assert con.execute(f"select count(*) from {ours}").fetchone()[0] == \
                con.execute(f"select count(*) from {theirs}").fetchone()[0], ours
    finally:
        con.close()


def test_both_runs_publish_the_same_output_files(engines):
    """The nine outputs and the operator KPI files, byte for byte (health.json, manifest.json and
    index.html name the run: they differ by run id, times and hashes)."""
    duck, spark, _ = engines
    ours, theirs = duck.reports_dir / D.isoformat(), spark.reports_dir / D.isoformat()
    names = sorted(path.name for path in ours.glob("*.json")
                   if path.name not in ("health.json", "manifest.json"))
    assert len(names) == 11, names  # the nine outputs, occupancy_timeline, operations
    for name in names:
        assert (theirs / name).read_bytes() == (ours / name).read_bytes(), name


def test_the_dirty_and_dst_source_reaches_every_layer(engines):
    """The comparison means something: quarantine holds rows and the DST day has sessions."""
    duck, _, _ = engines
    con = duckdb.connect(str(duck.warehouse), read_only=True)
    try:
        assert con.execute("select count(*) from quarantine.quarantined_rows").fetchone()[0] > 0
        assert con.execute("select count(*) from core.fct_parking_sessions "
                           "where entry_date_local = ?", [D]).fetchone()[0] > 0
        # 92 quarter hours on the 23-hour day
        assert con.execute("select count(distinct \"at\") from marts.occupancy_timeline").fetchone()[0] == 92
    finally:
        con.close()


def test_spark_build_refuses_a_warehouse_without_a_raw_layer(engines, tmp_path):
    """A warehouse without a raw layer is refused before Spark is asked for anything."""
    _, spark, _ = engines
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(ParkingWarehouseError, match="raw"):
        build_models(empty, run_date=D, timezone=TZ, spark=SparkOptions.from_settings(spark))
