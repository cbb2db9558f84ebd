with

source as (
    select * from {{ source('raw', 'tables') }}
),

final as (
    select
        document_id,
        table_id,
        table_type,
        printed_number,
        title as table_title,
        amount_unit,
        unit_source,
        unit_multiplier,
        pages,
        first_page,
        last_page,
        header_rows,
        column_count,
        row_count,
    from source
)

select * from final
