-- Occupancy counts distinct counted slots, so its rates never leave 0..100: the timeline, the
-- peaks, the weekday x hour cells.
select 'occupancy_timeline' as model, occupancy_rate as rate
from {{ ref('occupancy_timeline') }}
where occupancy_rate not between 0 and 100
union all
select 'zone_day_kpis.peak_occupancy_rate', peak_occupancy_rate
from {{ ref('zone_day_kpis') }}
where peak_occupancy_rate not between 0 and 100
union all
select 'weekday_hour_occupancy', avg_occupancy_rate
from {{ ref('weekday_hour_occupancy') }}
where avg_occupancy_rate not between 0 and 100
