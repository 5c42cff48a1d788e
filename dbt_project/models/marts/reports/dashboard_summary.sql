-- dashboard_summary: the dashboard as of T, one row for run date D.
with

sessions as (select * from {{ ref('int_sessions__as_of_t') }}),
payments as (select * from {{ ref('int_payments__as_of_t') }}),
counted_slots as (select * from {{ ref('int_slots__counted') }}),
vehicles as (select * from {{ ref('dim_vehicles') }}),

active_sessions as (
    select session_id, slot_id
    from sessions
    where is_active_at_t
),

occupancy as (
    select
        count(*) as total_slots,
        count(*) filter (
            where slot_id in (select slot_id from active_sessions)
        ) as occupied_slots
    from counted_slots
),

day_completions as (
    select count(*) as completed_sessions
    from sessions
    where is_completed_by_t
        and exit_at >= {{ day_start() }}
        and exit_at < {{ as_of_t() }}
),

day_customers as (
    select count(distinct vehicles.customer_key) as users_today
    from sessions
    inner join vehicles
        on sessions.vehicle_id = vehicles.vehicle_id
    where sessions.is_visit
        and sessions.entry_at >= {{ day_start() }}
        and sessions.entry_at < {{ as_of_t() }}
),

day_revenue as (
    select coalesce(sum(amount), 0) as revenue_today
    from payments
    where is_revenue
        and paid_at_at_t >= {{ day_start() }}
        and paid_at_at_t < {{ as_of_t() }}
),

final as (
    select
        {{ run_date() }} as run_date,
        {{ as_of_t() }} as as_of,
        {{ tz() }} as timezone,
        occupancy.total_slots,
        occupancy.occupied_slots,
        occupancy.total_slots - occupancy.occupied_slots as available_slots,
        {{ rate_percent('occupancy.occupied_slots', 'occupancy.total_slots') }} as occupancy_rate,
        (select count(*) from active_sessions) as active_sessions,
        day_completions.completed_sessions,
        cast(day_revenue.revenue_today as decimal(18, 2)) as revenue_today,
        day_customers.users_today
    from occupancy
    cross join day_completions
    cross join day_customers
    cross join day_revenue
)

select * from final
