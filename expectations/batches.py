"""The rows each suite checks, read from DuckDB into small pandas DataFrames.

DuckDB does the selecting (only the rows of one load, a bounded sample of a very large one,
only the small mart tables, derived checks as SQL) and counts what needs every row of a table
(key uniqueness); Great Expectations then validates each DataFrame as one batch. No DataFrame
grows with the warehouse: a raw batch holds at most max_rows_per_load rows. A batch is named
by the `meta.batch` of the expectations in suites/<suite>.json.

Raw suite batches:
    <table>          the rows of the load being validated (`_run_id` = run id), every column,
                     plus, for each column `X__at` the suite names, X parsed as a UTC timestamp
                     (NULL when unparseable, as staging parses it), for `X__num` X as a number,
                     and `_loaded_at__utc` (`_loaded_at` as a UTC timestamp without zone); a
                     repeatable sample of max_rows_per_load of them when the load is larger;
    <table>.keys     key uniqueness, counted by DuckDB over every raw row, of any run, whose id
                     is in the load (`counted`: Great Expectations' result, computed in SQL);
                     `frame` holds only the rows that share an id (at most OFFENDING_ROWS);
    row_counts       one row per table of the load: live rows (`_deleted_at` null) before and
                     after the load, from raw._load_history and the table itself.
Marts suite batches: marts.<name> as built by dbt (only the columns the suite reads), and the
checks across marts in DERIVED_MART_BATCHES.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from parking_warehouse.errors import ParkingWarehouseError

SAMPLE_SEED = 42
OFFENDING_ROWS = 10  # rows kept of a failed check (Great Expectations' partial_unexpected_count)
_TIMESTAMP_FORMATS = "['%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M:%S.%f']"


@dataclass(frozen=True)
class Batch:
    """One DataFrame to validate; `frame` is None when its table does not exist."""

    name: str
    table: str  # the warehouse table the rows come from, for the audit and messages
    frame: pd.DataFrame | None
    key_columns: tuple[str, ...] = ()
    rows_total: int = 0  # rows the batch stands for (more than len(frame) when sampled)
    note: str = ""
    context_columns: tuple[str, ...] = ()  # shown beside offending rows, to make them readable
    # Counted in DuckDB over every row (`frame` then holds only offending rows): the result of
    # expect_column_values_to_be_unique as Great Expectations reports it, which is not run again.
    counted: dict | None = None

    @property
    def rows(self) -> int:
        return 0 if self.frame is None else len(self.frame)


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def tables_in(con: duckdb.DuckDBPyConnection, schema: str) -> set[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = ?", [schema]
    ).fetchall()
    return {name for (name,) in rows}


def _columns_of(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> set[str]:
    rows = con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return {name for (name,) in rows}


# ---------------------------------------------------------------- raw


def latest_raw_run_id(con: duckdb.DuckDBPyConnection) -> str:
    """The run id of the newest load in raw._load_history."""
    if "_load_history" not in tables_in(con, "raw"):
        raise ParkingWarehouseError(
            "raw._load_history does not exist: run `parking-warehouse extract` first"
        )
    row = con.execute(
        "select run_id from raw._load_history order by started_at desc, finished_at desc limit 1"
    ).fetchone()
    if row is None:
        raise ParkingWarehouseError(
            "raw._load_history is empty: run `parking-warehouse extract` first"
        )
    return row[0]


def read_raw_batches(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    needed: dict[str, set[str]],
    *,
    max_rows_per_load: int,
) -> dict[str, Batch]:
    """`needed` maps each batch name of the raw suite to the columns its expectations read."""
    tables = tables_in(con, "raw")
    if "_load_history" not in tables:
        raise ParkingWarehouseError(
            "raw._load_history does not exist: run `parking-warehouse extract` first"
        )
    loaded = con.execute(
        "select count(*) from raw._load_history where run_id = ?", [run_id]
    ).fetchone()[0]
    if not loaded:
        raise ParkingWarehouseError(f"no load with run id {run_id!r} in raw._load_history")
    batches = {}
    for name, columns in needed.items():
        table, _, part = name.partition(".")
        if name == "row_counts":
            batches[name] = _row_counts(con, run_id, tables)
        elif table not in tables:
            batches[name] = Batch(
                name, f"raw.{table}", None, ("id",), note=f"table raw.{table} is missing"
            )
        elif part == "keys":
            batches[name] = _load_keys(con, table, run_id)
        else:
            batches[name] = _load_rows(con, table, run_id, columns, max_rows_per_load)
    return batches


def _load_rows(con, table: str, run_id: str, columns: set[str], max_rows: int) -> Batch:
    """The load's rows with the derived columns; a repeatable sample of `max_rows` of them when
    the load is larger (sampled first, so only the sample is parsed and handed to pandas)."""
    present = _columns_of(con, "raw", table)
    derived = []
    for column in sorted(columns):
        base, _, kind = column.rpartition("__")
        if base not in present:  # the expectation reports the missing column
            continue
        if column == "_loaded_at__utc":
            derived.append("timezone('UTC', _loaded_at) as _loaded_at__utc")
        elif kind == "at" and base:
            derived.append(f"try_strptime({quote(base)}, {_TIMESTAMP_FORMATS}) as {quote(column)}")
        elif kind == "num" and base:
            derived.append(f"try_cast({quote(base)} as double) as {quote(column)}")
    rows_total = con.execute(
        f"select count(*) from raw.{quote(table)} where _run_id = ?", [run_id]
    ).fetchone()[0]
    select = ", ".join(["*", *derived])
    rows = f"select {select} from raw.{quote(table)} where _run_id = $run_id"
    note = ""
    if rows_total > max_rows:  # the sample's ids first: a scan of one column, not of every one
        rows = f"""
            with chosen as (
                select id
                from (select id from raw.{quote(table)} where _run_id = $run_id)
                using sample reservoir({int(max_rows)} rows) repeatable ({SAMPLE_SEED})
            )
            select {select}
            from raw.{quote(table)}
            semi join chosen using (id)
            where _run_id = $run_id
        """
        note = f"value checks on a repeatable sample of {int(max_rows)} of the load's {rows_total} rows"
    frame = con.execute(f"{rows} order by id", {"run_id": run_id}).df()
    return Batch(table, f"raw.{table}", frame, ("id",), rows_total, note)


def _load_keys(con, table: str, run_id: str) -> Batch:
    """Key uniqueness over every raw row, of any run, whose id is in the load, counted in DuckDB;
    the result has the fields Great Expectations' expect_column_values_to_be_unique reports."""
    keyed = f"""
        keyed as (
            select id, _run_id
            from raw.{quote(table)}
            where id in (select id from raw.{quote(table)} where _run_id = ?)
        ),

        shared as (
            select id, count(*) as rows_sharing
            from keyed
            where id is not null
            group by id
            having count(*) > 1
        )
    """
    element_count, missing_count, unexpected_count = con.execute(
        f"""
        with {keyed}

        select
            count(*),
            count(*) - count(id),
            (select coalesce(sum(rows_sharing), 0) from shared)::bigint
        from keyed
        """,
        [run_id],
    ).fetchone()
    frame = pd.DataFrame({"id": pd.Series(dtype="int64"), "_run_id": pd.Series(dtype="str")})
    counts = []
    if unexpected_count:
        frame = con.execute(
            f"with {keyed} select id, _run_id from keyed semi join shared using (id) "
            f"order by id, _run_id limit {OFFENDING_ROWS}",
            [run_id],
        ).df()
        counts = con.execute(
            f"with {keyed} select id, rows_sharing from shared "
            f"order by rows_sharing desc, id limit {OFFENDING_ROWS}",
            [run_id],
        ).fetchall()
    nonmissing = element_count - missing_count
    counted = {
        "element_count": element_count,
        "unexpected_count": unexpected_count,
        "unexpected_percent": 100 * unexpected_count / nonmissing if nonmissing else None,
        "partial_unexpected_list": frame["id"].tolist(),
        "missing_count": missing_count,
        "missing_percent": 100 * missing_count / element_count if element_count else None,
        "unexpected_percent_total": 100 * unexpected_count / element_count if element_count else None,
        "unexpected_percent_nonmissing": 100 * unexpected_count / nonmissing if nonmissing else None,
        "partial_unexpected_counts": [{"value": value, "count": count} for value, count in counts],
        "partial_unexpected_index_list": list(range(len(frame))),
    }
    return Batch(
        f"{table}.keys", f"raw.{table}", frame, ("id", "_run_id"), element_count, counted=counted
    )


