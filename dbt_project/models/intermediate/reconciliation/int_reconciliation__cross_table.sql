-- Rule branches are unioned by position: their columns follow the first branch.
-- noqa: disable=AL03,AL08,ST05
-- Rule family (c), across the tables of one document: the summaries balance (income =
-- expenditure in 收支总表 and 财政拨款收支总表) and agree with the detail tables — 收支总表 =
-- 支出总表 (= general budget by function + fund tables where all money is appropriated),
-- 收入总表 = 收支总表, basic / project tables = the basic / project columns of the expenditure
-- tables, procurement table = 政府采购 column of 支出总表, 财政拨款收支总表 = general budget +
-- fund tables, economic = functional classification.
-- One row per (rule × checked table). Where a figure has two legitimate readings (本年合计 or
-- 总计, with or without carry-over) the closer one is compared and named in `detail`.

with

figures as (
    select * from {{ ref('int_reconciliation__table_figures') }}
),

income_side_cells as (
    select
        document_id,
        row_label,
        amount_yuan
    from {{ ref('int_reconciliation__cells') }}
    where table_type = 'income_expenditure_summary' and table_side = 'income'
),

-- The first table of each type printing a measure stands for the document.
first_figures as (
    select *
    from figures
    where printed_cells > 0
    qualify table_id = min(table_id) over (partition by document_id, table_type, measure)
),

-- Departments whose 收支总表 prints money other than appropriations (事业收入, 结转…): their
-- expenditure total is more than the general budget and fund tables.
other_income as (
    select distinct document_id
    from income_side_cells
    where
        amount_yuan > 0
        and regexp_matches(row_label, '事业|经营|其他收入|专户|上级补助|附属单位|单位资金|结转|结余|非财政')
),

