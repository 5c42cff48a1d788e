-- dim_zones: one row per trusted parking zone, with its current state.
with

zones as (select * from {{ ref('stg_zones') }}),

final as (
    select
        zone_id,
        zone_name,
        description,
        hourly_rate,
        is_active,
        created_at
    from zones
)

select * from final
