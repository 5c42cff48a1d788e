-- vehicle_analytics: one row per vehicle with a visit by T: visits, spending and habits.
with

sessions as (select * from {{ ref('int_sessions__as_of_t') }}),
payments as (select * from {{ ref('int_payments__as_of_t') }}),
vehicles as (select * from {{ ref('dim_vehicles') }}),
slots as (select * from {{ ref('dim_slots') }}),

visits as (
    select
        sessions.vehicle_id,
        sessions.entry_at,
        slots.zone_name
    from sessions
    inner join slots
        on sessions.slot_id = slots.slot_id
    where sessions.is_visit
),

visit_summary as (
    select
        vehicle_id,
        count(*) as total_visits,
        min(entry_at) as first_visit,
        max(entry_at) as last_visit
    from visits
    group by vehicle_id
),

preferred_zone as (
    select
        vehicle_id,
        zone_name as preferred_zone
    from visits
    group by vehicle_id, zone_name
    qualify row_number() over (
        partition by vehicle_id order by count(*) desc, zone_name asc
    ) = 1
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
        visit_summary.total_visits,
        cast(coalesce(spending.total_expenses, 0) as decimal(18, 2)) as total_expenses,
        {{ money_mean('coalesce(spending.total_expenses, 0)', 'visit_summary.total_visits') }}
            as average_session_cost,
        preferred_zone.preferred_zone,
        coalesce(spending.cash_count, 0) as cash_count,
        cast(coalesce(spending.cash_amount, 0) as decimal(18, 2)) as cash_amount,
        coalesce(spending.online_count, 0) as online_count,
        cast(coalesce(spending.online_amount, 0) as decimal(18, 2)) as online_amount,
        visit_summary.first_visit,
        visit_summary.last_visit
    from visit_summary
    inner join vehicles
        on visit_summary.vehicle_id = vehicles.vehicle_id
    inner join preferred_zone
        on visit_summary.vehicle_id = preferred_zone.vehicle_id
    left join spending
        on visit_summary.vehicle_id = spending.vehicle_id
)

select * from final
order by vehicle_number
