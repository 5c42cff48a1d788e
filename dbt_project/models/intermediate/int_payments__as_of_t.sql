-- int_payments__as_of_t: trusted payments that exist at T (created_at <= T), with their status as
-- of T: a completed payment whose paid_at is after T was still pending then (paid_at shown null);
-- failed and refunded keep their current status. Revenue = completed with paid_at <= T.
with

payments as (select * from {{ ref('fct_payments') }}),

as_of_t as (
    select
        payment_id,
        session_id,
        slot_id,
        vehicle_id,
        amount,
        payment_method,
        transaction_id,
        created_at,
        case
            when status = 'completed' and paid_at > {{ as_of_t() }} then 'pending'
            else status
        end as status_at_t,
        case when paid_at <= {{ as_of_t() }} then paid_at end as paid_at_at_t,
        case when paid_at <= {{ as_of_t() }} then paid_date_local end as paid_date_local,
        status = 'completed' and paid_at <= {{ as_of_t() }} as is_revenue
    from payments
    where created_at <= {{ as_of_t() }}
)

select * from as_of_t
