"""parking_custom_report: a custom (or weekly/monthly/daily) analytics report, triggered by hand.

Params are validated by Airflow when the run is triggered; the task then refuses, with the
reason in its log, a `generated_by` that is not an admin user or a `date_from` after `date_to`.
"""

from __future__ import annotations

from datetime import date

from airflow.sdk import Param, dag, get_current_context, task


@dag(
    dag_id="parking_custom_report",
    schedule=None,
    catchup=False,
    tags=["parking"],
    doc_md=__doc__,
    params={
        "report_type": Param("custom", type="string", enum=["custom", "weekly", "monthly", "daily"],
                             description="kind of report stored in marts.analytics_reports"),
        "date_from": Param(type="string", format="date", description="first local day (YYYY-MM-DD)"),
        "date_to": Param(type="string", format="date", description="last local day (YYYY-MM-DD)"),
        "generated_by": Param(type="integer", minimum=1, description="id of the admin user asking"),
    },
)
def parking_custom_report():
    @task(retries=0)
    def generate_report() -> str:
        from parking_warehouse.config import Settings
        from parking_warehouse.reports import generate_custom_report

        params = get_current_context()["params"]
        report = generate_custom_report(
            Settings.resolve(), report_type=params["report_type"],
            date_from=date.fromisoformat(params["date_from"]),
            date_to=date.fromisoformat(params["date_to"]), generated_by=int(params["generated_by"]),
            lock_wait_seconds=1800,
        )
        return str(report)

    generate_report()


parking_custom_report()
