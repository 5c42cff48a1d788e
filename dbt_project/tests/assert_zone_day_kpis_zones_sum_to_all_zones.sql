-- zone_day_kpis: on every day the zones add up to the "All zones" row - counts and money exactly
-- (summed before rounding there, so the sums of the zones' exact values match), and the
-- operation's peak lies between the highest zone peak and the sum of the zone peaks.
with

kpis as (select * from {{ ref('zone_day_kpis') }}),

zones as (
    select
        kpi_date,
        sum(total_slots) as total_slots,
        sum(sessions_started) as sessions_started,
        sum(revenue) as revenue,
        sum(completed_stays) as completed_stays,
        sum(stay_under_15m + stay_15m_1h + stay_1h_2h + stay_2h_4h + stay_4h_8h + stay_over_8h) as stay_mix,
        sum(unpaid_sessions) as unpaid_sessions,
        sum(unpaid_amount) as unpaid_amount,
        max(peak_occupied_slots) as highest_peak,
        sum(peak_occupied_slots) as summed_peaks
    from kpis
    where zone_id is not null
    group by kpi_date
),

operation as (
    select *
    from kpis
    where zone_id is null
)

select
    operation.kpi_date,
    operation.total_slots,
    zones.total_slots as zone_total_slots
from operation
left join zones
    on operation.kpi_date = zones.kpi_date
where operation.total_slots <> coalesce(zones.total_slots, 0)
    or operation.sessions_started <> coalesce(zones.sessions_started, 0)
    or operation.revenue <> coalesce(zones.revenue, 0)
    or operation.completed_stays <> coalesce(zones.completed_stays, 0)
    or operation.completed_stays <> operation.stay_under_15m + operation.stay_15m_1h + operation.stay_1h_2h
        + operation.stay_2h_4h + operation.stay_4h_8h + operation.stay_over_8h
    or operation.completed_stays <> coalesce(zones.stay_mix, 0)
    or operation.unpaid_sessions <> coalesce(zones.unpaid_sessions, 0)
    or operation.unpaid_amount <> coalesce(zones.unpaid_amount, 0)
    or operation.peak_occupied_slots < coalesce(zones.highest_peak, 0)
    or operation.peak_occupied_slots > coalesce(zones.summed_peaks, 0)
