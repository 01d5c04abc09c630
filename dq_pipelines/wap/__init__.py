"""Write, audit, publish: a new version of a table is checked before anyone can read it.

Owns: staging in the `dq_audit` schema, the publish/quarantine/hold decision, quarantine and
publication records. Imports storage, declared and checks.
"""
