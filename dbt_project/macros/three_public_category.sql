{% macro three_public_category(text) -%}
    {#- Category of a "三公" header or label; null for totals, subtotals and other items. -#}
    case
        when regexp_matches({{ text }}, '小计|合计|总计|总额|机关运行|会议费|培训费') then null
        when regexp_matches({{ text }}, '因公出国') then 'outbound_travel'
        when regexp_matches({{ text }}, '接待') then 'official_reception'
        when regexp_matches(replace({{ text }}, '购置及运行', ''), '购置') then 'vehicle_purchase'
        when regexp_matches(replace({{ text }}, '购置及运行', ''), '运行') then 'vehicle_operation'
    end
{%- endmacro %}
