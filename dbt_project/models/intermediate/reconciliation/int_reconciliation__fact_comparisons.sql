{{ incremental_by_document() }}

-- Every printed figure a fact table's sum can be compared with, one row per (document × fact
-- table × printed figure): the total of the table the facts come from (`own_table`), the same
-- figure printed in another table (`other_table`: basic expenditure in 一般公共预算支出表 and
-- 支出总表, revenue in the 收支总表's 收入总计, procurement in the 政府采购 table and the 支出总表
-- column, 三公 in another 三公 table),
-- and the figure the narrative states (`narrative`: basic expenditure, procurement total, 三公
-- total). Narrative facts (narrative-only disclosures) are
-- compared with the total the narrative states beside its categories and with the tables of the
-- paired tables file. `is_independent`: the printed figure is not the sum of the very rows read
-- as facts (a total or department row, a different table, the narrative; Σ unit or top-level
-- rows only where the facts are deeper lines).

with

fact_sums as (
    select * from {{ rows_to_rebuild(ref('int_reconciliation__fact_sums')) }}
),

table_figures as (
    select * from {{ rows_to_rebuild(ref('int_reconciliation__table_figures')) }}
    where printed_cells > 0
),

-- The four 三公 categories of a table summed: its 三公 figure.
figures as (
    select * from table_figures

    union all by name

    select
        document_id,
        table_id,
        any_value(source_file) as source_file,
        any_value(fiscal_year) as fiscal_year,
        any_value(department_name) as department_name,
        any_value(table_type) as table_type,
        any_value(table_title) as table_title,
        any_value(printed_number) as printed_number,
        'three_public_sum' as measure,
        sum(amount_yuan) as amount_yuan,
        sum(printed_cells) as printed_cells,
        max(rows_summed) as rows_summed,
        sum(items_summed) as items_summed,
        min(source_page) as source_page,
        string_agg(distinct row_label, ' + ' order by row_label) as row_label,
        string_agg(column_label, ' + ' order by measure) as column_label,
        max(rounding_yuan) as rounding_yuan,
        min(figure_rows) as figure_rows,
    from table_figures
    where starts_with(measure, 'three_public_')
    group by all
),

table_rounding as (
    select
        document_id,
        table_id,
        max(rounding_yuan) as rounding_yuan,
    from table_figures
    group by all
),

-- The documents whose figures a document's facts may be compared with: its own and, for one
-- disclosure in two files, the paired file's.
related_documents as (
    select
        document_id,
        document_id as printed_document_id,
    from {{ ref('int_disclosures') }}

    union all

    select
        document_id,
        paired_document_id as printed_document_id,
    from {{ ref('int_disclosures') }}
    where paired_document_id is not null
),

-- Which printed figures stand for each fact table, in another table or in the narrative.
readings as (
    select
        readings.fact_table,
        readings.table_type,
        readings.measure,
    from (
        values
        ('fct_budget_expenditure', 'general_budget_function', 'total'),
        ('fct_basic_expenditure', 'basic_expenditure', 'total'),
        ('fct_basic_expenditure', 'general_budget_function', 'basic'),
        ('fct_basic_expenditure', 'general_budget_economic', 'basic'),
        ('fct_basic_expenditure', 'expenditure_summary', 'basic'),
        ('fct_basic_expenditure', 'narrative', 'basic_expenditure'),
        ('fct_procurement', 'procurement', 'total'),
        ('fct_procurement', 'expenditure_summary', 'procurement'),
        ('fct_procurement', 'narrative', 'procurement_total'),
        ('fct_three_public_expenditure', 'three_public', 'three_public_sum'),
        ('fct_three_public_expenditure', 'narrative', 'three_public_total'),
        ('fct_budget_revenue', 'income_expenditure_summary', 'income_total')
    ) as readings (fact_table, table_type, measure)
),

