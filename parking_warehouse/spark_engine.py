"""The Spark engine (PARKING_ENGINE=spark, docs/scale-out.md): dbt-spark builds the same dbt
project on Apache Spark, from the raw layer of the DuckDB working copy.

    options = SparkOptions.from_settings(settings)
    session = start_session(options)            # the session dbt-spark's `session` method reuses
    export_raw_layer(session, working_copy, options.warehouse_dir)   # raw.* as Parquet, in Spark

Spark keeps its catalog in memory (no Hive metastore on a local machine) and every Spark build
is a full rebuild, so each build starts from an empty warehouse directory: nothing of an earlier
build is read. The raw layer stays in DuckDB (the extract, its high-water marks and upserts do
not change); each raw table is copied to Parquet and registered in Spark as `raw.<table>`.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from parking_warehouse.errors import ParkingWarehouseError

# the environment variables profiles.yml's `spark` output reads (parking_warehouse.transform sets them)
MASTER_ENV = "PARKING_SPARK_MASTER"
WAREHOUSE_DIR_ENV = "PARKING_DBT_SPARK_WAREHOUSE_DIR"
DRIVER_MEMORY_ENV = "PARKING_SPARK_DRIVER_MEMORY"
RAW_DIR = "raw_export"
BUILT_DIR = "built_export"
# what the steps after the build read (gates, publication, reports): staging is not loaded
LOADED_SCHEMAS = ("quarantine", "core", "marts")
# tables that keep the history of past runs in DuckDB (a full Spark build holds only this run's
# rows): their rows replace the rows of the same key, the others stay -> the key column
HISTORY_TABLES = {"marts.system_metrics": "run_date"}


@dataclass(frozen=True)
class SparkOptions:
    master: str  # local[2], spark://host:7077, ...
    warehouse_dir: Path  # spark.sql.warehouse.dir: the built tables, as Parquet
    driver_memory: str = "2g"

    @classmethod
    def from_settings(cls, settings) -> SparkOptions:
        return cls(master=settings.spark_master, warehouse_dir=settings.spark_dir,
                   driver_memory=settings.spark_driver_memory)

    def environment(self) -> dict[str, str]:
        """What profiles.yml's `spark` output reads."""
        return {MASTER_ENV: self.master, WAREHOUSE_DIR_ENV: str(self.warehouse_dir),
                DRIVER_MEMORY_ENV: self.driver_memory}

    def session_config(self) -> dict[str, str]:
        """The session's configuration: the same as profiles.yml's server_side_parameters (and,
        on a local master, as many shuffle partitions as cores)."""
        return {
            **_local_parallelism(self.master),
            "spark.master": self.master,
            "spark.sql.warehouse.dir": str(self.warehouse_dir),
            "spark.driver.memory": self.driver_memory,
            "spark.sql.catalogImplementation": "in-memory",
            # instants are read and written in UTC, whatever the machine's zone
            "spark.sql.session.timeZone": "UTC",
            # Parquet timestamps as DuckDB reads them back: TIMESTAMP (UTC-adjusted) in microseconds
            "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
            "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false",
            # dbt-spark sets this for its own connections too: casts that fail give NULL
            "spark.sql.ansi.enabled": "false",
        }


def _local_parallelism(master: str) -> dict[str, str]:
    """Spark in this process (local[N]): N partitions after a shuffle, not Spark's 200 (a task
    each, most of them empty, for every stage of every model and test: the build's main cost on
    one machine). A cluster keeps Spark's defaults (adaptive execution coalesces them)."""
    match = re.fullmatch(r"local(?:\[(\d+|\*)(?:,\s*\d+)?\])?", master.strip())
    if match is None:
        return {}
    cores = match.group(1) or "1"
    cores = str(os.cpu_count() or 1) if cores == "*" else cores
    return {"spark.sql.shuffle.partitions": cores, "spark.default.parallelism": cores}


def spark_options(settings) -> SparkOptions | None:
    """The Spark options when the settings choose the Spark engine, else None (DuckDB)."""
    return SparkOptions.from_settings(settings) if settings.engine == "spark" else None


def start_session(options: SparkOptions):
    """The Spark session of this process (created, or the running one with these settings)."""
    try:
        from py4j.protocol import Py4JError
        from pyspark.errors import PySparkException
        from pyspark.sql import SparkSession
    except ImportError:  # pragma: no cover - pyspark is pinned in requirements.txt
        raise ParkingWarehouseError(
            "the spark engine needs pyspark: install requirements.txt (make setup)"
        ) from None
    builder = SparkSession.builder
    for name, value in options.session_config().items():
        builder = builder.config(name, value)
    try:
        session = builder.getOrCreate()
    except (PySparkException, Py4JError, OSError) as error:  # no Java, a master out of reach
        raise ParkingWarehouseError(
            f"cannot start Spark (master {options.master!r}): {error}. The local engine needs "
            "Java 17 (scripts/install-system-packages.sh)"
        ) from None
    session.sparkContext.setLogLevel("ERROR")
    return session


