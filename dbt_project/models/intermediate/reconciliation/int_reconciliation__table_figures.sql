{{ incremental_by_document() }}

-- The headline figures each table prints, for the across-table and narrative rules: one row per
-- (table × measure). Measures of one-sided tables: total, basic (基本支出), project (项目支出),
-- procurement (政府采购) and the four 三公 categories, read from the table's total row
-- (合计/总计; else the department row; else Σ unit rows; else Σ top-level rows) for the budget
-- year. Two-sided summaries (收支总表, 财政拨款收支总表) give income_current / income_total /
-- expenditure_current / expenditure_total (本年收入合计, 收入总计, …) and the lines printed
-- between them (income_carryover / expenditure_carryover: 上年结转, 结转下年…). `figure_rows` says
-- which rows a figure was read from (total_row, department_row, unit_rows, top_level_rows).

with

cells as (
    select * from {{ ref('int_reconciliation__cells') }}
    where (column_year is null or column_year = fiscal_year) and {{ is_document_to_rebuild() }}
),

-- Tables printing several measures (预算数 and 决算数, 扣除…后) are read on the current one.
one_sided as (
    select *
    from cells
    where not is_two_sided
    qualify is_current_measure or not bool_or(is_current_measure) over (partition by document_id, table_id)
),

columns as (
    select distinct
        document_id,
        table_id,
        table_type,
        column_index,
        column_path,
        header_labels,
        column_depth,
        is_other_measure_column,
        list_transform(header_labels, lambda label: regexp_matches(label, {{ total_label_regex() }})) as total_flags,
        regexp_matches(column_path, {{ memo_label_regex() }}) as is_memo,
        count(amount_yuan) over (partition by document_id, table_id, column_index) > 0 as prints_amounts,
    from one_sided
),

-- Nodes of the header tree: every prefix of every column path.
nodes as (
    select distinct
        document_id,
        table_id,
        table_type,
        depth as node_depth,
        header_labels[1:depth] as node_labels,
        header_labels[depth] as node_label,
    from columns, unnest(generate_series(1, column_depth)) as levels (depth)
),

node_measures as (
    select
        nodes.document_id,
        nodes.table_id,
        case
            when regexp_matches(nodes.node_label, {{ total_label_regex() }}) and not regexp_matches(
                array_to_string(nodes.node_labels, '/'), '政府采购|预留|其中|基本支出|项目支出'
            ) then 'total'
            when regexp_matches(nodes.node_label, '^(其中:)?基本支出$') then 'basic'
            when regexp_matches(nodes.node_label, '^(其中:)?项目支出$') then 'project'
            when
                regexp_matches(nodes.node_label, '政府采购')
                and not regexp_matches(nodes.node_label, {{ procurement_reserve_regex() }}) then 'procurement'
        end as measure,
        nodes.node_labels,
        nodes.node_depth,
        min(columns.column_index) as first_column,
    from nodes
    inner join columns
        on
            nodes.document_id = columns.document_id
            and nodes.table_id = columns.table_id
            and columns.header_labels[1:nodes.node_depth] = nodes.node_labels
    group by all
    having measure is not null
),

-- The shallowest node of each measure (its first column wins ties); in 三公 tables a total
-- naming "三公" first (a 合计 beside 会议费 and 培训费 covers more than 三公).
measure_nodes as (
    select *
    from node_measures
    qualify row_number() over (
        partition by document_id, table_id, measure
        order by
            case when measure = 'total' and regexp_matches(array_to_string(node_labels, '/'), '三公') then 0 else 1 end,
            node_depth,
            first_column
    ) = 1
),

