-- Department → budget units (预算单位), as listed by the documents' tables.

with

cells as (
    select * from {{ ref('int_cells_joined_to_rows') }}
),

units as (
    select
        document_id,
        fiscal_year,
        department_name,
        unit_name,
        min(source_page) as first_page,
        count(distinct table_id) as table_count,
    from cells
    where row_kind = 'unit' or (row_kind <> 'department' and unit_name = department_name)
    group by all
),

final as (
    select
        md5(document_id || '|' || unit_name) as budget_unit_id,
        document_id,
        fiscal_year,
        department_name,
        unit_name,
        unit_name = department_name as is_department_itself,
        first_page,
        table_count,
    from units
)

select * from final
