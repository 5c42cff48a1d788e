"""The run's reports: the nine outputs, health, manifest, index.html, stored and custom reports."""

from parking_warehouse.reports.custom import generate_custom_report  # noqa: F401  (pipeline/CLI entry)
