with

source as (
    select * from {{ source('raw', 'documents') }}
),

final as (
    select
        document_id,
        source_file,
        source_path,
        sha256,
        file_size,
        page_count,
        department_name,
        fiscal_year,
        phase,
        scope,
        -- A crashed or timed-out extraction could not say what the file is.
        coalesce(
            document_kind, case when status = 'rejected' then 'extraction_failed' end
        ) as document_kind,
        status,
        status_reason,
        extractor_version,
        elapsed_seconds,
        loaded_at,
    from source
)

select * from final
