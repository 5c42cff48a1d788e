-- visitors: the vehicles that visited on D (output 13): new (first visit ever on D), returning,
-- and the frequent ones (at least 8 visits entering in the 30 local days D-29..D).
with

sessions as (select * from {{ ref('int_sessions__as_of_t') }}),

recent_visits as {{ materialized_cte() }} (
    select
        vehicle_id,
        entry_date_local
    from sessions
    where is_visit
        and entry_date_local between {{ run_date() }} - 29 and {{ run_date() }}
),

visitors_of_d as (
    select distinct vehicle_id
    from recent_visits
    where entry_date_local = {{ run_date() }}
),

-- of the vehicles of D, those with a visit before D (they return)
returning_visitors as (
    select distinct vehicle_id
    from sessions
    where is_visit
        and entry_date_local < {{ run_date() }}
        and vehicle_id in (select vehicle_id from visitors_of_d)
),

frequent as (
    select vehicle_id
    from recent_visits
    group by vehicle_id
    having count(*) >= 8
),

final as (
    select
        {{ run_date() }} as visit_date,
        (select count(*) from visitors_of_d) as vehicles,
        (select count(*) from visitors_of_d) - (select count(*) from returning_visitors) as new_vehicles,
        (select count(*) from returning_visitors) as returning_vehicles,
        (select count(*) from frequent) as frequent_vehicles
)

select * from final
