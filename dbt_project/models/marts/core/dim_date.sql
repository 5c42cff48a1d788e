-- dim_date: one row per calendar date from 2000-01-01 to 2050-12-31 (local dates).
with

days as (
    select day as date_day
    from {{ date_series("date '2000-01-01'", "date '2050-12-31'", 'spine') }}
),

final as (
    select
        date_day,
        {{ date_part_of('year', 'date_day') }} as year,
        {{ date_part_of('quarter', 'date_day') }} as quarter,
        {{ date_part_of('month', 'date_day') }} as month,
        {{ date_part_of('monthname', 'date_day') }} as month_name,
        {{ date_part_of('day', 'date_day') }} as day_of_month,
        {{ date_part_of('isodow', 'date_day') }} as iso_day_of_week,
        {{ date_part_of('dayname', 'date_day') }} as day_name,
        {{ date_part_of('isoyear', 'date_day') }} as iso_year,
        {{ date_part_of('week', 'date_day') }} as iso_week,
        {{ date_part_of('isodow', 'date_day') }} >= 6 as is_weekend,
        cast(date_trunc('week', date_day) as date) as week_start_date,
        cast(date_trunc('month', date_day) as date) as month_start_date,
        {{ date_part_of('isodow', 'date_day') }} = 7 as is_iso_week_end,
        date_day = last_day(date_day) as is_month_end
    from days
)

select * from final
