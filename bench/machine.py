"""How fast this shared machine is right now, for reading the benchmarks' wall times."""

from __future__ import annotations

import time


def reference_seconds() -> float:
    """A fixed DuckDB workload (anti join of two 10M-row tables, 2 threads) timed now: on a
    machine shared with other work, it tells how much slower than idle the machine is (about
    0.5 s on this VM when idle)."""
    import duckdb

    con = duckdb.connect()
    try:
        con.execute("set threads = 2")
        con.execute("create table a as select range as id from range(10000000)")
        con.execute("create table b as select * from a")
        started = time.perf_counter()
        con.execute("select count(*) from a anti join b using (id)").fetchall()
        return time.perf_counter() - started
    finally:
        con.close()