-- The total of the table the facts come from; in a 三公 table also its own total column
-- ("三公"经费合计), or the 合计 row of its amount column where the categories are printed as rows.
own_table as (
    select
        fact_sums.*,
        'own_table' as comparison,
        {{ printed_figure('figures') }},
        fact_sums.items_summed * figures.rounding_yuan as tolerance_yuan,
        figures.figure_rows in ('total_row', 'department_row')
        or (
            fact_sums.fact_table in (
                'fct_budget_expenditure', 'fct_basic_expenditure', 'fct_procurement', 'fct_budget_revenue'
            )
            and fact_sums.items_summed - fact_sums.residual_rows > figures.rows_summed
        )
        or (figures.measure = 'total' and fact_sums.fact_table = 'fct_three_public_expenditure') as is_independent,
    from fact_sums
    inner join figures
        on
            fact_sums.document_id = figures.document_id
            and fact_sums.table_id = figures.table_id
    where
        fact_sums.source = 'table'
        and (
            figures.measure = case fact_sums.fact_table
                when 'fct_three_public_expenditure' then 'three_public_sum'
                when 'fct_procurement'
                    then case when figures.table_type = 'procurement' then 'total' else 'procurement' end
                else 'total'
            end
            or (
                fact_sums.fact_table = 'fct_three_public_expenditure'
                and figures.measure = 'total'
                and (
                    regexp_matches(figures.column_label, '三公.*(合计|小计|总计)|^(合计|小计|总计)$')
                    or (
                        figures.figure_rows = 'total_row'
                        and (figures.document_id, figures.table_id) not in (
                            select (category_figures.document_id, category_figures.table_id)
                            from figures as category_figures
                            where category_figures.measure = 'three_public_sum'
                        )
                    )
                )
            )
        )
),

other_tables as (
    select
        fact_sums.*,
        'other_table' as comparison,
        {{ printed_figure('figures') }},
        (fact_sums.items_summed + 1)
        * greatest(figures.rounding_yuan, coalesce(table_rounding.rounding_yuan, 100)) as tolerance_yuan,
        true as is_independent,
    from fact_sums
    inner join related_documents on fact_sums.document_id = related_documents.document_id
    inner join readings on fact_sums.fact_table = readings.fact_table
    inner join figures
        on
            related_documents.printed_document_id = figures.document_id
            and readings.table_type = figures.table_type
            and readings.measure = figures.measure
    left join table_rounding
        on fact_sums.document_id = table_rounding.document_id and fact_sums.table_id = table_rounding.table_id
    where not (figures.document_id = fact_sums.document_id and figures.table_id = fact_sums.table_id)
),

narrative as (
    select
        fact_sums.*,
        'narrative' as comparison,
        stated.document_id as printed_document_id,
        cast(null as integer) as printed_table_id,
        'narrative' as table_type,
        '文字说明' as table_title,
        cast(null as varchar) as printed_number,
        stated.source_page,
        stated.figure_key as row_label,
        left(stated.context, 60) as column_label,
        stated.amount_yuan as expected_yuan,
        (fact_sums.items_summed + 1) * greatest(coalesce(table_rounding.rounding_yuan, 100), 100) as tolerance_yuan,
        true as is_independent,
    from fact_sums
    inner join related_documents on fact_sums.document_id = related_documents.document_id
    inner join readings on fact_sums.fact_table = readings.fact_table and readings.table_type = 'narrative'
    inner join {{ ref('stg_raw__narrative_figures') }} as stated
        on
            related_documents.printed_document_id = stated.document_id
            and readings.measure = stated.figure_key
    left join table_rounding
        on fact_sums.document_id = table_rounding.document_id and fact_sums.table_id = table_rounding.table_id
    where stated.amount_yuan is not null
),

compared as (
    select * from own_table
    union all by name
    select * from other_tables
    union all by name
    select * from narrative
),

final as (
    select
        *,
        observed_yuan - expected_yuan as difference_yuan,
        {{ reconciliation_outcome('observed_yuan - expected_yuan', 'tolerance_yuan', 'expected_yuan', signed=true) }},
    from compared
)

select * from final
{{ only_documents_to_rebuild() }}
