-- One row per PDF seen, loaded or rejected (文档).

with

documents as (
    select * from {{ ref('stg_raw__documents') }}
),

tables as (
    select
        document_id,
        count(*) as table_count
    from {{ ref('stg_raw__tables') }}
    group by all
),

final as (
    select
        documents.document_id,
        documents.source_file,
        documents.sha256,
        documents.department_name,
        documents.fiscal_year,
        documents.page_count,
        documents.status,
        documents.status_reason,
        documents.phase,
        documents.scope,
        coalesce(tables.table_count, 0) as table_count,
        documents.file_size,
        documents.extractor_version,
        documents.elapsed_seconds as extract_seconds,
        documents.loaded_at,
        documents.source_path,
    from documents
    left join tables on documents.document_id = tables.document_id
)

select * from final
