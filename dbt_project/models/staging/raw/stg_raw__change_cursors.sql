-- How far each incremental stage (dbt, validation, report) has processed the change log.

with

source as (
    select * from {{ source('raw', 'change_cursors') }}
),

final as (
    select
        consumer,
        change_id,
        code_hash,
        updated_at,
    from source
)

select * from final
