{% macro generate_schema_name(custom_schema_name, node) -%}
    {#- Land models in the schema they name (marts, not main_marts). -#}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
