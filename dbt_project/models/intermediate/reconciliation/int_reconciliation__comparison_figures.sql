{{ incremental_by_document() }}

-- What a table's figure is compared with across tables: each figure standing for the document
-- (int_reconciliation__document_figures), and as table type `budget_tables` the general budget
-- by function plus the fund tables (政府性基金, 国有资本经营) per measure — what the
-- appropriations (财政拨款) add up to. A fund table printed as a two-sided 收支表 (Xi'an
-- 政府性基金收支表) spends its 本年支出合计.

with

figures as (
    select * from {{ rows_to_rebuild(ref('int_reconciliation__document_figures')) }}
),

single_tables as (
    select
        document_id,
        table_type,
        measure,
        amount_yuan,
        1 as tables_summed,
        rounding_yuan,
        coalesce(printed_number, table_title) as tables_label,
        table_id,
        source_page,
        row_label,
        column_label,
    from figures
),

budget_tables as (
    select
        document_id,
        'budget_tables' as table_type,
        case
            when measure = 'expenditure_current' and table_type in ('government_fund', 'state_capital') then 'total'
            else measure
        end as measure,
        sum(amount_yuan) as amount_yuan,
        count(*) as tables_summed,
        max(rounding_yuan) as rounding_yuan,
        string_agg(coalesce(printed_number, table_title), ' + ' order by table_id) as tables_label,
        min(table_id) as table_id,
        min(source_page) as source_page,
    from figures
    where table_type in ('general_budget_function', 'government_fund', 'state_capital')
    group by all
),

final as (
    select * from single_tables
    union all by name
    select * from budget_tables
)

select * from final
{{ only_documents_to_rebuild() }}
