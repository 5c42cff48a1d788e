{#- Typing raw text (the raw layer keeps every value as VARCHAR). Each macro returns NULL when
    the text does not parse, so a model can tell "absent" from "unparseable". -#}

{#- UTC datetime text as Django writes it on SQLite: YYYY-MM-DD HH:MM:SS[.ffffff]. -#}
{#- (The fractional format is tried first: most stored values carry microseconds, and a failed
    format attempt costs more than a parse. make_timestamptz(epoch_us(...)) reads the naive
    value as UTC exactly, without a time-zone lookup per row.) -#}
{% macro parse_utc(column) -%}
    {{ return(adapter.dispatch('parse_utc', 'parking_warehouse')(column)) }}
{%- endmacro %}

{% macro duckdb__parse_utc(column) -%}
    make_timestamptz(epoch_us(try_strptime({{ column }}, ['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'])))
{%- endmacro %}

{#- Spark: the session time zone is UTC, so the naive text is read as UTC; DuckDB's strptime
    skips leading blanks and takes 1 or 2 digits per field, hence trim() and the single letters. -#}
{% macro spark__parse_utc(column) -%}
    coalesce(
        to_timestamp(trim({{ column }}), 'yyyy-M-d H:m:s.SSSSSS'),
        to_timestamp(trim({{ column }}), 'yyyy-M-d H:m:s'))
{%- endmacro %}

{#- A decimal that fits numeric(10,2): rounded half-up to cents (the cast rounds half away
    from zero); 10^8 or more after rounding, NaN, infinity and text that is no number give NULL.
    Read through DECIMAL(18,6): exact for every value with at most 6 decimals. -#}
{% macro parse_money(column) -%}
    {{ return(adapter.dispatch('parse_money', 'parking_warehouse')(column)) }}
{%- endmacro %}

{% macro duckdb__parse_money(column) -%}
    case
        when abs(try_cast({{ column }} as decimal(18, 6))) < 99999999.995
            then cast(try_cast({{ column }} as decimal(18, 6)) as decimal(10, 2))
    end
{%- endmacro %}

{#- Spark (ANSI mode off, as dbt-spark sets it): a cast that fails gives NULL; decimal casts
    round half-up. -#}
{% macro spark__parse_money(column) -%}
    case
        when abs(cast({{ column }} as decimal(18, 6))) < 99999999.995
            then cast(cast({{ column }} as decimal(18, 6)) as decimal(10, 2))
    end
{%- endmacro %}

{#- Booleans: 0/1 on SQLite, true/false on PostgreSQL. -#}
{% macro parse_bool(column) -%}
    case lower(trim({{ column }}))
        when '1' then true
        when 'true' then true
        when 't' then true
        when '0' then false
        when 'false' then false
        when 'f' then false
    end
{%- endmacro %}

{#- Integer keys. -#}
{% macro parse_id(column) -%}
    {{ return(adapter.dispatch('parse_id', 'parking_warehouse')(column)) }}
{%- endmacro %}

{% macro duckdb__parse_id(column) -%}
    try_cast({{ column }} as bigint)
{%- endmacro %}

{#- DuckDB's cast rounds a decimal text half away from zero ('12.5' -> 13) and reads '1e3';
    Spark's integer cast truncates, so the text goes through an exact decimal. (DuckDB also
    reads '0x10' and '1_000'; Spark does not.) -#}
{% macro spark__parse_id(column) -%}
    cast(round(cast({{ column }} as decimal(38, 9)), 0) as bigint)
{%- endmacro %}

{#- True when a value is present in the source but did not parse. -#}
{% macro is_unparseable(raw_column, typed_expression) -%}
    ({{ raw_column }} is not null and {{ typed_expression }} is null)
{%- endmacro %}
