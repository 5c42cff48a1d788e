-- int_payments__checked: every extracted payment, typed, with the first contract rule the row
-- breaks on its own (own_reason; null when none), whether its session is missing from the
-- source (is_session_missing) and whether a payment with a lower id holds its trimmed
-- transaction id (is_duplicate_transaction). Incremental like int_sessions__checked; a payment
-- is also checked again when its session was re-typed in this run (it may have arrived or been
-- deleted) or when it shares a transaction id with a changed payment.
{{
    config(
        materialized=incremental_materialization(),
        unique_key='payment_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

with

raw_payments as (select * from {{ source('raw', 'backend_core_payment') }}),
sessions as (select * from {{ ref('int_sessions__checked') }}),

{% if is_incremental() %}

-- (materialized: each of these is read more than once)
changed_rows as {{ materialized_cte() }} (
    select *
    from raw_payments
    where {{ raw_rows_changed_since_last_build() }}
),

-- the transaction ids the changed rows hold now, and held before
touched_keys as {{ materialized_cte() }} (
    select trim(transaction_id) as transaction_key
    from changed_rows
    where transaction_id is not null
    union
    select transaction_key
    from {{ this }}
    where payment_id in (select id from changed_rows)
        and transaction_key is not null
),

-- unchanged payments checked again: their session was re-typed in this run, or they share a
-- transaction id with a changed payment (their typed values in this table are current). The ids
-- come first, from two narrow inner joins with the small sets, then the rows by id. (With
-- `column in (small set)` on a 10M-row column, here and below, DuckDB built its hash table on
-- the 10M-row side; the ids of recheck_ids are few and are looked up once.)
retyped_sessions as {{ materialized_cte() }} (
    select session_id from sessions where _built_at = {{ build_stamp() }}
),

recheck_ids as {{ materialized_cte() }} (
    select checked.payment_id
    from {{ this }} as checked
    inner join retyped_sessions
        on checked.session_id = retyped_sessions.session_id
    union
    select checked.payment_id
    from {{ this }} as checked
    inner join touched_keys
        on checked.transaction_key = touched_keys.transaction_key
),

rechecked as {{ materialized_cte() }} (
    select *
    from {{ this }}
    where payment_id in (select payment_id from recheck_ids)
        and payment_id not in (select id from changed_rows)
),

{% endif %}

parsed as (
    select
        id as payment_id,
        {{ parse_id('session_id') }} as session_id,
        {{ parse_money('amount') }} as amount,
        payment_method,
        status,
        transaction_id,
        trim(transaction_id) as transaction_key,
        {{ parse_utc('paid_at') }} as paid_at,
        {{ parse_utc('created_at') }} as created_at,
        {{ parse_utc('updated_at') }} as updated_at,
        _loaded_at,
        _deleted_at,
        _deleted_at is not null as is_deleted,
        paid_at is not null as has_paid_at
    from {% if is_incremental() %}changed_rows{% else %}raw_payments{% endif %}
),

typed as {{ materialized_cte() }} (
    select
        payment_id,
        session_id,
        amount,
        payment_method,
        status,
        transaction_id,
        transaction_key,
        paid_at,
        created_at,
        updated_at,
        _loaded_at,
        _deleted_at,
        is_deleted,
        case
            when session_id is null
                or amount is null
                or (has_paid_at and paid_at is null)
                or created_at is null
                or updated_at is null
                then 'unparseable value'
            when payment_method is null or payment_method not in ('cash', 'online')
                or status is null or status not in ('pending', 'completed', 'failed', 'refunded')
                then 'unknown enumerated value'
            when amount < 0
                then 'negative amount'
            when status = 'completed' and paid_at is null
                then 'completed payment without paid_at'
        end as own_reason
    from parsed
    {% if is_incremental() %}
    union all
    select
        payment_id,
        session_id,
        amount,
        payment_method,
        status,
        transaction_id,
        transaction_key,
        paid_at,
        created_at,
        updated_at,
        _loaded_at,
        _deleted_at,
        is_deleted,
        own_reason
    from rechecked
    {% endif %}
),

-- the lowest id among the extracted payments holding a transaction id keeps it
transaction_keepers as (
    select
        transaction_key,
        min(payment_id) as keeper_payment_id
    from (
        select payment_id, transaction_key from typed where not is_deleted
        {% if is_incremental() %}
        union all
        select checked.payment_id, checked.transaction_key
        from {{ this }} as checked
        inner join (select distinct transaction_key from typed) as keys
            on checked.transaction_key = keys.transaction_key
        where not checked.is_deleted
            and checked.payment_id not in (select payment_id from typed)
        {% endif %}
    ) as holders
    where transaction_key is not null
    group by transaction_key
),

existing_sessions as (
    select sessions.session_id
    from sessions
    {% if is_incremental() %}
    inner join (select distinct session_id from typed) as wanted
        on sessions.session_id = wanted.session_id
    {% endif %}
    where not sessions.is_deleted
),

checked as (
    select
        typed.payment_id,
        typed.session_id,
        typed.amount,
        typed.payment_method,
        typed.status,
        typed.transaction_id,
        typed.transaction_key,
        typed.paid_at,
        typed.created_at,
        typed.updated_at,
        typed._loaded_at,
        typed._deleted_at,
        typed.is_deleted,
        typed.own_reason,
        existing_sessions.session_id is null as is_session_missing,
        coalesce(typed.payment_id <> transaction_keepers.keeper_payment_id, false)
            as is_duplicate_transaction,
        {{ build_stamp() }} as _built_at
    from typed
    left join existing_sessions
        on typed.session_id = existing_sessions.session_id
    left join transaction_keepers
        on typed.transaction_key = transaction_keepers.transaction_key
)

select * from checked
