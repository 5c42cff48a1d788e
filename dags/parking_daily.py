"""parking_daily: every operator-local day D, the whole pipeline, one task per step.

The run date D is the local date of the data interval's start: the scheduled run at
D+1 00:00 (local) processes D, and a backfill of a date range runs each D in order
(catchup, one run at a time). Each task calls one step of parking_warehouse.pipeline.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from airflow.sdk import Asset, CronDataIntervalTimetable, dag, get_current_context, task

from parking_warehouse.config import Settings

SETTINGS = Settings.resolve()  # PARKING_* environment variables, like the CLI (start date included)
PUBLISHED_WAREHOUSE = Asset(name="parking_warehouse", uri=SETTINGS.warehouse.as_uri())


def _run(context=None):
    from parking_warehouse.pipeline import Run

    context = context or get_current_context()
    run_date = context["data_interval_start"].astimezone(ZoneInfo(SETTINGS.timezone)).date()
    return Run(SETTINGS, run_date, context["run_id"], lock_wait_seconds=1800)


def _step(name: str):
    """Run parking_warehouse.pipeline.<name>_step for this DAG run."""
    from parking_warehouse import pipeline

    return getattr(pipeline, f"{name}_step")(_run())


def _record_failure(context) -> None:
    from parking_warehouse.pipeline import record_failure

    record_failure(_run(context), context["task_instance"].task_id, context.get("exception"))


@dag(
    dag_id="parking_daily",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone=SETTINGS.timezone),
    start_date=datetime.combine(SETTINGS.start_date, datetime.min.time(), tzinfo=ZoneInfo(SETTINGS.timezone)),
    catchup=True,
    max_active_runs=1,
    default_args={"retries": 0, "on_failure_callback": _record_failure},
    tags=["parking"],
    doc_md=__doc__,
)
def parking_daily():
    @task(retries=4, retry_delay=timedelta(minutes=1), retry_exponential_backoff=2.0,
          max_retry_delay=timedelta(minutes=30))
    def extract() -> str:
        return _step("extract")

    @task
    def validate_raw() -> str:
        return _step("validate_raw")

    @task
    def build() -> str:
        return _step("build")

    @task
    def validate_marts() -> str:
        return _step("validate_marts")

    @task(outlets=[PUBLISHED_WAREHOUSE])
    def publish() -> str:
        publication = _step("publish")
        get_current_context()["outlet_events"][PUBLISHED_WAREHOUSE].extra = {
            "run_date": publication.run_date, "version": publication.version, "sha256": publication.sha256}
        return str(publication)

    @task
    def materialise_reports() -> str:
        return str(_step("materialise_reports"))

    extract() >> validate_raw() >> build() >> validate_marts() >> publish() >> materialise_reports()


parking_daily()
