{{ incremental_by_document() }}

-- Across-table rules, a table's total against the figure other tables print for it:
-- 支出总表 = 收支总表 expenditure (本年支出合计 or 支出总计), 收入总表 = 收支总表 income (收入总计
-- or 本年收入合计), 支出总表 = general budget by function + fund tables where all money is
-- appropriated (the 收支总表 prints no 事业收入, 结转…), 财政拨款收支总表 expenditure = the same
-- tables (or its 本年收入合计 where carried-over appropriations are spent too and the budget
-- tables print this year's), 政府采购 table = the 政府采购 column of 支出总表. One candidate
-- row per (rule × checked table × reading), evaluated in int_reconciliation__cross_table.

with

details as (
    select * from {{ rows_to_rebuild(ref('int_reconciliation__document_figures')) }}
),

others as (
    select * from {{ rows_to_rebuild(ref('int_reconciliation__comparison_figures')) }}
),

-- Which figure of which table each rule compares with which other figure, and how the other
-- figure is named: by its row label, by its tables, or by its table and column.
rules as (
    select
        rules.rule,
        rules.table_type,
        rules.measure,
        rules.other_table_type,
        rules.other_measure,
        rules.other_label,
        rules.appropriations_only,
    from (
        values
        (
            'expenditure_table_matches_summary', 'expenditure_summary', 'total',
            'income_expenditure_summary', 'expenditure_current', 'row', false
        ),
        (
            'expenditure_table_matches_summary', 'expenditure_summary', 'total',
            'income_expenditure_summary', 'expenditure_total', 'row', false
        ),
        (
            'income_table_matches_summary', 'income_summary', 'total',
            'income_expenditure_summary', 'income_current', 'row', false
        ),
        (
            'income_table_matches_summary', 'income_summary', 'total',
            'income_expenditure_summary', 'income_total', 'row', false
        ),
        (
            'expenditure_table_matches_budget_tables', 'expenditure_summary', 'total',
            'budget_tables', 'total', 'tables', true
        ),
        (
            'appropriation_summary_matches_budget_tables', 'fiscal_appropriation_summary', 'expenditure_current',
            'budget_tables', 'total', 'tables', false
        ),
        -- where 上年结转 appropriations are spent too, the budget tables may print this year's only
        (
            'appropriation_summary_matches_budget_tables', 'fiscal_appropriation_summary', 'income_current',
            'budget_tables', 'total', 'tables', false
        ),
        (
            'procurement_table_matches_expenditure_table', 'procurement', 'total',
            'expenditure_summary', 'procurement', 'column', false
        )
    ) as rules (rule, table_type, measure, other_table_type, other_measure, other_label, appropriations_only)
),

-- Departments whose 收支总表 prints money other than appropriations (事业收入, 结转…): their
-- expenditure total is more than the general budget and fund tables.
other_income as (
    select distinct document_id
    from {{ rows_to_rebuild(ref('int_reconciliation__cells')) }}
    where
        table_type = 'income_expenditure_summary'
        and table_side = 'income'
        and amount_yuan > 0
        -- the side's own label (row_label is the 行次 beside it where a row-number column is printed)
        and regexp_matches(
            row_label || ' ' || coalesce(row_name, ''), '事业|经营|其他收入|专户|上级补助|附属单位|单位资金|结转|结余|非财政'
        )
),

-- Summaries spending carried-over appropriations: their 本年支出合计 is read, and their 本年收入合计
-- is the second reading (this year's money) — never the only one.
spending_carryover as (
    select
        document_id,
        table_id,
    from details
    where table_type = 'fiscal_appropriation_summary'
    group by all
    having bool_or(measure = 'expenditure_current') and sum(amount_yuan) filter (where measure = 'income_carryover') > 0
),

final as (
    select
        rules.rule,
        detail.document_id,
        detail.table_id,
        other.table_id as other_table_id,
        detail.source_page,
        detail.row_label,
        detail.column_label,
        other.amount_yuan as expected_yuan,
        detail.amount_yuan as observed_yuan,
        other.tables_summed as items_summed,
        greatest(detail.rounding_yuan, other.rounding_yuan) as rounding_yuan,
        case rules.other_label
            when 'row' then other.row_label
            when 'tables' then other.tables_label
            else other.tables_label || ' ' || other.column_label
        end as expected_label,
    from rules
    inner join details as detail
        on rules.table_type = detail.table_type and rules.measure = detail.measure
    inner join others as other
        on
            detail.document_id = other.document_id
            and rules.other_table_type = other.table_type
            and rules.other_measure = other.measure
    where
        not (rules.appropriations_only and detail.document_id in (select document_id from other_income))
        and (
            not (rules.table_type = 'fiscal_appropriation_summary' and rules.measure = 'income_current')
            or exists (
                select 1
                from spending_carryover as spending
                where spending.document_id = detail.document_id and spending.table_id = detail.table_id
            )
        )
)

select * from final
{{ only_documents_to_rebuild() }}
