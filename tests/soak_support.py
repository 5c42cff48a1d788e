"""The soak: the daily pipeline lived through day after day of a moving source, with faults.

    figures = run_soak(SoakPlan(folder, start=date(2026, 3, 25), days=8))

A generated SQLite source is advanced one local day at a time (`append_days`, dirty rows at a
low rate); each day runs `parking-warehouse run` in a child process. On a seeded schedule:

- a run is SIGKILLed inside a chosen step (the step announces itself through the pipeline's
  test hook; the kill comes a random moment into it), then the day is run again; every step,
  publish included, is hit at least once;
- a second run is started while one holds the run lock: it must be refused, naming the holder;
- a past day is backfilled;
- a rollback is made and undone (by running the day again, the documented way).

After every kill the published file must be the one publications.json names (checksum), and
after every run `extracted = trusted + quarantined` for every table (marts.row_reconciliation)
and no personal column or value is in the warehouse. At the end a clean replay (a fresh
warehouse, the same successful runs on the same source states, no faults) must give the same
published marts and, for every day, byte-identical output files.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb

from parking_warehouse import REPO_ROOT
from parking_warehouse.generator import append_days, generate_database
from parking_warehouse.pipeline import ANNOUNCE_ENV, STEPS
from parking_warehouse.publish import current_publication, sha256_file

OUTPUTS = ("dashboard_summary", "zone_occupancy", "revenue_report", "peak_hours", "active_sessions",
           "completed_sessions", "vehicle_analytics", "payment_analytics", "slot_usage")
# Columns that record when or by which run something happened, not what the data says.
RUN_COLUMNS = {"run_id", "generated_at", "published_at", "validated_at", "started_at", "finished_at",
               "duration_seconds", "_loaded_at", "_run_id", "_built_at", "run_seconds"}
RUN_COLUMNS_OF = {"analytics_reports": {"created_at"}}  # when the stored report was written


@dataclass
class SoakPlan:
    folder: Path
    start: date
    days: int
    seed: int = 2026
    timezone: str = "Europe/Berlin"
    dirty_rate: float = 0.003
    zones: int = 3
    slots_per_zone: int = 10
    kill_rate: float = 0.5  # chance of a kill attempt on a day, beyond the ones every step needs
    log: bool = False


@dataclass
class Figures:
    days_run: int = 0
    runs_succeeded: int = 0
    kills: Counter = field(default_factory=Counter)  # step -> runs killed inside it
    refused_second_runs: int = 0
    backfills: list = field(default_factory=list)  # (day backfilled, on day)
    rollbacks: int = 0
    publish_unrecorded: int = 0  # kills inside publish after the file was in place, before the log
    reconciliation_checks: int = 0
    source_rows: dict = field(default_factory=dict)
    rows_lost: int = 0
    files_compared: int = 0
    marts_compared: int = 0
    seconds: float = 0.0

    def lines(self) -> list[str]:
        kills = ", ".join(f"{step} {self.kills[step]}" for step in STEPS)
        return [
            f"days run: {self.days_run} ({self.runs_succeeded} successful runs)",
            f"kills survived: {sum(self.kills.values())} ({kills})",
            f"second runs refused while one held the lock: {self.refused_second_runs}",
            f"backfills: {len(self.backfills)} {self.backfills}",
            f"rollbacks made and undone: {self.rollbacks}",
            f"row reconciliations checked (after every run, every table): {self.reconciliation_checks}",
            f"source rows at the end: {self.source_rows}",
            f"rows lost (source rows missing from raw or different): {self.rows_lost}",
            f"output files identical to the clean replay: {self.files_compared}",
            f"marts tables identical to the clean replay: {self.marts_compared}",
            f"seconds: {self.seconds:.0f}",
        ]


class Soak:
    def __init__(self, plan: SoakPlan):
        self.plan = plan
        self.rng = random.Random(plan.seed)
        self.folder = plan.folder
        self.source = self.folder / "source.sqlite3"
        self.states = self.folder / "source_states"
        self.replay: list[tuple[date, Path]] = []  # the successful runs: (D, source state)
        self.figures = Figures()
        self.step_seconds: dict[str, float] = {}
        self.misses: Counter = Counter()  # step -> kills aimed at it that landed elsewhere

    # ------------------------------------------------------------------ child runs

    def env(self, folder: Path) -> dict:
        return dict(os.environ) | {
            "PARKING_SOURCE": str(self.source if folder == self.folder else folder / "source.sqlite3"),
            "PARKING_WAREHOUSE": str(folder / "wh" / "warehouse.duckdb"),
            "PARKING_REPORTS_DIR": str(folder / "reports"),
            "PARKING_TIMEZONE": self.plan.timezone,
            ANNOUNCE_ENV: "1",
            # a small source: the planted dirty rows of every kind are a larger share than in
            # production, so the share thresholds are relaxed (the gates themselves still run)
            "PARKING_DQ_MAX_QUARANTINED_SHARE": "0.25",
            "PARKING_DQ_MAX_UNTRUSTED_SHARE_IN_LOAD": "0.25",
        }

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "parking_warehouse.cli", *args]

    def start_run(self, day: date, folder: Path | None = None) -> tuple[subprocess.Popen, list]:
        process = subprocess.Popen(self.command("run", "--date", day.isoformat()),
                                   env=self.env(folder or self.folder), cwd=REPO_ROOT,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        announced: list[tuple[float, str]] = []  # (monotonic time, step) as each step starts
        tail: list[str] = []

        def read() -> None:
            for line in process.stderr:
                if line.startswith("pipeline-step: "):
                    announced.append((time.monotonic(), line.split(": ", 1)[1].strip()))
                else:
                    tail.append(line)
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        process.reader, process.tail = reader, tail  # type: ignore[attr-defined]
        return process, announced

    def finish(self, process: subprocess.Popen, what: str) -> None:
        out = process.stdout.read()
        process.wait()
        process.reader.join()  # type: ignore[attr-defined]
        if process.returncode != 0:
            raise AssertionError(f"{what} failed ({process.returncode}): {''.join(process.tail)}\n{out}")

    def run_day(self, day: date) -> None:
        process, announced = self.start_run(day)
        self.finish(process, f"run for {day}")
        ends = [t for t, _ in announced[1:]] + [time.monotonic()]
        for (started, step), ended in zip(announced, ends, strict=True):
            self.step_seconds[step] = ended - started
        self.after_success(day)

    def after_success(self, day: date) -> None:
        state = self.states / f"{len(self.replay):03d}.sqlite3"
        shutil.copyfile(self.source, state)
        self.replay.append((day, state))
        self.figures.runs_succeeded += 1
        self.check_published()
        self.check_reconciliation()

    # ------------------------------------------------------------------ faults

    def kill_inside(self, day: date, target: str) -> str | None:
        """Start the day's run, SIGKILL it a random moment into `target`; the step it died in.
        A step that was missed before (publish takes a few ms) is killed as it starts."""
        process, announced = self.start_run(day)
        while not any(step == target for _, step in announced):
            if process.poll() is not None:
                self.finish(process, f"run for {day} before its kill")
                self.after_success(day)
                return None
            time.sleep(0.005)
        if not self.misses[target]:
            time.sleep(self.rng.uniform(0, 0.8 * self.step_seconds.get(target, 0.5)))
        process.send_signal(signal.SIGKILL)
        process.wait()
        process.reader.join()  # type: ignore[attr-defined]
        process.stdout.close()
        if process.returncode != -signal.SIGKILL:  # it finished before the kill came
            self.misses[target] += 1
            self.after_success(day)
            return None
        step = announced[-1][1]
        self.misses[target] += step != target
        self.figures.kills[step] += 1
        self.check_published(killed_in=step)
        return step

    def second_run_refused(self, day: date) -> None:
        first, announced = self.start_run(day)
        while not any(step == "build" for _, step in announced):
            if first.poll() is not None:
                self.finish(first, f"run for {day} before the second one")
                raise AssertionError(f"run for {day} ended before its build step")
            time.sleep(0.01)
        second = subprocess.run(self.command("run", "--date", day.isoformat()), env=self.env(self.folder),
                                cwd=REPO_ROOT, capture_output=True, text=True, check=False)
        assert second.returncode != 0, second.stdout
        assert "another pipeline run is using the warehouse" in second.stderr, second.stderr
        assert f"run_{day.isoformat()}" in second.stderr, second.stderr  # names the holder
        self.figures.refused_second_runs += 1
        self.finish(first, f"run for {day} holding the lock")
        self.after_success(day)

    def rollback_and_undo(self, day: date) -> None:
        log = json.loads((self.folder / "wh" / ".warehouse" / "publications.json").read_text())
        before = current_publication(self.folder / "wh" / "warehouse.duckdb")
        subprocess.run(self.command("rollback"), env=self.env(self.folder), cwd=REPO_ROOT, check=True,
                       capture_output=True)
        after = current_publication(self.folder / "wh" / "warehouse.duckdb")
        assert after["version"] < before["version"] and after in log["versions"], (before, after)
        self.check_published()
        self.run_day(day)  # undo: the day published again
        self.figures.rollbacks += 1

    # ------------------------------------------------------------------ checks

    @property
    def warehouse(self) -> Path:
        return self.folder / "wh" / "warehouse.duckdb"

    def check_published(self, killed_in: str | None = None) -> None:
        """The published file is the one publications.json names, byte for byte; a run killed
        inside publish may have put its complete, validated file in place before it wrote the
        log (the next run's publish records its own)."""
        record = current_publication(self.warehouse)
        digest = sha256_file(self.warehouse) if self.warehouse.exists() else None
        if record is not None and digest == record["sha256"]:
            return
        if killed_in == "publish" and digest is not None:
            self.figures.publish_unrecorded += 1
            return
        assert record is None and digest is None, f"published file differs from its record {record}"

    def check_reconciliation(self) -> None:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            rows = con.execute("select table_name, rows_extracted, rows_trusted, rows_quarantined "
                               "from marts.row_reconciliation").fetchall()
            personal = con.execute(
                "select count(*) from information_schema.columns where column_name in "
                "('password', 'username', 'first_name', 'last_name', 'email', 'phone_number')"
            ).fetchone()[0]
        assert len(rows) == 6, rows
        assert all(extracted == trusted + quarantined for _, extracted, trusted, quarantined in rows), rows
        assert personal == 0
        self.figures.reconciliation_checks += len(rows)

    # ------------------------------------------------------------------ the days

    def schedule(self) -> dict[int, list[str]]:
        """Day index -> steps to kill a run in (each step once at least, then at random)."""
        plan: dict[int, list[str]] = {}
        steps = list(STEPS)
        self.rng.shuffle(steps)
        days = range(1, self.plan.days)  # day 0 warms up the step timings
        for index, step in enumerate(steps):
            plan.setdefault(days[index * len(days) // len(steps)], []).append(step)
        for day in days:
            if self.rng.random() < self.plan.kill_rate:
                plan.setdefault(day, []).append(self.rng.choice(STEPS))
        return plan

    def run(self) -> Figures:
        started = time.monotonic()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.states.mkdir(exist_ok=True)
        plan = self.plan
        generate_database(self.source, days=3, end_date=plan.start - timedelta(days=1), zones=plan.zones,
                          slots_per_zone=plan.slots_per_zone, seed=plan.seed, timezone=plan.timezone,
                          dirty_rate=plan.dirty_rate)
        kills = self.schedule()
        missed: list[str] = []
        lock_day, rollback_day = 2 % plan.days, 3 % plan.days
        backfill_day = plan.days - 1
        for index in range(plan.days):
            day = plan.start + timedelta(days=index)
            append_days(self.source, days=1, seed=plan.seed + index, dirty_rate=plan.dirty_rate)
            for target in kills.get(index, []) + missed:
                hit = self.kill_inside(day, target)
                if hit != target:
                    missed.append(target) if target not in missed else None
                elif target in missed:
                    missed.remove(target)
                self.log(f"{day}: kill aimed at {target}, landed in {hit}")
            if index == lock_day:
                self.second_run_refused(day)
            else:
                self.run_day(day)
            if index == rollback_day:
                self.rollback_and_undo(day)
            if index == backfill_day and index >= 1:
                past = day - timedelta(days=min(3, index))
                self.run_day(past)
                self.figures.backfills.append((past.isoformat(), day.isoformat()))
                self.run_day(day)  # and today again, as the schedule would
            self.figures.days_run += 1
            self.log(f"{day}: done, steps {self.step_seconds} ({self.figures.runs_succeeded} runs, kills {dict(self.figures.kills)})")
        last = plan.start + timedelta(days=plan.days - 1)
        while missed:  # a step never hit yet: aim at it again on the last day
            target = missed[0]
            if self.kill_inside(last, target) == target:
                missed.remove(target)
            self.run_day(last)
        self.figures.rows_lost = rows_lost(self.source, self.warehouse)
        self.figures.source_rows = source_counts(self.source)
        self.compare_with_clean_replay()
        self.figures.seconds = time.monotonic() - started
        return self.figures

    def log(self, text: str) -> None:
        if self.plan.log:
            print(text, flush=True)

    # ------------------------------------------------------------------ the clean replay

    def compare_with_clean_replay(self) -> None:
        clean = self.folder / "clean"
        clean.mkdir(exist_ok=True)
        for day, state in self.replay:
            shutil.copyfile(state, clean / "source.sqlite3")
            process, _ = self.start_run(day, clean)
            self.finish(process, f"clean run for {day}")
        self.log("clean replay done")
        days = sorted({day for day, _ in self.replay})
        for day in days:
            for name in OUTPUTS:
                ours = (self.folder / "reports" / day.isoformat() / f"{name}.json").read_bytes()
                theirs = (clean / "reports" / day.isoformat() / f"{name}.json").read_bytes()
                assert ours == theirs, f"{day} {name}.json differs from the clean replay"
                self.figures.files_compared += 1
        ours, theirs = marts(self.warehouse), marts(clean / "wh" / "warehouse.duckdb")
        assert ours.keys() == theirs.keys()
        for table in ours:
            assert ours[table] == theirs[table], f"marts.{table} differs from the clean replay"
            self.figures.marts_compared += 1


def marts(warehouse: Path) -> dict[str, list[tuple]]:
    """Every marts table's rows (sorted), without the columns that name a run or a moment of it."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' "
            "order by table_name").fetchall()]
        out = {}
        for table in tables:
            columns = [r[0] for r in con.execute(
                "select column_name from information_schema.columns where table_schema = 'marts' "
                "and table_name = ? order by ordinal_position", [table]).fetchall()]
            skip = RUN_COLUMNS | RUN_COLUMNS_OF.get(table, set())
            kept = ", ".join(f'"{c}"' for c in columns if c not in skip)
            out[table] = sorted(con.execute(f'select {kept} from marts."{table}"').fetchall(), key=repr)
    return out


def source_counts(source: Path) -> dict[str, int]:
    from parking_warehouse.source_schema import SOURCE_TABLES

    with sqlite3.connect(source) as con:
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in SOURCE_TABLES}


def rows_lost(source: Path, warehouse: Path) -> int:
    """Source rows that raw lacks or holds in another version (compared as raw's text)."""
    sys.path.insert(0, str(REPO_ROOT / "tests"))
    from test_extract import raw_columns, raw_rows, sqlite_rows

    from parking_warehouse.source_schema import SOURCE_TABLES

    lost = 0
    for table in SOURCE_TABLES:
        columns = raw_columns(warehouse, table)
        raw = {row[0]: row for row in raw_rows(warehouse, table, columns)}
        lost += sum(raw.get(row[0]) != row for row in sqlite_rows(source, table, columns))
    return lost


def run_soak(plan: SoakPlan) -> Figures:
    return Soak(plan).run()