-- A fund table printed as a two-sided 收支表 (Xi'an 政府性基金收支表) spends its 本年支出合计.
fund_tables as (
    select
        document_id,
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
    from first_figures
    where table_type in ('general_budget_function', 'government_fund', 'state_capital')
    group by all
),

candidates as (
    -- Income = expenditure within each two-sided summary: 本年收入合计 + lines below it
    -- (上年结转…) against 本年支出合计 + lines below it (结转下年…).
    select
        'income_equals_expenditure' as rule,
        income.document_id,
        income.table_id,
        income.table_id as other_table_id,
        income.source_page,
        '本年收入合计' || coalesce(' + ' || income_carry.row_label, '') as row_label,
        income.column_label,
        coalesce(expenditure.amount_yuan, 0) + coalesce(expenditure_carry.amount_yuan, 0) as expected_yuan,
        income.amount_yuan + coalesce(income_carry.amount_yuan, 0) as observed_yuan,
        greatest(1, coalesce(income_carry.items_summed, 0) + coalesce(expenditure_carry.items_summed, 0))
            as items_summed,
        income.rounding_yuan,
        '本年支出合计' || coalesce(' + ' || expenditure_carry.row_label, '') as expected_label,
    from figures as income
    inner join figures as expenditure
        on
            income.document_id = expenditure.document_id
            and income.table_id = expenditure.table_id
            and expenditure.measure = 'expenditure_current'
    left join figures as income_carry
        on
            income.document_id = income_carry.document_id
            and income.table_id = income_carry.table_id
            and income_carry.measure = 'income_carryover'
    left join figures as expenditure_carry
        on
            income.document_id = expenditure_carry.document_id
            and income.table_id = expenditure_carry.table_id
            and expenditure_carry.measure = 'expenditure_carryover'
    where
        income.measure = 'income_current'
        and income.printed_cells > 0 and expenditure.printed_cells > 0

    union all

    -- 收入总计 = 支出总计.
    select
        'income_total_equals_expenditure_total',
        income.document_id,
        income.table_id,
        income.table_id,
        income.source_page,
        income.row_label,
        income.column_label,
        expenditure.amount_yuan,
        income.amount_yuan,
        1,
        income.rounding_yuan,
        expenditure.row_label,
    from figures as income
    inner join figures as expenditure
        on
            income.document_id = expenditure.document_id
            and income.table_id = expenditure.table_id
            and expenditure.measure = 'expenditure_total'
    where
        income.measure = 'income_total'
        and income.printed_cells > 0 and expenditure.printed_cells > 0

    union all

    -- 支出总表 total = 收支总表 expenditure (本年支出合计 or 支出总计).
    select
        'expenditure_table_matches_summary',
        detail.document_id,
        detail.table_id,
        summary.table_id,
        detail.source_page,
        detail.row_label,
        detail.column_label,
        summary.amount_yuan,
        detail.amount_yuan,
        1,
        greatest(detail.rounding_yuan, summary.rounding_yuan),
        summary.row_label,
    from first_figures as detail
    inner join first_figures as summary
        on
            detail.document_id = summary.document_id
            and summary.table_type = 'income_expenditure_summary'
            and summary.measure in ('expenditure_current', 'expenditure_total')
    where detail.table_type = 'expenditure_summary' and detail.measure = 'total'

    union all

    -- 收入总表 total = 收支总表 income (收入总计 or 本年收入合计).
    select
        'income_table_matches_summary',
        detail.document_id,
        detail.table_id,
        summary.table_id,
        detail.source_page,
        detail.row_label,
        detail.column_label,
        summary.amount_yuan,
        detail.amount_yuan,
        1,
        greatest(detail.rounding_yuan, summary.rounding_yuan),
        summary.row_label,
    from first_figures as detail
    inner join first_figures as summary
        on
            detail.document_id = summary.document_id
            and summary.table_type = 'income_expenditure_summary'
            and summary.measure in ('income_current', 'income_total')
    where detail.table_type = 'income_summary' and detail.measure = 'total'

    union all

    -- 支出总表 total = general budget by function + fund tables, where all money is appropriated.
    select
        'expenditure_table_matches_budget_tables',
        detail.document_id,
        detail.table_id,
        funds.table_id,
        detail.source_page,
        detail.row_label,
        detail.column_label,
        funds.amount_yuan,
        detail.amount_yuan,
        funds.tables_summed,
        greatest(detail.rounding_yuan, funds.rounding_yuan),
        funds.tables_label,
    from first_figures as detail
    inner join fund_tables as funds
        on detail.document_id = funds.document_id and funds.measure = 'total'
    where
        detail.table_type = 'expenditure_summary' and detail.measure = 'total'
        and detail.document_id not in (select document_id from other_income)

    union all

    -- 财政拨款收支总表 expenditure = general budget by function + fund tables.
    select
        'appropriation_summary_matches_budget_tables',
        summary.document_id,
        summary.table_id,
        funds.table_id,
        summary.source_page,
        summary.row_label,
        summary.column_label,
        funds.amount_yuan,
        summary.amount_yuan,
        funds.tables_summed,
        greatest(summary.rounding_yuan, funds.rounding_yuan),
        funds.tables_label,
    from first_figures as summary
    inner join fund_tables as funds
        on summary.document_id = funds.document_id and funds.measure = 'total'
    where summary.table_type = 'fiscal_appropriation_summary' and summary.measure = 'expenditure_current'

    union all

    -- Basic / project detail tables = the basic / project columns of the expenditure table
    -- they break down: 一般公共预算 → general budget; 财政拨款 → general budget + funds;
    -- otherwise → 支出总表. Economic-classification tables likewise, by their title.
    select
        case detail.table_type
            when 'basic_expenditure' then 'basic_table_matches_expenditure_tables'
            when 'project_expenditure' then 'project_table_matches_expenditure_tables'
            else 'economic_table_matches_function_table'
        end,
        detail.document_id,
        detail.table_id,
        source.table_id,
        detail.source_page,
        detail.row_label,
        detail.column_label,
        source.amount_yuan,
        detail.amount_yuan,
        source.tables_summed,
        greatest(detail.rounding_yuan, source.rounding_yuan),
        source.tables_label || ' ' || source.measure,
    from figures as detail
    inner join (
        select
            document_id,
            'expenditure_summary' as scope,
            measure,
            amount_yuan,
            1 as tables_summed,
            rounding_yuan,
            coalesce(printed_number, table_title) as tables_label,
            table_id,
        from first_figures
        where table_type = 'expenditure_summary'
        union all
        select
            document_id,
            'general_budget',
            measure,
            amount_yuan,
            1,
            rounding_yuan,
            coalesce(printed_number, table_title),
            table_id,
        from first_figures
        where table_type = 'general_budget_function'
        union all
        select
            document_id,
            'appropriation',
            measure,
            amount_yuan,
            tables_summed,
            rounding_yuan,
            tables_label,
            table_id,
        from fund_tables
    ) as source
        on
            detail.document_id = source.document_id
            and source.measure = case
                when detail.table_type = 'basic_expenditure' then 'basic'
                when detail.table_type = 'project_expenditure' then 'project'
                when regexp_matches(detail.table_title, '基本支出') then 'basic'
                when regexp_matches(detail.table_title, '项目支出') then 'project'
                else 'total'
            end
            and source.scope = case
                when detail.table_type = 'general_budget_economic' or regexp_matches(detail.table_title, '一般公共预算')
                    then 'general_budget'
                when regexp_matches(detail.table_title, '财政拨款') then 'appropriation'
                else 'expenditure_summary'
            end
    where
        detail.table_type in ('basic_expenditure', 'project_expenditure', 'general_budget_economic')
        and detail.measure = 'total'
        and detail.printed_cells > 0

    union all

    -- Procurement table total = 政府采购 column of 支出总表.
    select
        'procurement_table_matches_expenditure_table',
        detail.document_id,
        detail.table_id,
        summary.table_id,
        detail.source_page,
        detail.row_label,
        detail.column_label,
        summary.amount_yuan,
        detail.amount_yuan,
        1,
        greatest(detail.rounding_yuan, summary.rounding_yuan),
        coalesce(summary.printed_number, summary.table_title) || ' ' || summary.column_label,
    from first_figures as detail
    inner join first_figures as summary
        on
            detail.document_id = summary.document_id
            and summary.table_type = 'expenditure_summary'
            and summary.measure = 'procurement'
    where detail.table_type = 'procurement' and detail.measure = 'total'
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
        document_id,
        source_file,
        fiscal_year,
        department_name,
        table_id,
        table_type,
        table_title,
        printed_number,
    from figures
),

final as (
    select
        closest.rule,
        'across_tables' as rule_family,
        tables.document_id,
        tables.source_file,
        tables.fiscal_year,
        tables.department_name,
        tables.table_id,
        tables.table_type,
        tables.table_title,
        tables.printed_number,
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
        case
            when closest.difference_yuan = 0 then 'pass'
            when abs(closest.difference_yuan) <= closest.tolerance_yuan then 'warn'
            else 'error'
        end as status,
        case
            when closest.difference_yuan = 0 then 'exact'
            when abs(closest.difference_yuan) <= closest.tolerance_yuan then 'rounding'
            else 'mismatch'
        end as finding,
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
