{#- A budget unit's name without the suffix naming the department's own unit or its
    consolidation: 深圳市交通运输局(本级) → 深圳市交通运输局, 西安市信访局(汇总) → 西安市信访局. -#}
{% macro strip_unit_suffix(name) -%}
    regexp_replace({{ name }}, '\((本级|汇总|部门汇总|单位汇总|部门|机关|本部|合并)\)$', '')
{%- endmacro %}
