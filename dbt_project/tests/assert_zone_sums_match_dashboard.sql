-- The zones add up to the dashboard: counted and occupied slots exactly; active sessions at most
-- (sessions on slots of inactive zones count on the dashboard only).
with

zones as (
    select
        coalesce(sum(total_slots), 0) as total_slots,
        coalesce(sum(occupied_slots), 0) as occupied_slots,
        coalesce(sum(active_sessions), 0) as active_sessions
    from {{ ref('zone_occupancy') }}
),

dashboard as (select * from {{ ref('dashboard_summary') }})

select zones.*, dashboard.total_slots as dashboard_total_slots
from zones
cross join dashboard
where zones.total_slots <> dashboard.total_slots
    or zones.occupied_slots <> dashboard.occupied_slots
    or zones.active_sessions > dashboard.active_sessions
