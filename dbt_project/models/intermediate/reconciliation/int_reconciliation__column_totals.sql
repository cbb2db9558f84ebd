{{ incremental_by_document() }}

-- Rule family (a), across the columns of one row: every printed total column (合计/小计/总计,
-- 支出总计 = 基本支出 + 项目支出, "三公"经费合计, a 总计 column group) equals the sum of the
-- columns the header tree puts beside it. A column counts once: where a sub-group prints its own
-- 小计, that 小计 stands for the group. Memo columns (政府采购, 预留…, "其中" lines that are not
-- 基本/项目/人员/公用) are "of which" figures and 扣除…后 columns alternative readings: never parts
-- of a total.
-- One row per (row × total column) where anything is printed.

{% set memo_label -%}
    regexp_matches(label, {{ memo_label_regex() }})
    or (regexp_matches(label, '^其中') and not regexp_matches(label, '基本支出|项目支出|人员|公用'))
{%- endset %}

with

-- Not materialized: read where used, not copied whole into memory once (10⁴ documents).
cells as not materialized (
    select * from {{ rows_to_rebuild(ref('int_reconciliation__cells')) }}
),

amount_columns as (
    select distinct
        document_id,
        table_id,
        column_index,
        column_path,
        header_labels,
        column_depth
    from cells
),

flagged as (
    select
        *,
        list_transform(header_labels, lambda label: regexp_matches(label, {{ total_label_regex() }})) as total_flags,
        list_transform(header_labels, lambda label: {{ memo_label }}) as memo_flags,
    from amount_columns
),

-- A total node: a column, or a group of columns, whose header label says total.
total_nodes as (
    select distinct
        document_id,
        table_id,
        depth as node_depth,
        header_labels[1:depth] as node_labels,
        header_labels[1:depth - 1] as group_labels,
    from flagged, unnest(generate_series(1, column_depth)) as levels (depth)
    where total_flags[depth] and not list_bool_or(memo_flags[1:depth])
),

groups_with_total as (
    select distinct
        document_id,
        table_id,
        group_labels
    from total_nodes
),

-- Deepest level at which a column is hidden behind its group's own total (0: none).
blocked as (
    select
        flagged.document_id,
        flagged.table_id,
        flagged.column_index,
        coalesce(max(levels.depth), 0) as blocked_depth,
    from flagged
    cross join unnest(generate_series(1, flagged.column_depth - 1)) as levels (depth)
    inner join groups_with_total
        on
            flagged.document_id = groups_with_total.document_id
            and flagged.table_id = groups_with_total.table_id
            and groups_with_total.group_labels = flagged.header_labels[1:levels.depth]
    where not flagged.total_flags[levels.depth + 1]
    group by all
),

-- Columns summed into each total node.
members as (
    select
        total_nodes.document_id,
        total_nodes.table_id,
        total_nodes.node_labels,
        flagged.column_index,
        flagged.column_path,
    from total_nodes
    inner join flagged
        on
            total_nodes.document_id = flagged.document_id
            and total_nodes.table_id = flagged.table_id
            and total_nodes.node_depth <= flagged.column_depth
            and flagged.header_labels[1:total_nodes.node_depth - 1] = total_nodes.group_labels
    left join blocked
        on
            flagged.document_id = blocked.document_id
            and flagged.table_id = blocked.table_id
            and flagged.column_index = blocked.column_index
    where
        not flagged.total_flags[total_nodes.node_depth]
        and not list_bool_or(flagged.memo_flags[total_nodes.node_depth:])
        -- a "三公" total covers the three items only, not 会议费 / 培训费 / 机关运行经费 beside it
        and not (
            regexp_matches(total_nodes.node_labels[-1], '三公')
            and regexp_matches(flagged.column_path, '会议费|培训费|机关运行|行政经费')
        )
        and coalesce(blocked.blocked_depth, 0) < total_nodes.node_depth
),

-- Columns making up each total node itself (one column, or a 总计 group of fund columns).
node_columns as (
    select
        total_nodes.document_id,
        total_nodes.table_id,
        total_nodes.node_labels,
        flagged.column_index,
    from total_nodes
    inner join flagged
        on
            total_nodes.document_id = flagged.document_id
            and total_nodes.table_id = flagged.table_id
            and flagged.header_labels[1:total_nodes.node_depth] = total_nodes.node_labels
),

