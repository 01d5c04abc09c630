"""Pure statistics behind the ML data checks: label audit (confident learning), annotator
agreement, drift, train/serve skew and privacy scans.

Functions here take DataFrames or arrays and return plain dataclasses; they read no files, no
warehouse and no Dagster state, so they are unit-tested and benchmarked on their own. Imports no
other dq_pipelines package: checks/ turns their results into check outcomes.
"""
