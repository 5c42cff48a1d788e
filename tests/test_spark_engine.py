"""The Spark engine (docs/scale-out.md) builds the same dbt project as DuckDB, with the same result:
on one generated source (a daylight-saving day in Europe/Berlin, dirty rows of every kind), every
table and view of staging, quarantine, core and marts built by Spark, loaded back into DuckDB,
equals the DuckDB build's row for row, value for value, with the same column names and types;
the nine outputs and the operator KPI files computed from both warehouses are identical.

Real Spark (pyspark, local[2], Java 17) and real dbt-spark (session method), the whole project
with its dbt tests; one Spark session for the module.
"""

from __future__ import annotations

import json
import shutil
import time
from datetime import UTC, date, datetime

import duckdb
import pytest
from test_dbt_support import load_raw, outputs_of

from parking_warehouse.errors import ParkingWarehouseError
from parking_warehouse.generator import generate_database
from parking_warehouse.spark_engine import SparkOptions, load_built_tables, start_session
from parking_warehouse.transform import build_models

pytestmark = pytest.mark.slow

D = date(2026, 3, 29)  # Europe/Berlin springs forward: a 23-hour day
TZ = "Europe/Berlin"
LOADED_AT = datetime(2026, 3, 30, 3, 0, tzinfo=UTC)
SCHEMAS = ("staging", "quarantine", "core", "marts")
# columns whose values belong to one build or one engine: the build's own start time, and the
# fingerprints the incremental models compare with their own earlier values (DuckDB's hash();
# a Spark build is a full build and leaves values no DuckDB build takes for its own)
ENGINE_SPECIFIC = {"_built_at", "_inputs_fingerprint", "payments_hash"}


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    folder = tmp_path_factory.mktemp("spark_engine")
    source = folder / "source.sqlite3"
    generate_database(source, days=4, end_date=D, zones=2, slots_per_zone=8, seed=7,
                      dirty_rate=0.03, timezone=TZ)
    duck, spark = folder / "duckdb.duckdb", folder / "spark.duckdb"
    load_raw(source, duck, loaded_at=LOADED_AT)
    shutil.copyfile(duck, spark)

    started = time.perf_counter()
    duck_build = build_models(duck, run_date=D, timezone=TZ)
    duck_seconds = time.perf_counter() - started

    options = SparkOptions(master="local[2]", warehouse_dir=folder / "spark_warehouse",
                           driver_memory="1g")
    started = time.perf_counter()
    spark_build = build_models(spark, run_date=D, timezone=TZ, spark=options)
    spark_seconds = time.perf_counter() - started
    session = start_session(options)
    # staging is not loaded back by a build (nothing after the build reads it): load it here
    load_built_tables(session, spark, options, schemas=("staging",))
    print(f"\nDuckDB: {duck_build} ({duck_seconds:.1f} s); Spark: {spark_build} ({spark_seconds:.1f} s)")
    yield duck, spark, session, options
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


def test_every_layer_built_on_spark_has_the_same_relations(engines):
    duck, spark, _, _ = engines
    for schema in SCHEMAS:
        assert _relations(duck, schema), schema
        assert _relations(spark, schema) == _relations(duck, schema), schema


@pytest.mark.parametrize("schema", SCHEMAS)
def test_spark_and_duckdb_build_identical_tables(engines, schema):
    duck, spark, _, _ = engines
    con = duckdb.connect(str(duck), read_only=True)
    try:
        con.execute(f"attach '{spark}' as spark (read_only)")
        for table in _relations(spark, schema):
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


def test_the_nine_outputs_and_the_operator_kpis_are_identical(engines):
    from parking_warehouse.reports.outputs import build_operator_outputs

    duck, spark, _, _ = engines
    assert outputs_of(spark, TZ) == outputs_of(duck, TZ)
    operator = {}
    for warehouse in (duck, spark):
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            operator[warehouse] = json.loads(json.dumps(build_operator_outputs(con, timezone=TZ)))
        finally:
            con.close()
    assert operator[spark] == operator[duck]
    assert operator[duck]


def test_the_dirty_and_dst_source_reaches_every_layer(engines):
    """The comparison means something: quarantine holds rows and the DST day has sessions."""
    duck, _, _, _ = engines
    con = duckdb.connect(str(duck), read_only=True)
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
    _, _, _, options = engines
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(ParkingWarehouseError, match="raw"):
        build_models(empty, run_date=D, timezone=TZ, spark=options)
