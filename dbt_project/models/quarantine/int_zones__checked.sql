-- int_zones__checked: every extracted zone (latest version), typed, with the first contract rule
-- the row breaks on its own (null when none). Parents: none.
with

source as (
    select * from {{ source('raw', 'backend_core_parkingzone') }}
),

typed as (
    select
        id as zone_id,
        name as zone_name,
        description,
        {{ parse_money('hourly_rate') }} as hourly_rate,
        {{ parse_bool('is_active') }} as is_active,
        {{ parse_utc('created_at') }} as created_at,
        {{ parse_utc('updated_at') }} as updated_at,
        _loaded_at,
        _deleted_at,
        _deleted_at is not null as is_deleted,
        case
            when name is null
                or {{ parse_money('hourly_rate') }} is null
                or {{ parse_bool('is_active') }} is null
                or {{ parse_utc('created_at') }} is null
                or {{ parse_utc('updated_at') }} is null
                then 'unparseable value'
        end as own_reason
    from source
)

select * from typed