-- A measure node's columns: its own 小计/合计 where it prints one, else its non-memo leaves.
measure_columns as (
    select
        measure_nodes.document_id,
        measure_nodes.table_id,
        measure_nodes.measure,
        columns.column_index,
        columns.column_path,
    from measure_nodes
    inner join columns
        on
            measure_nodes.document_id = columns.document_id
            and measure_nodes.table_id = columns.table_id
            and columns.header_labels[1:measure_nodes.node_depth] = measure_nodes.node_labels
    where
        (measure_nodes.measure = 'procurement' or not columns.is_memo)
        and (
            columns.column_depth = measure_nodes.node_depth
            or columns.total_flags[measure_nodes.node_depth + 1]
            or not exists (
                select 1
                from columns as sibling
                where
                    sibling.document_id = columns.document_id
                    and sibling.table_id = columns.table_id
                    and sibling.column_depth > measure_nodes.node_depth
                    and sibling.header_labels[1:measure_nodes.node_depth] = measure_nodes.node_labels
                    and sibling.total_flags[measure_nodes.node_depth + 1]
            )
        )
        and not (
            measure_nodes.measure = 'procurement'
            and regexp_matches(columns.column_path, {{ procurement_reserve_regex() }})
        )

    union all

    -- Tables without a total column: their first plain amount column that prints an amount is
    -- the total (a text column taken for amounts, 购买服务内容, prints none).
    select
        document_id,
        table_id,
        'total' as measure,
        column_index,
        column_path,
    from columns
    where
        not is_memo and not is_other_measure_column and prints_amounts
        and (document_id, table_id) not in (
            select (document_id, table_id) from measure_nodes
            where measure = 'total'
        )
    qualify column_index = min(column_index) over (partition by document_id, table_id)

    union all

    -- 三公 categories, summed over fund columns.
    select
        document_id,
        table_id,
        'three_public_' || {{ three_public_category('column_path') }} as measure,
        column_index,
        column_path,
    from columns
    where table_type = 'three_public' and {{ three_public_category('column_path') }} is not null
),

-- The rows a table's headline figures are read from, in order of preference.
candidate_rows as (
    select distinct
        document_id,
        table_id,
        row_index,
        row_kind,
        source_page,
        case
            when row_kind = 'total' and coalesce(row_name, '') in ('合计', '总计', '共计', '') then 1
            when row_kind = 'total' then 2
            when row_kind = 'department' then 3
            when row_kind = 'unit' then 4
            when parent_row_index is null and row_kind in ('item', 'group') and row_code is not null then 5
        end as preference,
    from one_sided
    where row_year is null or row_year = fiscal_year
),

chosen_rows as (
    select *
    from candidate_rows
    where preference is not null
    qualify preference = min(preference) over (partition by document_id, table_id)
    -- a single total or department row; every unit or top-level row
    and (preference >= 4 or row_index = min(row_index) over (partition by document_id, table_id, preference))
),

one_sided_figures as (
    select
        one_sided.document_id,
        one_sided.table_id,
        measure_columns.measure,
        sum(coalesce(one_sided.amount_yuan, 0)) as amount_yuan,
        count(one_sided.amount_yuan) as printed_cells,
        count(distinct one_sided.row_index) as rows_summed,
        count(*) as items_summed,
        min(chosen_rows.source_page) as source_page,
        string_agg(
            distinct coalesce(
                nullif(one_sided.row_display, ''),
                case when one_sided.row_kind in ('unit', 'department') then one_sided.unit_name end,
                one_sided.row_kind
            ),
            ' + '
            order by coalesce(
                nullif(one_sided.row_display, ''),
                case when one_sided.row_kind in ('unit', 'department') then one_sided.unit_name end,
                one_sided.row_kind
            )
        ) as row_label,
        string_agg(distinct measure_columns.column_path, ' + ' order by measure_columns.column_path) as column_label,
        max(one_sided.rounding_yuan) as rounding_yuan,
        case min(chosen_rows.preference)
            when 3 then 'department_row' when 4 then 'unit_rows' when 5 then 'top_level_rows' else 'total_row'
        end as figure_rows,
    from one_sided
    inner join chosen_rows
        on
            one_sided.document_id = chosen_rows.document_id
            and one_sided.table_id = chosen_rows.table_id
            and one_sided.row_index = chosen_rows.row_index
    inner join measure_columns
        on
            one_sided.document_id = measure_columns.document_id
            and one_sided.table_id = measure_columns.table_id
            and one_sided.column_index = measure_columns.column_index
    group by all
),

