{{ incremental_by_document() }}

-- What each document prints of each table role: the tables extraction recognised (with how many
-- amounts they print) and the titles printed on pages (page_titles), contents pages apart.
-- One row per document × table role seen either way.

with

tables as (
    select
        document_id,
        table_id,
        table_type,
        table_title,
        first_page,
    from {{ rows_to_rebuild(ref('stg_raw__tables')) }}
),

-- Amounts printed in body rows (column numbers 栏次 1 2 3 are layout, not amounts).
cells as (
    select
        cells.document_id,
        cells.table_id,
        count(cells.printed_value) as printed_values,
    from {{ ref('stg_raw__cells') }} as cells
    inner join {{ ref('stg_raw__rows') }} as rows
        on
            cells.document_id = rows.document_id
            and cells.table_id = rows.table_id
            and cells.row_index = rows.row_index
    where
        {{ is_document_to_rebuild('cells.document_id') }}
        and {{ is_document_to_rebuild('rows.document_id') }}
        and not regexp_matches(coalesce(rows.row_name, ''), '^(栏次|行次|\*+)$')
    group by all
),

titles as (
    select * from {{ rows_to_rebuild(ref('stg_raw__page_titles')) }}
),

recognised as (
    select
        tables.document_id,
        tables.table_type as table_role,
        min(tables.first_page) filter (where cells.printed_values > 0) as printed_page,
        arg_min(tables.table_id, tables.first_page) filter (where cells.printed_values > 0)
            as printed_table_id,
        arg_min(tables.table_title, tables.first_page) filter (where cells.printed_values > 0)
            as printed_title,
        min(tables.first_page) as empty_page,
        arg_min(tables.table_id, tables.first_page) as empty_table_id,
        arg_min(tables.table_title, tables.first_page) as empty_title,
    from tables
    left join cells on tables.document_id = cells.document_id and tables.table_id = cells.table_id
    group by all
),

titled as (
    select
        document_id,
        table_type as table_role,
        min(source_page) filter (where not is_contents_page) as title_page,
        arg_min(printed_title, source_page) filter (where not is_contents_page) as title,
        min(source_page) filter (where not is_contents_page and empty_note is not null) as note_page,
        arg_min(empty_note, source_page) filter (where not is_contents_page and empty_note is not null)
            as empty_note,
        bool_or(is_contents_page) as is_listed_in_contents,
    from titles
    group by all
),

final as (
    select
        coalesce(recognised.document_id, titled.document_id) as document_id,
        coalesce(recognised.table_role, titled.table_role) as table_role,
        recognised.printed_page,
        recognised.printed_table_id,
        recognised.printed_title,
        recognised.empty_page,
        recognised.empty_table_id,
        recognised.empty_title,
        titled.title_page,
        titled.title,
        titled.note_page,
        titled.empty_note,
        coalesce(titled.is_listed_in_contents, false) as is_listed_in_contents,
    from recognised
    full outer join titled
        on recognised.document_id = titled.document_id and recognised.table_role = titled.table_role
)

select * from final
{{ only_documents_to_rebuild() }}
