-- occupancy_timeline: occupied counted slots per counted zone at every 15-minute instant of D
-- (output 10): 96 instants, 92 or 100 on a daylight-saving day, by zone_id then at.
with

instants as (select * from {{ ref('int_occupancy__instants') }}),

final as (
    select
        zone_id,
        zone_name,
        {{ adapter.quote('at') }},
        occupied_slots,
        total_slots,
        {{ rate_percent('occupied_slots', 'total_slots') }} as occupancy_rate
    from instants
    where {{ adapter.quote('at') }} >= {{ day_start() }}
)

select * from final
order by zone_id, {{ adapter.quote('at') }}
