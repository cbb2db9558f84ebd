{{ incremental_by_document() }}

-- "三公" expenditure cells mapped to the four categories, by column header (tables with
-- one row per unit and year) or by row label (tables that list the items as rows); for a
-- disclosure that prints no 三公 table (narrative-only files), the four amounts its
-- narrative states (财政拨款"三公"经费预算情况说明), budget year. Where the units' rows add up
-- to less than the table's printed 合计, a residual row carries the difference.

with

-- Final accounts (决算) print the year's budget beside the actual amounts, as columns or as rows:
-- a document's facts are the figures of its own phase (决算数 in final accounts, 预算数 in budgets).
cells as (
    select cells.*
    from {{ ref('int_cells_joined_to_rows') }} as cells
    inner join {{ ref('stg_raw__documents') }} as documents
        on cells.document_id = documents.document_id
    where
        {{ is_document_to_rebuild('cells.document_id') }}
        and cells.table_type = 'three_public'
        and not cells.is_derived_column
        and not cells.is_percent
        and cells.row_kind <> 'derived'
        and not regexp_matches(
            cells.column_path, case when documents.phase = 'final' then '预算' else '决算' end
        )
        -- the two phases printed as rows (预算数 | 决算数 under one header: 公开09表)
        and not regexp_matches(
            coalesce(cells.row_name, ''), case when documents.phase = 'final' then '^预算数?$' else '^决算数?$' end
        )
),

-- Rows that carry facts: unit rows where the table lists units, else the department
-- rows, else every row but the total (a department printed as one coded row under 合计, or
-- items listed as rows), else the total itself (a single unlabelled row).
row_scope as (
    select
        document_id,
        table_id,
        case
            when bool_or(row_kind = 'unit') then 'unit'
            when bool_or(row_kind = 'department') then 'department'
            when bool_or(row_kind <> 'total') then 'not_total'
            else 'any'
        end as fact_kind,
    from cells
    group by all
),

with_categories as (
    select
        cells.*,
        row_scope.fact_kind,
        {{ three_public_category('cells.column_path') }} as column_category,
        {{ three_public_category('cells.row_name') }} as row_category,
        bool_or(cells.row_year is not null) over (partition by cells.document_id, cells.table_id)
            as has_year_rows,
    from cells
    inner join row_scope
        on
            cells.document_id = row_scope.document_id
            and cells.table_id = row_scope.table_id
),

categorised as (
    select * from with_categories
    where
        fact_kind = 'any'
        or row_kind = fact_kind
        or (fact_kind = 'not_total' and row_kind <> 'total')
),

-- Items listed as rows: take the first (total) amount column only.
first_amount_column as (
    select
        document_id,
        table_id,
        min(column_index) as column_index
    from categorised
    group by all
),

from_tables as (
    select
        categorised.document_id,
        categorised.fiscal_year,
        categorised.department_name,
        categorised.unit_name,
        coalesce(categorised.row_year, categorised.column_year, categorised.fiscal_year) as year,
        coalesce(categorised.column_category, categorised.row_category) as category,
        categorised.table_id,
        categorised.table_title,
        min(categorised.row_index) as row_index,
        min(categorised.source_page) as source_page,
        sum(categorised.amount_yuan) as amount_yuan,
        false as is_residual,
    from categorised
    left join first_amount_column
        on
            categorised.document_id = first_amount_column.document_id
            and categorised.table_id = first_amount_column.table_id
            and categorised.column_index = first_amount_column.column_index
    where
        categorised.amount_yuan is not null
        and (
            categorised.column_category is not null
            or (categorised.row_category is not null and first_amount_column.column_index is not null)
        )
    group by all
),

-- The table's one 合计 row, by category, where the facts are the rows below it (units listed
-- in a table without year rows).
printed_totals as (
    select
        document_id,
        fiscal_year,
        department_name,
        coalesce(column_year, fiscal_year) as year,
        column_category as category,
        table_id,
        table_title,
        min(row_index) as row_index,
        min(source_page) as source_page,
        sum(amount_yuan) as amount_yuan,
    from with_categories
    where
        row_kind = 'total'
        and fact_kind <> 'any'
        and not has_year_rows
        and column_category is not null
        and amount_yuan is not null
    group by all
    having count(distinct row_index) = 1
),

facts_by_category as (
    select
        document_id,
        table_id,
        year,
        category,
        sum(amount_yuan) as facts_yuan,
        count(*) as lines,
    from from_tables
    group by all
),

-- Where the rows read add up to less than the printed 合计 (a unit's line withheld), one
-- residual row under the department carries the difference, so the facts equal the printed
-- total (as leaves_with_residuals does for the other fact tables).
residuals as (
    select
        printed_totals.document_id,
        printed_totals.fiscal_year,
        printed_totals.department_name,
        printed_totals.department_name as unit_name,
        printed_totals.year,
        printed_totals.category,
        printed_totals.table_id,
        printed_totals.table_title,
        printed_totals.row_index,
        printed_totals.source_page,
        printed_totals.amount_yuan - coalesce(facts_by_category.facts_yuan, 0) as amount_yuan,
        true as is_residual,
    from printed_totals
    left join facts_by_category
        on
            printed_totals.document_id = facts_by_category.document_id
            and printed_totals.table_id = facts_by_category.table_id
            and printed_totals.year = facts_by_category.year
            and printed_totals.category = facts_by_category.category
    where
        printed_totals.amount_yuan - coalesce(facts_by_category.facts_yuan, 0)
        > greatest(coalesce(facts_by_category.lines, 0), 1) * {{ var('rounding_yuan_per_item') }}
),

disclosures as (
    select * from {{ ref('int_disclosures') }}
),

-- Disclosures whose tables print 三公 (either file of a split disclosure).
with_table as (
    select distinct disclosures.disclosure_id
    from from_tables
    inner join disclosures on from_tables.document_id = disclosures.document_id
),

from_narrative as (
    select
        figures.document_id,
        documents.fiscal_year,
        documents.department_name,
        documents.department_name as unit_name,
        documents.fiscal_year as year,
        replace(figures.figure_key, 'three_public_', '') as category,
        cast(null as integer) as table_id,
        '"三公"经费预算情况说明 (narrative)' as table_title,
        -1 * row_number() over (partition by figures.document_id order by figures.figure_key)
            as row_index,
        figures.source_page,
        figures.amount_yuan,
        false as is_residual,
    from {{ ref('stg_raw__narrative_figures') }} as figures
    inner join {{ ref('stg_raw__documents') }} as documents
        on figures.document_id = documents.document_id
    inner join disclosures on figures.document_id = disclosures.document_id
    where
        {{ is_document_to_rebuild('figures.document_id') }}
        and figures.figure_key in (
            'three_public_outbound_travel',
            'three_public_official_reception',
            'three_public_vehicle_purchase',
            'three_public_vehicle_operation'
        )
        and disclosures.disclosure_id not in (select disclosure_id from with_table)
),

final as (
    select
        *,
        'table' as source,
    from from_tables
    union all by name
    select
        *,
        'table' as source,
    from residuals
    union all by name
    select
        *,
        'narrative' as source,
    from from_narrative
)

select * from final
{{ only_documents_to_rebuild() }}
