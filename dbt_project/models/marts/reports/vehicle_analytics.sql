-- vehicle_analytics: one row per vehicle with a visit by T: visits, spending and habits.
with

sessions as (select * from {{ ref('int_sessions__as_of_t') }}),
payments as (select * from {{ ref('int_payments__as_of_t') }}),
vehicles as (select * from {{ ref('dim_vehicles') }}),
slots as (select * from {{ ref('dim_slots') }}),
zones as (select * from {{ ref('dim_zones') }}),

-- zone names are unique; their alphabetical rank breaks ties in the preferred zone
zone_ranks as (
    select zone_id, zone_name, dense_rank() over (order by zone_name) as name_rank
    from zones
),

visits_by_zone as (
    select
        sessions.vehicle_id,
        slots.zone_id,
        count(*) as visits,
        min(sessions.entry_at) as first_visit,
        max(sessions.entry_at) as last_visit
    from sessions
    inner join slots
        on sessions.slot_id = slots.slot_id
    where sessions.is_visit
    group by sessions.vehicle_id, slots.zone_id
),

visit_summary as (
    select
        visits_by_zone.vehicle_id,
        sum(visits_by_zone.visits) as total_visits,
        min(visits_by_zone.first_visit) as first_visit,
        max(visits_by_zone.last_visit) as last_visit,
        -- most visits first, then the zone name in alphabetical order
        arg_max(zone_ranks.zone_name, visits_by_zone.visits * 1000000 - zone_ranks.name_rank)
            as preferred_zone
    from visits_by_zone
    inner join zone_ranks
        on visits_by_zone.zone_id = zone_ranks.zone_id
    group by visits_by_zone.vehicle_id
),

spending as (
    select
        vehicle_id,
        sum(amount) as total_expenses,
        count(*) filter (where payment_method = 'cash') as cash_count,
        coalesce(sum(amount) filter (where payment_method = 'cash'), 0) as cash_amount,
        count(*) filter (where payment_method = 'online') as online_count,
        coalesce(sum(amount) filter (where payment_method = 'online'), 0) as online_amount
    from payments
    where is_revenue
    group by vehicle_id
),

final as (
    select
        vehicles.vehicle_id,
        vehicles.vehicle_number,
        vehicles.vehicle_type,
        vehicles.owner_id,
        cast(visit_summary.total_visits as bigint) as total_visits,
        cast(coalesce(spending.total_expenses, 0) as decimal(18, 2)) as total_expenses,
        {{ money_mean('coalesce(spending.total_expenses, 0)', 'visit_summary.total_visits') }}
            as average_session_cost,
        visit_summary.preferred_zone,
        coalesce(spending.cash_count, 0) as cash_count,
        cast(coalesce(spending.cash_amount, 0) as decimal(18, 2)) as cash_amount,
        coalesce(spending.online_count, 0) as online_count,
        cast(coalesce(spending.online_amount, 0) as decimal(18, 2)) as online_amount,
        visit_summary.first_visit,
        visit_summary.last_visit
    from visit_summary
    inner join vehicles
        on visit_summary.vehicle_id = vehicles.vehicle_id
    left join spending
        on visit_summary.vehicle_id = spending.vehicle_id
)

select * from final

