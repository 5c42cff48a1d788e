-- slot_usage: one row per counted slot: visits, revenue up to T, occupancy at T, usage rank.
with

counted_slots as (select * from {{ ref('int_slots__counted') }}),
sessions as (select * from {{ ref('int_sessions__as_of_t') }}),
payments as (select * from {{ ref('int_payments__as_of_t') }}),

slot_sessions as (
    select
        slot_id,
        count(*) filter (where is_visit) as total_sessions,
        bool_or(is_active_at_t) as is_occupied
    from sessions
    group by slot_id
),

slot_revenue as (
    select slot_id, sum(amount) as revenue
    from payments
    where is_revenue
    group by slot_id
),

measured as (
    select
        counted_slots.slot_id,
        counted_slots.slot_number,
        counted_slots.zone_id,
        counted_slots.zone_name,
        counted_slots.slot_type,
        coalesce(slot_sessions.total_sessions, 0) as total_sessions,
        cast(coalesce(slot_revenue.revenue, 0) as decimal(18, 2)) as revenue,
        coalesce(slot_sessions.is_occupied, false) as is_occupied
    from counted_slots
    left join slot_sessions
        on counted_slots.slot_id = slot_sessions.slot_id
    left join slot_revenue
        on counted_slots.slot_id = slot_revenue.slot_id
),

final as (
    select
        *,
        cast(row_number() over (order by total_sessions desc, revenue desc, slot_id asc) as integer)
            as usage_rank
    from measured
)

select * from final
order by usage_rank
