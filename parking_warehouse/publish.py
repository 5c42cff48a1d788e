"""Atomic publishing of the warehouse: working copy -> validation -> os.replace.

The published file (`warehouse.duckdb`) is never written in place. A run copies it into a
working copy beside it (same file system), builds and validates there, and only then puts it
in place with `os.replace`: a reader opening the published path read-only gets either the old
file or the new one, both complete, and never competes with the run for DuckDB's file lock.
A process that still holds the old file keeps reading that file, a consistent snapshot.

State lives in a folder beside the published file, named after it (`.warehouse/` for
`warehouse.duckdb`):

    .warehouse/run.lock            fcntl.flock: one run at a time (released when its process dies)
    .warehouse/building/<run>.duckdb   working copies (+ <run>.base.json: what they were copied from)
    .warehouse/versions/<n>.duckdb the last few publications (hard links, no copy), for rollback
    .warehouse/dbt/warehouse.duckdb    the working copy as dbt opens it, during the build (a hard
                                   link), and dbt's target/ and logs/ (warehouse.duckdb.dbt/)
    .warehouse/publications.json   which version is current, with run id, D and time
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from parking_warehouse.errors import ParkingWarehouseError

KEEP_VERSIONS = 5
_READ_ONLY_MODE = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH


@dataclass(frozen=True)
class WarehousePaths:
    """Every file the publishing protocol uses for one published warehouse."""

    published: Path

    @property
    def state_dir(self) -> Path:
        return self.published.parent / f".{self.published.stem}"

    @property
    def lock_file(self) -> Path:
        return self.state_dir / "run.lock"

    @property
    def building_dir(self) -> Path:
        return self.state_dir / "building"

    @property
    def versions_dir(self) -> Path:
        return self.state_dir / "versions"

    @property
    def log_file(self) -> Path:
        return self.state_dir / "publications.json"

    def working_copy(self, run_id: str) -> Path:
        return self.building_dir / f"{safe_name(run_id)}.duckdb"

    @property
    def dbt_path(self) -> Path:
        """Where dbt opens the working copy (a hard link): the same path on every run."""
        return self.state_dir / "dbt" / "warehouse.duckdb"


def warehouse_paths(warehouse: Path | str) -> WarehousePaths:
    return WarehousePaths(Path(warehouse).expanduser().resolve())


def safe_name(text: str) -> str:
    """A run id as a file name (Airflow run ids hold ':' and '+')."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "run"


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --------------------------------------------------------------------------- run lock

_HELD: dict[Path, str] = {}  # lock file -> run id, for the locks this process holds


