{{ incremental_by_document() }}

-- Rule family (c), across the tables of one document: the evaluations of the across-table rule
-- models — the summaries balance (int_reconciliation__summary_balance), each table's total agrees
-- with what the other tables print for it (int_reconciliation__table_totals) and the breakdown
-- tables with the columns they break down (int_reconciliation__breakdown_tables).
-- One row per (rule × checked table). Where a figure has two legitimate readings (本年合计 or
-- 总计, with or without carry-over) the closer one is compared and named in `detail`.

{% set rule_models = [
    'int_reconciliation__summary_balance',
    'int_reconciliation__table_totals',
    'int_reconciliation__breakdown_tables',
] %}

with

candidates as (
    {% for rule_model in rule_models %}
        select * from {{ ref(rule_model) }}
        where {{ is_document_to_rebuild() }}
        {% if not loop.last %}union all by name{% endif %}
    {% endfor %}
),

closest as (
    select
        *,
        observed_yuan - expected_yuan as difference_yuan,
        items_summed * rounding_yuan as tolerance_yuan,
        count(*) over (partition by rule, document_id, table_id) as readings,
    from candidates
    qualify row_number() over (
        partition by rule, document_id, table_id
        order by abs(observed_yuan - expected_yuan), expected_label
    ) = 1
),

tables as (
    select distinct
        {{ table_context() }},
    from {{ rows_to_rebuild(ref('int_reconciliation__table_figures')) }}
),

final as (
    select
        closest.rule,
        'across_tables' as rule_family,
        {{ table_context('tables') }},
        closest.source_page,
        cast(null as varchar) as unit_name,
        cast(null as integer) as row_index,
        closest.row_label,
        closest.column_label,
        closest.expected_yuan,
        closest.observed_yuan,
        closest.difference_yuan,
        closest.items_summed,
        closest.tolerance_yuan,
        {{ reconciliation_outcome('closest.difference_yuan', 'closest.tolerance_yuan', 'closest.expected_yuan') }},
        'printed ' || closest.row_label || ' vs ' || coalesce(other.printed_number, other.table_title)
        || ' ' || closest.expected_label
        || case when closest.readings > 1 then ' (closest of ' || closest.readings || ' readings)' else '' end
            as detail,
        closest.other_table_id,
    from closest
    inner join tables
        on closest.document_id = tables.document_id and closest.table_id = tables.table_id
    left join tables as other
        on closest.document_id = other.document_id and closest.other_table_id = other.table_id
)

select * from final
{{ only_documents_to_rebuild() }}
