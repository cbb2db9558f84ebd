{#
    A test of a model incremental by document (macros/incremental_by_document.sql) checks only the
    rows of the documents this build rebuilt: the others were checked when they were built and have
    not changed since. Without dbt's cursor in the change log (a full build, a plain `dbt build`)
    or with --full-refresh, every row is checked, as before.

    dbt's documented hook for this: the project's `get_where_subquery` replaces dbt's, which
    filters the tested relation by the test's `where` config; both filters apply.
#}

{% macro get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- if config.get('where') -%}
        {%- do conditions.append('(' ~ config.get('where') ~ ')') -%}
    {%- endif -%}
    {%- if tests_rebuilt_documents_only() -%}
        {%- do conditions.append(rebuilt_documents_condition()) -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ conditions | join(' and ') ~ ') dbt_subquery') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}

{#- Whether the test being compiled tests a model incremental by document, in an incremental build. -#}
{% macro tests_rebuilt_documents_only() -%}
    {%- if not execute or flags.FULL_REFRESH or not model.attached_node -%}
        {%- do return(false) -%}
    {%- endif -%}
    {%- set tested = graph.nodes.get(model.attached_node) -%}
    {%- do return(tested is not none and tested.config.materialized == 'incremental') -%}
{%- endmacro %}

{#- The documents dbt rebuilds now (stg_raw__pending_documents), or all without dbt's cursor. -#}
{% macro rebuilt_documents_condition() -%}
    {%- set cursors = api.Relation.create(schema='raw', identifier='change_cursors') -%}
    {%- set pending = api.Relation.create(schema='raw', identifier='pending_documents') -%}
    (not exists (select 1 from {{ cursors }} where consumer = 'dbt')
        or document_id in (select document_id from {{ pending }} where consumer = 'dbt'))
{%- endmacro %}
