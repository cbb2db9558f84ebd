with

source as (
    select * from {{ source('raw', 'rows') }}
),

final as (
    select
        document_id,
        table_id,
        row_index,
        page as source_page,
        row_kind,
        level as row_level,
        parent_row_index,
        code as row_code,
        name as row_name,
        unit_name,
        project_name,
        catalogue_code,
        group_name,
        year as row_year,
        label_text,
    from source
)

select * from final
