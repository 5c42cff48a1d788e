"""Reading the operational SQLite database through ADBC into Arrow.

Why this path (measured, see docs/extract.md): DuckDB's sqlite scanner is not packaged for the
pinned DuckDB, Python's sqlite3 module is about four times as slow (a Python object per value), and
ADBC's SQLite driver steps the statement in C and fills Arrow buffers directly, releasing the GIL.

- Every column but `id` is read as `CAST(col AS TEXT)`: SQLite values have no fixed type (a
  decimal may be stored as integer, real or text), a REAL reads as its short decimal text
  (4.1; 17 digits only when 15 do not give the same number back), and the raw layer keeps
  text anyway. `id` (the rowid) stays an integer.
- The ADBC driver infers Arrow types from the first batch and fails on a later mismatch (a
  column that is NULL throughout the first batch is typed int64). A one-row "sentinel" with
  `id` NULL and '' in every text column is put in front of each query so every column is typed
  as string; it is dropped from the first batch.
- A full read is split into `id` ranges, read one after the other and handed to DuckDB in
  `id` order while DuckDB appends the ranges already read.
- The file is opened read-only (`mode=ro`): the extract never writes to the operator's
  database. Every table is read in one read transaction, so a writer committing meanwhile
  (Django keeps writing during the extract) is either wholly seen or not at all:
  - WAL mode (`journal_mode=wal`, where readers never block writers): one read transaction
    for the whole extract, so every table is read from the same snapshot (a payment never
    refers to a session the extract did not see);
  - rollback-journal modes (`delete`, Django's default, where a reader's shared lock stops a
    writer from committing): one read transaction per table, ended as soon as the table is
    read, so a writer waits at most one table's read.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from urllib.parse import quote

import adbc_driver_sqlite.dbapi

from extract.batches import ChunkedReader, batch_schema, test_pause_seconds
from extract.contract import CHANGE_COLUMN, KEY, TablePlan
from extract.sources import DRIVER_ERRORS, Selection, checked_datetime_text
from parking_warehouse.errors import ParkingWarehouseError

CHUNK_IDS = 131_072  # ids per range query of a full read
BATCH_ROWS = CHUNK_IDS + 1  # one batch per range (with the sentinel)
BUSY_TIMEOUT_MS = 30_000  # how long a read waits for a lock (SQLite's busy_timeout) before failing
MMAP_BYTES = 2**31 - 2**16  # SQLite's largest


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


class SqliteSource:
    def __init__(self, path: str):
        given = Path(path).expanduser()
        self.label = str(path)
        if not given.exists():
            raise ParkingWarehouseError(
                f"source {self.label}: no such SQLite file (pass --source with the path of the "
                "operational SQLite database or a postgresql:// URL)"
            )
        if not given.is_file():
            raise ParkingWarehouseError(f"source {self.label}: not a file (expected a SQLite database)")
        self.path = given.resolve()
        self._con = self._connect()
        self._in_snapshot = False
        try:
            self._query("select count(*) from sqlite_master")
            self._whole_extract = self._query("pragma journal_mode")[0][0].lower() == "wal"
        except DRIVER_ERRORS as error:  # "file is not a database", unreadable, ...
            self.close()
            raise ParkingWarehouseError(
                f"source {self.label}: cannot read it as a SQLite database: {_with_hint(error)}"
            ) from None
        # The newest moment the reads can reflect: a change committed later is not seen, so
        # the high-water mark must not pass it (None: each table's own load start).
        self.snapshot_at: datetime | None = None
        if self._whole_extract:
            self.snapshot_at = datetime.now(UTC)
            self._begin_snapshot("the schema")

    def _connect(self):
        uri = "file:" + quote(str(self.path)) + "?mode=ro"
        try:
            con = adbc_driver_sqlite.dbapi.connect(uri, autocommit=True)
        except DRIVER_ERRORS as error:
            raise ParkingWarehouseError(f"source {self.label}: cannot open it: {error}") from None
        cursor = con.cursor()
        try:
            # memory-mapped reads spare a copy per page (a few % of the read time)
            for pragma in (f"busy_timeout = {BUSY_TIMEOUT_MS}", f"mmap_size = {MMAP_BYTES}"):
                cursor.execute(f"pragma {pragma}")
                cursor.fetchall()
        finally:
            cursor.close()
        return con

    def _begin_snapshot(self, what: str):
        """Start the read transaction the reads go through (a deferred BEGIN and a first read)."""
        if self._in_snapshot:
            return self._con
        try:
            self._query("begin")
            self._in_snapshot = True
            self._query("select count(*) from sqlite_master")
        except DRIVER_ERRORS as error:
            raise ParkingWarehouseError(
                f"source {self.label}: cannot start reading {what}: {_with_hint(error)}") from None
        return self._con

    def _end_snapshot(self) -> None:
        if self._in_snapshot:
            self._in_snapshot = False
            try:
                self._query("commit")
            except DRIVER_ERRORS as error:
                raise ParkingWarehouseError(
                    f"source {self.label}: ending a read failed: {_with_hint(error)}") from None

    def _query(self, sql: str) -> list[tuple]:
        cursor = self._con.cursor()
        try:
            cursor.execute(sql)
            return cursor.fetchall()
        finally:
            cursor.close()

    def table_columns(self, table: str) -> list[str]:
        try:
            rows = self._query(f"select name from pragma_table_info('{table}') order by cid")
        except DRIVER_ERRORS as error:
            raise ParkingWarehouseError(
                f"source {self.label}: cannot read the schema of {table}: {error}") from None
        if not rows:
            raise ParkingWarehouseError(
                f"source {self.label}: table {table} does not exist (is this the parking "
                "system's database?)"
            )
        return [row[0] for row in rows]

    def reader(self, plan: TablePlan, selection: Selection) -> ChunkedReader:
        """A full read goes in `id` ranges of CHUNK_IDS; an incremental read is one query (its
        terms can each use an index). Both inside the extract's (or this table's) read
        transaction."""
        batch_rows = 500 if test_pause_seconds() else BATCH_ROWS
        if selection.everything:
            conditions = [f"{KEY} between {lo} and {hi}" for lo, hi in self._id_ranges(plan.table)]
        else:
            conditions = [_incremental_condition(selection)]
        chunks = [
            partial(self._produce, table=plan.table, sql=self._select(plan, condition),
                    batch_rows=batch_rows)
            for condition in conditions
        ]
        if self._whole_extract:
            connect, disconnect = (lambda: self._con), (lambda con: None)
        else:
            connect = partial(self._begin_snapshot, f"table {plan.table}")
            disconnect = lambda con: self._end_snapshot()
        return ChunkedReader(batch_schema(plan.columns), chunks, connect, label=plan.table,
                             disconnect=disconnect)

    def _id_ranges(self, table: str) -> list[tuple[int, int]]:
        low, high = self._query(f"select min({KEY}), max({KEY}) from {_quote(table)}")[0]
        if low is None:
            return []
        return [(lo, min(high, lo + CHUNK_IDS - 1)) for lo in range(low, high + 1, CHUNK_IDS)]

    @staticmethod
    def _select(plan: TablePlan, condition: str) -> str:
        sentinel = ", ".join(
            f"null as {_quote(c)}" if c == KEY else f"'' as {_quote(c)}" for c in plan.columns
        )
        values = ", ".join(
            _quote(c) if c == KEY else f"cast({_quote(c)} as text) as {_quote(c)}"
            for c in plan.columns
        )
        return (f"select {sentinel} union all "
                f"select {values} from {_quote(plan.table)} where {condition}")

    def _produce(self, con, table: str, sql: str, batch_rows: int):
        cursor = con.cursor()
        try:
            cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(batch_rows)})
            cursor.execute(sql)
            first = True
            for batch in cursor.fetch_record_batch():
                if first:  # drop the sentinel: the first row (UNION ALL keeps the order), no copy
                    if batch.num_rows and batch.column(0)[0].is_valid:
                        raise AssertionError("the sentinel row did not come first")
                    batch = batch.slice(1)
                    first = False
                if batch.num_rows:
                    yield batch
        except ParkingWarehouseError:
            raise
        except DRIVER_ERRORS as error:
            raise ParkingWarehouseError(
                f"source {self.label}: reading table {table} failed: {_with_hint(error)}") from None
        finally:
            cursor.close()

    def close(self) -> None:
        if self._con is not None:
            with contextlib.suppress(ParkingWarehouseError):
                self._end_snapshot()
            self._con.close()
            self._con = None


def _with_hint(error: BaseException) -> str:
    text = str(error)
    if "locked" in text or "busy" in text.lower():
        return (f"{text} (another process held a lock on the database for more than "
                f"{BUSY_TIMEOUT_MS / 1000:g} s; run again when it is done)")
    if "malformed" in text:
        return (f"{text} (check the file with `sqlite3 FILE 'pragma integrity_check'`; if it is "
                "sound, something in this process opened it with another SQLite library during "
                "the read, see docs/extract.md, 'One SQLite per process')")
    return text


def _incremental_condition(selection: Selection) -> str:
    """The rows an incremental load reads; every term can use an index (rowid or updated_at).

    `updated_at` is compared as text, which orders Django's `YYYY-MM-DD HH:MM:SS[.ffffff]`
    correctly; the bound is never numeric-looking, so SQLite's NUMERIC affinity of a
    `datetime` column does not turn the comparison into a number comparison.
    """
    terms = []
    if selection.changed_since is not None:
        terms.append(f"{_quote(CHANGE_COLUMN)} >= '{checked_datetime_text(selection.changed_since)}'")
    if selection.above_id is not None:
        terms.append(f"{KEY} > {int(selection.above_id)}")
    if selection.reread_ids:
        ids = ",".join(str(int(i)) for i in selection.reread_ids)
        terms.append(f"{KEY} in (select value from json_each('[{ids}]'))")
    return "(" + " or ".join(terms) + ")" if terms else "1"
