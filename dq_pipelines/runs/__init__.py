"""Runs that died: noticed, marked failed, their pool slots freed and their staged tables dropped.

Reads and marks runs through dq_pipelines/dagster_private.py, the one module that imports
Dagster's private API. Imports storage, wap (to drop staged tables) and alerts (to alert once per
dead run).
"""
