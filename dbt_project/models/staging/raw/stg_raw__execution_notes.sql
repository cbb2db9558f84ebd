with

source as (
    select * from {{ source('raw', 'execution_notes') }}
),

final as (
    select
        document_id,
        note_index,
        class_name,
        item_name,
        subitem_name,
        budget_wan as budget_wan_yuan,
        {{ to_yuan('budget_wan', 10000) }} as budget_yuan,
        final_wan as final_wan_yuan,
        {{ to_yuan('final_wan', 10000) }} as final_yuan,
        page as source_page,
    from source
)

select * from final
