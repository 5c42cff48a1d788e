-- stg_sessions: trusted parking sessions (slot and vehicle trusted too), UTC and local times.
with

checked as (select * from {{ ref('int_sessions__checked') }}),
quarantined as (select * from {{ ref('quarantined_sessions') }}),

trusted as (
    select
        checked.session_id,
        checked.slot_id,
        checked.vehicle_id,
        checked.status,
        checked.entry_at,
        checked.exit_at,
        {{ to_local('checked.entry_at') }} as entry_at_local,
        {{ to_local('checked.exit_at') }} as exit_at_local,
        checked.amount,
        checked.created_at,
        checked.updated_at,
        checked._built_at
    from checked
    {{ anti_join() }} quarantined
        on checked.session_id = quarantined.session_id
    where not checked.is_deleted
)

select * from trusted