def _row_counts(con, run_id: str, tables: set[str]) -> Batch:
    """Live rows after the load (counted) and before it (after - inserted + deleted)."""
    loaded = [
        name
        for (name,) in con.execute(
            "select distinct table_name from raw._load_history where run_id = ?", [run_id]
        ).fetchall()
    ]
    counts = [
        f"select {literal(name)} as table_name, count(*) as live_rows_after "
        f"from raw.{quote(name)} where _deleted_at is null"
        for name in sorted(loaded)
        if name in tables
    ]
    live = (
        " union all ".join(counts)
        or "select null::varchar as table_name, 0::bigint as live_rows_after where false"
    )
    frame = con.execute(
        f"""
        with

        loads as (
            select
                table_name,
                any_value(mode) as mode,
                sum(rows_read) as rows_read,
                sum(rows_inserted) as rows_inserted,
                sum(rows_deleted) as rows_deleted
            from raw._load_history
            where run_id = ?
            group by table_name
        ),

        live as ({live}),

        counted as (
            select
                loads.table_name,
                loads.mode,
                loads.rows_read,
                loads.rows_inserted,
                loads.rows_deleted,
                coalesce(live.live_rows_after, 0) as live_rows_after,
                coalesce(live.live_rows_after, 0)
                    - coalesce(loads.rows_inserted, 0)
                    + coalesce(loads.rows_deleted, 0) as live_rows_before
            from loads
            left join live using (table_name)
        )

        select
            *,
            case
                when live_rows_before <= 0 then 0.0
                else greatest(live_rows_before - live_rows_after, 0) / live_rows_before
            end as row_count_drop_share
        from counted
        order by table_name
        """,
        [run_id],
    ).df()
    return Batch(
        "row_counts",
        "raw._load_history",
        frame,
        ("table_name",),
        len(frame),
        context_columns=("live_rows_before", "live_rows_after"),
    )


