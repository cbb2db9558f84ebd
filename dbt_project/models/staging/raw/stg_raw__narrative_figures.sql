with

source as (
    select * from {{ source('raw', 'narrative_figures') }}
),

final as (
    select
        document_id,
        key as figure_key,
        amount as amount_wan_yuan,
        {{ to_yuan('amount', 10000) }} as amount_yuan,
        page as source_page,
        context,
    from source
)

select * from final
