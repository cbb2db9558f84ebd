-- Disclosures (公开): a narrative-only file and a tables-only file of the same department,
-- fiscal year and phase are one disclosure published in two files (情况说明 + 附件报表).
-- Every other loaded document is a disclosure of its own.

with

documents as (
    select
        document_id,
        document_kind,
        fiscal_year,
        phase,
        -- 本级 / 汇总 suffixes name the same department.
        regexp_replace(department_name, '\((本级|汇总|机关)\)$', '') as department_key,
    from {{ ref('stg_raw__documents') }}
    where status = 'loaded'
),

split_parts as (
    select *
    from documents
    where
        document_kind in ('narrative_only', 'tables_only')
        and department_key is not null
        and fiscal_year is not null
),

-- One narrative to one tables file (the lowest ids when a crawl holds copies).
pairs as (
    select
        narrative.document_id as narrative_document_id,
        tables.document_id as tables_document_id,
    from split_parts as narrative
    inner join split_parts as tables
        on
            narrative.department_key = tables.department_key
            and narrative.fiscal_year = tables.fiscal_year
            and narrative.phase = tables.phase
    where
        narrative.document_kind = 'narrative_only'
        and tables.document_kind = 'tables_only'
    qualify
        row_number() over (partition by tables.document_id order by narrative.document_id) = 1
        and row_number() over (partition by narrative.document_id order by tables.document_id) = 1
),

final as (
    select
        documents.document_id,
        coalesce(as_tables.narrative_document_id, documents.document_id) as disclosure_id,
        coalesce(as_narrative.tables_document_id, as_tables.narrative_document_id)
            as paired_document_id,
        case
            when as_narrative.tables_document_id is not null then 'narrative'
            when as_tables.narrative_document_id is not null then 'tables'
            else 'whole'
        end as disclosure_part,
    from documents
    left join pairs as as_narrative on documents.document_id = as_narrative.narrative_document_id
    left join pairs as as_tables on documents.document_id = as_tables.tables_document_id
)

select * from final
