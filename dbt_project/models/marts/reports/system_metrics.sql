-- system_metrics: stored history, one row per run date D; re-running D replaces its row. Never
-- rebuilt from scratch by --full-refresh (it holds the history of past runs).
{{
    config(
        materialized=incremental_materialization(),
        unique_key='run_date',
        incremental_strategy='delete+insert',
        full_refresh=false,
        on_schema_change='fail',
    )
}}

with

dashboard as (select * from {{ ref('dashboard_summary') }}),

final as (
    select
        run_date,
        as_of as {{ adapter.quote('timestamp') }},
        total_slots,
        occupied_slots,
        available_slots,
        occupancy_rate,
        revenue_today as daily_revenue,
        active_sessions,
        case
            when occupancy_rate > 80 then 'critical'
            when occupancy_rate >= 50 then 'warning'
            else 'normal'
        end as occupancy_status
    from dashboard
)

select * from final
