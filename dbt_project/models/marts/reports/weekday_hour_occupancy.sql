-- weekday_hour_occupancy: occupancy of the whole operation by ISO weekday and local hour over the
-- 28 local days D-27..D (output 12), from the timeline instants at a full local hour (minute 0),
-- slots counted as of T. 168 rows, by weekday then hour.
with

instants as (select * from {{ ref('int_occupancy__instants') }}),
hours as (select * from {{ ref('dim_hour') }}),

bounds as (
    select
        {{ epoch_us(local_midnight(run_date() ~ " - 27")) }} as from_us,
        {{ epoch_us(as_of_t()) }} as to_us
),

-- every instant of the 28 days, whether or not any zone is counted
grid as (
    select {{ to_local(instant_of('grid_index.instant_index')) }} as at_local
    from bounds
    {{ lateral_integer_series(int_div('bounds.from_us', quarter_hour_us()),
                              int_div('bounds.to_us', quarter_hour_us()), 'grid_index', 'instant_index') }}
),

full_hour_instants as (
    select
        cast({{ date_part_of('isodow', 'at_local') }} as integer) as weekday,
        cast(hour(at_local) as integer) as hour,
        count(*) as instants
    from grid
    where minute(at_local) = 0
    group by all
),

operation as (
    select
        cast({{ date_part_of('isodow', to_local(adapter.quote('at'))) }} as integer) as weekday,
        cast(hour({{ to_local(adapter.quote('at')) }}) as integer) as hour,
        sum(occupied_slots) as occupied_slots
    from instants
    where minute({{ to_local(adapter.quote('at')) }}) = 0
    group by all
),

total as (
    select coalesce(sum(total_slots), 0) as total_slots
    from (select distinct zone_id, total_slots from instants)
),

cells as (
    select
        weekday,
        hours.hour
    from {{ integer_series(1, 8, 'weekdays', 'weekday') }}
    cross join hours
),

final as (
    select
        cells.weekday,
        cells.hour,
        coalesce(full_hour_instants.instants, 0) as instants,
        case
            when coalesce(full_hour_instants.instants, 0) > 0 then
                {{ rate_percent('coalesce(operation.occupied_slots, 0)', 'full_hour_instants.instants * total.total_slots') }}
        end as avg_occupancy_rate
    from cells
    cross join total
    left join full_hour_instants
        on cells.weekday = full_hour_instants.weekday
        and cells.hour = full_hour_instants.hour
    left join operation
        on cells.weekday = operation.weekday
        and cells.hour = operation.hour
)

select * from final
order by weekday, hour
