"""Arrow record batches between the source readers and DuckDB.

Every reader yields batches of one shape: `id` int64, every other column a string. This module
fixes that shape, keeps text that is not valid UTF-8 (with replacement characters) and runs the
reading in worker threads that hand their batches to DuckDB in order while they read on.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pyarrow as pa

from extract.contract import KEY

# Test hook: seconds to pause after each batch handed to DuckDB (with small batches), so a
# test can kill a load midway. Never set in production.
TEST_PAUSE_ENV = "PARKING_EXTRACT_TEST_BATCH_PAUSE"


def batch_schema(columns: tuple[str, ...]) -> pa.Schema:
    return pa.schema([(c, pa.int64() if c == KEY else pa.string()) for c in columns])


def conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """The batch in the reader shape, with invalid UTF-8 replaced (U+FFFD) rather than fatal.

    Drivers infer types per result; an all-NULL column may come back as another type, so cast.
    UTF-8 is checked by Arrow in C (cheap); only a column that fails is decoded in Python.
    """
    if batch.schema != schema:
        batch = pa.RecordBatch.from_arrays(
            [col if col.type == field.type else col.cast(field.type)
             for col, field in zip(batch.columns, schema)],
            schema=schema,
        )
    try:
        batch.validate(full=True)
        return batch
    except pa.ArrowInvalid:
        pass
    columns = []
    for column in batch.columns:
        if pa.types.is_string(column.type):
            try:
                column.validate(full=True)
            except pa.ArrowInvalid:
                column = _replace_invalid_utf8(column)
        columns.append(column)
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def _replace_invalid_utf8(column: pa.Array) -> pa.Array:
    # Rare (hand-edited rows): a Python pass over this one column of this one batch.
    values = column.view(pa.binary()).to_pylist()
    return pa.array([None if v is None else v.decode("utf-8", "replace") for v in values], pa.string())


def test_pause_seconds() -> float:
    value = os.environ.get(TEST_PAUSE_ENV)
    return float(value) if value else 0.0


# A chunk reads one part of the selection with a worker's connection.
Chunk = Callable[[Any], Iterator[pa.RecordBatch]]

_DONE = object()


class ChunkedReader:
    """Reads `chunks` with `workers` threads and hands their batches to one consumer in chunk order.

    Each worker opens its own connection (`connect()`; SQLite steps in C and Arrow builds its
    buffers without the GIL), so reading runs in parallel with DuckDB appending the batches
    already read. Chunks come out in order, so a table read in `id` ranges lands in DuckDB
    roughly sorted by `id` (its zone maps then let an upsert skip old row groups). At most
    `ahead` chunks are held in memory. The first error of any worker is kept in `error` and
    raised to the consumer.
    """

    def __init__(self, schema: pa.Schema, chunks: list[Chunk], connect: Callable[[], Any], *,
                 workers: int = 1, label: str = "", ahead: int = 4,
                 disconnect: Callable[[Any], None] = lambda con: None):
        self.schema = schema
        self.label = label
        self.rows = 0
        self.error: BaseException | None = None
        self._chunks = chunks
        self._connect = connect
        self._disconnect = disconnect
        self._workers = max(1, min(workers, len(chunks)))
        self._queues: list[queue.Queue] = [queue.Queue() for _ in chunks]
        self._next = 0
        self._lock = threading.Lock()
        self._room = threading.Semaphore(max(ahead, self._workers))
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._pause = test_pause_seconds()

    def record_batch_reader(self) -> pa.RecordBatchReader:
        return pa.RecordBatchReader.from_batches(self.schema, self._batches())

    def _take(self) -> int | None:
        while not self._room.acquire(timeout=0.05):
            if self._stop.is_set():
                return None
        with self._lock:
            if self._stop.is_set() or self._next >= len(self._chunks):
                self._room.release()
                return None
            index = self._next
            self._next += 1
            return index

    def _work(self) -> None:
        try:
            con = self._connect()
        except BaseException as error:  # noqa: BLE001 - re-raised in the consumer thread
            self._fail(error)
            return
        try:
            while (index := self._take()) is not None:
                out = self._queues[index]
                try:
                    for batch in self._chunks[index](con):
                        if self._stop.is_set():
                            return
                        out.put(conform(batch, self.schema))
                finally:
                    out.put(_DONE)
        except BaseException as error:  # noqa: BLE001 - re-raised in the consumer thread
            self._fail(error)
        finally:
            try:
                self._disconnect(con)
            except BaseException as error:  # noqa: BLE001 - re-raised in the consumer thread
                self._fail(error)

    def _fail(self, error: BaseException) -> None:
        if self.error is None:
            self.error = error
        self._stop.set()

    def _batches(self) -> Iterator[pa.RecordBatch]:
        self._threads = [threading.Thread(target=self._work, daemon=True, name=f"extract-{i}")
                         for i in range(self._workers)]
        for thread in self._threads:
            thread.start()
        count = 0
        try:
            for out in self._queues:
                while True:
                    if self.error is not None:
                        raise self.error
                    try:
                        item = out.get(timeout=0.05)
                    except queue.Empty:
                        continue
                    if item is _DONE:
                        break
                    self.rows += item.num_rows
                    count += 1
                    yield item
                    if self._pause:
                        print(f"extract-test: {self.label} batch {count}", file=sys.stderr, flush=True)
                        time.sleep(self._pause)
                self._room.release()
            self.close()  # the workers' disconnects may fail too
            if self.error is not None:
                raise self.error
        finally:
            self.close()

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()
        self._threads = []
