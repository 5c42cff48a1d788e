-- int_sessions__checked: every extracted session (latest version), typed, with the first contract
-- rule the row breaks on its own (null when none). Incremental: only raw rows written since the
-- last build (plus the look-back window) are typed again. Its slot and vehicle are checked in
-- quarantined_sessions.
{{
    config(
        materialized=incremental_materialization(),
        unique_key='session_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

with

source as (
    select * from {{ source('raw', 'backend_core_parkingsession') }}
    {% if is_incremental() %}
    where {{ raw_rows_changed_since_last_build() }}
    {% endif %}
),

typed as (
    select
        id as session_id,
        {{ parse_id('slot_id') }} as slot_id,
        {{ parse_id('vehicle_id') }} as vehicle_id,
        status,
        {{ parse_utc('entry_time') }} as entry_at,
        {{ parse_utc('exit_time') }} as exit_at,
        {{ parse_money('amount') }} as amount,
        {{ parse_utc('created_at') }} as created_at,
        {{ parse_utc('updated_at') }} as updated_at,
        _loaded_at,
        _deleted_at,
        _deleted_at is not null as is_deleted,
        exit_time is not null as has_exit_time,
        amount is not null as has_amount
    from source
),

checked as (
    select
        session_id,
        slot_id,
        vehicle_id,
        status,
        entry_at,
        exit_at,
        amount,
        created_at,
        updated_at,
        _loaded_at,
        _deleted_at,
        is_deleted,
        case
            when slot_id is null
                or vehicle_id is null
                or entry_at is null
                or (has_exit_time and exit_at is null)
                or (has_amount and amount is null)
                or created_at is null
                or updated_at is null
                then 'unparseable value'
            when status is null or status not in ('active', 'completed', 'cancelled')
                then 'unknown enumerated value'
            when amount < 0
                then 'negative amount'
            when exit_at < entry_at
                then 'exit before entry'
            when entry_at > _loaded_at
                then 'entry in the future'
        end as own_reason,
        {{ build_stamp() }} as _built_at
    from typed
)

select * from checked
