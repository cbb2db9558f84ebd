{{ incremental_by_document() }}

-- Across-table rule of final accounts (决算), the balance of the 收入支出决算总表's expenditure
-- side: `final_accounts_expenditure_balance` — 支出总计 = 本年支出合计 + the lines printed between
-- them (结余分配, 年末结转和结余; their 其中 breakdowns left out). Each amount is read by the
-- expenditure side's own label: the last label of its row that is not a row number (行次), as
-- central final accounts print 项目 | 行次 | 金额 on each side. One candidate row per summary
-- table, evaluated here (the two-sided figures of int_reconciliation__table_figures read sides
-- by row_label, which is the 行次 in these tables).

with

finals as (
    select document_id
    from {{ rows_to_rebuild(ref('stg_raw__documents')) }}
    where phase = 'final'
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
    from {{ rows_to_rebuild(ref('int_reconciliation__cells')) }}
),

rows as (
    select
        document_id,
        table_id,
        row_index,
        label_text,
    from {{ rows_to_rebuild(ref('stg_raw__rows')) }}
),

cells as (
    select
        cells.document_id,
        cells.table_id,
        cells.row_index,
        cells.source_page,
        cells.column_index,
        cells.column_path,
        cells.amount_yuan,
        cells.rounding_yuan,
        regexp_replace(
            list_filter(
                string_split(rows.label_text, ' | '), lambda label: not regexp_matches(label, '^[0-9]*$')
            )[-1],
            '^[一二三四五六七八九十]+、',
            ''
        ) as side_label,
    from {{ ref('int_reconciliation__cells') }} as cells
    inner join finals on cells.document_id = finals.document_id
    inner join rows
        on
            cells.document_id = rows.document_id
            and cells.table_id = rows.table_id
            and cells.row_index = rows.row_index
    where cells.table_type = 'income_expenditure_summary' and cells.table_side = 'expenditure'
    qualify cells.column_index = min(cells.column_index) over (partition by cells.document_id, cells.table_id)
),

bounds as (
    select
        document_id,
        table_id,
        min(row_index) filter (where regexp_matches(side_label, '^本年(支出)?合计$')) as current_row,
        min(row_index) filter (where regexp_matches(side_label, '^(支出)?总计$')) as total_row,
    from cells
    group by all
),

parts as (
    select
        cells.document_id,
        cells.table_id,
        case
            when cells.row_index = bounds.current_row then 'current'
            when cells.row_index = bounds.total_row then 'total'
            else 'between'
        end as part,
        cells.side_label,
        cells.amount_yuan,
        cells.source_page,
        cells.column_path,
        cells.rounding_yuan,
    from cells
    inner join bounds on cells.document_id = bounds.document_id and cells.table_id = bounds.table_id
    where
        cells.row_index between bounds.current_row and bounds.total_row
        and not regexp_matches(cells.side_label, '^其中|^[0-9(（]')
),

sums as (
    select
        document_id,
        table_id,
        min(source_page) filter (where part = 'total') as source_page,
        min(side_label) filter (where part = 'total') as row_label,
        min(column_path) as column_label,
        sum(coalesce(amount_yuan, 0)) filter (where part <> 'total') as expected_yuan,
        sum(amount_yuan) filter (where part = 'total') as observed_yuan,
        greatest(1, count(amount_yuan) filter (where part <> 'total')) as items_summed,
        max(rounding_yuan) as rounding_yuan,
        string_agg(side_label, ' + ' order by part = 'between', side_label) filter (
            where part = 'current' or (part = 'between' and amount_yuan is not null)
        ) as expected_label,
    from parts
    group by all
    having
        count(amount_yuan) filter (where part = 'total') > 0
        and count(amount_yuan) filter (where part = 'current') > 0
),

final as (
    select
        'final_accounts_expenditure_balance' as rule,
        'across_tables' as rule_family,
        {{ table_context('tables') }},
        sums.source_page,
        cast(null as varchar) as unit_name,
        cast(null as integer) as row_index,
        sums.row_label,
        sums.column_label,
        sums.expected_yuan,
        sums.observed_yuan,
        sums.observed_yuan - sums.expected_yuan as difference_yuan,
        sums.items_summed,
        sums.items_summed * sums.rounding_yuan as tolerance_yuan,
        {{ reconciliation_outcome(
            'sums.observed_yuan - sums.expected_yuan', 'sums.items_summed * sums.rounding_yuan', 'sums.expected_yuan'
        ) }},
        'printed 支出' || sums.row_label || ' vs ' || sums.expected_label as detail,
    from sums
    inner join tables on sums.document_id = tables.document_id and sums.table_id = tables.table_id
)

select * from final
{{ only_documents_to_rebuild() }}
