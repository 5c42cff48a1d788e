-- The hourly breakdown has exactly the hours 0..23, once each.
select count(*) as hours, min(hour) as first_hour, max(hour) as last_hour
from {{ ref('peak_hours') }}
having count(*) <> 24 or count(distinct hour) <> 24 or min(hour) <> 0 or max(hour) <> 23
