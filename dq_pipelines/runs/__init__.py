"""Runs that died: noticed, marked failed, their pool slots freed and their staged tables dropped.

Owns the only module that imports Dagster's private API (dagster_private.py). Imports storage,
wap (to drop staged tables) and alerts (to alert once per dead run).
"""
