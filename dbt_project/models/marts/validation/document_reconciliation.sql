{{ incremental_by_document() }}

-- One row per loaded document: how its reconciliation rules and the verification of its fact
-- tables came out (对账状态). `errors` when any rule evaluation failed or a fact table is
-- contradicted; `unverified` when a fact table could not be compared with any printed figure,
-- or nothing at all was checked; `warnings` when any rule passed only within rounding or found
-- withheld lines; `reconciled` only when every fact table is verified and every rule passed.
-- Every fact table and fct_department_year carry this status; error_class says whose errors
-- they are (extraction_suspect when any is ours, else document_inconsistent).

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
        count(*) filter (where error_class = 'document_inconsistent') as document_inconsistent_errors,
        count(*) filter (where error_class = 'extraction_suspect') as extraction_suspect_errors,
    from {{ ref('reconciliation_results') }}
    group by all
),

verification as (
    select
        document_id,
        count(*) as fact_tables,
        count(*) filter (where verification_status = 'verified') as fact_tables_verified,
        count(*) filter (where verification_status = 'contradicted') as fact_tables_contradicted,
        count(*) filter (where verification_status = 'unverified') as fact_tables_unverified,
        {{ worst_error_class('error_class') }} as error_class,
    from {{ ref('fact_verification') }}
    group by all
),

final as (
    select
        documents.document_id,
        documents.source_file,
        coalesce(results.evaluations, 0) as evaluations,
        coalesce(results.errors, 0) as errors,
        coalesce(results.warnings, 0) as warnings,
        coalesce(verification.fact_tables, 0) as fact_tables,
        coalesce(verification.fact_tables_verified, 0) as fact_tables_verified,
        coalesce(verification.fact_tables_contradicted, 0) as fact_tables_contradicted,
        coalesce(verification.fact_tables_unverified, 0) as fact_tables_unverified,
        coalesce(results.document_inconsistent_errors, 0) as document_inconsistent_errors,
        coalesce(results.extraction_suspect_errors, 0) as extraction_suspect_errors,
        case
            when results.extraction_suspect_errors > 0 or verification.error_class = 'extraction_suspect'
                then 'extraction_suspect'
            when results.document_inconsistent_errors > 0 or verification.error_class = 'document_inconsistent'
                then 'document_inconsistent'
        end as error_class,
        case
            when results.errors > 0 or verification.fact_tables_contradicted > 0 then 'errors'
            when verification.fact_tables_unverified > 0 or coalesce(results.evaluations, 0) = 0 then 'unverified'
            when results.warnings > 0 then 'warnings'
            else 'reconciled'
        end as reconciliation_status,
    from documents
    left join results on documents.document_id = results.document_id
    left join verification on documents.document_id = verification.document_id
)

select * from final
{{ only_documents_to_rebuild() }}
