"""Build the dbt project (staging, quarantine, core, marts) for one run date, in-process.

    result = build_models(Path("warehouse.duckdb"), run_date=date(2026, 3, 8), timezone="Europe/Berlin")
    print(result)   # dbt build 2026-03-08 (Europe/Berlin): 41 models, 160 tests passed, 1 warning in 12.3 s

dbt's target/ and logs/ go to a folder beside the warehouse file (`<warehouse>.dbt/`), so a
build never writes into the source tree and partial parsing can reuse the manifest.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from parking_warehouse import REPO_ROOT
from parking_warehouse.errors import ParkingWarehouseError
from parking_warehouse.spark_engine import SparkOptions

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
WAREHOUSE_ENV = "PARKING_DBT_WAREHOUSE"
RUN_DATE_ENV = "PARKING_DBT_RUN_DATE"
TIMEZONE_ENV = "PARKING_DBT_TIMEZONE"
# The version of what the incremental models keep between builds (their columns and what the
# values mean). Raise it with any change to them: the first build of a warehouse built with
# another version is a full refresh by itself, instead of dbt refusing the changed schema.
# 2: int_sessions__kpi_days gained last_occupied_day and collected_at, payments_hash is BIGINT.
STATE_VERSION = 2
# one row per successful build: which engine and state version built the warehouse last
# (docs/scale-out.md, docs/operations.md)
BUILDS_TABLE = "audit.dbt_builds"
BUILDS_DDL = f"""
create schema if not exists audit;
create table if not exists {BUILDS_TABLE} (
    run_date      date        not null,  -- D of the build
    engine        varchar     not null,  -- duckdb | spark
    full_refresh  boolean     not null,
    built_at      timestamptz not null,
    state_version integer                -- STATE_VERSION of the build
);
-- (a table made before state_version: its rows have none)
alter table {BUILDS_TABLE} add column if not exists state_version integer;
"""
_TIMEZONE_NAME = re.compile(r"^[A-Za-z0-9_+\-/]+$")


@dataclass(frozen=True)
class NodeResult:
    name: str
    resource_type: str  # model, test, ...
    status: str  # success, error, skipped, pass, fail, warn
    seconds: float
    message: str | None = None


@dataclass(frozen=True)
class BuildResult:
    run_date: date
    timezone: str
    full_refresh: bool
    seconds: float
    nodes: tuple[NodeResult, ...] = field(default=())
    engine: str = "duckdb"
    refresh_reason: str | None = None  # why a full refresh nobody asked for was made

    def count(self, resource_type: str, *statuses: str) -> int:
        return sum(
            1 for node in self.nodes
            if node.resource_type == resource_type and (not statuses or node.status in statuses)
        )

    @property
    def warnings(self) -> tuple[NodeResult, ...]:
        return tuple(node for node in self.nodes if node.status == "warn")

    def slowest(self, count: int = 5) -> tuple[NodeResult, ...]:
        """The nodes that took longest: where a slow build's time went."""
        return tuple(sorted(self.nodes, key=lambda node: node.seconds, reverse=True)[:count])

    def __str__(self) -> str:
        mode = f" on {self.engine}" if self.engine != "duckdb" else ""
        mode += " full refresh" if self.full_refresh else ""
        mode += f" ({self.refresh_reason})" if self.refresh_reason else ""
        warned = len(self.warnings)
        slowest = ", ".join(f"{node.name} {node.seconds:.1f} s" for node in self.slowest())
        return (
            f"dbt build{mode} {self.run_date.isoformat()} ({self.timezone}): "
            f"{self.count('model')} models, {self.count('test', 'pass', 'warn')} tests passed"
            f"{f', {warned} with warnings' if warned else ''} in {self.seconds:.1f} s"
            f"{f' (slowest: {slowest})' if slowest else ''}"
        )


