"""Reports: the scorecard, one self-contained HTML page of how healthy the data is.

Owns: the queries over the `dq_*` tables that feed it (scorecard_data.py, into frozen
dataclasses), the charts (svg.py, inline SVG drawn here: the page loads nothing from a network)
and the page (scorecard_html.py, every value escaped). Imports storage, declared and settings.
"""

# How many of each asset's runs the scorecard shows, unless told otherwise.
DEFAULT_RUNS = 20
