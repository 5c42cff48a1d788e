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

{#- Integer keys: decimal text only, optionally signed, with blanks around, a fraction or an
    exponent ('12', ' +12 ', '12.5', '1e3'), rounded half away from zero ('12.5' -> 13);
    anything else is unparseable on both engines (DuckDB's cast alone also reads '0x10', '0b101'
    and '1_000'). -#}
{% macro integer_text_pattern() -%}
    [ \t\n\r]*[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?[ \t\n\r]*
{%- endmacro %}

{% macro parse_id(column) -%}
    {{ return(adapter.dispatch('parse_id', 'parking_warehouse')(column)) }}
{%- endmacro %}

{#- The text of a cast value (the common case, '123') settles it without the pattern. -#}
{% macro duckdb__parse_id(column) -%}
    case
        when cast(try_cast({{ column }} as bigint) as varchar) = {{ column }}
            or regexp_full_match({{ column }}, '{{ integer_text_pattern() }}')
            then try_cast({{ column }} as bigint)
    end
{%- endmacro %}

{#- Spark's integer cast truncates, so the text goes through an exact decimal: the same
    rounding as DuckDB's for text with up to 18 decimals. -#}
{% macro spark__parse_id(column) -%}
    case
        when {{ column }} rlike '^{{ integer_text_pattern() }}$'
            then cast(round(cast({{ column }} as decimal(38, 18)), 0) as bigint)
    end
{%- endmacro %}

{#- True when a value is present in the source but did not parse. -#}
{% macro is_unparseable(raw_column, typed_expression) -%}
    ({{ raw_column }} is not null and {{ typed_expression }} is null)
{%- endmacro %}
