{{ incremental_by_document() }}

-- The figures that stand for a document in the across-table and narrative rules: per table type
-- and measure, the figure of the first table of that type printing it.

with

figures as (
    select * from {{ rows_to_rebuild(ref('int_reconciliation__table_figures')) }}
),

final as (
    select *
    from figures
    where printed_cells > 0
    qualify table_id = min(table_id) over (partition by document_id, table_type, measure)
)

select * from final
{{ only_documents_to_rebuild() }}
