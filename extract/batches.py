"""Arrow record batches between the source readers and DuckDB.

Every reader yields batches of one shape: `id` int64, every other column a string. This module
fixes that shape, keeps text that is not valid UTF-8 (with replacement characters) and merges
the batches of several reader threads into one stream that DuckDB consumes while they read.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterator

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


Producer = Callable[[], Iterator[pa.RecordBatch]]


class MergedReader:
    """Runs each producer in its own thread and hands their batches to one consumer.

    Producers open their own connections (SQLite releases the GIL while stepping, Arrow while
    building), so reading runs in parallel with DuckDB appending the batches already read.
    The first error of any producer is kept in `error` and re-raised to the consumer.
    """

    def __init__(self, schema: pa.Schema, producers: list[Producer], *, label: str = "",
                 queue_batches: int = 6):
        self.schema = schema
        self.producers = producers
        self.label = label
        self.rows = 0
        self.error: BaseException | None = None
        self._queue: queue.Queue = queue.Queue(maxsize=queue_batches)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._pause = test_pause_seconds()

    def record_batch_reader(self) -> pa.RecordBatchReader:
        return pa.RecordBatchReader.from_batches(self.schema, self._batches())

    def _put(self, item) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def _run(self, producer: Producer) -> None:
        try:
            for batch in producer():
                if not self._put(conform(batch, self.schema)):
                    return
        except BaseException as error:  # handed to the consumer thread
            if self.error is None:
                self.error = error
            self._stop.set()
        finally:
            self._put(None)

    def _batches(self) -> Iterator[pa.RecordBatch]:
        self._threads = [
            threading.Thread(target=self._run, args=(p,), daemon=True, name=f"extract-{i}")
            for i, p in enumerate(self.producers)
        ]
        for thread in self._threads:
            thread.start()
        finished = 0
        count = 0
        try:
            while finished < len(self._threads):
                if self.error is not None:
                    raise self.error
                try:
                    item = self._queue.get(timeout=0.05)
                except queue.Empty:
                    continue
                if item is None:
                    finished += 1
                    continue
                self.rows += item.num_rows
                count += 1
                yield item
                if self._pause:
                    print(f"extract-test: {self.label} batch {count}", file=sys.stderr, flush=True)
                    time.sleep(self._pause)
            if self.error is not None:
                raise self.error
        finally:
            self.close()

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()
