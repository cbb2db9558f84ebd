with

source as (
    select * from {{ source('raw', 'cells') }}
),

final as (
    select
        document_id,
        table_id,
        row_index,
        column_index,
        page as source_page,
        row_label,
        raw_text,
        value as printed_value,
        is_percent,
        case when not is_percent then {{ to_yuan('value', 'unit_multiplier') }} end as amount_yuan,
    from source
)

select * from final
