-- dim_date: one row per calendar date from 2000-01-01 to 2050-12-31 (local dates).
with

days as (
    select cast(day as date) as date_day
    from range(date '2000-01-01', date '2051-01-01', interval 1 day) as spine(day)
),

final as (
    select
        date_day,
        year(date_day) as year,
        quarter(date_day) as quarter,
        month(date_day) as month,
        monthname(date_day) as month_name,
        day(date_day) as day_of_month,
        isodow(date_day) as iso_day_of_week,
        dayname(date_day) as day_name,
        isoyear(date_day) as iso_year,
        week(date_day) as iso_week,
        isodow(date_day) >= 6 as is_weekend,
        cast(date_trunc('week', date_day) as date) as week_start_date,
        cast(date_trunc('month', date_day) as date) as month_start_date,
        isodow(date_day) = 7 as is_iso_week_end,
        date_day = last_day(date_day) as is_month_end
    from days
)

select * from final