@contextlib.contextmanager
def run_lock(warehouse: Path | str, *, run_id: str, wait_seconds: float = 0.0,
             poll_seconds: float = 1.0) -> Iterator[None]:
    """Hold the warehouse's run lock, or raise ParkingWarehouseError naming who holds it.

    An `fcntl.flock` on `.warehouse/run.lock`: the kernel releases it when the holding
    process exits, however it exits, so a killed run never leaves a stale lock behind.
    `wait_seconds=0` refuses at once; otherwise waits up to that long. Re-entrant within a
    process for the same run id, so `run_daily` can hold it around steps that each take it too.
    """
    paths = warehouse_paths(warehouse)
    if _HELD.get(paths.lock_file) == run_id:  # held already by this run (run_daily around its steps)
        yield
        return
    paths.state_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(paths.lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as error:
                if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    holder = _read_holder(paths.lock_file)
                    waited = f" after waiting {wait_seconds:g} s" if wait_seconds else ""
                    raise ParkingWarehouseError(
                        f"another pipeline run is using the warehouse {paths.published} "
                        f"({holder}){waited}; it holds {paths.lock_file}. Let it finish and try "
                        "again (a killed run releases the lock by itself)"
                    ) from None
                time.sleep(min(poll_seconds, max(0.0, deadline - time.monotonic())) or 0.01)
        holder = json.dumps({"pid": os.getpid(), "run_id": run_id, "since": _utc_now()})
        os.ftruncate(fd, 0)
        os.pwrite(fd, holder.encode() + b"\n", 0)
        _HELD[paths.lock_file] = run_id
        try:
            yield
        finally:
            _HELD.pop(paths.lock_file, None)
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _read_holder(lock_file: Path) -> str:
    try:
        holder = json.loads(lock_file.read_text() or "{}")
    except (OSError, ValueError):
        holder = {}
    if not holder:
        return "holder unknown"
    return f"pid {holder.get('pid')}, run {holder.get('run_id')}, since {holder.get('since')}"


# --------------------------------------------------------------------------- working copy


def _identity(path: Path) -> dict | None:
    """What a working copy was made from: enough to notice that the published file changed."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return {"inode": info.st_ino, "size": info.st_size, "mtime_ns": info.st_mtime_ns}


def prepare_working_copy(warehouse: Path | str, run_id: str) -> Path:
    """Copy the published warehouse (or nothing, the first time) to a fresh working copy.

    Returns the working copy's path. Copying, not linking: the working copy is written to.
    Call it holding the run lock.
    """
    paths = warehouse_paths(warehouse)
    paths.building_dir.mkdir(parents=True, exist_ok=True)
    working = paths.working_copy(run_id)
    discard_working_copy(warehouse, run_id)
    _remove_stale_working_copies(paths)
    base = _identity(paths.published)
    if base is not None:
        partial = working.with_suffix(".partial")
        _remove(partial)
        shutil.copyfile(paths.published, partial)  # copyfile: a writable copy, not the 0444 mode
        os.replace(partial, working)
    _write_base(working, base, read_log(warehouse)["current"] if base else None)
    return working


def _base_file(working: Path) -> Path:
    return working.parent / f"{working.stem}.base.json"


def _write_base(working: Path, identity: dict | None, version: int | None) -> None:
    _base_file(working).write_text(json.dumps({"base": identity, "version": version}) + "\n")


def publications_since_copy(warehouse: Path | str, run_id: str) -> list[dict] | None:
    """What was published after the run's working copy was made: [] if nothing, the records
    if they can be told (newer versions of the same line), None if not (e.g. a rollback)."""
    paths = warehouse_paths(warehouse)
    base_file = _base_file(working_copy(warehouse, run_id))
    recorded = json.loads(base_file.read_text()) if base_file.exists() else {"base": None, "version": None}
    if recorded["base"] == _identity(paths.published):
        return []
    log = read_log(warehouse)
    if not any(r["version"] == recorded["version"] for r in log["versions"]):
        return None  # the version it was copied from was rolled back over, or is too old
    newer = [r for r in log["versions"] if r["version"] > recorded["version"]]
    if not newer or newer[-1]["version"] != log["current"]:
        return None
    return newer


def rebase_working_copy(warehouse: Path | str, run_id: str) -> None:
    """Record that the working copy now includes what was published since it was made."""
    paths = warehouse_paths(warehouse)
    _write_base(working_copy(warehouse, run_id), _identity(paths.published), read_log(warehouse)["current"])


def _remove_stale_working_copies(paths: WarehousePaths, max_age_seconds: float = 3 * 86400) -> None:
    """Working copies of runs that died long ago (a failed Airflow run keeps its copy for retries)."""
    cutoff = time.time() - max_age_seconds
    for leftover in paths.building_dir.iterdir():
        with contextlib.suppress(FileNotFoundError):
            if leftover.stat().st_mtime < cutoff:
                _remove(leftover)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def working_copy(warehouse: Path | str, run_id: str) -> Path:
    """The run's existing working copy, or a clear error when the extract step has not made it."""
    path = warehouse_paths(warehouse).working_copy(run_id)
    if not path.exists():
        raise ParkingWarehouseError(
            f"run {run_id!r} has no working copy at {path}: the extract step makes it, "
            "so run (or clear) the run from its extract step"
        )
    return path


@contextlib.contextmanager
def working_copy_for_dbt(warehouse: Path | str, run_id: str) -> Iterator[Path]:
    """The run's working copy under one path that never changes: a hard link at
    `.<warehouse>/dbt/warehouse.duckdb`, removed afterwards. dbt's profile holds the file's path,
    and a changed profile makes dbt parse the whole project again (about 2 s on every run);
    with one path, its target folder beside the link keeps the parsed project between runs.
    Open the working copy through this path only while inside (DuckDB keys open files by path).
    Call it holding the run lock.
    """
    link = warehouse_paths(warehouse).dbt_path
    link.parent.mkdir(parents=True, exist_ok=True)
    _drop_dbt_link(link)
    os.link(working_copy(warehouse, run_id), link)
    try:
        yield link
    finally:
        _drop_dbt_link(link)


def _drop_dbt_link(link: Path) -> None:
    """Remove the link, first folding a write-ahead log left beside it into the file it names
    (a build killed before DuckDB checkpointed: its committed work is kept, not dropped)."""
    if Path(f"{link}.wal").exists() and link.exists():
        import duckdb

        con = duckdb.connect(str(link))
        try:
            con.execute("checkpoint")
        finally:
            con.close()
    for path in (Path(f"{link}.wal"), link):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def discard_working_copy(warehouse: Path | str, run_id: str) -> None:
    working = warehouse_paths(warehouse).working_copy(run_id)
    for path in _working_files(working):
        _remove(path)


def _working_files(working: Path) -> list[Path]:
    """The working copy and what lives beside it: its log and base record."""
    return [working, Path(f"{working}.wal"), working.with_suffix(".partial"), _base_file(working)]


# --------------------------------------------------------------------------- publish


@dataclass(frozen=True)
class Publication:
    warehouse: Path
    version: int
    run_id: str
    run_date: str | None
    published_at: str
    sha256: str

    def __str__(self) -> str:
        day = f" for {self.run_date}" if self.run_date else ""
        return (f"published {self.warehouse} (version {self.version}, run {self.run_id}{day}) "
                f"at {self.published_at}")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _checkpoint(path: Path) -> None:
    """Fold a leftover write-ahead log into the file: a published file must stand alone."""
    if Path(f"{path}.wal").exists():
        import duckdb

        con = duckdb.connect(str(path))
        try:
            con.execute("checkpoint")
        finally:
            con.close()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_log(warehouse: Path | str) -> dict:
    """publications.json: {"current": version number or None, "versions": [records, oldest first]}."""
    log_file = warehouse_paths(warehouse).log_file
    try:
        return json.loads(log_file.read_text())
    except FileNotFoundError:
        return {"current": None, "versions": []}


def _write_log(paths: WarehousePaths, log: dict) -> None:
    partial = paths.log_file.with_suffix(".partial")
    partial.write_text(json.dumps(log, indent=2) + "\n")
    os.replace(partial, paths.log_file)


def current_publication(warehouse: Path | str) -> dict | None:
    """The record of the publication now in place (run id, D, time, sha256), or None."""
    log = read_log(warehouse)
    for record in log["versions"]:
        if record["version"] == log["current"]:
            return record
    return None


def publish(warehouse: Path | str, run_id: str, *, run_date: str | None = None,
            data_run_id: str | None = None, keep: int = KEEP_VERSIONS) -> Publication:
    """Put the run's working copy in place of the published warehouse, atomically.

    `run_date` is the D whose marts the file holds; `data_run_id` the daily run that built and
    validated them (default `run_id`; a custom report publishes another run's marts).
    Refuses when the published file changed since the working copy was made (another run or a
    rollback published in between): publishing would silently drop that publication.
    Call it holding the run lock.
    """
    paths = warehouse_paths(warehouse)
    working = working_copy(warehouse, run_id)
    base_file = _base_file(working)
    base = json.loads(base_file.read_text())["base"] if base_file.exists() else None
    if base != _identity(paths.published):
        raise ParkingWarehouseError(
            f"the published warehouse {paths.published} changed after run {run_id!r} copied it "
            "(another run, custom report or rollback published in between); nothing was "
            "published: re-run from the extract step"
        )
    _checkpoint(working)
    digest = sha256_file(working)
    _fsync(working)

    paths.versions_dir.mkdir(parents=True, exist_ok=True)
    log = read_log(warehouse)
    # A new publication after a rollback drops the versions that were rolled back over.
    kept = [r for r in log["versions"] if log["current"] is None or r["version"] <= log["current"]]
    number = max((r["version"] for r in log["versions"]), default=0) + 1
    version_file = paths.versions_dir / f"{number:06d}.duckdb"
    os.chmod(working, _READ_ONLY_MODE)  # the published file is never written in place
    _remove(version_file)  # left by a publish killed before it wrote the log: never recorded
    os.link(working, version_file)  # same inode: keeping the version costs no copy
    # Never let a stale log of the previous file be replayed onto the new one.
    with contextlib.suppress(FileNotFoundError):
        os.unlink(f"{paths.published}.wal")
    os.replace(working, paths.published)
    _fsync(paths.published.parent)
    for leftover in _working_files(working):
        _remove(leftover)

    record = {"version": number, "file": version_file.name, "run_id": run_id,
              "run_date": run_date, "data_run_id": data_run_id or run_id,
              "published_at": _utc_now(), "sha256": digest}
    kept = (kept + [record])[-max(keep, 1):]
    _write_log(paths, {"current": number, "versions": kept})
    for gone in [r for r in log["versions"] if r not in kept]:
        with contextlib.suppress(FileNotFoundError):
            (paths.versions_dir / gone["file"]).unlink()
    return Publication(paths.published, number, run_id, run_date, record["published_at"], digest)


# --------------------------------------------------------------------------- rollback


@dataclass(frozen=True)
class Rollback:
    warehouse: Path
    from_version: int
    to_version: int
    record: dict

    def __str__(self) -> str:
        day = f" for {self.record['run_date']}" if self.record.get("run_date") else ""
        return (f"rolled {self.warehouse} back from version {self.from_version} to version "
                f"{self.to_version} (run {self.record['run_id']}{day}, published "
                f"{self.record['published_at']})")


def rollback(warehouse_path: Path | str, steps: int = 1, *, wait_seconds: float = 0.0) -> Rollback:
    """Put back the publication `steps` before the current one (atomically, like a publish)."""
    paths = warehouse_paths(warehouse_path)
    if steps < 1:
        raise ParkingWarehouseError(f"--steps must be 1 or more, not {steps}")
    with run_lock(warehouse_path, run_id=f"rollback-{steps}", wait_seconds=wait_seconds):
        log = read_log(warehouse_path)
        older = [r for r in log["versions"] if log["current"] is not None and r["version"] <= log["current"]]
        if len(older) <= steps:
            raise ParkingWarehouseError(
                f"cannot roll {paths.published} back {steps} publication(s): only "
                f"{max(len(older) - 1, 0)} earlier version(s) are kept in {paths.versions_dir}"
            )
        target = older[-1 - steps]
        source = paths.versions_dir / target["file"]
        if not source.exists() or sha256_file(source) != target["sha256"]:
            raise ParkingWarehouseError(f"kept version {source} is missing or was modified; not rolled back")
        partial = paths.published.with_name(f".{paths.published.name}.rollback")
        _remove(partial)  # a leftover of a killed rollback is read-only
        shutil.copyfile(source, partial)  # a copy: the kept version stays untouched
        os.chmod(partial, _READ_ONLY_MODE)
        _fsync(partial)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{paths.published}.wal")
        os.replace(partial, paths.published)
        _fsync(paths.published.parent)
        _write_log(paths, {"current": target["version"], "versions": log["versions"]})
        return Rollback(paths.published, log["current"], target["version"], target)
