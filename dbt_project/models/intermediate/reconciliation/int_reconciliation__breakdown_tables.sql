{{ incremental_by_document() }}

-- Across-table rules, breakdown tables against the columns of the expenditure table they break
-- down: a basic (基本支出) or project (项目支出) table's total = the basic / project figure, an
-- economic-classification table's total = the figure its title names. The expenditure table is
-- read from the title: 一般公共预算… → the general budget by function; 财政拨款… → general budget
-- + fund tables; otherwise → 支出总表. One candidate row per checked table, evaluated in
-- int_reconciliation__cross_table.

with

details as (
    select * from {{ rows_to_rebuild(ref('int_reconciliation__table_figures')) }}
    where
        table_type in ('basic_expenditure', 'project_expenditure', 'general_budget_economic')
        and measure = 'total'
        and printed_cells > 0
),

sources as (
    select * from {{ rows_to_rebuild(ref('int_reconciliation__comparison_figures')) }}
    where
        table_type in ('expenditure_summary', 'general_budget_function', 'budget_tables')
),

-- The source figure each breakdown table is read against.
readings as (
    select
        *,
        case
            when table_type = 'basic_expenditure' then 'basic'
            when table_type = 'project_expenditure' then 'project'
            when regexp_matches(table_title, '基本支出') then 'basic'
            when regexp_matches(table_title, '项目支出') then 'project'
            else 'total'
        end as source_measure,
        case
            when table_type = 'general_budget_economic' or regexp_matches(table_title, '一般公共预算')
                then 'general_budget_function'
            when regexp_matches(table_title, '财政拨款') then 'budget_tables'
            else 'expenditure_summary'
        end as source_table_type,
    from details
),

final as (
    select
        case detail.table_type
            when 'basic_expenditure' then 'basic_table_matches_expenditure_tables'
            when 'project_expenditure' then 'project_table_matches_expenditure_tables'
            else 'economic_table_matches_function_table'
        end as rule,
        detail.document_id,
        detail.table_id,
        source.table_id as other_table_id,
        detail.source_page,
        detail.row_label,
        detail.column_label,
        source.amount_yuan as expected_yuan,
        detail.amount_yuan as observed_yuan,
        source.tables_summed as items_summed,
        greatest(detail.rounding_yuan, source.rounding_yuan) as rounding_yuan,
        source.tables_label || ' ' || source.measure as expected_label,
    from readings as detail
    inner join sources as source
        on
            detail.document_id = source.document_id
            and detail.source_table_type = source.table_type
            and detail.source_measure = source.measure
)

select * from final
{{ only_documents_to_rebuild() }}
