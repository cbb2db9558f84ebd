{{ incremental_by_document() }}

-- The tables each loaded document's template requires (seed required_disclosure_tables): one
-- row per document × required table of its phase, fiscal year and level. A split disclosure
-- (情况说明 + 报表附件) is judged on its tables file, so its narrative file gets no rows.

with

documents as (
    select
        document_id,
        fiscal_year,
        phase,
        scope,
        document_kind,
        department_name,
    from {{ rows_to_rebuild(ref('stg_raw__documents')) }}
    where status = 'loaded' and phase is not null and fiscal_year is not null
),

disclosures as (
    select
        document_id,
        disclosure_id,
        disclosure_part,
    from {{ ref('int_disclosures') }}
),

departments as (
    select
        document_id,
        region_code,
    from {{ rows_to_rebuild(ref('int_document_departments')) }}
),

required as (
    select * from {{ ref('required_disclosure_tables') }}
),

final as (
    select
        documents.document_id,
        disclosures.disclosure_id,
        documents.fiscal_year,
        documents.phase,
        documents.scope,
        documents.document_kind,
        documents.department_name,
        required.table_role,
        required.template_number,
        required.table_name as required_table_name,
        required.source as requirement_source,
    from documents
    inner join disclosures on documents.document_id = disclosures.document_id
    left join departments on documents.document_id = departments.document_id
    inner join required
        on
            documents.phase = required.phase
            and documents.fiscal_year >= required.first_year
            and documents.fiscal_year <= coalesce(required.last_year, documents.fiscal_year)
            and (required.levels = 'all' or departments.region_code = '000000')
    where disclosures.disclosure_part <> 'narrative'
)

select * from final
{{ only_documents_to_rebuild() }}
