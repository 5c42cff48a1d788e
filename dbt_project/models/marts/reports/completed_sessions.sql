-- completed_sessions: the 100 sessions completed by T with the latest exit, with the session's
-- latest payment as of T ('unpaid' when it has none).
with

sessions as (select * from {{ ref('int_sessions__as_of_t') }}),
payments as (select * from {{ ref('int_payments__as_of_t') }}),
vehicles as (select * from {{ ref('dim_vehicles') }}),
slots as (select * from {{ ref('dim_slots') }}),

latest_completed as (
    select *
    from sessions
    where is_completed_by_t
    order by exit_at desc, session_id desc
    limit 100
),

latest_payment as (
    select
        session_id,
        {{ arg_max_by('status_at_t', struct_of({'created_at': 'created_at', 'payment_id': 'payment_id'})) }}
            as payment_status,
        {{ arg_max_by('payment_method', struct_of({'created_at': 'created_at', 'payment_id': 'payment_id'})) }}
            as payment_method
    from payments
    where session_id in (select session_id from latest_completed)
    group by session_id
),

final as (
    select
        latest_completed.session_id,
        vehicles.vehicle_number,
        vehicles.owner_id,
        slots.zone_name,
        slots.slot_number,
        latest_completed.entry_at as entry_time,
        latest_completed.exit_at as exit_time,
        {{ hours_between('latest_completed.entry_at', 'latest_completed.exit_at') }} as duration_hours,
        latest_completed.amount,
        coalesce(latest_payment.payment_status, 'unpaid') as payment_status,
        latest_payment.payment_method
    from latest_completed
    inner join vehicles
        on latest_completed.vehicle_id = vehicles.vehicle_id
    inner join slots
        on latest_completed.slot_id = slots.slot_id
    left join latest_payment
        on latest_completed.session_id = latest_payment.session_id
)

select * from final
order by exit_time desc, session_id desc
