-- payment_by_status: all payments created by T, by their status as of T, ordered by status.
with

payments as (select * from {{ ref('int_payments__as_of_t') }}),

final as (
    select
        status_at_t as status,
        count(*) as count,
        cast(sum(amount) as decimal(18, 2)) as amount
    from payments
    group by status_at_t
)

select * from final
order by status
