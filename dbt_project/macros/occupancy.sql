{#- Occupancy through the day (analytics-spec.md, outputs 10-12), from intervals, never from a
    slot x instant cross product.

    Instants are the 15-minute grid of real elapsed time. Every local midnight of a zone whose
    offsets are whole quarter hours (all current IANA zones) lies on the UTC epoch's 15-minute
    grid, so an instant is identified by its index epoch_us // 900 000 000. -#}

{% macro quarter_hour_us() -%}900000000{%- endmacro %}

{#- The index of the first grid instant at or after `us` (microseconds since the epoch, >= 0). -#}
{% macro first_instant_at_or_after(us) -%}
    ({{ int_div(us ~ " + " ~ quarter_hour_us() ~ " - 1", quarter_hour_us()) }})
{%- endmacro %}

{#- The instant (timestamptz) of grid index `index`. -#}
{% macro instant_of(index) -%}
    {{ instant_from_epoch_seconds("cast(" ~ index ~ " as bigint) * 900") }}
{%- endmacro %}

{#- The intervals [start_us, end_us) of `relation` reduced so that, per `partition_by` (a slot,
    or a slot and a day), none overlaps another: each keeps only the part not covered by the
    intervals that start before it, so a slot with two open sessions is occupied once. A
    subquery with the partition columns, start_us and end_us. `partition_key` is one BIGINT
    expression identifying the partition and `id_column` a column unique within it.

    Sessions on a slot rarely overlap, and sorting every slot's intervals (a window) costs
    several times a hash join: a self-join on the partition finds the partitions that hold an
    overlap, and only those are reduced with the window. -#}
{% macro merged_intervals(relation, partition_by, partition_key, id_column) -%}
(
    with keyed as (
        select {{ partition_by }}, {{ partition_key }} as partition_key, {{ id_column }} as interval_id,
            start_us, end_us
        from {{ relation }}
    ),

    overlapping as (
        select distinct one.partition_key
        from keyed as one
        inner join keyed as other
            on one.partition_key = other.partition_key
            and other.start_us < one.end_us
            and one.start_us < other.end_us
            and one.interval_id < other.interval_id
    )

    select {{ partition_by }}, start_us, end_us
    from keyed
    where partition_key not in (select partition_key from overlapping)
    union all
    select
        {{ partition_by }},
        greatest(start_us, max(end_us) over (
            partition by partition_key
            order by start_us, end_us
            rows between unbounded preceding and 1 preceding
        )) as start_us,
        end_us
    from keyed
    where partition_key in (select partition_key from overlapping)
)
{%- endmacro %}

{#- +1 / -1 occupancy events on the instant grid from the intervals of `relation`, summed per
    `group_by` and instant: an interval [s, e) occupies the instants from the first at or after
    s up to (not including) the first at or after e (none when that is the same instant). A
    subquery: group_by, instant_index, delta. -#}
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
