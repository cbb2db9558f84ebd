with

source as (
    select * from {{ source('raw', 'page_titles') }}
),

final as (
    select
        document_id,
        page as source_page,
        line_index,
        title as printed_title,
        table_type,
        is_contents_page,
        empty_note,
    from source
)

select * from final