printed_totals as (
    select
        node_columns.document_id,
        node_columns.table_id,
        node_columns.node_labels,
        cells.row_index,
        sum(coalesce(cells.amount_yuan, 0)) as expected_yuan,
        count(cells.amount_yuan) as printed_cells,
        max(cells.rounding_yuan) as rounding_yuan,
    from node_columns
    inner join cells
        on
            node_columns.document_id = cells.document_id
            and node_columns.table_id = cells.table_id
            and node_columns.column_index = cells.column_index
    group by all
),

-- Each total node's member columns named in column order: per node, not per row. An ordered
-- aggregate keeps its groups' strings in memory (DuckDB cannot spill it): per row, at 10⁴
-- documents, it outgrew the build's memory limit.
member_lists as (
    select
        document_id,
        table_id,
        node_labels,
        count(*) as member_count,
        string_agg(column_path, ' + ' order by column_index) as member_columns,
    from members
    group by all
),

summed_members as (
    select
        members.document_id,
        members.table_id,
        members.node_labels,
        cells.row_index,
        sum(coalesce(cells.amount_yuan, 0)) as observed_yuan,
        count(*) as items_summed,
        count(cells.amount_yuan) as printed_items,
    from members
    inner join cells
        on
            members.document_id = cells.document_id
            and members.table_id = cells.table_id
            and members.column_index = cells.column_index
    group by all
),

-- A row without a cell in one of its node's member columns (rare) names the members it has.
partial_members as (
    select
        summed_members.document_id,
        summed_members.table_id,
        summed_members.node_labels,
        summed_members.row_index,
        string_agg(members.column_path, ' + ' order by members.column_index) as member_columns,
    from summed_members
    inner join member_lists
        on
            summed_members.document_id = member_lists.document_id
            and summed_members.table_id = member_lists.table_id
            and summed_members.node_labels = member_lists.node_labels
    inner join members
        on
            summed_members.document_id = members.document_id
            and summed_members.table_id = members.table_id
            and summed_members.node_labels = members.node_labels
    inner join cells
        on
            members.document_id = cells.document_id
            and members.table_id = cells.table_id
            and members.column_index = cells.column_index
            and summed_members.row_index = cells.row_index
    where summed_members.items_summed < member_lists.member_count
    group by all
),

row_context as (
    select distinct
        {{ table_context() }},
        source_page,
        unit_name,
        row_index,
        row_kind,
        row_display,
        row_name,
    from cells
),

compared as (
    select
        row_context.*,
        printed_totals.node_labels,
        printed_totals.expected_yuan,
        summed_members.observed_yuan,
        summed_members.observed_yuan - printed_totals.expected_yuan as difference_yuan,
        summed_members.items_summed,
        summed_members.items_summed * printed_totals.rounding_yuan as tolerance_yuan,
        coalesce(partial_members.member_columns, member_lists.member_columns) as member_columns,
    from printed_totals
    inner join row_context
        on
            printed_totals.document_id = row_context.document_id
            and printed_totals.table_id = row_context.table_id
            and printed_totals.row_index = row_context.row_index
    inner join summed_members
        on
            printed_totals.document_id = summed_members.document_id
            and printed_totals.table_id = summed_members.table_id
            and printed_totals.node_labels = summed_members.node_labels
            and printed_totals.row_index = summed_members.row_index
    inner join member_lists
        on
            summed_members.document_id = member_lists.document_id
            and summed_members.table_id = member_lists.table_id
            and summed_members.node_labels = member_lists.node_labels
    left join partial_members
        on
            summed_members.document_id = partial_members.document_id
            and summed_members.table_id = partial_members.table_id
            and summed_members.node_labels = partial_members.node_labels
            and summed_members.row_index = partial_members.row_index
    where printed_totals.printed_cells > 0 or summed_members.printed_items > 0
),

final as (
    select
        'row_total_equals_sum_of_columns' as rule,
        'within_table' as rule_family,
        {{ table_context() }},
        source_page,
        unit_name,
        row_index,
        coalesce(nullif(row_display, ''), nullif(row_name, ''), row_kind) as row_label,
        array_to_string(node_labels, '/') as column_label,
        expected_yuan,
        observed_yuan,
        difference_yuan,
        items_summed,
        tolerance_yuan,
        {{ reconciliation_outcome('difference_yuan', 'tolerance_yuan', 'expected_yuan') }},
        'printed ' || array_to_string(node_labels, '/') || ' vs ' || member_columns as detail,
    from compared
)

select * from final
{{ only_documents_to_rebuild() }}
