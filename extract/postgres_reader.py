"""Reading the operational PostgreSQL database through ADBC (binary COPY) into Arrow.

Values are rendered as text by PostgreSQL itself, in the raw layer's forms:
`timestamptz` as UTC `YYYY-MM-DD HH:MM:SS[.ffffff]` (microseconds only when not zero, as
Django writes them on SQLite; `infinity` stays `infinity`), `numeric` as its text (`4.10`),
booleans `true`/`false`, everything else `::text`. The table is read in the schema of the
connection's `search_path` (Django's default `public`).

Every table is read in one `REPEATABLE READ READ ONLY` transaction: one snapshot for the whole
extract, so a Django transaction committing meanwhile is either wholly seen or not at all.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from urllib.parse import urlsplit

import adbc_driver_postgresql.dbapi

from extract.batches import ChunkedReader, batch_schema, test_pause_seconds
from extract.contract import CHANGE_COLUMN, KEY, TablePlan
from extract.sources import DRIVER_ERRORS, Selection, checked_datetime_text, redact, scrub
from parking_warehouse.errors import ParkingWarehouseError


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _utc_text(expression: str) -> str:
    """SQL rendering a timestamp (already in UTC wall time) as `YYYY-MM-DD HH:MM:SS[.ffffff]`."""
    return (
        f"case when not isfinite({expression}) then ({expression})::text "
        f"else to_char({expression}, 'YYYY-MM-DD HH24:MI:SS') || "
        f"case when extract(microseconds from {expression})::bigint % 1000000 <> 0 "
        f"then to_char({expression}, '.US') else '' end end"
    )


def _as_text(column: str, data_type: str) -> str:
    quoted = _quote(column)
    if data_type == "timestamp with time zone":
        return _utc_text(f"({quoted} at time zone 'UTC')")
    if data_type == "timestamp without time zone":
        return _utc_text(quoted)
    return f"{quoted}::text"


class PostgresSource:
    def __init__(self, url: str):
        self.url = url
        self.label = redact(url)
        self._password = urlsplit(url).password
        try:
            self._con = adbc_driver_postgresql.dbapi.connect(url, autocommit=True)
            self._query("select 1")
        except DRIVER_ERRORS as error:
            raise ParkingWarehouseError(
                f"source {self.label}: cannot connect: {self._scrub(error)}"
            ) from None
        self.snapshot_at = self._begin_snapshot()
        self._types: dict[str, dict[str, str]] = {}

    def _begin_snapshot(self) -> datetime:
        """Open the extract's read transaction; returns the moment the high-water mark must not pass.

        That is the transaction's start, or earlier: the start of the oldest write transaction
        still open in this database (visible to a role with pg_read_all_stats, or the rows'
        owner). Such a transaction may have stamped `updated_at` long before it commits; the
        next load's window then still reaches back to it, however long it ran.
        """
        try:
            self._query("begin isolation level repeatable read read only")
            return self._query(
                "select least(now(), min(xact_start)) from pg_stat_activity "
                "where datname = current_database() and backend_xid is not null "
                "and pid <> pg_backend_pid()")[0][0]
        except DRIVER_ERRORS as error:
            raise ParkingWarehouseError(
                f"source {self.label}: cannot start the read transaction: {self._scrub(error)}"
            ) from None

    def _scrub(self, error: BaseException) -> str:
        return scrub(str(error).strip().splitlines()[0] if str(error).strip() else repr(error),
                     self._password)

    def _query(self, sql: str) -> list[tuple]:
        cursor = self._con.cursor()
        try:
            cursor.execute(sql)
            return cursor.fetchall()
        finally:
            cursor.close()

    def table_columns(self, table: str) -> list[str]:
        try:
            rows = self._query(
                "select column_name, data_type from information_schema.columns "
                f"where table_schema = current_schema() and table_name = '{table}' "
                "order by ordinal_position"
            )
        except DRIVER_ERRORS as error:
            raise ParkingWarehouseError(
                f"source {self.label}: cannot read the schema of {table}: {self._scrub(error)}"
            ) from None
        if not rows:
            raise ParkingWarehouseError(
                f"source {self.label}: table {table} does not exist in the current schema "
                "(is this the parking system's database?)"
            )
        self._types[table] = dict(rows)
        return [row[0] for row in rows]

    def reader(self, plan: TablePlan, selection: Selection) -> ChunkedReader:
        if plan.table not in self._types:
            self.table_columns(plan.table)
        types = self._types[plan.table]
        values = ", ".join(
            f"{_quote(c)}::bigint as {_quote(c)}" if c == KEY else f"{_as_text(c, types[c])} as {_quote(c)}"
            for c in plan.columns
        )
        sql = f"select {values} from {_quote(plan.table)}"
        if not selection.everything:
            sql += f" where {_incremental_condition(selection)}"
        pause = test_pause_seconds()

        def produce(con):
            cursor = con.cursor()
            try:
                if pause:
                    cursor.adbc_statement.set_options(
                        **{"adbc.postgresql.batch_size_hint_bytes": "4096"})
                cursor.execute(sql)
                yield from cursor.fetch_record_batch()
            except DRIVER_ERRORS as error:
                raise ParkingWarehouseError(
                    f"source {self.label}: reading table {plan.table} failed: {self._scrub(error)}"
                ) from None
            finally:
                cursor.close()

        # One query on the source's own connection: PostgreSQL streams it (binary COPY).
        return ChunkedReader(batch_schema(plan.columns), [produce], lambda: self._con, label=plan.table)

    def close(self) -> None:
        if self._con is not None:
            with contextlib.suppress(*DRIVER_ERRORS):
                self._query("commit")
            self._con.close()
            self._con = None


def _incremental_condition(selection: Selection) -> str:
    terms = []
    if selection.changed_since is not None:
        since = checked_datetime_text(selection.changed_since)
        terms.append(f"{_quote(CHANGE_COLUMN)} >= timestamptz '{since}+00'")
    if selection.above_id is not None:
        terms.append(f"{KEY} > {int(selection.above_id)}")
    if selection.reread_ids:
        ids = ",".join(str(int(i)) for i in selection.reread_ids)
        terms.append(f"{KEY} = any(array[{ids}]::bigint[])")
    return "(" + " or ".join(terms) + ")" if terms else "true"