def build_models(
    warehouse: Path,
    *,
    run_date: date,
    timezone: str,
    full_refresh: bool = False,
    select: str | None = None,
    spark: SparkOptions | None = None,
) -> BuildResult:
    """`dbt build` of the project against `warehouse` for operator-local date `run_date`.

    With `spark` (the Spark engine, docs/scale-out.md), dbt-spark builds from warehouse's raw
    layer, exported to Spark, into Spark tables under spark.warehouse_dir: always a full build.
    A DuckDB build is a full refresh by itself when the warehouse was last built by another
    engine, or holds models but no record of its builds (built before audit.dbt_builds): its
    incremental models would otherwise continue from tables they did not write.

    Raises ParkingWarehouseError naming each failing model or test.
    """
    from dbt.cli.main import dbtRunner

    warehouse = Path(warehouse).resolve()
    _check_timezone(timezone)
    if not isinstance(run_date, date):
        raise ParkingWarehouseError(f"run date {run_date!r} is not a date")
    if not warehouse.exists():
        raise ParkingWarehouseError(
            f"warehouse {warehouse} does not exist: run `parking-warehouse extract` first"
        )
    _check_raw_layer(warehouse)
    engine = "duckdb" if spark is None else "spark"
    refresh_reason = None
    if spark is None and not full_refresh:
        refresh_reason = _full_refresh_reason(warehouse, engine)
        full_refresh = refresh_reason is not None
    work_dir = dbt_work_dir(warehouse)
    args = [
        "build",
        "--project-dir", str(DBT_PROJECT_DIR),
        "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(work_dir / "target"),
        "--log-path", str(work_dir / "logs"),
        "--quiet",
        "--no-use-colors",
        "--no-send-anonymous-usage-stats",
        # manifest.json and run_results.json: nothing reads them (the results come back from
        # dbtRunner; partial parsing keeps its own file), and writing them costs about 0.8 s
        "--no-write-json",
    ]
    if full_refresh:
        args.append("--full-refresh")
    if select:
        args += ["--select", select]

    started = time.perf_counter()
    extra_environment = {}
    if spark is not None:
        args += ["--target", "spark"]
        extra_environment = spark.environment()
        session = _prepare_spark(warehouse, spark)
    try:
        with dbt_environment(warehouse, run_date=run_date, timezone=timezone, extra=extra_environment):
            outcome = dbtRunner().invoke(args)
    finally:
        release_warehouse()

    nodes = tuple(_node_results(outcome.result))
    failures = [node for node in nodes if node.status in ("error", "fail")]
    if failures or not outcome.success:
        raise ParkingWarehouseError(_failure_message(run_date, warehouse, failures, outcome.exception))
    if spark is not None:
        from parking_warehouse.spark_engine import load_built_tables

        load_built_tables(session, warehouse, spark)
    _record_build(warehouse, run_date=run_date, engine=engine, full_refresh=full_refresh)
    seconds = time.perf_counter() - started
    return BuildResult(run_date=run_date, timezone=timezone, full_refresh=full_refresh,
                       seconds=seconds, nodes=nodes, engine=engine, refresh_reason=refresh_reason)


def last_build_engine(warehouse: Path) -> str | None:
    """The engine of the warehouse's last recorded build (audit.dbt_builds), None if none."""
    con = _open(warehouse, read_only=True)
    try:
        return _last_build_engine(con)
    finally:
        con.close()


def _last_build_engine(con) -> str | None:
    last = _last_build(con)
    return last[0] if last else None


def _last_build(con) -> tuple[str, int] | None:
    """(engine, state version) of the last recorded build; None when there is no record of
    both (built before the table, or before its state_version column)."""
    import duckdb

    try:
        last = con.execute(
            f"select engine, state_version from {BUILDS_TABLE} order by built_at desc limit 1"
        ).fetchone()
    except (duckdb.CatalogException, duckdb.BinderException):
        return None
    return last if last and last[1] is not None else None


def _full_refresh_reason(warehouse: Path, engine: str) -> str | None:
    """Why the build must be a full refresh (None: it need not): another engine built last, the
    incremental models' state has another version, or models are there without a record of the
    build that made them."""
    con = _open(warehouse, read_only=True)
    try:
        last = _last_build(con)
        (models,) = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'core'").fetchone()
    finally:
        con.close()
    if last is None:
        return "no record of the build that made the models" if models else None
    last_engine, last_version = last
    if last_engine != engine:
        return f"the last build was on {last_engine}"
    if last_version != STATE_VERSION:
        return f"the incremental models' state is version {last_version}, this release's is {STATE_VERSION}"
    return None


def _record_build(warehouse: Path, *, run_date: date, engine: str, full_refresh: bool) -> None:
    import duckdb

    from parking_warehouse import duckdb_resources

    try:
        con = duckdb_resources.connect(warehouse)
    except duckdb.Error as error:
        raise ParkingWarehouseError(f"cannot open warehouse {warehouse}: {error}") from None
    try:
        con.execute(BUILDS_DDL)
        con.execute(f"insert into {BUILDS_TABLE} values (?, ?, ?, now(), ?)",
                    [run_date, engine, full_refresh, STATE_VERSION])
    except duckdb.Error as error:
        raise ParkingWarehouseError(f"cannot record the build in {warehouse} ({BUILDS_TABLE}): "
                                    f"{error}") from None
    finally:
        con.close()


