"""Smoke test of benchmarks/bench_oi.py: it runs on tiny sets and both OI paths agree (no timing asserted)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_bench_oi_runs_and_both_paths_agree():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks/bench_oi.py"), "--fraction", "0.002",
                          "--loop-archs", "3",
                          "--fit-archs", "40", "--pool", "500"], capture_output=True, text=True, check=True, timeout=300).stdout
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.split()[:1] in (["nb201"], ["darts"])}
    assert set(rows) == {"nb201", "darts"}, out
    for space, fields in rows.items():
        assert int(fields[1].replace(",", "")) > 0
        assert float(fields[-1]) < 1e-4, out  # max |ΔOI| between the batched and the one-by-one path
