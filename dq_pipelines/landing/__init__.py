"""The landing: where sources drop files, the immutable archive, and the delivery records.

Owns: which landing entries may be read (regular files inside the root, nothing else), the
content-hash archive, the `dq_manifest` records, and staging a delivery for audit.
Imports storage, declared, checks and wap (a delivery is staged and published through it).
"""