def _open(warehouse: Path, *, read_only: bool):
    import duckdb

    try:
        return duckdb.connect(str(warehouse), read_only=read_only)
    except duckdb.Error as error:
        raise ParkingWarehouseError(f"cannot open warehouse {warehouse}: {error}") from None


def dbt_work_dir(warehouse: Path) -> Path:
    """dbt's target/ and logs/ for a warehouse file: kept between builds for partial parsing."""
    return warehouse.parent / f"{warehouse.name}.dbt"


@contextlib.contextmanager
def dbt_environment(warehouse: Path, *, run_date: date, timezone: str,
                    extra: dict[str, str] | None = None) -> Iterator[None]:
    """The environment the dbt project reads: the warehouse file and DuckDB's memory and thread
    budget (profiles.yml), the run parameters D and time zone (macros/time.sql). Environment,
    not --vars: dbt parses the whole project again whenever --vars change, and D changes
    every day."""
    from parking_warehouse import duckdb_resources

    values = {WAREHOUSE_ENV: str(warehouse), RUN_DATE_ENV: run_date.isoformat(),
              TIMEZONE_ENV: timezone,
              duckdb_resources.MEMORY_LIMIT_ENV: duckdb_resources.memory_limit(),
              duckdb_resources.THREADS_ENV: str(duckdb_resources.threads()), **(extra or {})}
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def release_warehouse() -> None:
    """Close the DuckDB database dbt-duckdb keeps open in this process after a run, so the caller
    can open the warehouse itself (DuckDB allows one configuration per file per process)."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # pragma: no cover - dbt-duckdb is a dependency
        return
    with DuckDBConnectionManager._LOCK:
        environment = DuckDBConnectionManager._ENV
        DuckDBConnectionManager._ENV = None
    if environment is not None:
        environment.close()


def _prepare_spark(warehouse: Path, spark: SparkOptions):
    """The Spark session dbt-spark will reuse, emptied, with warehouse's raw layer registered."""
    from parking_warehouse import spark_engine

    session = spark_engine.start_session(spark)
    spark_engine.reset_warehouse_dir(session, spark)
    spark_engine.export_raw_layer(session, warehouse, spark)
    return session


def _check_raw_layer(warehouse: Path) -> None:
    from parking_warehouse.source_schema import SOURCE_TABLES

    con = _open(warehouse, read_only=True)
    try:
        present = {name for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw'"
        ).fetchall()}
    finally:
        con.close()
    missing = [table for table in SOURCE_TABLES if table not in present]
    if missing:
        raise ParkingWarehouseError(
            f"warehouse {warehouse} has no raw.{missing[0]}"
            f"{f' (nor {len(missing) - 1} more raw tables)' if len(missing) > 1 else ''}: "
            "run `parking-warehouse extract` first"
        )


def _check_timezone(timezone: str) -> None:
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ParkingWarehouseError(f"time zone {timezone!r} is not an IANA time-zone name") from None
    if not _TIMEZONE_NAME.match(timezone):
        raise ParkingWarehouseError(f"time zone {timezone!r} is not an IANA time-zone name")


def _node_results(result) -> list[NodeResult]:
    nodes = []
    for item in getattr(result, "results", None) or []:
        node = item.node
        nodes.append(NodeResult(
            name=node.name,
            resource_type=str(node.resource_type),
            status=str(item.status),
            seconds=float(item.execution_time or 0.0),
            message=item.message,
        ))
    return nodes


def _failure_message(run_date, warehouse, failures, exception) -> str:
    where = f"dbt build for {run_date.isoformat()} on {warehouse}"
    if failures:
        parts = []
        for node in failures[:5]:
            message = " ".join(str(node.message or node.status).split())[:300]
            parts.append(f"{node.resource_type} {node.name}: {message}")
        more = f" (and {len(failures) - 5} more)" if len(failures) > 5 else ""
        return f"{where} failed: " + "; ".join(parts) + more
    detail = " ".join(str(exception or "no result").split())[:500]
    return f"{where} failed: {detail}"
