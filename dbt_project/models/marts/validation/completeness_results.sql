{{ incremental_by_document() }}

-- Completeness findings (预决算公开完整性): one evaluation per required table of each document
-- (fct_disclosure_tables), what the Great Expectations "completeness" suite validates. A
-- `missing` table is a warning naming it in Chinese (rule required_table_printed); a
-- `not_recognised` one a warning against the extraction (rule required_table_recognised).

with

tables as (
    select * from {{ ref('fct_disclosure_tables') }}
),

documents as (
    select
        document_id,
        source_file,
    from {{ ref('dim_document') }}
),

final as (
    select
        tables.disclosure_table_id as evaluation_id,
        case
            when tables.status = 'not_recognised' then 'required_table_recognised'
            else 'required_table_printed'
        end as rule,
        'completeness' as rule_family,
        case
            when tables.status in ('missing', 'not_recognised') then 'warning'
            else 'info'
        end as severity,
        case
            when tables.status in ('missing', 'not_recognised') then 'warn'
            else 'pass'
        end as status,
        tables.document_id,
        documents.source_file,
        tables.fiscal_year,
        tables.department_name,
        tables.table_id,
        tables.table_role as table_type,
        tables.required_table_name as table_label,
        tables.source_page,
        tables.required_table_name as row_label,
        tables.status as column_label,
        case tables.status
            when 'missing'
                then
                    '缺少' || tables.required_table_name || ': no page prints it'
                    || case when tables.is_listed_in_contents then ' (the table of contents lists it)' else '' end
            when 'not_recognised'
                then
                    tables.required_table_name || ': title printed on p.' || tables.source_page
                    || ' but no table recognised there (extraction failure)'
            else
                tables.required_table_name || ': ' || tables.status
                || coalesce(' on p.' || tables.source_page, '')
        end as detail,
    from tables
    inner join documents on tables.document_id = documents.document_id
)

select * from final
{{ only_documents_to_rebuild() }}
