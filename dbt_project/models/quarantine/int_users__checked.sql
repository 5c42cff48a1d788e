-- int_users__checked: every extracted account (latest version), typed, with the first contract
-- rule the row breaks on its own (null when none). Parents: none.
-- Incremental like int_sessions__checked (there are millions of them).
{{
    config(
        materialized=incremental_materialization(),
        unique_key='user_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

with

source as (
    select * from {{ source('raw', 'users_customuser') }}
    {% if is_incremental() %}
    where {{ raw_rows_changed_since_last_build() }}
    {% endif %}
),

typed as (
    select
        id as user_id,
        role,
        {{ parse_bool('is_superuser') }} as is_superuser,
        {{ parse_bool('is_staff') }} as is_staff,
        {{ parse_bool('is_active') }} as is_active,
        {{ parse_utc('date_joined') }} as date_joined_at,
        {{ parse_utc('last_login') }} as last_login_at,
        {{ parse_utc('updated_at') }} as updated_at,
        _loaded_at,
        _deleted_at,
        _deleted_at is not null as is_deleted,
        case
            when {{ parse_bool('is_superuser') }} is null
                or {{ parse_bool('is_staff') }} is null
                or {{ parse_bool('is_active') }} is null
                or {{ parse_utc('date_joined') }} is null
                or {{ parse_utc('updated_at') }} is null
                or {{ is_unparseable('last_login', parse_utc('last_login')) }}
                then 'unparseable value'
            when role is null or role not in ('admin', 'staff', 'user')
                then 'unknown enumerated value'
        end as own_reason,
        {{ build_stamp() }} as _built_at
    from source
)

select * from typed
