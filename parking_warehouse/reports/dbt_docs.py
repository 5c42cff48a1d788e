"""dbt docs as one static page (models, columns, lineage), next to the reports: REPORTS_DIR/dbt_docs/.

Generated from the run's working copy right after the dbt build, through the same path and so
the same target folder (see parking_warehouse.transform), so dbt does not parse the project again;
and only when the dbt project changed since the page was last generated (a few seconds saved
on every run): the page describes models and columns, not the day's data.
"""

from __future__ import annotations

import hashlib
import os
from datetime import date
from pathlib import Path

from parking_warehouse.errors import ParkingWarehouseError


def generate_dbt_docs(warehouse: Path, out_dir: Path, *, run_date: date, timezone: str) -> Path:
    """`dbt docs generate --static` against `warehouse`; writes OUT_DIR/index.html (replaced atomically)."""
    from dbt.cli.main import dbtRunner

    from parking_warehouse.transform import (
        DBT_PROJECT_DIR,
        dbt_environment,
        dbt_work_dir,
        release_warehouse,
    )

    fingerprint = project_fingerprint(DBT_PROJECT_DIR)
    stamp = out_dir / ".project-sha256"
    if (out_dir / "index.html").exists() and stamp.exists() and stamp.read_text().strip() == fingerprint:
        return out_dir / "index.html"
    warehouse = Path(warehouse).resolve()
    work_dir = dbt_work_dir(warehouse)
    args = [
        "docs", "generate", "--static",
        "--project-dir", str(DBT_PROJECT_DIR),
        "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(work_dir / "target"),
        "--log-path", str(work_dir / "logs"),
        "--quiet", "--no-use-colors",
    ]
    try:
        with dbt_environment(warehouse, run_date=run_date, timezone=timezone):
            outcome = dbtRunner().invoke(args)
    finally:
        release_warehouse()
    page = work_dir / "target" / "static_index.html"
    if not outcome.success or not page.exists():
        raise ParkingWarehouseError(f"dbt docs generate on {warehouse} failed: {outcome.exception}")
    out_dir.mkdir(parents=True, exist_ok=True)
    partial = out_dir / ".index.html.partial"
    partial.write_bytes(page.read_bytes())
    os.replace(partial, out_dir / "index.html")
    stamp.write_text(fingerprint + "\n")
    return out_dir / "index.html"


def project_fingerprint(project_dir: Path) -> str:
    """sha256 over the dbt project's own files (not target/, logs/) and the dbt version."""
    from dbt.version import __version__ as dbt_version

    digest = hashlib.sha256(dbt_version.encode())
    for path in sorted(project_dir.rglob("*")):
        relative = path.relative_to(project_dir)
        if path.is_file() and relative.parts[0] not in ("target", "logs", "dbt_packages"):
            digest.update(str(relative).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
