{#- Occupancy through the day (analytics-spec.md, outputs 10-12), from intervals, never from a
    slot x instant cross product.

    Instants are the 15-minute grid of real elapsed time. Every local midnight of a zone whose
    offsets are whole quarter hours (all current IANA zones) lies on the UTC epoch's 15-minute
    grid, so an instant is identified by its index epoch_us // 900 000 000. -#}

{% macro quarter_hour_us() -%}900000000{%- endmacro %}

{#- The index of the first grid instant at or after `us` (microseconds since the epoch, >= 0). -#}
{% macro first_instant_at_or_after(us) -%}
    (({{ us }} + {{ quarter_hour_us() }} - 1) // {{ quarter_hour_us() }})
{%- endmacro %}

{#- The instant (timestamptz) of grid index `index`. -#}
{% macro instant_of(index) -%}
    to_timestamp(cast({{ index }} as bigint) * 900)
{%- endmacro %}

{#- Intervals [start_us, end_us) of `relation` merged per `partition_by` (a slot, or a slot and
    a day): overlapping or touching intervals become one, so a slot with two open sessions is
    occupied once. A subquery with the partition columns, start_us and end_us. -#}
{% macro merged_intervals(relation, partition_by) -%}
(
    select
        {{ partition_by }},
        min(start_us) as start_us,
        max(end_us) as end_us
    from (
        select
            *,
            count(*) filter (where start_us > previous_end_us) over (
                partition by {{ partition_by }}
                order by start_us, end_us
                rows between unbounded preceding and current row
            ) as island
        from (
            select
                {{ partition_by }},
                start_us,
                end_us,
                max(end_us) over (
                    partition by {{ partition_by }}
                    order by start_us, end_us
                    rows between unbounded preceding and 1 preceding
                ) as previous_end_us
            from {{ relation }}
        )
    )
    group by {{ partition_by }}, island
)
{%- endmacro %}

{#- +1 / -1 occupancy events on the instant grid from merged intervals of `relation`, summed per
    `group_by` and instant: an interval [s, e) occupies the instants from the first at or after
    s up to (not including) the first at or after e. A subquery: group_by, instant_index, delta. -#}
{% macro occupancy_events(relation, group_by) -%}
(
    select {{ group_by }}, instant_index, sum(delta) as delta
    from (
        select {{ group_by }}, {{ first_instant_at_or_after('start_us') }} as instant_index, 1 as delta
        from {{ relation }}
        where {{ first_instant_at_or_after('end_us') }} > {{ first_instant_at_or_after('start_us') }}
        union all
        select {{ group_by }}, {{ first_instant_at_or_after('end_us') }} as instant_index, -1 as delta
        from {{ relation }}
        where {{ first_instant_at_or_after('end_us') }} > {{ first_instant_at_or_after('start_us') }}
    )
    group by {{ group_by }}, instant_index
)
{%- endmacro %}
