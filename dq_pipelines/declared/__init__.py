"""The project as declared in files: contracts, GX suites, SQL models and the graph they form.

Owns: parsing and checking contracts/*.yaml, defs/validate/suites/*.json and dbt_like_sql/**.sql
(every problem names its file), the formats and regexes they may use, the schemas of the tables
they describe, and `Project` (the asset graph, which checks exist, what blocks). Pure: it reads
files and imports only storage (for identifier quoting) and the settings/layout modules.
"""
