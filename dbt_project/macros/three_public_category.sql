{% macro three_public_category(text) -%}
    {#- Category of a "三公" header or label; null for totals, subtotals and other items. A label
        wrapped over header rows reads joined ('公务接/待费', '因/公/出/国'). -#}
    {%- set text = "replace(" ~ text ~ ", '/', '')" %}
    case
        when regexp_matches({{ text }}, '小计|合计|总计|总额|机关运行|会议费|培训费') then null
        when regexp_matches({{ text }}, '因公出国') then 'outbound_travel'
        when regexp_matches({{ text }}, '接待') then 'official_reception'
        when regexp_matches(replace({{ text }}, '购置及运行', ''), '购置') then 'vehicle_purchase'
        when regexp_matches(replace({{ text }}, '购置及运行', ''), '运行') then 'vehicle_operation'
    end
{%- endmacro %}

{% macro three_public_category_name(category) -%}
    {#- The Chinese name of a "三公" category code. -#}
    case {{ category }}
        when 'outbound_travel' then '因公出国(境)费'
        when 'official_reception' then '公务接待费'
        when 'vehicle_purchase' then '公务用车购置费'
        when 'vehicle_operation' then '公务用车运行维护费'
    end
{%- endmacro %}
