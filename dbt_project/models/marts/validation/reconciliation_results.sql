{{ incremental_by_document() }}

-- Every reconciliation rule evaluation of every loaded document, with its outcome: what the
-- Great Expectations "reconciliation" suite validates and the validation report lists.
-- status: pass (exact), warn (within rounding tolerance, or a parent above its printed
-- children: withheld lines — never a difference above 1 % and above 1 万元), error (anything else).
-- error_class of an error: extraction_suspect (our facts or reading contradict the page: the facts
-- rule's class, a unit slip or a doubled figure — inside a table only where no other row of the
-- same check and column fails by another difference —, a row hierarchy failing inside a two-sided summary
-- whose printed totals balance) or document_inconsistent (two figures we read as printed disagree:
-- the publisher's arithmetic).

with

row_hierarchy as (
    select * from {{ rows_to_rebuild(ref('int_reconciliation__row_hierarchy')) }}
),

column_totals as (
    select * from {{ rows_to_rebuild(ref('int_reconciliation__column_totals')) }}
),

cross_table as (
    select * exclude (other_table_id) from {{ rows_to_rebuild(ref('int_reconciliation__cross_table')) }}
),

narrative as (
    select * from {{ rows_to_rebuild(ref('int_reconciliation__narrative')) }}
),

final_accounts_balance as (
    select * from {{ rows_to_rebuild(ref('int_reconciliation__final_accounts_balance')) }}
),

facts as (
    select * exclude (fact_table, comparison, is_independent) from {{ rows_to_rebuild(ref('reconciliation__facts')) }}
),

unioned as (
    select * from row_hierarchy
    union all by name
    select * from column_totals
    union all by name
    select * from cross_table
    union all by name
    select * from narrative
    union all by name
    select * from final_accounts_balance
    union all by name
    select * from facts
),

-- Two-sided summaries whose printed totals balance (本年收入 = 本年支出, 收入总计 = 支出总计): a row
-- hierarchy failing inside one is our reading of its lines, not the publisher's arithmetic.
balanced_tables as (
    select distinct
        document_id,
        table_id,
    from cross_table
    where rule in ('income_equals_expenditure', 'income_total_equals_expenditure_total') and status <> 'error'
),

-- Within-table checks that fail by other differences than a factor of 2 in the same table and
-- column: there a doubled row is one more line of the publisher's inconsistency, not something
-- read twice (a reading that doubles does so on every line it touches).
inconsistent_columns as (
    select distinct
        document_id,
        table_id,
        rule,
        column_label,
    from unioned
    where
        rule_family = 'within_table' and status = 'error'
        and finding not in ('unit_slip', 'doubled')
),

classified as (
    select
        unioned.*,
        case
            when unioned.status <> 'error' then null
            when unioned.error_class is not null then unioned.error_class
            when unioned.finding = 'unit_slip' then 'extraction_suspect'
            when unioned.finding = 'doubled' and inconsistent_columns.table_id is null then 'extraction_suspect'
            when unioned.rule_family = 'within_table' and balanced_tables.table_id is not null then 'extraction_suspect'
            else 'document_inconsistent'
        end as classified_error,
    from unioned
    left join balanced_tables
        on unioned.document_id = balanced_tables.document_id and unioned.table_id = balanced_tables.table_id
    left join inconsistent_columns
        on
            unioned.rule_family = 'within_table'
            and unioned.document_id = inconsistent_columns.document_id
            and unioned.table_id = inconsistent_columns.table_id
            and unioned.rule = inconsistent_columns.rule
            and unioned.column_label is not distinct from inconsistent_columns.column_label
),

final as (
    select
        md5(concat_ws(
            '|', rule, document_id, table_id, row_index, row_label, column_index, column_label, detail
        )) as evaluation_id,
        rule,
        rule_family,
        case status when 'error' then 'error' when 'warn' then 'warning' else 'info' end as severity,
        status,
        finding,
        classified_error as error_class,
        {{ table_context() }},
        case
            when printed_number is null or starts_with(table_title, printed_number) then table_title
            else printed_number || ' ' || table_title
        end as table_label,
        source_page,
        unit_name,
        row_index,
        row_label,
        column_index,
        column_label,
        cast(expected_yuan as decimal(20, 2)) as expected_yuan,
        cast(observed_yuan as decimal(20, 2)) as observed_yuan,
        cast(difference_yuan as decimal(20, 2)) as difference_yuan,
        items_summed,
        cast(tolerance_yuan as decimal(20, 2)) as tolerance_yuan,
        detail,
    from classified
)

select * from final
{{ only_documents_to_rebuild() }}
