{#- Where a fact row was printed (CONTRACT: every fact keeps its page, table and row), read from
    the columns source_page, table_id, table_title and row_index (of `relation` where given). -#}
{% macro fact_provenance(relation=none) -%}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    {{ prefix }}source_page,
    {{ prefix }}table_id as source_table_id,
    {{ prefix }}table_title as source_table,
    {{ prefix }}row_index as source_row_index
{%- endmacro %}
