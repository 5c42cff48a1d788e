-- utilization_rate sums the stays on the counted slots (analytics-spec.md, output 11): on clean
-- data it lies in 0..100. Two sessions open at once on one slot (a missed exit, which the spec
-- allows) both count, and can push it above 100: so this only warns, like
-- assert_one_active_session_per_slot_at_t.
{{ config(severity='warn') }}
select kpi_date, zone_id, utilization_rate
from {{ ref('zone_day_kpis') }}
where utilization_rate not between 0 and 100
