-- quarantined_payments: extracted payments that cannot be trusted: broken on their own, of a
-- session that is missing or untrusted (orphan key), or repeating the transaction_id (compared
-- after trimming surrounding blanks) of a payment with a lower id (duplicate transaction_id).
with

checked as (select * from {{ ref('int_payments__checked') }}),
quarantined_sessions as (select session_id from {{ ref('quarantined_sessions') }}),

reasoned as (
    select
        payment_id,
        case
            when own_reason is not null then own_reason
            when is_session_missing
                or session_id in (select session_id from quarantined_sessions)
                then 'orphan key'
            when is_duplicate_transaction then 'duplicate transaction_id'
        end as reason,
        _loaded_at
    from checked
    where not is_deleted
)

select * from reasoned
where reason is not null
