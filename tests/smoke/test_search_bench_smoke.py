"""The search benchmark runs end to end at tiny sizes (correctness of the harness, not timings)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dq_pipelines.layout import PROJECT_ROOT

pytestmark = [pytest.mark.smoke, pytest.mark.slow]


def test_search_bench_reports_fit_index_evaluation_and_latency(tmp_path: Path):
    proc = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "benchmarks" / "search_bench.py"),
         "--sizes", "300,600", "--queries", "5", "--components", "16", "--feedback-queries", "300",
         "--json", str(tmp_path / "out.json")],
        capture_output=True, text=True, cwd=tmp_path, timeout=180, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert "| products | generate s | fit s | index s | evaluate s | precision@10 | MRR" in out
    assert "| 300 |" in out and "| 600 |" in out
    figures = json.loads((tmp_path / "out.json").read_text())
    assert [f["products"] for f in figures] == [300, 600]
    for f in figures:
        assert f["queries"] == 5 and 0 < f["p50_ms"] <= f["p95_ms"]
        assert f["dimensions"] == 16 and f["peak_rss_mib"] > 0
        assert 0.5 < f["precision_at_k"] <= 1 and 0.5 < f["mrr"] <= 1
        # The asset's own evaluation (ml/search_evaluation.py), timed on generated feedback.
        assert f["search_eval_s"] > 0 and 0.5 < f["ndcg_at_10_labels"] <= 1
        assert 0 <= f["ndcg_at_10_clicks"] <= 1 and f["judged_queries_clicks"] > 0
        assert f["feedback_pairs"] == f["clicked_pairs"] + f["thumbs_up_pairs"] > 0
