{{ incremental_by_document() }}

-- Department → budget units (预算单位), as listed by the documents' tables.

with

cells as (
    select * from {{ rows_to_rebuild(ref('int_cells_joined_to_rows')) }}
),

-- Units as the budget tables list them: not the cells of performance-target tables (≥98%, 180.03
-- under a 单位 header are targets, not units), and the department's own unit printed with a
-- suffix (广州市信访局(本级) beside 广州市信访局) is the department itself.
units as (
    select
        document_id,
        fiscal_year,
        department_name,
        case
            when {{ strip_unit_suffix('unit_name') }} = department_name then department_name else unit_name
        end as unit_name,
        min(source_page) as first_page,
        count(distinct table_id) as table_count,
    from cells
    where row_kind = 'unit' and table_type <> 'performance'
    group by all
),

-- A department whose tables list no sub-units is its own unit.
departments_without_units as (
    select
        document_id,
        fiscal_year,
        department_name,
        department_name as unit_name,
        min(source_page) as first_page,
        count(distinct table_id) as table_count,
    from cells
    where document_id not in (select document_id from units)
    group by all
),

all_units as (
    select * from units
    union all
    select * from departments_without_units
),

departments as (
    select
        document_id,
        department_id
    from {{ rows_to_rebuild(ref('int_document_departments')) }}
),

final as (
    select
        md5(all_units.document_id || '|' || all_units.unit_name) as budget_unit_id,
        all_units.document_id,
        fiscal_year,
        department_name,
        unit_name,
        unit_name = department_name as is_department_itself,
        first_page,
        table_count,
        departments.department_id,
    from all_units
    left join departments on all_units.document_id = departments.document_id
)

select * from final
{{ only_documents_to_rebuild() }}
