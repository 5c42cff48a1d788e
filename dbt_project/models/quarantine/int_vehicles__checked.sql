-- int_vehicles__checked: every extracted vehicle (latest version), typed, with the first contract
-- rule the row breaks on its own (null when none). Its owner is checked in quarantined_vehicles.
-- Incremental like int_sessions__checked (there are millions of them).
{{
    config(
        materialized=incremental_materialization(),
        unique_key='vehicle_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

with

source as (
    select * from {{ source('raw', 'backend_core_vehicle') }}
    {% if is_incremental() %}
    where {{ raw_rows_changed_since_last_build() }}
    {% endif %}
),

typed as (
    select
        id as vehicle_id,
        vehicle_number,
        vehicle_type,
        {{ parse_id('owner_id') }} as owner_id,
        {{ parse_utc('created_at') }} as created_at,
        {{ parse_utc('updated_at') }} as updated_at,
        _loaded_at,
        _deleted_at,
        _deleted_at is not null as is_deleted,
        case
            when vehicle_number is null
                or {{ is_unparseable('owner_id', parse_id('owner_id')) }}
                or {{ parse_utc('created_at') }} is null
                or {{ parse_utc('updated_at') }} is null
                then 'unparseable value'
            when vehicle_type is null or vehicle_type not in ('car', 'motorcycle', 'ev', 'van')
                then 'unknown enumerated value'
        end as own_reason,
        {{ build_stamp() }} as _built_at
    from source
)

select * from typed