def reset_warehouse_dir(session, options: SparkOptions) -> None:
    """Drop what an earlier build left: Spark's databases and the warehouse directory."""
    for database in ("raw", "staging", "quarantine", "core", "marts", "main"):
        session.sql(f"drop database if exists {database} cascade")
    if options.warehouse_dir.exists():
        shutil.rmtree(options.warehouse_dir)
    options.warehouse_dir.mkdir(parents=True)


def export_raw_layer(session, warehouse: Path, options: SparkOptions) -> list[str]:
    """Copy every raw table of the DuckDB `warehouse` to Parquet (DuckDB COPY) and register it in
    Spark as raw.<table> (same columns and values). Returns the tables registered."""
    import duckdb

    from parking_warehouse import duckdb_resources
    from parking_warehouse.source_schema import SOURCE_TABLES

    export_dir = options.warehouse_dir / RAW_DIR
    export_dir.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb_resources.connect(warehouse, read_only=True)
    except duckdb.Error as error:
        raise ParkingWarehouseError(f"cannot open warehouse {warehouse}: {error}") from None
    try:
        for table in SOURCE_TABLES:
            (export_dir / table).mkdir()
            con.execute(f"copy raw.{table} to '{export_dir / table / 'data.parquet'}' (format parquet)")
    except duckdb.Error as error:
        raise ParkingWarehouseError(f"cannot export the raw layer of {warehouse}: {error}") from None
    finally:
        con.close()
    session.sql("create database if not exists raw")
    for table in SOURCE_TABLES:
        session.sql(f"create table raw.{table} using parquet "
                    f"location '{export_dir / table}'")
    return list(SOURCE_TABLES)


def export_built_tables(session, options: SparkOptions, schemas: tuple[str, ...]) -> dict[str, Path]:
    """Write every table and view of `schemas` built in Spark as Parquet (one folder each, under
    the warehouse directory's `built_export/`). Returns `schema.table` -> folder."""
    folders = {}
    for schema in schemas:
        for table in session.catalog.listTables(schema):
            name = f"{schema}.{table.name}"
            folder = options.warehouse_dir / BUILT_DIR / schema / table.name
            session.table(name).write.mode("overwrite").parquet(str(folder))
            folders[name] = folder
    return folders


def load_built_tables(session, warehouse: Path, options: SparkOptions,
                      schemas: tuple[str, ...] = LOADED_SCHEMAS) -> list[str]:
    """Load what Spark built in `schemas` into the DuckDB `warehouse` as tables of the same names
    (replacing what is there), so that the gates, the publication and the reports read them as
    after a DuckDB build. Returns the `schema.table` names loaded."""
    import duckdb

    from parking_warehouse import duckdb_resources

    built = [schema for schema in schemas if session.catalog.databaseExists(schema)]
    folders = export_built_tables(session, options, tuple(built))
    try:
        con = duckdb_resources.connect(warehouse)
    except duckdb.Error as error:
        raise ParkingWarehouseError(f"cannot open warehouse {warehouse}: {error}") from None
    try:
        con.execute("begin")
        for name, folder in folders.items():
            schema, table = name.split(".")
            con.execute(f"create schema if not exists {schema}")
            built = f"read_parquet('{folder}/*.parquet')"
            key = HISTORY_TABLES.get(name)
            if key and _relation_kinds(con, schema, table) == ["BASE TABLE"]:
                con.execute(f"delete from {name} where {key} in (select {key} from {built})")
                con.execute(f"insert into {name} select * from {built}")
                continue
            _drop_relation(con, schema, table)
            con.execute(f"create table {name} as select * from {built}")
        con.execute("commit")
    except duckdb.Error as error:
        raise ParkingWarehouseError(
            f"cannot load the tables Spark built into {warehouse}: {error}"
        ) from None
    finally:
        con.close()
    return sorted(folders)


def _relation_kinds(con, schema: str, table: str) -> list[str]:
    return [kind for (kind,) in con.execute(
        "select table_type from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()]


def _drop_relation(con, schema: str, table: str) -> None:
    """Drop schema.table, a table or a view (a DuckDB build makes some models views)."""
    for kind in _relation_kinds(con, schema, table):
        con.execute(f"drop {'view' if kind == 'VIEW' else 'table'} {schema}.{table}")
