-- int_slots__placement: every extracted slot's zone (id and name) and whether it is trusted,
-- with the build that last changed any of them (_built_at). A slot's source row changes on
-- every entry and exit (is_occupied), so its load time cannot say when the zone its visits
-- count in, that zone's name (which orders zones in ties) or its trust changed; this table can.
-- vehicle_analytics recomputes the vehicles that parked on the slots changed here.
-- Incremental: a row is written again only when one of the three changed.
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
zones as (select * from {{ ref('int_zones__checked') }}),

placements as (
    select
        checked.slot_id,
        checked.zone_id,
        zones.zone_name,
        trusted.slot_id is not null as is_trusted
    from checked
    left join trusted
        on checked.slot_id = trusted.slot_id
    left join zones
        on checked.zone_id = zones.zone_id
),

changed as (
    select placements.*
    from placements
    {% if is_incremental() %}
    left join {{ this }} as previous
        on placements.slot_id = previous.slot_id
    where previous.slot_id is null
        or previous.zone_id is distinct from placements.zone_id
        or previous.zone_name is distinct from placements.zone_name
        or previous.is_trusted <> placements.is_trusted
    {% endif %}
)

select
    slot_id,
    zone_id,
    zone_name,
    is_trusted,
    {{ build_stamp() }} as _built_at
from changed
