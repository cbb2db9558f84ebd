-- One row per loaded document: how its reconciliation rules came out (对账状态). `errors` when
-- any rule evaluation failed, `warnings` when any passed only within rounding or found withheld
-- lines, else `reconciled`. Every fact table and fct_department_year carry this status.

with

documents as (
    select
        document_id,
        source_file
    from {{ ref('dim_document') }}
    where status = 'loaded'
),

results as (
    select
        document_id,
        count(*) as evaluations,
        count(*) filter (where status = 'error') as errors,
        count(*) filter (where status = 'warn') as warnings,
    from {{ ref('reconciliation_results') }}
    group by all
),

final as (
    select
        documents.document_id,
        documents.source_file,
        coalesce(results.evaluations, 0) as evaluations,
        coalesce(results.errors, 0) as errors,
        coalesce(results.warnings, 0) as warnings,
        case
            when results.errors > 0 then 'errors'
            when results.warnings > 0 then 'warnings'
            else 'reconciled'
        end as reconciliation_status,
    from documents
    left join results on documents.document_id = results.document_id
)

select * from final
