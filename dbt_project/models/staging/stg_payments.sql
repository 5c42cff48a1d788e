-- stg_payments: trusted payments (their session is trusted too), UTC and local times.
with

checked as (select * from {{ ref('int_payments__checked') }}),
quarantined as (select * from {{ ref('quarantined_payments') }}),

trusted as (
    select
        checked.payment_id,
        checked.session_id,
        checked.amount,
        checked.payment_method,
        checked.status,
        checked.transaction_id,
        checked.transaction_key,
        checked.paid_at,
        {{ to_local('checked.paid_at') }} as paid_at_local,
        checked.created_at,
        {{ to_local('checked.created_at') }} as created_at_local,
        checked.updated_at,
        checked._built_at
    from checked
    {{ anti_join() }} quarantined
        on checked.payment_id = quarantined.payment_id
    where not checked.is_deleted
)

select * from trusted
