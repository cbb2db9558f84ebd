-- Facts = printed totals: per document and fact table, Σ facts (residual rows included) equals
-- the total the document prints for that table — the general-budget table's 合计 (basic +
-- project), the basic-expenditure table's 合计, the procurement table's 合计 (or the 政府采购
-- column of the expenditure summary the facts come from), the 三公 table's four categories of
-- the budget year. Facts read from two tables, or from a table whose rows were counted twice,
-- exceed the printed total: an error, so the document's figures are not marked reconciled.
-- Narrative facts are checked against their tables by the narrative rules. Read from the facts
-- before they carry reconciliation_status (which this check feeds).

with

figures as (
    select * from {{ ref('int_reconciliation__table_figures') }}
),

facts as (
    select
        'fct_budget_expenditure' as fact_table,
        document_id,
        source_table_id,
        amount_yuan,
        source_page,
        is_residual,
    from {{ ref('int_budget_expenditure_facts') }}

    union all

    select
        'fct_basic_expenditure' as fact_table,
        document_id,
        source_table_id,
        amount_yuan,
        source_page,
        is_residual,
    from {{ ref('int_basic_expenditure_facts') }}

    union all

    select
        'fct_procurement' as fact_table,
        document_id,
        source_table_id,
        amount_yuan,
        source_page,
        is_residual,
    from {{ ref('int_procurement_facts') }}
    where procurement_source <> 'narrative'

    union all

    select
        'fct_three_public_expenditure' as fact_table,
        document_id,
        source_table_id,
        amount_yuan,
        source_page,
        is_residual,
    from {{ ref('int_three_public_expenditure_facts') }}
    where year = fiscal_year and source = 'table'
),

fact_sums as (
    select
        fact_table,
        document_id,
        min(source_table_id) as table_id,
        sum(amount_yuan) as observed_yuan,
        count(*) as items_summed,
        count(*) filter (where is_residual) as residual_rows,
        count(distinct source_table_id) as tables_summed,
    from facts
    group by all
),

-- The printed figure standing for each fact table, read from the first table the facts come from.
printed as (
    select
        fact_sums.fact_table,
        figures.document_id,
        figures.table_id,
        figures.source_file,
        figures.fiscal_year,
        figures.department_name,
        figures.table_type,
        figures.table_title,
        figures.printed_number,
        min(figures.source_page) as source_page,
        string_agg(distinct figures.row_label, ' + ' order by figures.row_label) as row_label,
        string_agg(figures.column_label, ' + ' order by figures.measure, figures.column_label) as column_label,
        sum(figures.amount_yuan) as expected_yuan,
        max(figures.rounding_yuan) as rounding_yuan,
    from fact_sums
    inner join figures
        on
            fact_sums.document_id = figures.document_id
            and fact_sums.table_id = figures.table_id
    where
        figures.printed_cells > 0
        and case fact_sums.fact_table
            when 'fct_three_public_expenditure' then starts_with(figures.measure, 'three_public_')
            when 'fct_procurement'
                then figures.measure = case
                    when figures.table_type = 'procurement' then 'total' else 'procurement'
                end
            else figures.measure = 'total'
        end
    group by all
),

compared as (
    select
        printed.*,
        fact_sums.observed_yuan,
        fact_sums.items_summed,
        fact_sums.residual_rows,
        fact_sums.tables_summed,
        fact_sums.observed_yuan - printed.expected_yuan as difference_yuan,
        fact_sums.items_summed * printed.rounding_yuan as tolerance_yuan,
    from printed
    inner join fact_sums
        on printed.document_id = fact_sums.document_id and printed.fact_table = fact_sums.fact_table
),

final as (
    select
        'facts_equal_printed_total' as rule,
        'facts' as rule_family,
        {{ table_context() }},
        source_page,
        cast(null as varchar) as unit_name,
        cast(null as integer) as row_index,
        row_label,
        cast(null as integer) as column_index,
        column_label,
        expected_yuan,
        observed_yuan,
        difference_yuan,
        items_summed,
        tolerance_yuan,
        {{ reconciliation_outcome('difference_yuan', 'tolerance_yuan', signed=true) }},
        'Σ ' || fact_table || ' (' || items_summed || ' rows, ' || residual_rows || ' residual'
        || case when tables_summed > 1 then ', from ' || tables_summed || ' tables' else '' end
        || ') vs the printed total of the table' as detail,
    from compared
)

select * from final
