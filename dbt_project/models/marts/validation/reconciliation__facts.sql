{{ incremental_by_document() }}

-- Facts = printed figures: per document and fact table, Σ facts (residual rows included) equals
-- the total the document prints for that table — the general-budget table's 合计 (basic +
-- project), the basic-expenditure table's 合计, the procurement table's 合计 (or the 政府采购
-- column of the expenditure summary the facts come from), the 三公 table's four categories of
-- the budget year, the income table's 合计 (`facts_equal_printed_total`). Where the table prints
-- no total of its own that is independent of the facts (or the facts are the narrative's), the
-- closest independent figure printed elsewhere — another table or the narrative — stands for it
-- (`facts_equal_printed_figure`). Facts read from two tables, or from a table whose rows were
-- counted twice, exceed the printed figure: an error, so the document's figures are not marked
-- reconciled. Comparisons: int_reconciliation__fact_comparisons.
-- error_class of an error, by evidence, first match: a factor of 10⁴ (unit_slip) or 2 (doubled)
-- is extraction_suspect; printed cells inside the table that do not add up to a subtotal printed
-- beside them (a parent and its children, a unit and its lines, a total column) make it
-- document_inconsistent (the publisher's arithmetic); a figure printed the same in another
-- independent place (table or narrative) that our facts disagree with is extraction_suspect; a
-- total row the printed rows do not add up to is document_inconsistent; a narrative total whose
-- own stated parts add up to the facts is document_inconsistent (货物 + 工程 + 服务 ≠ 总额);
-- otherwise — the table agrees with itself, our facts do not — extraction_suspect.

with

comparisons as (
    select * from {{ rows_to_rebuild(ref('int_reconciliation__fact_comparisons')) }}
),

own_table as (
    select
        *,
        'facts_equal_printed_total' as rule,
    from comparisons
    where comparison = 'own_table'
),

-- Fact tables without an independent total of their own: the closest figure printed elsewhere.
elsewhere as (
    select
        *,
        'facts_equal_printed_figure' as rule,
    from comparisons
    where
        comparison <> 'own_table'
        and is_independent
        and (fact_table, document_id) not in (
            select (fact_table, document_id) from own_table
            where is_independent
        )
    qualify row_number() over (
        partition by fact_table, document_id
        order by abs(difference_yuan), comparison, printed_table_id
    ) = 1
),

evaluated as (
    select
        evaluations.*,
        exists(
            select 1
            from comparisons as other
            where
                other.fact_table = evaluations.fact_table
                and other.document_id = evaluations.document_id
                and other.is_independent
                and other.comparison || coalesce(other.printed_table_id, -1)
                <> evaluations.comparison || coalesce(evaluations.printed_table_id, -1)
                and abs(other.expected_yuan - evaluations.expected_yuan) <= evaluations.tolerance_yuan
        ) as is_corroborated,
    from (
        select * from own_table
        union all by name
        select * from elsewhere
    ) as evaluations
),

-- Tables whose printed cells do not add up to the totals printed in them: inside the table (a
-- parent and its children, a unit and its lines, a total column and its columns), or only at
-- the total row (the comparison the facts rule repeats).
inconsistent_tables as (
    select
        document_id,
        table_id,
        bool_or(rule <> 'total_row_equals_sum_of_rows') as inside,
    from (
        select
            document_id,
            table_id,
            rule,
        from {{ ref('int_reconciliation__row_hierarchy') }}
        where status = 'error' and {{ is_document_to_rebuild() }}
        union all
        select
            document_id,
            table_id,
            rule,
        from {{ ref('int_reconciliation__column_totals') }}
        where status = 'error' and {{ is_document_to_rebuild() }}
    )
    group by all
),

-- The parts a narrative states beside its total (货物 + 工程 + 服务; the four 三公 items),
-- summed: where they give our facts and not the total, the narrative contradicts itself.
narrative_parts as (
    select
        document_id,
        case when starts_with(figure_key, 'procurement_') then 'procurement_total' else 'three_public_total' end
            as total_key,
        sum(amount_yuan) as parts_yuan,
    from {{ ref('stg_raw__narrative_figures') }}
    where
        figure_key in (
            'procurement_goods', 'procurement_works', 'procurement_services',
            'three_public_outbound_travel', 'three_public_official_reception',
            'three_public_vehicle_purchase', 'three_public_vehicle_operation'
        )
        and amount_yuan is not null
    group by all
),

final as (
    select
        evaluated.rule,
        'facts' as rule_family,
        evaluated.document_id,
        documents.source_file,
        documents.fiscal_year,
        documents.department_name,
        evaluated.printed_table_id as table_id,
        evaluated.table_type,
        evaluated.table_title,
        evaluated.printed_number,
        evaluated.source_page,
        cast(null as varchar) as unit_name,
        cast(null as integer) as row_index,
        evaluated.row_label,
        cast(null as integer) as column_index,
        evaluated.column_label,
        evaluated.expected_yuan,
        evaluated.observed_yuan,
        evaluated.difference_yuan,
        evaluated.items_summed,
        evaluated.tolerance_yuan,
        evaluated.status,
        evaluated.finding,
        case
            when evaluated.status <> 'error' then null
            when evaluated.finding in ('unit_slip', 'doubled') then 'extraction_suspect'
            when inconsistent_tables.inside then 'document_inconsistent'
            when
                evaluated.comparison = 'narrative'
                and abs(narrative_parts.parts_yuan - evaluated.observed_yuan) <= evaluated.tolerance_yuan
                then 'document_inconsistent'
            when evaluated.is_corroborated then 'extraction_suspect'
            when inconsistent_tables.table_id is not null then 'document_inconsistent'
            else 'extraction_suspect'
        end as error_class,
        evaluated.fact_table,
        evaluated.comparison,
        evaluated.is_independent,
        'Σ ' || evaluated.fact_table || ' (' || evaluated.items_summed || ' rows, '
        || evaluated.residual_rows || ' residual'
        || case when evaluated.tables_summed > 1 then ', from ' || evaluated.tables_summed || ' tables' else '' end
        || case when evaluated.source = 'narrative' then ', narrative' else '' end
        || ') vs '
        || case evaluated.comparison
            when 'own_table' then 'the printed total of the table'
            when 'narrative' then 'the figure the narrative states (p.' || evaluated.source_page || ')'
            else 'the figure printed in ' || coalesce(evaluated.printed_number, evaluated.table_title)
        end
        || case
            when evaluated.printed_document_id <> evaluated.document_id then ' of the paired file'
            else ''
        end as detail,
    from evaluated
    inner join {{ ref('stg_raw__documents') }} as documents on evaluated.document_id = documents.document_id
    left join inconsistent_tables
        on
            evaluated.printed_document_id = inconsistent_tables.document_id
            and evaluated.printed_table_id = inconsistent_tables.table_id
    left join narrative_parts
        on
            evaluated.printed_document_id = narrative_parts.document_id
            and evaluated.row_label = narrative_parts.total_key
)

select * from final
{{ only_documents_to_rebuild() }}
