{#- Typing raw text (the raw layer keeps every value as VARCHAR). Each macro returns NULL when
    the text does not parse, so a model can tell "absent" from "unparseable". -#}

{#- UTC datetime text as Django writes it on SQLite: YYYY-MM-DD HH:MM:SS[.ffffff]. -#}
{% macro parse_utc(column) -%}
    timezone('UTC', try_strptime({{ column }}, ['%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M:%S.%f']))
{%- endmacro %}

{#- A decimal that fits numeric(10,2): rounded half-up to cents; 10^8 or more, NaN, infinity
    and text that is no number give NULL. -#}
{% macro parse_money(column) -%}
    case
        when abs(round(try_cast({{ column }} as decimal(38, 10)), 2)) < 100000000
            then cast(round(try_cast({{ column }} as decimal(38, 10)), 2) as decimal(10, 2))
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
    try_cast({{ column }} as bigint)
{%- endmacro %}

{#- True when a value is present in the source but did not parse. -#}
{% macro is_unparseable(raw_column, typed_expression) -%}
    ({{ raw_column }} is not null and {{ typed_expression }} is null)
{%- endmacro %}
