-- int_slots__checked: every extracted slot (latest version), typed, with the first contract rule
-- the row breaks on its own (null when none). Its zone is checked in quarantined_slots.
with

source as (
    select * from {{ source('raw', 'backend_core_parkingslot') }}
),

typed as (
    select
        id as slot_id,
        {{ parse_id('zone_id') }} as zone_id,
        slot_number,
        slot_type,
        {{ parse_bool('is_occupied') }} as is_occupied,
        {{ parse_bool('is_active') }} as is_active,
        {{ parse_utc('created_at') }} as created_at,
        {{ parse_utc('updated_at') }} as updated_at,
        _loaded_at,
        _deleted_at,
        _deleted_at is not null as is_deleted,
        case
            when slot_number is null
                or {{ parse_id('zone_id') }} is null
                or {{ parse_bool('is_occupied') }} is null
                or {{ parse_bool('is_active') }} is null
                or {{ parse_utc('created_at') }} is null
                or {{ parse_utc('updated_at') }} is null
                then 'unparseable value'
            when slot_type is null
                or slot_type not in ('regular', 'compact', 'ev', 'handicapped', 'motorcycle')
                then 'unknown enumerated value'
        end as own_reason
    from source
)

select * from typed
