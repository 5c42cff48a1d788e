"""Opening the operational database: a SQLite path or a postgresql:// URL, one interface."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

import adbc_driver_manager
import pyarrow as pa

from extract.batches import ChunkedReader
from extract.contract import TablePlan

# What a driver raises: ADBC's errors, and Arrow's (OSError among them) from a result stream.
DRIVER_ERRORS = (adbc_driver_manager.Error, pa.ArrowException, OSError)


@dataclass(frozen=True)
class Selection:
    """Which rows of a table to read; with nothing set, every row.

    An incremental read takes the rows with `updated_at >= changed_since` (UTC text), the rows
    with `id > above_id` (inserted since, whatever their `updated_at`) and the rows listed in
    `reread_ids` (those whose `updated_at` is not a datetime, so no window can select them).
    """

    changed_since: str | None = None
    above_id: int | None = None
    reread_ids: tuple[int, ...] = ()

    @property
    def everything(self) -> bool:
        return self.changed_since is None and self.above_id is None


class Source(Protocol):
    label: str  # how messages name the source (never with a password)
    snapshot_at: datetime | None  # no change committed after this moment is read (None: unknown)

    def table_columns(self, table: str) -> list[str]:
        """The table's columns in source order; ParkingWarehouseError if it does not exist."""

    def reader(self, plan: TablePlan, selection: Selection) -> ChunkedReader:
        """The selected rows, as batches of `id` int64 and every other column as text."""

    def close(self) -> None: ...


DATETIME_TEXT = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{6})?")


def checked_datetime_text(value: str) -> str:
    """A window bound goes into SQL text: make sure it is nothing but a datetime."""
    if not DATETIME_TEXT.fullmatch(value):
        raise ValueError(f"unexpected datetime text {value!r}")
    return value


def is_postgres_url(source: str) -> bool:
    return source.startswith(("postgresql://", "postgres://"))


def redact(url: str) -> str:
    """The URL with its password replaced by ***, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    userinfo = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{userinfo}:***@{netloc[1]}"))


def scrub(message: str, secret: str | None) -> str:
    """A driver's message with the password removed, wherever the driver echoed it."""
    if secret:
        message = message.replace(secret, "***")
    return re.sub(r"(://[^:/@\s]+):[^@\s]*@", r"\1:***@", message)


def open_source(source: str) -> Source:
    # imported here: the readers import this module
    from extract.postgres_reader import PostgresSource
    from extract.sqlite_reader import SqliteSource

    return PostgresSource(source) if is_postgres_url(source) else SqliteSource(source)
