{#
    Outcome of one reconciliation rule evaluation, as the columns `status` and `finding`:
    pass / exact when the difference is 0; warn / rounding within the tolerance; otherwise an
    error. `gaps`: 'error' (default) or 'warn' where a printed figure above the sum of its
    parts (difference < 0) is withheld lines rather than a mistake. `signed`: name the sign of
    a difference beyond the tolerance (gap / excess) instead of `mismatch`.
#}
{% macro reconciliation_outcome(difference, tolerance, gaps='error', signed=false) -%}
    case
        when {{ difference }} = 0 then 'pass'
        when abs({{ difference }}) <= {{ tolerance }} then 'warn'
        {%- if gaps == 'warn' %}
        when {{ difference }} < 0 then 'warn'
        {%- endif %}
        else 'error'
    end as status,
    case
        when {{ difference }} = 0 then 'exact'
        when abs({{ difference }}) <= {{ tolerance }} then 'rounding'
        {%- if signed %}
        when {{ difference }} < 0 then 'gap'
        else 'excess'
        {%- else %}
        else 'mismatch'
        {%- endif %}
    end as finding
{%- endmacro %}

{#- A set of documents' reconciliation status: the worst of them (errors > warnings > reconciled). -#}
{% macro worst_reconciliation_status(status) -%}
    case
        when bool_or({{ status }} = 'errors') then 'errors'
        when bool_or({{ status }} = 'warnings') then 'warnings'
        else 'reconciled'
    end
{%- endmacro %}

{#
    The rows of `facts` (a relation or CTE with document_id), each with its document's
    reconciliation status (reconciled / warnings / errors) appended: how every fact mart is
    published.
#}
{% macro with_reconciliation_status(facts) -%}
    select
        facts.*,
        documents.reconciliation_status,
    from {{ facts }} as facts
    left join {{ ref('document_reconciliation') }} as documents on facts.document_id = documents.document_id
{%- endmacro %}

{#- The table a rule evaluation is about, as every rule model and reconciliation_results list it
    (of `relation` where given). -#}
{% macro table_context(relation=none) -%}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    {%- set columns = ['document_id', 'source_file', 'fiscal_year', 'department_name', 'table_id',
                       'table_type', 'table_title', 'printed_number'] -%}
    {{ prefix }}{{ columns | join(',\n        ' ~ prefix) }}
{%- endmacro %}
