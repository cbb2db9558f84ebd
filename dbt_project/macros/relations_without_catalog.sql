{#-
    ref() and source() without the database: DuckDB stores a view's SQL as written, and a view
    that names its catalog ("budget"."marts"."dim_document") fails once the file is copied or
    renamed (Catalog "budget" does not exist!). Schema-qualified names resolve in the view's own
    catalog, whatever the file is called. (dbt docs: builtins — "render identifiers without a
    database".)
-#}

{% macro ref() %}
    {%- set version = kwargs.get('version') or kwargs.get('v') -%}
    {%- if (varargs | length) == 1 -%}
        {%- set relation = builtins.ref(varargs[0], version=version) -%}
    {%- else -%}
        {%- set relation = builtins.ref(varargs[0], varargs[1], version=version) -%}
    {%- endif -%}
    {%- do return(relation.include(database=false)) -%}
{% endmacro %}

{% macro source(source_name, table_name) %}
    {%- do return(builtins.source(source_name, table_name).include(database=false)) -%}
{% endmacro %}
