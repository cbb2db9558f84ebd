{{ incremental_by_document() }}

-- Government procurement (政府采购), from the most detailed breakdown a document prints:
-- its procurement table by catalogue code; else the 政府采购 column of the expenditure
-- summary by function code; else the goods / works / services amounts of the narrative.

with

cells as (
    select * from {{ rows_to_rebuild(ref('int_cells_joined_to_rows')) }}
    where not is_derived_column and not is_percent
),

catalogue_cells as (
    select *
    from cells
    where
        table_type = 'procurement'
        and row_kind in ('group', 'item')
        and (
            regexp_matches(coalesce(catalogue_code, row_code, ''), '^[A-C][0-9]*$')
            or regexp_matches(coalesce(group_name, ''), '^(货物|工程|服务)类?$')
        )
),

-- A line printed without a catalogue code in a table whose other lines have one (公安其他业务经费
-- (内容涉密)): a purchase whose category is withheld; its amount counts, its type is unknown.
uncoded_lines as (
    select cells.*
    from cells
    where
        cells.table_type = 'procurement'
        and cells.row_kind = 'item'
        and cells.child_count = 0
        and cells.catalogue_code is null
        and exists (
            select 1
            from catalogue_cells
            where
                catalogue_cells.document_id = cells.document_id
                and catalogue_cells.table_id = cells.table_id
        )
        and not exists (
            select 1
            from catalogue_cells
            where
                catalogue_cells.document_id = cells.document_id
                and catalogue_cells.table_id = cells.table_id
                and catalogue_cells.row_index = cells.row_index
        )
),

catalogue_amount_column as (
    select
        document_id,
        table_id,
        -- the total over funding sources (资金来源/一般公共预算资金 | … | 总计) before any
        -- column that only names a budget
        coalesce(
            min(column_index) filter (where regexp_matches(column_path, '(合计|总计)')),
            min(column_index) filter (where regexp_matches(column_path, '金额')),
            min(column_index) filter (where regexp_matches(column_path, '预算')),
            min(column_index)
        ) as column_index,
    from catalogue_cells
    group by all
),

procurement_cells as (
    select
        *,
        false as is_uncoded,
    from catalogue_cells
    union all by name
    select
        *,
        true as is_uncoded,
    from uncoded_lines
),

from_catalogue as (
    select
        procurement_cells.document_id,
        procurement_cells.fiscal_year,
        procurement_cells.department_name,
        procurement_cells.unit_name,
        procurement_cells.table_id,
        procurement_cells.table_title,
        procurement_cells.row_index,
        procurement_cells.parent_row_index,
        procurement_cells.child_count,
        case
            when not procurement_cells.is_uncoded
                then coalesce(procurement_cells.catalogue_code, procurement_cells.row_code)
        end as procurement_category_code,
        procurement_cells.row_name as procurement_category_name,
        procurement_cells.group_name,
        procurement_cells.project_name,
        cast(null as varchar) as function_code,
        procurement_cells.source_page,
        procurement_cells.amount_yuan,
        'catalogue' as procurement_source,
    from procurement_cells
    inner join catalogue_amount_column
        on
            procurement_cells.document_id = catalogue_amount_column.document_id
            and procurement_cells.table_id = catalogue_amount_column.table_id
            and procurement_cells.column_index = catalogue_amount_column.column_index
),

summary_cells as (
    select *
    from cells
    where
        table_type = 'expenditure_summary'
        and regexp_matches(column_path, '政府采购')
        and not regexp_matches(column_path, '其中|预留')
        and row_code is not null
        and row_kind in ('group', 'item')
        and document_id not in (select document_id from from_catalogue)
),

from_summary as (
    select
        document_id,
        fiscal_year,
        department_name,
        unit_name,
        table_id,
        table_title,
        row_index,
        parent_row_index,
        child_count,
        cast(null as varchar) as procurement_category_code,
        cast(null as varchar) as procurement_category_name,
        cast(null as varchar) as group_name,
        cast(null as varchar) as project_name,
        row_code as function_code,
        source_page,
        amount_yuan,
        'expenditure_summary' as procurement_source,
    from summary_cells
),

disclosures as (
    select * from {{ ref('int_disclosures') }}
),

-- Disclosures whose tables print procurement (either file of a split disclosure).
with_table as (
    select distinct disclosures.disclosure_id
    from disclosures
    where
        disclosures.document_id in (select document_id from from_catalogue)
        or disclosures.document_id in (select document_id from from_summary)
),

narrative as (
    select
        figures.*,
        documents.fiscal_year,
        documents.department_name
    from {{ ref('stg_raw__narrative_figures') }} as figures
    inner join {{ ref('stg_raw__documents') }} as documents
        on figures.document_id = documents.document_id
    inner join disclosures on figures.document_id = disclosures.document_id
    where
        {{ is_document_to_rebuild('figures.document_id') }}
        and figures.figure_key in ('procurement_goods', 'procurement_works', 'procurement_services')
        and disclosures.disclosure_id not in (select disclosure_id from with_table)
),

from_narrative as (
    select
        document_id,
        fiscal_year,
        department_name,
        department_name as unit_name,
        cast(null as integer) as table_id,
        '政府采购预算情况 (narrative)' as table_title,
        row_number() over (partition by document_id order by figure_key) * -1 as row_index,
        cast(null as integer) as parent_row_index,
        0 as child_count,
        cast(null as varchar) as procurement_category_code,
        case figure_key
            when 'procurement_goods' then '货物'
            when 'procurement_works' then '工程'
            else '服务'
        end as procurement_category_name,
        cast(null as varchar) as group_name,
        cast(null as varchar) as project_name,
        cast(null as varchar) as function_code,
        source_page,
        amount_yuan,
        'narrative' as procurement_source,
    from narrative
),

final as (
    select * from from_catalogue
    union all
    select * from from_summary
    union all
    select * from from_narrative
)

select * from final
{{ only_documents_to_rebuild() }}
