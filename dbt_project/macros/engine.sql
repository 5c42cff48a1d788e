{#- SQL that differs between the engines the project builds on (docs/scale-out.md): DuckDB
    (dbt-duckdb, the default) and Spark (dbt-spark). Models call these macros, never the
    engine-only syntax, so one model serves both. -#}

{#- The materialization of the incremental models: incremental on DuckDB; a table rebuilt in
    full on Spark (its Parquet tables have no MERGE/DELETE without Delta Lake, so every Spark
    build is a full build). -#}
{% macro incremental_materialization() -%}
    {{ return(adapter.dispatch('incremental_materialization', 'parking_warehouse')()) }}
{%- endmacro %}

{% macro default__incremental_materialization() -%}
    {{ return('incremental') }}
{%- endmacro %}

{% macro spark__incremental_materialization() -%}
    {{ return('table') }}
{%- endmacro %}

{#- `name as {{ materialized_cte() }} (...)`: DuckDB computes a CTE read several times once;
    Spark has no such hint (it plans each reference). -#}
{% macro materialized_cte() -%}
    {{ return(adapter.dispatch('materialized_cte', 'parking_warehouse')()) }}
{%- endmacro %}

{% macro default__materialized_cte() -%}
    materialized
{%- endmacro %}

{% macro spark__materialized_cte() -%}
{%- endmacro %}

{#- Rows of the left side without a match on the right (`anti_join() right on ...`). -#}
{% macro anti_join() -%}
    {{ return(adapter.dispatch('anti_join', 'parking_warehouse')()) }}
{%- endmacro %}

{% macro default__anti_join() -%}
    anti join
{%- endmacro %}

{% macro spark__anti_join() -%}
    left anti join
{%- endmacro %}

{#- Microseconds since the epoch of an instant (BIGINT). -#}
{% macro epoch_us(instant) -%}
    {{ return(adapter.dispatch('epoch_us', 'parking_warehouse')(instant)) }}
{%- endmacro %}

{% macro default__epoch_us(instant) -%}
    epoch_us({{ instant }})
{%- endmacro %}

{% macro spark__epoch_us(instant) -%}
    unix_micros({{ instant }})
{%- endmacro %}

{#- Integer division of non-negative integers (rounds down). -#}
{% macro int_div(numerator, denominator) -%}
    {{ return(adapter.dispatch('int_div', 'parking_warehouse')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__int_div(numerator, denominator) -%}
    ({{ numerator }}) // ({{ denominator }})
{%- endmacro %}

{% macro spark__int_div(numerator, denominator) -%}
    ({{ numerator }}) div ({{ denominator }})
{%- endmacro %}

{#- An integer type wider than BIGINT (sums of microseconds). -#}
{% macro wide_int_type() -%}
    {{ return(adapter.dispatch('wide_int_type', 'parking_warehouse')()) }}
{%- endmacro %}

{% macro default__wide_int_type() -%}
    hugeint
{%- endmacro %}

{% macro spark__wide_int_type() -%}
    decimal(38, 0)
{%- endmacro %}

{#- A struct from an ordered mapping name -> SQL expression; fields read as struct.name. -#}
{% macro struct_of(fields) -%}
    {{ return(adapter.dispatch('struct_of', 'parking_warehouse')(fields)) }}
{%- endmacro %}

{% macro default__struct_of(fields) -%}
    { {%- for name, expression in fields.items() %}'{{ name }}': {{ expression }}{{ ", " if not loop.last }}{% endfor -%} }
{%- endmacro %}

{% macro spark__struct_of(fields) -%}
    named_struct({%- for name, expression in fields.items() %}'{{ name }}', {{ expression }}{{ ", " if not loop.last }}{% endfor -%})
{%- endmacro %}

{#- An ordering key: first `micros` (BIGINT), then `id` (BIGINT). -#}
{% macro micros_then_id(micros, id) -%}
    {{ return(adapter.dispatch('micros_then_id', 'parking_warehouse')(micros, id)) }}
{%- endmacro %}

{% macro default__micros_then_id(micros, id) -%}
    cast({{ micros }} as hugeint) * 18446744073709551616 + {{ id }}
{%- endmacro %}

{% macro spark__micros_then_id(micros, id) -%}
    named_struct('micros', {{ micros }}, 'id', {{ id }})
{%- endmacro %}

{#- The non-null `value` of the row with the largest (arg_max_by) or smallest (arg_min_by) `key`
    in the group; rows with a null key or value are skipped (DuckDB's arg_max). -#}
{% macro arg_max_by(value, key) -%}
    {{ return(adapter.dispatch('arg_max_by', 'parking_warehouse')(value, key, 'max')) }}
{%- endmacro %}

{% macro arg_min_by(value, key) -%}
    {{ return(adapter.dispatch('arg_max_by', 'parking_warehouse')(value, key, 'min')) }}
{%- endmacro %}

{% macro default__arg_max_by(value, key, direction) -%}
    arg_{{ direction }}({{ value }}, {{ key }})
{%- endmacro %}

{% macro spark__arg_max_by(value, key, direction) -%}
    {{ direction }}_by({{ value }}, case when ({{ value }}) is not null then {{ key }} end)
{%- endmacro %}

{#- A calendar attribute of a date: DuckDB's date part functions (year, quarter, month, day,
    isodow, isoyear, week: ISO week, BIGINT; monthname, dayname: English names). -#}
{% macro date_part_of(part, date_sql) -%}
    {{ return(adapter.dispatch('date_part_of', 'parking_warehouse')(part, date_sql)) }}
{%- endmacro %}

{% macro default__date_part_of(part, date_sql) -%}
    {{ part }}({{ date_sql }})
{%- endmacro %}

{% macro spark__date_part_of(part, date_sql) -%}
    {%- set expressions = {
        'year': 'year(' ~ date_sql ~ ')',
        'quarter': 'quarter(' ~ date_sql ~ ')',
        'month': 'month(' ~ date_sql ~ ')',
        'day': 'dayofmonth(' ~ date_sql ~ ')',
        'isodow': 'extract(dayofweek_iso from ' ~ date_sql ~ ')',
        'isoyear': 'extract(yearofweek from ' ~ date_sql ~ ')',
        'week': 'weekofyear(' ~ date_sql ~ ')',
    } -%}
    {%- if part == 'monthname' -%}
        date_format({{ date_sql }}, 'MMMM')
    {%- elif part == 'dayname' -%}
        date_format({{ date_sql }}, 'EEEE')
    {%- else -%}
        cast({{ expressions[part] }} as bigint)
    {%- endif -%}
{%- endmacro %}

{#- Every date from `first` up to `last` (inclusive), as a relation with one column `day`. -#}
{% macro date_series(first, last, alias) -%}
    {{ return(adapter.dispatch('date_series', 'parking_warehouse')(first, last, alias)) }}
{%- endmacro %}

{% macro default__date_series(first, last, alias) -%}
    (select cast(range as date) as day from range({{ first }}, ({{ last }}) + 1, interval 1 day)) as {{ alias }}
{%- endmacro %}

{% macro spark__date_series(first, last, alias) -%}
    (select explode(sequence({{ first }}, {{ last }}, interval 1 day)) as day) as {{ alias }}
{%- endmacro %}

{#- Integers from `start` up to `stop` (excluded) as a relation `alias` with one column `column`. -#}
{% macro integer_series(start, stop, alias, column) -%}
    {{ return(adapter.dispatch('integer_series', 'parking_warehouse')(start, stop, alias, column)) }}
{%- endmacro %}

{% macro default__integer_series(start, stop, alias, column) -%}
    range({{ start }}, {{ stop }}) as {{ alias }}({{ column }})
{%- endmacro %}

{% macro spark__integer_series(start, stop, alias, column) -%}
    (select id as {{ column }} from range({{ start }}, {{ stop }})) as {{ alias }}
{%- endmacro %}

{#- Joined after a FROM item: one row per integer from `start` up to `stop` (excluded) for each
    row of it, as `alias.column` (DuckDB's `from t, range(a, b)`; Spark's lateral view). -#}
{% macro lateral_integer_series(start, stop, alias, column) -%}
    {{ return(adapter.dispatch('lateral_integer_series', 'parking_warehouse')(start, stop, alias, column)) }}
{%- endmacro %}

{% macro default__lateral_integer_series(start, stop, alias, column) -%}
    , range({{ start }}, {{ stop }}) as {{ alias }}({{ column }})
{%- endmacro %}

{% macro spark__lateral_integer_series(start, stop, alias, column) -%}
    lateral view explode(
        case when ({{ stop }}) > ({{ start }}) then sequence({{ start }}, ({{ stop }}) - 1) end
    ) {{ alias }} as {{ column }}
{%- endmacro %}

{#- The instant (TIMESTAMPTZ) `seconds` after the epoch. -#}
{% macro instant_from_epoch_seconds(seconds) -%}
    {{ return(adapter.dispatch('instant_from_epoch_seconds', 'parking_warehouse')(seconds)) }}
{%- endmacro %}

{% macro default__instant_from_epoch_seconds(seconds) -%}
    to_timestamp({{ seconds }})
{%- endmacro %}

{% macro spark__instant_from_epoch_seconds(seconds) -%}
    timestamp_seconds({{ seconds }})
{%- endmacro %}

{#- An index on `relation`(`column`) (DuckDB; Spark's tables have none: nothing). -#}
{% macro create_index_if_missing(name, relation, column) -%}
    {{ return(adapter.dispatch('create_index_if_missing', 'parking_warehouse')(name, relation, column)) }}
{%- endmacro %}

{% macro default__create_index_if_missing(name, relation, column) -%}
{%- endmacro %}

{% macro duckdb__create_index_if_missing(name, relation, column) -%}
    create index if not exists {{ name }} on {{ relation }} ({{ column }})
{%- endmacro %}

{#- `name as {{ not_materialized_cte() }} (...)`: DuckDB inlines the CTE where used. -#}
{% macro not_materialized_cte() -%}
    {{ return(adapter.dispatch('not_materialized_cte', 'parking_warehouse')()) }}
{%- endmacro %}

{% macro default__not_materialized_cte() -%}
    not materialized
{%- endmacro %}

{% macro spark__not_materialized_cte() -%}
{%- endmacro %}

{#- Days from date `first` to date `last` (an integer; negative when last is earlier). -#}
{% macro days_between(first, last) -%}
    {{ return(adapter.dispatch('days_between', 'parking_warehouse')(first, last)) }}
{%- endmacro %}

{% macro default__days_between(first, last) -%}
    ({{ last }} - {{ first }})
{%- endmacro %}

{% macro spark__days_between(first, last) -%}
    datediff({{ last }}, {{ first }})
{%- endmacro %}

{#- The median of a group, one of its values: the lower middle one when their count is even. -#}
{% macro lower_median(expression) -%}
    {{ return(adapter.dispatch('lower_median', 'parking_warehouse')(expression)) }}
{%- endmacro %}

{% macro default__lower_median(expression) -%}
    quantile_disc({{ expression }}, 0.5)
{%- endmacro %}

{% macro spark__lower_median(expression) -%}
    cast(percentile_disc(0.5) within group (order by {{ expression }}) as bigint)
{%- endmacro %}

{#- zone_day_kpis' fingerprint of its inputs (slots, zones, time zone): a run that finds another
    fingerprint in the table recomputes every day. Spark builds every day anyway; its rows carry
    a value no DuckDB fingerprint equals, so a DuckDB build after a Spark one recomputes all. -#}
{% macro kpi_inputs_fingerprint() -%}
    {{ return(adapter.dispatch('kpi_inputs_fingerprint', 'parking_warehouse')()) }}
{%- endmacro %}

{% macro default__kpi_inputs_fingerprint() -%}
    {{ return(run_query(
        "select cast(hash("
        ~ "(select string_agg(concat_ws('|', slot_id, zone_id, is_active, zone_is_active, "
        ~ "epoch_us(created_at), epoch_us(zone_created_at)), ',' order by slot_id) from " ~ ref('dim_slots') ~ "), "
        ~ "(select string_agg(concat_ws('|', zone_id, zone_name, is_active, epoch_us(created_at)), ',' "
        ~ "order by zone_id) from " ~ ref('dim_zones') ~ "), " ~ tz() ~ ") as varchar)"
    ).rows[0][0]) }}
{%- endmacro %}

{% macro spark__kpi_inputs_fingerprint() -%}
    {{ return('built on spark') }}
{%- endmacro %}

{#- int_sessions__kpi_days' fingerprint of one payment's values, summed per session to tell
    whether its payments changed: a BIGINT of 48 bits (the sum of up to 2^15 of them stays a
    BIGINT on both engines). Engine-specific values: DuckDB's hash, Spark's xxhash64. -#}
{% macro payment_fingerprint(columns) -%}
    {{ return(adapter.dispatch('payment_fingerprint', 'parking_warehouse')(columns)) }}
{%- endmacro %}

{% macro default__payment_fingerprint(columns) -%}
    cast(hash({{ columns | join(', ') }}) >> 16 as bigint)
{%- endmacro %}

{% macro spark__payment_fingerprint(columns) -%}
    shiftrightunsigned(xxhash64({{ columns | join(', ') }}), 16)
{%- endmacro %}
