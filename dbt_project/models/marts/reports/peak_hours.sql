-- peak_hours: visits by local hour of entry over the 30 local days D-29..D, all 24 hours.
with

hours as (select * from {{ ref('dim_hour') }}),
sessions as (select * from {{ ref('int_sessions__as_of_t') }}),

entries as (
    select entry_hour_local as hour, count(*) as entries
    from sessions
    where is_visit
        and entry_date_local between {{ run_date() }} - 29 and {{ run_date() }}
    group by entry_hour_local
),

final as (
    select
        hours.hour,
        coalesce(entries.entries, 0) as entries
    from hours
    left join entries
        on hours.hour = entries.hour
)

select * from final
order by hour
