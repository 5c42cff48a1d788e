-- At most one session is active at T on a slot. The spec allows two open sessions on one slot
-- (a missed exit): they occupy it once ("Counted slots" fine point), so this only warns.
{{ config(severity='warn') }}
select slot_id, count(*) as active_sessions
from {{ ref('active_sessions') }}
group by slot_id
having count(*) > 1
