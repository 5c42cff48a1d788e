-- int_slots__placement: every extracted slot's zone and whether it is trusted, with the build
-- that last changed either (_built_at). A slot's source row changes on every entry and exit
-- (is_occupied), so its load time cannot say when the zone its visits count in, or its trust,
-- changed; this table can. vehicle_analytics recomputes the vehicles that parked on the slots
-- changed here. Incremental: a row is written again only when its zone or its trust changed.
{{
    config(
        materialized=incremental_materialization(),
        unique_key='slot_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

with

checked as (select * from {{ ref('int_slots__checked') }}),
trusted as (select * from {{ ref('stg_slots') }}),

placements as (
    select
        checked.slot_id,
        checked.zone_id,
        trusted.slot_id is not null as is_trusted
    from checked
    left join trusted
        on checked.slot_id = trusted.slot_id
),

changed as (
    select placements.*
    from placements
    {% if is_incremental() %}
    left join {{ this }} as previous
        on placements.slot_id = previous.slot_id
    where previous.slot_id is null
        or previous.zone_id is distinct from placements.zone_id
        or previous.is_trusted <> placements.is_trusted
    {% endif %}
)

select
    slot_id,
    zone_id,
    is_trusted,
    {{ build_stamp() }} as _built_at
from changed
