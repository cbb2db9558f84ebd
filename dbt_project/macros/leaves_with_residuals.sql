{#
    Facts hold the most detailed printed rows only. Where a printed parent exceeds the sum
    of its printed children by more than rounding (confidential lines withheld), one
    residual row under that parent carries the difference so the facts still add up to
    the printed total. Children that exceed their parent get no residual.

    `lines` is a CTE with document_id, table_id, row_index, parent_row_index, child_count,
    amount_yuan and the `grain` columns the sums are taken within (e.g. expenditure_type).
#}
{% macro leaves_with_residuals(lines, grain=[]) %}
    {%- set grain_cols = grain | join(', ') -%}
    select {{ lines }}.*, false as is_residual
    from {{ lines }}
    where child_count = 0 and amount_yuan is not null

    union all

    select parent.* replace (parent.amount_yuan - kids.children_yuan as amount_yuan), true as is_residual
    from {{ lines }} as parent
    inner join (
        select
            document_id,
            table_id,
            parent_row_index,
            {% for g in grain %}{{ g }},{% endfor %}
            sum(coalesce(amount_yuan, 0)) as children_yuan,
            count(*) as children,
        from {{ lines }}
        where parent_row_index is not null
        group by all
    ) as kids
        on parent.document_id = kids.document_id
        and parent.table_id = kids.table_id
        and parent.row_index = kids.parent_row_index
        {% for g in grain %}and parent.{{ g }} = kids.{{ g }} {% endfor %}
    where parent.child_count > 0
        and parent.amount_yuan - kids.children_yuan
            > kids.children * {{ var('rounding_yuan_per_item') }}
{% endmacro %}