# ---------------------------------------------------------------- marts

# The rows that identify a mart row in messages and offending-row lists.
MART_KEYS = {
    "zone_occupancy": ("zone_id",),
    "revenue_daily": ("revenue_date", "zone_id", "payment_method"),
    "peak_hours": ("hour",),
    "active_sessions": ("session_id",),
    "completed_sessions": ("session_id",),
    "vehicle_analytics": ("vehicle_number",),
    "payment_by_method": ("payment_method",),
    "payment_by_status": ("status",),
    "recent_transactions": ("payment_id",),
    "slot_usage": ("slot_id",),
    "system_metrics": ("run_date",),
    "row_reconciliation": ("table_name",),
    "quarantine_summary": ("table_name", "reason"),
    "zone_day_kpis": ("kpi_date", "zone_id"),
    "weekday_hour_occupancy": ("weekday", "hour"),
}

# Checks across marts, as SQL: table label, key columns, query ($min_rows_for_share is bound),
# and the columns shown beside an offending row.
DERIVED_MART_BATCHES = {
    # every row of marts.row_reconciliation, with what the two counts must reconcile to
    "row_reconciliation": (
        "marts.row_reconciliation",
        ("table_name",),
        """
        select
            table_name,
            rows_extracted,
            rows_trusted,
            rows_quarantined,
            rows_trusted + rows_quarantined as rows_accounted,
            case when rows_extracted > 0 then rows_quarantined / rows_extracted else 0.0 end
                as quarantined_share
        from marts.row_reconciliation
        order by table_name
        """,
        ("rows_extracted", "rows_trusted", "rows_quarantined"),
    ),
    # the tables large enough for their quarantined share to block
    "quarantine_share": (
        "marts.row_reconciliation",
        ("table_name",),
        """
        select
            table_name,
            rows_extracted,
            rows_quarantined,
            rows_quarantined / rows_extracted as quarantined_share
        from marts.row_reconciliation
        where rows_extracted >= $min_rows_for_share
        order by table_name
        """,
        ("rows_extracted", "rows_quarantined"),
    ),
    # each active session with whether its slot is a counted (active) slot
    "active_sessions_slots": (
        "marts.active_sessions",
        ("session_id",),
        """
        select
            active_sessions.session_id,
            active_sessions.slot_id,
            slot_usage.slot_id is not null as slot_is_counted
        from marts.active_sessions
        left join marts.slot_usage on slot_usage.slot_id = active_sessions.slot_id
        order by active_sessions.session_id
        """,
        ("slot_id",),
    ),
    # totals that two marts both report: one row per check
    "reconciliation": (
        "marts",
        ("check_name",),
        """
        with

        dashboard as (select * from marts.dashboard_summary),
        payments as (select * from marts.payment_analytics),
        revenue_daily as (select * from marts.revenue_daily),
        by_method as (select * from marts.payment_by_method),
        metrics as (select * from marts.system_metrics),
        reconciliation as (select * from marts.row_reconciliation),
        quarantine as (select * from marts.quarantine_summary),

        checks as (
            select
                'dashboard_summary.revenue_today = sum(revenue_daily.revenue) of run_date'
                    as check_name,
                (select sum(revenue_today) from dashboard) as left_value,
                (
                    select coalesce(sum(revenue), 0)
                    from revenue_daily
                    where revenue_date in (select run_date from dashboard)
                ) as right_value
            union all
            select
                'system_metrics.daily_revenue of run_date = dashboard_summary.revenue_today',
                (
                    select sum(daily_revenue)
                    from metrics
                    where run_date in (select run_date from dashboard)
                ),
                (select sum(revenue_today) from dashboard)
            union all
            select
                'payment_analytics.total_revenue = sum(revenue_daily.revenue)',
                (select sum(total_revenue) from payments),
                (select coalesce(sum(revenue), 0) from revenue_daily)
            union all
            select
                'payment_analytics.total_revenue = sum(payment_by_method.amount)',
                (select sum(total_revenue) from payments),
                (select coalesce(sum(amount), 0) from by_method)
            union all
            select
                'payment_analytics.transaction_count = sum(payment_by_method.count)',
                (select sum(transaction_count) from payments),
                (select coalesce(sum("count"), 0) from by_method)
            union all
            select
                'row_reconciliation.rows_quarantined = quarantine_summary rows of '
                    || reconciliation.table_name,
                reconciliation.rows_quarantined,
                coalesce(sum(quarantine.row_count), 0)
            from reconciliation
            left join quarantine
                on quarantine.table_name = reconciliation.table_name
            group by reconciliation.table_name, reconciliation.rows_quarantined
        )

        select
            check_name,
            left_value::double as left_value,
            right_value::double as right_value,
            coalesce(abs(left_value::double - right_value::double), 'infinity'::double)
                as abs_difference
        from checks
        order by check_name
        """,
        ("left_value", "right_value"),
    ),
}