-- Two-sided summaries: each side's first amount column, read by row label.
side_cells as (
    select *
    from cells
    where is_two_sided and table_side is not null
    qualify column_index = min(column_index) over (partition by document_id, table_id, table_side)
),

-- 收入合计 is the side's total where a 本年收入合计 is printed above it, else its current total.
side_marks as (
    select
        *,
        case
            when regexp_matches(row_label, '^本年(收入|支出)?合计$') then 'current'
            when
                regexp_matches(row_label, '^(收入|支出)合计$')
                and bool_or(regexp_matches(row_label, '^本年(收入|支出)?合计$')) over (
                    partition by document_id, table_id, table_side
                )
                then 'total'
            when regexp_matches(row_label, '^(收入|支出)合计$') then 'current'
            when regexp_matches(row_label, '^(收入|支出)?总计$') then 'total'
            when regexp_matches(row_label, '^合计$') then 'plain'
        end as total_kind,
    from side_cells
),

-- A total label printed twice (several 合计 rows) keeps its first row.
side_totals as (
    select *
    from side_marks
    where total_kind is not null
    qualify row_index = min(row_index) over (partition by document_id, table_id, table_side, total_kind)
),

side_bounds as (
    select
        document_id,
        table_id,
        table_side,
        min(row_index) filter (where total_kind = 'current') as current_row,
        min(row_index) filter (where total_kind = 'total') as total_row,
        bool_or(total_kind = 'plain') as has_plain,
    from side_totals
    group by all
),

side_lines as (
    select
        side_totals.*,
        case when total_kind = 'plain' then 'total' else total_kind end as figure,
    from side_totals
    inner join side_bounds
        on
            side_totals.document_id = side_bounds.document_id
            and side_totals.table_id = side_bounds.table_id
            and side_totals.table_side = side_bounds.table_side
    -- a plain 合计 is the side's total where neither 本年合计 nor 总计 is printed
    where
        total_kind in ('current', 'total')
        or (side_bounds.current_row is null and side_bounds.total_row is null)

    union all

    -- Lines between 本年合计 and 总计 (上年结转, 结转下年, 事业基金弥补, 未安排支出的实户资金…), without their
    -- breakdowns by fund (一般公共预算…, 其中…).
    select
        side_marks.*,
        'carryover' as figure,
    from side_marks
    inner join side_bounds
        on
            side_marks.document_id = side_bounds.document_id
            and side_marks.table_id = side_bounds.table_id
            and side_marks.table_side = side_bounds.table_side
    where
        side_marks.total_kind is null
        and side_marks.row_index > side_bounds.current_row
        and side_marks.row_index < side_bounds.total_row
        and regexp_matches(side_marks.row_label, '结转|结余|余额|弥补|上级补助|附属单位|事业基金|上缴上级|未安排支出')
        and not regexp_matches(
            side_marks.row_label, '^其中|^[0-9(（]|一般公共预算|政府性基金|国有资本|财政拨款资金'
        )
),

two_sided_figures as (
    select
        document_id,
        table_id,
        table_side || '_' || figure as measure,
        sum(coalesce(amount_yuan, 0)) as amount_yuan,
        count(amount_yuan) as printed_cells,
        count(distinct row_index) as rows_summed,
        count(*) as items_summed,
        min(source_page) as source_page,
        string_agg(row_label, ' + ' order by row_index) as row_label,
        any_value(column_path) as column_label,
        max(rounding_yuan) as rounding_yuan,
        'total_row' as figure_rows,
    from side_lines
    group by all
),

tables as (
    select distinct
        {{ table_context() }},
    from cells
),

final as (
    select
        tables.*,
        figures.* exclude (document_id, table_id)
    from (
        select * from one_sided_figures
        union all by name
        select * from two_sided_figures
    ) as figures
    inner join tables
        on figures.document_id = tables.document_id and figures.table_id = tables.table_id
)

select * from final
{{ only_documents_to_rebuild() }}
