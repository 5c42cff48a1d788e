{#- Schemas are exactly the names the models configure (staging, quarantine, core, marts):
    other parts of the project query them by these names, so no target prefix is added. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
