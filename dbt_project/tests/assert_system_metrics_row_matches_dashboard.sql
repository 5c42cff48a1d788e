-- The stored system_metrics row of D is the dashboard of D.
select metrics.run_date
from {{ ref('system_metrics') }} as metrics
inner join {{ ref('dashboard_summary') }} as dashboard
    on metrics.run_date = dashboard.run_date
where metrics.occupied_slots <> dashboard.occupied_slots
    or metrics.total_slots <> dashboard.total_slots
    or metrics.daily_revenue <> dashboard.revenue_today
    or metrics.active_sessions <> dashboard.active_sessions
union all
select {{ run_date() }}
where not exists (select 1 from {{ ref('system_metrics') }} where run_date = {{ run_date() }})
