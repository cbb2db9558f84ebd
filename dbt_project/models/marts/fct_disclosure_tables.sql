{{ incremental_by_document() }}

-- Which required tables each disclosure printed (预决算公开完整性): one row per document × table
-- its template requires. status: printed (a recognised table with amounts; its page),
-- printed_empty (a recognised table without amounts, or a title on a page saying the table is
-- empty: 本部门无政府性基金收支，故本表为空), not_recognised (a page prints the title but extraction
-- found no such table there — our failure, not the publisher's), missing (no page prints it; a
-- table of contents listing it does not count), not_in_this_file (a narrative-only disclosure whose
-- tables file is not loaded: its tables are a separate attachment).

with

required as (
    select * from {{ rows_to_rebuild(ref('int_required_tables_per_document')) }}
),

printed as (
    select * from {{ rows_to_rebuild(ref('int_printed_tables_by_role')) }}
),

judged as (
    select
        required.*,
        printed.is_listed_in_contents,
        printed.empty_note,
        case
            when printed.printed_page is not null then 'printed'
            when printed.empty_page is not null or printed.note_page is not null then 'printed_empty'
            when required.document_kind = 'narrative_only' then 'not_in_this_file'
            when printed.title_page is not null then 'not_recognised'
            else 'missing'
        end as status,
        coalesce(printed.printed_page, printed.empty_page, printed.note_page, printed.title_page)
            as source_page,
        coalesce(printed.printed_table_id, printed.empty_table_id) as table_id,
        coalesce(printed.printed_title, printed.empty_title, printed.title) as printed_title,
    from required
    left join printed
        on required.document_id = printed.document_id and required.table_role = printed.table_role
),

final as (
    select
        md5(document_id || '|' || table_role) as disclosure_table_id,
        document_id,
        disclosure_id,
        fiscal_year,
        phase,
        scope,
        department_name,
        department_name as unit_name,
        table_role,
        template_number,
        required_table_name,
        status,
        source_page,
        table_id,
        printed_title,
        empty_note,
        coalesce(is_listed_in_contents, false) as is_listed_in_contents,
        requirement_source,
    from judged
)

select * from final
{{ only_documents_to_rebuild() }}
