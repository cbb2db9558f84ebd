{#- Header and row labels the reconciliation rules read, shared so each rule reads them alike. -#}

{% macro total_label_regex() -%}
    {#- A total column or row label: 小计, 合计, 总计, 共计, …总计, …合计, …总额. -#}
    '^(小计|合计|总计|共计|.*(总计|合计|总额))$'
{%- endmacro %}

{% macro memo_label_regex() -%}
    {#- A memo column ("of which" or an alternative reading), never a part of a total:
        政府采购, 预留… / 中小企业 shares, 教育收费 (not 事业收入(不含教育收费): a part), 扣除…后. -#}
    '政府采购|预留|中小企业|小型|微型|(^|[^含])教育收费|扣除'
{%- endmacro %}

{% macro procurement_reserve_regex() -%}
    {#- The share of procurement reserved for small and medium enterprises (预留…, 中小企业…):
        an "of which" figure of the 政府采购 total. -#}
    '预留|中小企业|小型|微型'
{%- endmacro %}
