-- dim_hour: the 24 local wall-clock hours of a day.
with

hours as (
    select cast(hour as integer) as hour
    from {{ integer_series(0, 24, 'hours_of_day', 'hour') }}
),

final as (
    select
        hour,
        lpad(cast(hour as string), 2, '0') || ':00-' || lpad(cast((hour + 1) % 24 as string), 2, '0') || ':00'
            as hour_label,
        case
            when hour < 6 then 'night'
            when hour < 12 then 'morning'
            when hour < 18 then 'afternoon'
            else 'evening'
        end as day_part
    from hours
)

select * from final
