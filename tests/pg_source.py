"""Copy a SQLite operational database into a fresh PostgreSQL database (tests and demos).

    url, skipped = copy_sqlite_to_postgres(sqlite_path, server_url, "parking_test_x")

The new database gets `parking_warehouse/source_schema/postgres.sql` (Django's PostgreSQL
schema). Values are converted as Django would have stored them there: datetimes (UTC text on
SQLite) become `timestamptz` in UTC, decimals `numeric(10,2)` (PostgreSQL rounds to 2
places), 0/1 booleans `boolean`, keys `bigint`; text that is not valid UTF-8 is stored with
replacement characters (PostgreSQL cannot hold it).

Orphan keys are kept (the copy runs with `session_replication_role = replica`, which turns the
foreign-key triggers off), as SQLite keeps them. A row holding a value PostgreSQL cannot store
is skipped and reported in `skipped` ({table: [(id, reason), ...]}):
- a datetime that does not parse (`not a date`, a number),
- a decimal that is not a number, is infinite, or does not fit numeric(10,2) (10^8 or more),
- a boolean other than 0/1/true/false, a key that is not an integer,
- text longer than its varchar(n) or containing a NUL character,
- a duplicate of a UNIQUE value (exact copies where the SQLite index was dropped).
Rows that depend on a skipped row are kept (as orphans).
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from parking_warehouse.source_schema import SOURCE_TABLES, source_ddl


class Skip(Exception):
    pass


def database_url(server_url: str, name: str) -> str:
    return urlunsplit(urlsplit(server_url)._replace(path="/" + name))


def create_database(server_url: str, name: str) -> str:
    """(Re)create database `name` on the server of `server_url`; returns its URL."""
    with psycopg.connect(server_url, autocommit=True) as con:
        con.execute(f'drop database if exists "{name}" with (force)')
        con.execute(f'create database "{name}"')
    return database_url(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as con:
        con.execute(f'drop database if exists "{name}" with (force)')


def _decoded(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _timestamp(value):
    if value is None:
        return None
    if not isinstance(value, str):
        raise Skip(f"datetime {value!r} is not text")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Skip(f"unparseable datetime {value!r}") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _numeric(value):
    if value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise Skip(f"decimal {value!r} is not a number") from None
    if not number.is_finite() or abs(number) >= Decimal(10) ** 8:
        raise Skip(f"decimal {value!r} does not fit numeric(10,2)")
    return number


def _boolean(value):
    if value is None:
        return None
    text = str(value).strip().lower()
    if text in ("1", "true"):
        return True
    if text in ("0", "false"):
        return False
    raise Skip(f"boolean {value!r}")


def _bigint(value):
    if value is None:
        return None
    try:
        return int(str(value), 10)
    except ValueError:
        raise Skip(f"key {value!r} is not an integer") from None


def _text(limit):
    def convert(value):
        if value is None:
            return None
        text = str(value)
        if "\x00" in text:
            raise Skip("text with a NUL character")
        if limit is not None and len(text) > limit:
            raise Skip(f"text longer than varchar({limit})")
        return text
    return convert


def _converter(data_type: str, limit: int | None):
    if data_type == "timestamp with time zone":
        return _timestamp
    if data_type == "numeric":
        return _numeric
    if data_type == "boolean":
        return _boolean
    if data_type == "bigint":
        return _bigint
    return _text(limit)


def _unique_columns(pg, table: str) -> list[tuple[str, ...]]:
    rows = pg.execute(
        "select array_agg(a.attname order by k.ord) from pg_constraint c "
        "cross join unnest(c.conkey) with ordinality k(attnum, ord) "
        "join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum "
        "where c.contype = 'u' and c.conrelid = %s::regclass group by c.oid",
        (table,),
    ).fetchall()
    return [tuple(r[0]) for r in rows]


def copy_sqlite_to_postgres(sqlite_path: Path, server_url: str, name: str
                            ) -> tuple[str, dict[str, list[tuple[int, str]]]]:
    """A new database `name` holding the SQLite source's contract tables; (url, skipped rows)."""
    url = create_database(server_url, name)
    lite = sqlite3.connect(sqlite_path)
    lite.text_factory = bytes
    skipped: dict[str, list[tuple[int, str]]] = {}
    try:
        with psycopg.connect(url) as pg:
            pg.execute(source_ddl("postgres"))
            pg.execute("set session_replication_role = replica")
            for table in SOURCE_TABLES:
                skipped[table] = _copy_table(lite, pg, table)
                pg.execute(
                    f"select setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"coalesce((select max(id) from {table}), 0) + 1, false)"
                )
    finally:
        lite.close()
    return url, skipped


def _copy_table(lite, pg, table: str) -> list[tuple[int, str]]:
    types = pg.execute(
        "select column_name, data_type, character_maximum_length from information_schema.columns "
        "where table_schema = current_schema() and table_name = %s order by ordinal_position",
        (table,),
    ).fetchall()
    source_columns = {row[1].decode() for row in lite.execute(f"pragma table_info({table})")}
    columns = [(name, _converter(data_type, limit)) for name, data_type, limit in types
               if name in source_columns]
    names = [name for name, _ in columns]
    uniques = _unique_columns(pg, table)
    seen: list[set] = [set() for _ in uniques]
    skipped = []
    select = ", ".join(f'"{n}"' for n in names)
    with pg.cursor().copy(f"copy {table} ({select}) from stdin") as copy:
        for raw in lite.execute(f"select {select} from {table} order by id"):
            try:
                row = [convert(_decoded(value)) for (_, convert), value in zip(columns, raw)]
                keys = [tuple(row[names.index(c)] for c in unique) for unique in uniques]
                for key, values in zip(keys, seen):
                    if None not in key and key in values:
                        raise Skip(f"duplicate {key!r}")
            except Skip as reason:
                skipped.append((raw[0], str(reason)))
                continue
            for key, values in zip(keys, seen):
                values.add(key)
            copy.write_row(row)
    return skipped
