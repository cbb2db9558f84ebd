{{ incremental_by_document() }}

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

disclosures as (
    select * from {{ ref('int_disclosures') }}
),

departments as (
    select * from {{ ref('int_document_departments') }}
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
        documents.document_kind,
        disclosures.disclosure_id,
        disclosures.paired_document_id,
        disclosures.disclosure_part,
        coalesce(tables.table_count, 0) as table_count,
        documents.file_size,
        documents.extractor_version,
        documents.elapsed_seconds as extract_seconds,
        documents.loaded_at,
        documents.source_path,
        departments.department_id,
    from documents
    left join tables on documents.document_id = tables.document_id
    left join disclosures on documents.document_id = disclosures.document_id
    left join departments on documents.document_id = departments.document_id
)

select * from final
{{ only_documents_to_rebuild() }}
