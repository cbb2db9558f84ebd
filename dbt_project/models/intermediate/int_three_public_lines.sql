-- "三公" expenditure cells mapped to the four categories, by column header (tables with
-- one row per unit and year) or by row label (tables that list the items as rows); for a
-- disclosure that prints no 三公 table (narrative-only files), the four amounts its
-- narrative states (财政拨款"三公"经费预算情况说明), budget year.

with

-- Final accounts (决算) print the year's budget beside the actual amounts: a document's facts
-- are the figures of its own phase (决算数 in final accounts, 预算数 in budgets).
cells as (
    select cells.*
    from {{ ref('int_cells_joined_to_rows') }} as cells
    inner join {{ ref('stg_raw__documents') }} as documents
        on cells.document_id = documents.document_id
    where
        cells.table_type = 'three_public'
        and not cells.is_derived_column
        and not cells.is_percent
        and cells.row_kind <> 'derived'
        and not regexp_matches(
            cells.column_path, case when documents.phase = 'final' then '预算' else '决算' end
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

categorised as (
    select
        cells.*,
        {{ three_public_category('cells.column_path') }} as column_category,
        {{ three_public_category('cells.row_name') }} as row_category,
    from cells
    inner join row_scope
        on
            cells.document_id = row_scope.document_id
            and cells.table_id = row_scope.table_id
    where
        row_scope.fact_kind = 'any'
        or cells.row_kind = row_scope.fact_kind
        or (row_scope.fact_kind = 'not_total' and cells.row_kind <> 'total')
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
    from {{ ref('stg_raw__narrative_figures') }} as figures
    inner join {{ ref('stg_raw__documents') }} as documents
        on figures.document_id = documents.document_id
    inner join disclosures on figures.document_id = disclosures.document_id
    where
        figures.figure_key in (
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
        'narrative' as source,
    from from_narrative
)

select * from final
