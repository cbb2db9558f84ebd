{{ incremental_by_document() }}

-- Rule family (a)/(b), within one table: every printed parent row equals the sum of its printed
-- children, column by column — 类 = Σ款, 款 = Σ项, economic 类 = Σ款, procurement catalogue
-- prefixes and A/B/C subtotals, a unit = Σ its lines, a department = Σ its units — and every
-- printed total row (合计/总计) equals the sum of the table's top-level rows.
-- One row per (parent or total row × amount column) where anything is printed.
-- A parent above its children by more than rounding is a gap (withheld lines, see CONTRACT:
-- residual facts): a warning; children above their parent are an error.

with

-- Not materialized: read where used, not copied whole into memory once (10⁴ documents).
cells as not materialized (
    select * from {{ rows_to_rebuild(ref('int_reconciliation__cells')) }}
),

rows as not materialized (
    select distinct
        document_id,
        table_id,
        row_index,
        row_kind,
        row_year,
        parent_row_index,
        is_two_sided
    from cells
),

-- Parent links as printed; a department row printed once per year (三公 tables) takes the
-- unit rows of its own year, whatever row the extraction parented them on.
links as (
    select
        parent.document_id,
        parent.table_id,
        parent.row_index as parent_row_index,
        child.row_index as child_row_index,
        'parent' as link_kind,
    from rows as child
    inner join rows as parent
        on
            child.document_id = parent.document_id
            and child.table_id = parent.table_id
            and child.parent_row_index = parent.row_index
    where
        child.row_kind <> 'total'
        and (parent.row_year is null or child.row_year is null or parent.row_year = child.row_year)
        and not (parent.row_kind = 'department' and child.row_kind = 'unit' and parent.row_year is not null)

    union

    select
        parent.document_id,
        parent.table_id,
        parent.row_index as parent_row_index,
        child.row_index as child_row_index,
        'parent' as link_kind,
    from rows as parent
    inner join rows as child
        on
            parent.document_id = child.document_id
            and parent.table_id = child.table_id
            and parent.row_year = child.row_year
    where parent.row_kind = 'department' and child.row_kind = 'unit'

    union

    -- A total row of a one-sided table sums the rows at the top of the tree.
    select
        total.document_id,
        total.table_id,
        total.row_index as parent_row_index,
        top.row_index as child_row_index,
        'total' as link_kind,
    from rows as total
    inner join rows as top
        on
            total.document_id = top.document_id
            and total.table_id = top.table_id
            and top.parent_row_index is null
            and top.row_kind <> 'total'
            and (total.row_year is null or top.row_year is null or total.row_year = top.row_year)
    where total.row_kind = 'total' and not total.is_two_sided
),

-- Two-sided tables: only printed cells on the side whose labels built the tree take part (a
-- blank on the other side is not a zero of this row).
usable as not materialized (
    select *
    from cells
    where not is_two_sided or (row_label = row_name and amount_yuan is not null)
),

children as (
    select
        links.document_id,
        links.table_id,
        links.parent_row_index,
        links.link_kind,
        child.column_index,
        sum(coalesce(child.amount_yuan, 0)) as observed_yuan,
        count(*) as items_summed,
        count(child.amount_yuan) as printed_items,
        max(child.rounding_yuan) as rounding_yuan,
        bool_or(child.row_kind = 'unit') as has_unit_children,
        -- the kinds among the children, in name order: row_kind's accepted values spelled out,
        -- not string_agg(distinct … order by …), an ordered aggregate DuckDB cannot spill
        concat_ws(
            ',',
            case when bool_or(child.row_kind = 'department') then 'department' end,
            case when bool_or(child.row_kind = 'derived') then 'derived' end,
            case when bool_or(child.row_kind = 'group') then 'group' end,
            case when bool_or(child.row_kind = 'item') then 'item' end,
            case when bool_or(child.row_kind = 'total') then 'total' end,
            case when bool_or(child.row_kind = 'unit') then 'unit' end
        ) as child_kinds,
    from links
    inner join usable as child
        on
            links.document_id = child.document_id
            and links.table_id = child.table_id
            and links.child_row_index = child.row_index
    group by all
),

-- Two-sided tables: a child printing an amount in the column under another side's label (the
-- tree's side is blank there, e.g. 表1's 收入 ends at 6、其他收入 while 支出功能分类 runs on to 24、)
-- means the column's children are not this tree's: the column is not compared.
foreign_children as (
    select distinct
        links.document_id,
        links.table_id,
        links.parent_row_index,
        child.column_index,
    from links
    inner join cells as child
        on
            links.document_id = child.document_id
            and links.table_id = child.table_id
            and links.child_row_index = child.row_index
    where child.is_two_sided and child.amount_yuan is not null and child.row_label <> child.row_name
),

compared as (
    select
        parent.*,
        children.link_kind,
        children.observed_yuan,
        children.items_summed,
        children.printed_items,
        children.has_unit_children,
        children.child_kinds,
        coalesce(parent.amount_yuan, 0) as expected_yuan,
        children.observed_yuan - coalesce(parent.amount_yuan, 0) as difference_yuan,
        children.items_summed * greatest(parent.rounding_yuan, children.rounding_yuan) as tolerance_yuan,
    from usable as parent
    inner join children
        on
            parent.document_id = children.document_id
            and parent.table_id = children.table_id
            and parent.row_index = children.parent_row_index
            and parent.column_index = children.column_index
    -- Something must be printed; a two-sided table's parent must print its own amount.
    left join foreign_children
        on
            parent.document_id = foreign_children.document_id
            and parent.table_id = foreign_children.table_id
            and parent.row_index = foreign_children.parent_row_index
            and parent.column_index = foreign_children.column_index
    where
        (parent.amount_yuan is not null or children.printed_items > 0)
        and (not parent.is_two_sided or (parent.amount_yuan is not null and children.printed_items > 0))
        and foreign_children.parent_row_index is null
),

final as (
    select
        case
            when link_kind = 'total' then 'total_row_equals_sum_of_rows'
            when row_kind = 'department' and has_unit_children then 'department_equals_sum_of_units'
            when row_kind in ('department', 'unit') then 'unit_equals_sum_of_lines'
            else 'parent_equals_sum_of_children'
        end as rule,
        'within_table' as rule_family,
        {{ table_context() }},
        source_page,
        unit_name,
        row_index,
        coalesce(nullif(row_display, ''), nullif(row_label, ''), row_kind) as row_label,
        column_index,
        column_path as column_label,
        expected_yuan,
        observed_yuan,
        difference_yuan,
        items_summed,
        tolerance_yuan,
        {{ reconciliation_outcome('difference_yuan', 'tolerance_yuan', 'expected_yuan', gaps='warn', signed=true) }},
        'printed ' || coalesce(nullif(row_display, ''), row_label, row_kind)
        || ' vs the sum of its ' || items_summed || ' '
        || case when link_kind = 'total' then 'top-level rows' else 'child rows' end
        || ' (' || child_kinds || ')' as detail,
    from compared
)

select * from final
{{ only_documents_to_rebuild() }}
