-- The documents whose rows the incremental models rebuild in this build (consumer `dbt` of the
-- change log; the orchestrator's dbt step advances its cursor after a complete build).

with

source as (
    select * from {{ source('raw', 'pending_documents') }}
),

final as (
    select document_id,
    from source
    where consumer = 'dbt'
)

select * from final
