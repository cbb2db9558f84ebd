{{ incremental_by_document() }}

-- Across-table rules, balance of each two-sided summary (收支总表, 财政拨款收支总表): income =
-- expenditure. `income_equals_expenditure`: 本年收入合计 + the lines below it (上年结转…) against
-- 本年支出合计 + the lines below it (结转下年…); `income_total_equals_expenditure_total`: 收入总计
-- = 支出总计. One candidate row per (rule × summary table), evaluated in
-- int_reconciliation__cross_table.

with

figures as (
    select * from {{ rows_to_rebuild(ref('int_reconciliation__table_figures')) }}
),

rules as (
    select
        rules.rule,
        rules.income_measure,
        rules.expenditure_measure,
        rules.adds_carryover,
    from (
        values
        ('income_equals_expenditure', 'income_current', 'expenditure_current', true),
        ('income_total_equals_expenditure_total', 'income_total', 'expenditure_total', false)
    ) as rules (rule, income_measure, expenditure_measure, adds_carryover)
),

final as (
    select
        rules.rule,
        income.document_id,
        income.table_id,
        income.table_id as other_table_id,
        income.source_page,
        case when rules.adds_carryover then '本年收入合计' else income.row_label end
        || coalesce(' + ' || income_carry.row_label, '') as row_label,
        income.column_label,
        expenditure.amount_yuan + coalesce(expenditure_carry.amount_yuan, 0) as expected_yuan,
        income.amount_yuan + coalesce(income_carry.amount_yuan, 0) as observed_yuan,
        greatest(1, coalesce(income_carry.items_summed, 0) + coalesce(expenditure_carry.items_summed, 0))
            as items_summed,
        income.rounding_yuan,
        case when rules.adds_carryover then '本年支出合计' else expenditure.row_label end
        || coalesce(' + ' || expenditure_carry.row_label, '') as expected_label,
    from rules
    inner join figures as income on rules.income_measure = income.measure
    inner join figures as expenditure
        on
            income.document_id = expenditure.document_id
            and income.table_id = expenditure.table_id
            and rules.expenditure_measure = expenditure.measure
    left join figures as income_carry
        on
            rules.adds_carryover
            and income.document_id = income_carry.document_id
            and income.table_id = income_carry.table_id
            and income_carry.measure = 'income_carryover'
    left join figures as expenditure_carry
        on
            rules.adds_carryover
            and income.document_id = expenditure_carry.document_id
            and income.table_id = expenditure_carry.table_id
            and expenditure_carry.measure = 'expenditure_carryover'
    where income.printed_cells > 0 and expenditure.printed_cells > 0
)

select * from final
{{ only_documents_to_rebuild() }}
