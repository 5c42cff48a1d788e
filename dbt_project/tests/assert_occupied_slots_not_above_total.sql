-- Occupied slots never exceed the slots counted, on the dashboard or in any zone.
select 'dashboard' as scope, total_slots, occupied_slots
from {{ ref('dashboard_summary') }}
where occupied_slots > total_slots or available_slots <> total_slots - occupied_slots
union all
select 'zone ' || zone_id, total_slots, occupied_slots
from {{ ref('zone_occupancy') }}
where occupied_slots > total_slots or available_slots <> total_slots - occupied_slots
