{#
    Models whose rows each belong to one document are incremental by document: a build deletes
    and re-inserts only the rows of the documents the change log names for dbt
    (stg_raw__pending_documents: changed, removed and rejected documents and the documents of
    their departments, see orchestration/warehouse/changes.py), in one transaction. A full refresh
    (`budget-warehouse build --full`, a changed project, a new working database: decided by the
    orchestrator) rebuilds them whole, as tables.

    A model opts in with `{{ incremental_by_document() }}` at the top, reads its inputs with
    `{{ rows_to_rebuild(ref('…')) }}` (or `where {{ is_document_to_rebuild() }}` where a join
    needs it) and ends with `select * from final {{ only_documents_to_rebuild() }}`.
#}

{% macro incremental_by_document() -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_documents_to_rebuild() }}",
    ) }}
{%- endmacro %}

{#- The documents to rebuild: none when the model is built whole, 'all' when dbt has no cursor in
    the change log (a plain `dbt build` outside the orchestrator, which passes --full-refresh in
    that case): every row is replaced, else the sorted list of ids. -#}
{% macro documents_to_rebuild() -%}
    {%- set pending = ref('stg_raw__pending_documents') -%}
    {%- set cursors = ref('stg_raw__change_cursors') -%}
    {%- if execute and is_incremental() -%}
        {#- as the orchestrator read them from the change log before this build (BUDGET_DBT_REBUILD,
            orchestration/defs/dbt_assets.py): no query at all -#}
        {%- set given = env_var('BUDGET_DBT_REBUILD', '') -%}
        {%- if given -%}
            {%- do return(fromjson(given)) -%}
        {%- endif -%}
        {#- else one query (a model asks several times, ~25 ms each): whether dbt has a cursor, and the ids -#}
        {%- set found = run_query(
            'select cursor.found, pending.document_id from (select count(*) > 0 as found from '
            ~ cursors ~ " where consumer = 'dbt') as cursor left join " ~ pending
            ~ ' as pending on true order by pending.document_id'
        ) -%}
        {%- if not found.rows[0][0] -%}
            {%- do return('all') -%}
        {%- endif -%}
        {%- do return(found.columns[1].values() | reject('none') | list) -%}
    {%- endif -%}
    {%- do return(none) -%}
{%- endmacro %}

{#- `column in ('id', …)` for the documents to rebuild (`false` for none, `true` for all): a
    constant list, which DuckDB pushes down to the scans of the raw tables. -#}
{% macro rebuilt_documents_filter(ids, column='document_id') -%}
    {%- if ids == 'all' -%}
        true
    {%- elif ids -%}
        {{ column }} in (
            {%- for id in ids -%}
                '{{ id | replace("'", "''") }}'{{ ', ' if not loop.last }}
            {%- endfor -%}
        )
    {%- else -%}
        false
    {%- endif -%}
{%- endmacro %}

{#- The where clause that limits an incremental build to the documents to rebuild. -#}
{% macro only_documents_to_rebuild(column='document_id') -%}
    {%- set ids = documents_to_rebuild() -%}
    {%- if ids is not none and ids != 'all' %}
where {{ rebuilt_documents_filter(ids, column) }}
    {%- endif -%}
{%- endmacro %}

{#- The same limit as a condition, for the import CTEs of models whose final select DuckDB cannot
    push it through (windows, unions): `true` when the model is built whole. Safe because the
    documents to rebuild include every document theirs depend on (paired files, departments). -#}
{% macro is_document_to_rebuild(column='document_id') -%}
    {%- set ids = documents_to_rebuild() -%}
    {%- if ids is none -%}
        true
    {%- else -%}
        {{ rebuilt_documents_filter(ids, column) }}
    {%- endif -%}
{%- endmacro %}

{#- The rows of `relation` of the documents to rebuild, as a subquery for an import CTE's `from`
    (`select * from {{ rows_to_rebuild(ref('…')) }}`; `true` when the model is built whole). A
    few documents: one scan per document, unioned. DuckDB estimates `document_id = '…'` from the
    column's statistics but an IN list of two or more as a fifth of the table, and plans the
    model's joins for millions of rows: int_reconciliation__row_hierarchy at 10⁴ documents took
    1.8 s for two documents, 0.1 s for either alone, 0.2 s for the two unioned. -#}
{% macro rows_to_rebuild(relation, column='document_id') -%}
    {%- set ids = documents_to_rebuild() -%}
    {%- if ids is not none and ids != 'all' and ids | length > 1 and ids | length <= 32 -%}
        (
        {%- for id in ids %}
        select * from {{ relation }} where {{ column }} = '{{ id | replace("'", "''") }}'
            {%- if not loop.last %}
        union all
            {%- endif -%}
        {%- endfor %}
    )
    {%- else -%}
        (select * from {{ relation }} where {{ is_document_to_rebuild(column) }})
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook: remove the rows of the documents to rebuild (removed ones get none back). -#}
{% macro delete_documents_to_rebuild() -%}
    {%- set ids = documents_to_rebuild() -%}
    {%- if ids is not none -%}
        delete from {{ this }} where {{ rebuilt_documents_filter(ids) }}
    {%- endif -%}
{%- endmacro %}
