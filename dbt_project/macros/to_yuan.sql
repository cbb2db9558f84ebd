{% macro to_yuan(value, multiplier) -%}
    cast(round({{ value }} * {{ multiplier }}, 2) as decimal(20, 2))
{%- endmacro %}