def read_mart_batches(
    con: duckdb.DuckDBPyConnection, needed: dict[str, set[str]], *, min_rows_for_share: int
) -> dict[str, Batch]:
    """`needed` maps each batch name of the marts suite to the columns its expectations read;
    a plain mart table is read with those columns (and its key) only, or whole when a column is
    missing, so that Great Expectations names the missing column."""
    marts = tables_in(con, "marts")
    batches = {}
    for name, columns in needed.items():
        if name in DERIVED_MART_BATCHES:
            table, keys, sql, context = DERIVED_MART_BATCHES[name]
            try:
                frame = con.execute(
                    sql.replace("$min_rows_for_share", str(int(min_rows_for_share)))
                ).df()
            except duckdb.Error as error:
                batches[name] = Batch(
                    name, table, None, keys, note=f"cannot be computed: {_first_line(error)}"
                )
                continue
            batches[name] = Batch(name, table, frame, keys, len(frame), context_columns=context)
        elif name not in marts:
            batches[name] = Batch(
                name,
                f"marts.{name}",
                None,
                MART_KEYS.get(name, ()),
                note=f"table marts.{name} is missing",
            )
        else:
            keys = MART_KEYS.get(name, ())
            frame = _read_columns(con, f"marts.{quote(name)}", [*keys, *sorted(columns)])
            batches[name] = Batch(name, f"marts.{name}", frame, keys, len(frame))
    return batches


def _read_columns(con, table: str, columns: list[str]) -> pd.DataFrame:
    wanted = ", ".join(quote(c) for c in dict.fromkeys(columns)) or "*"
    try:
        return con.execute(f"select {wanted} from {table}").df()
    except duckdb.BinderException:
        return con.execute(f"select * from {table}").df()


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0]
