{#
    Outcome of one reconciliation rule evaluation, as the columns `status` and `finding`:
    pass / exact when the difference is 0; warn / rounding within the tolerance; otherwise an
    error. `expected`: the printed figure compared with — a difference above 1 % of it and
    above 1 万元 is material and never a warning, whatever the tolerance or `gaps` say.
    `gaps`: 'error' (default) or 'warn' where a printed figure above the sum of its parts
    (difference < 0) is withheld lines rather than a mistake. `signed`: name the sign of a
    difference beyond the tolerance (gap / excess) instead of `mismatch`. Beyond the tolerance,
    a factor of about 10⁴ between the two figures is `unit_slip` (元 read as 万元 or back) and
    an observed figure twice the printed one is `doubled` (something read twice).
#}
{% macro reconciliation_outcome(difference, tolerance, expected, gaps='error', signed=false) -%}
    case
        when {{ difference }} = 0 then 'pass'
        when {{ is_material(difference, expected) }} then 'error'
        when abs({{ difference }}) <= {{ tolerance }} then 'warn'
        {%- if gaps == 'warn' %}
        when {{ difference }} < 0 then 'warn'
        {%- endif %}
        else 'error'
    end as status,
    case
        when {{ difference }} = 0 then 'exact'
        when abs({{ difference }}) <= {{ tolerance }} and not {{ is_material(difference, expected) }}
            then 'rounding'
        when {{ is_unit_slip(expected, expected ~ ' + ' ~ difference) }} then 'unit_slip'
        when {{ expected }} > 0 and abs({{ difference }} - {{ expected }}) <= {{ tolerance }} then 'doubled'
        {%- if signed %}
        when {{ difference }} < 0 then 'gap'
        else 'excess'
        {%- else %}
        else 'mismatch'
        {%- endif %}
    end as finding
{%- endmacro %}

{#- A difference above 1 % of the printed figure compared with and above 1 万元 (10,000 元). -#}
{% macro is_material(difference, expected) -%}
    (abs({{ difference }}) > 10000 and abs({{ difference }}) > 0.01 * abs({{ expected }}))
{%- endmacro %}

{#- Two figures a factor of about 10⁴ apart (9,000–11,000): one read in 元, the other in 万元. -#}
{% macro is_unit_slip(a, b) -%}
    (
        {{ a }} <> 0 and {{ b }} <> 0
        and abs(log10(abs(cast({{ b }} as double) / cast({{ a }} as double)))) between 3.954 and 4.042
    )
{%- endmacro %}

{#- A set of documents' reconciliation status: the worst of them (errors > unverified > warnings >
    reconciled). -#}
{% macro worst_reconciliation_status(status) -%}
    case
        when bool_or({{ status }} = 'errors') then 'errors'
        when bool_or({{ status }} = 'unverified') then 'unverified'
        when bool_or({{ status }} = 'warnings') then 'warnings'
        else 'reconciled'
    end
{%- endmacro %}

{#- A set of documents' error class: extraction_suspect when any error of them is ours, else
    document_inconsistent when any error is the document's, else null. -#}
{% macro worst_error_class(error_class) -%}
    case
        when bool_or({{ error_class }} = 'extraction_suspect') then 'extraction_suspect'
        when bool_or({{ error_class }} = 'document_inconsistent') then 'document_inconsistent'
    end
{%- endmacro %}

{#
    The rows of `facts` (a relation or CTE with document_id), each with its document's
    reconciliation status (reconciled / warnings / errors) appended: how every fact mart is
    published (incremental by document: only the documents to rebuild when built incrementally).
#}
{% macro with_reconciliation_status(facts) -%}
    select
        facts.*,
        documents.reconciliation_status,
    from {{ facts }} as facts
    left join {{ ref('document_reconciliation') }} as documents on facts.document_id = documents.document_id
    {{- only_documents_to_rebuild('facts.document_id') }}
{%- endmacro %}

{#- The table a rule evaluation is about, as every rule model and reconciliation_results list it
    (of `relation` where given). -#}
{% macro table_context(relation=none) -%}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    {%- set columns = ['document_id', 'source_file', 'fiscal_year', 'department_name', 'table_id',
                       'table_type', 'table_title', 'printed_number'] -%}
    {{ prefix }}{{ columns | join(',\n        ' ~ prefix) }}
{%- endmacro %}

{#- Why a fact table could not be verified: `why`, and that nothing else prints the figure. -#}
{% macro unverified_reason(why) -%}
    '{{ why }}; no other table, paired file or narrative prints the figure'
{%- endmacro %}

{#- A printed figure of int_reconciliation__table_figures (`relation`) as a fact comparison lists
    it: where it is printed and the amount. -#}
{% macro printed_figure(relation) -%}
    {{ relation }}.document_id as printed_document_id,
        {{ relation }}.table_id as printed_table_id,
        {{ relation }}.table_type,
        {{ relation }}.table_title,
        {{ relation }}.printed_number,
        {{ relation }}.source_page,
        {{ relation }}.row_label,
        {{ relation }}.column_label,
        {{ relation }}.amount_yuan as expected_yuan
{%- endmacro %}
