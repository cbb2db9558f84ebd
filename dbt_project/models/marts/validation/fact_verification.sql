{{ incremental_by_document() }}

-- Per loaded document and fact table it has facts in: were the facts compared with a figure the
-- document prints independently of them, and did they agree (核验)? verified: they agree with at
-- least one (within rounding) and the table's own total does not contradict them; contradicted:
-- compared, and they disagree with the table's own total or with every figure compared;
-- unverified: nothing independent is printed for them (the reason says what is missing).

with

comparisons as (
    select * from {{ ref('int_reconciliation__fact_comparisons') }}
),

fact_sums as (
    select * from {{ ref('int_reconciliation__fact_sums') }}
),

-- The class of the facts rule's error for the fact table, where it has one.
evaluations as (
    select
        fact_table,
        document_id,
        any_value(error_class) filter (where status = 'error') as error_class,
    from {{ ref('reconciliation__facts') }}
    group by all
),

outcomes as (
    select
        fact_table,
        document_id,
        count(*) filter (where is_independent) as comparisons,
        count(*) filter (where is_independent and status <> 'error') as agreeing,
        bool_or(comparison = 'own_table' and is_independent and status = 'error') as own_total_contradicts,
        bool_or(comparison = 'own_table') as has_own_total,
    from comparisons
    group by all
),

-- The figure that decides: the own total where it contradicts, else the closest agreeing one
-- (own table first, then another table, then the narrative), else the closest one.
decisive as (
    select comparisons.*
    from comparisons
    inner join outcomes
        on comparisons.fact_table = outcomes.fact_table and comparisons.document_id = outcomes.document_id
    where comparisons.is_independent
    qualify row_number() over (
        partition by comparisons.fact_table, comparisons.document_id
        order by
            outcomes.own_total_contradicts and comparisons.comparison = 'own_table' desc,
            comparisons.status <> 'error' desc,
            comparisons.comparison = 'own_table' desc,
            comparisons.comparison = 'other_table' desc,
            abs(comparisons.difference_yuan) asc,
            comparisons.printed_table_id asc,
            -- a total order: equal figures of one table are told apart by where they are printed
            comparisons.source_page asc,
            comparisons.row_label asc,
            comparisons.column_label asc,
            comparisons.printed_document_id asc
    ) = 1
),

final as (
    select
        md5(concat_ws('|', fact_sums.document_id, fact_sums.fact_table)) as fact_verification_id,
        fact_sums.document_id,
        documents.source_file,
        fact_sums.fact_table,
        fact_sums.source,
        fact_sums.items_summed as fact_rows,
        cast(fact_sums.observed_yuan as decimal(20, 2)) as facts_yuan,
        case
            when outcomes.own_total_contradicts then 'contradicted'
            when outcomes.agreeing > 0 then 'verified'
            when outcomes.comparisons > 0 then 'contradicted'
            else 'unverified'
        end as verification_status,
        case
            when coalesce(outcomes.comparisons, 0) > 0 then null
            when outcomes.has_own_total then {{ unverified_reason('its only total is the sum of the rows read') }}
            when fact_sums.source = 'narrative' then {{ unverified_reason('the narrative states no total') }}
            else {{ unverified_reason('the table prints no total') }}
        end as unverified_reason,
        coalesce(outcomes.comparisons, 0) as comparisons,
        coalesce(outcomes.agreeing, 0) as agreeing,
        decisive.comparison as compared_with,
        cast(decisive.expected_yuan as decimal(20, 2)) as printed_yuan,
        cast(decisive.difference_yuan as decimal(20, 2)) as difference_yuan,
        cast(decisive.tolerance_yuan as decimal(20, 2)) as tolerance_yuan,
        decisive.printed_document_id,
        decisive.printed_table_id,
        coalesce(decisive.printed_number || ' ', '') || decisive.table_title as printed_table,
        decisive.source_page as printed_page,
        decisive.row_label as printed_row_label,
        decisive.column_label as printed_column_label,
        case when verification_status = 'contradicted' then coalesce(evaluations.error_class, 'extraction_suspect') end
            as error_class,
    from fact_sums
    inner join {{ ref('stg_raw__documents') }} as documents on fact_sums.document_id = documents.document_id
    left join outcomes
        on fact_sums.fact_table = outcomes.fact_table and fact_sums.document_id = outcomes.document_id
    left join decisive
        on fact_sums.fact_table = decisive.fact_table and fact_sums.document_id = decisive.document_id
    left join evaluations
        on fact_sums.fact_table = evaluations.fact_table and fact_sums.document_id = evaluations.document_id
    where documents.status = 'loaded'
)

select * from final
{{ only_documents_to_rebuild() }}
