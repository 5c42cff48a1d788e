-- quarantined_payments: extracted payments that cannot be trusted: broken on their own, of a
-- session that is missing or untrusted (orphan key), or repeating the transaction_id (compared
-- after trimming surrounding blanks) of a payment with a lower id (duplicate transaction_id).
with

checked as (select * from {{ ref('int_payments__checked') }}),
trusted_sessions as (select session_id from {{ ref('stg_sessions') }}),

-- the lowest id keeps a transaction id; duplicates are looked for among all extracted payments
repeated_transactions as (
    select
        transaction_key,
        min(payment_id) as keeper_payment_id
    from checked
    where not is_deleted
        and transaction_key is not null
    group by transaction_key
    having count(*) > 1
),

reasoned as (
    select
        checked.payment_id,
        case
            when checked.own_reason is not null then checked.own_reason
            when trusted_sessions.session_id is null then 'orphan key'
            when checked.payment_id <> repeated_transactions.keeper_payment_id
                then 'duplicate transaction_id'
        end as reason,
        checked._loaded_at
    from checked
    left join trusted_sessions
        on checked.session_id = trusted_sessions.session_id
    left join repeated_transactions
        on checked.transaction_key = repeated_transactions.transaction_key
    where not checked.is_deleted
)

select * from reasoned
where reason is not null
