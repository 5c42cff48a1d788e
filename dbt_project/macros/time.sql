{#- Time: the run date D and time zone come from vars; every conversion uses DuckDB's ICU
    functions (timezone()), never offsets computed by hand. -#}

{% macro run_date() -%}
    date '{{ var("run_date") }}'
{%- endmacro %}

{% macro tz() -%}
    '{{ var("timezone") }}'
{%- endmacro %}

{#- The instant (timestamptz) at which local date `date_sql` begins. -#}
{% macro local_midnight(date_sql) -%}
    timezone({{ tz() }}, cast({{ date_sql }} as timestamp))
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
    timezone({{ tz() }}, {{ column }})
{%- endmacro %}
