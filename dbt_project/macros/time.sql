{#- Time: the run date D and time zone are run parameters (see run_parameter); every conversion
    uses DuckDB's ICU functions (timezone()), never offsets computed by hand. -#}

{% macro run_date() -%}
    date '{{ run_parameter("run_date", "2000-01-01") }}'
{%- endmacro %}

{% macro tz() -%}
    '{{ run_parameter("timezone", "UTC") }}'
{%- endmacro %}

{#- A run parameter: the var given with --vars (dbt run by hand), else the environment variable
    PARKING_DBT_<NAME> (how parking_warehouse.transform passes it). Both are read only while
    executing: the parsed project then does not depend on the date, and dbt's partial parsing
    still applies when D changes (a changed --vars forces a full parse of every file). While
    parsing, `placeholder` stands in. -#}
{% macro run_parameter(name, placeholder) -%}
    {%- if not execute -%}
        {{ return(placeholder) }}
    {%- endif -%}
    {%- set value = var(name, none) or env_var("PARKING_DBT_" ~ name | upper, "") -%}
    {%- if not value -%}
        {{ exceptions.raise_compiler_error(
            "the run parameter " ~ name ~ " is not set: pass --vars '{" ~ name ~ ": ...}' or set "
            ~ "PARKING_DBT_" ~ name | upper) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#- The instant (timestamptz) at which local date `date_sql` begins. -#}
{% macro local_midnight(date_sql) -%}
    {{ return(adapter.dispatch('local_midnight', 'parking_warehouse')(date_sql)) }}
{%- endmacro %}

{% macro duckdb__local_midnight(date_sql) -%}
    timezone({{ tz() }}, cast({{ date_sql }} as timestamp))
{%- endmacro %}

{#- Spark: TIMESTAMP is an instant (the session zone is UTC); to_utc_timestamp reads a wall
    clock in the zone. -#}
{% macro spark__local_midnight(date_sql) -%}
    to_utc_timestamp(cast({{ date_sql }} as timestamp), {{ tz() }})
{%- endmacro %}

{#- T: the as-of instant, D+1 00:00 local. -#}
{% macro as_of_t() -%}
    {{ local_midnight(run_date() ~ " + 1") }}
{%- endmacro %}

{#- Start of the day window W(D): D 00:00 local. -#}
{% macro day_start() -%}
    {{ local_midnight(run_date()) }}
{%- endmacro %}

{#- The local wall-clock time (timestamp without zone) of an instant. -#}
{% macro to_local(column) -%}
    {{ return(adapter.dispatch('to_local', 'parking_warehouse')(column)) }}
{%- endmacro %}

{% macro duckdb__to_local(column) -%}
    timezone({{ tz() }}, {{ column }})
{%- endmacro %}

{#- Spark: the wall clock as TIMESTAMP_NTZ, DuckDB's TIMESTAMP (read in the UTC session zone). -#}
{% macro spark__to_local(column) -%}
    cast(from_utc_timestamp({{ column }}, {{ tz() }}) as timestamp_ntz)
{%- endmacro %}
