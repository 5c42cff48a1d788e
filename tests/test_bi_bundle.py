"""bi/dashboard/, the dashboard kept as code: consistent, on `marts` only, and filled with this
machine's warehouse path when zipped for import (no Superset needed)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import yaml

from bi import superset
from parking_warehouse.config import Settings


def load(folder: str) -> dict[str, dict]:
    return {path.name: yaml.safe_load(path.read_text())
            for path in sorted((superset.BUNDLE_DIR / folder).rglob("*.yaml"))}


def test_every_dataset_reads_marts_only_of_the_one_read_only_database():
    (database,) = load("databases").values()
    assert database["sqlalchemy_uri"] == f"duckdb:///{superset.WAREHOUSE_PLACEHOLDER}"
    assert database["extra"]["engine_params"]["connect_args"] == {"read_only": True}
    assert not database["allow_dml"] and not database["allow_file_upload"] and not database["allow_ctas"]
    datasets = load("datasets").values()
    assert {d["table_name"] for d in datasets} == {
        "dashboard_summary", "zone_occupancy", "revenue_daily", "peak_hours", "zone_day_kpis",
        "weekday_hour_occupancy", "occupancy_timeline_local"}
    assert {(d["schema"], d["database_uuid"]) for d in datasets} == {("marts", database["uuid"])}
    # one virtual dataset (the timeline in local time), a query of marts tables only
    queries = {d["table_name"]: d["sql"] for d in datasets if d["sql"] is not None}
    assert set(queries) == {"occupancy_timeline_local"}
    read = re.findall(r"\b(?:from|join)\s+([\w.]+)", queries["occupancy_timeline_local"], re.IGNORECASE)
    assert set(read) == {"marts.occupancy_timeline", "marts.dashboard_summary"}


def test_every_chart_is_on_the_dashboard_with_a_saved_query_context():
    datasets = {d["uuid"] for d in load("datasets").values()}
    charts = load("charts").values()
    (dashboard,) = load("dashboards").values()
    placed = {item["meta"]["uuid"] for item in dashboard["position"].values()
              if isinstance(item, dict) and item.get("type") == "CHART"}
    assert placed == {chart["uuid"] for chart in charts}
    for chart in charts:
        assert chart["dataset_uuid"] in datasets, chart["slice_name"]
        assert json.loads(chart["query_context"])["queries"], chart["slice_name"]
    filters = {f["name"]: f for f in dashboard["metadata"]["native_filter_configuration"]}
    assert set(filters) == {"Date range", "Zone"}
    assert filters["Zone"]["targets"][0]["datasetUuid"] in datasets
    assert dashboard["metadata"]["label_colors"] == {"normal": "#16a34a", "warning": "#f59e0b", "critical": "#dc2626"}


def test_the_zipped_bundle_names_this_machines_published_warehouse(tmp_path):
    settings = Settings(timezone="UTC", source=None, warehouse=tmp_path / "some where" / "warehouse.duckdb",
                        reports_dir=tmp_path / "reports")
    bi = superset.SupersetSettings.resolve(settings, environ={})
    with zipfile.ZipFile(io.BytesIO(superset.bundle_zip(bi))) as bundle:
        names = bundle.namelist()
        assert "bundle/metadata.yaml" in names
        assert yaml.safe_load(bundle.read("bundle/metadata.yaml")) == {"version": "1.0.0", "type": "assets"}
        texts = {name: bundle.read(name).decode() for name in names}
    assert not [name for name, text in texts.items() if superset.WAREHOUSE_PLACEHOLDER in text]
    (database,) = [yaml.safe_load(text) for name, text in texts.items() if name.startswith("bundle/databases/")]
    assert database["sqlalchemy_uri"] == f"duckdb:///{tmp_path}/some where/warehouse.duckdb"
    assert Path(database["sqlalchemy_uri"].removeprefix("duckdb:///")).is_absolute()
    assert bi.home == tmp_path / "some where" / ".warehouse" / "superset"
