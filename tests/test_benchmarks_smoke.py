"""Smoke test of the benchmark suite: ``benchmarks/run.py --quick`` runs and reports.

No timing assertions: a slow or busy machine must never fail the build, only an error
(a crash, a worker that fails, a workload missing from the table) does. Engines that
are not installed (PyTorch, micrograd) are reported as unavailable, which is fine.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUN = ROOT / "benchmarks" / "run.py"


def _benchmark_list() -> list[str]:
    """The workloads ``run.py`` runs (its ``BENCHMARKS``): read from there, not copied."""
    spec = importlib.util.spec_from_file_location("benchmarks_run", RUN)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(RUN.parent))  # run.py imports its sibling workloads.py
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(RUN.parent))
    return list(module.BENCHMARKS)


WORKLOADS = _benchmark_list()


@pytest.mark.timeout(600)
def test_quick_run_lists_every_workload(tmp_path: Path) -> None:
    out_json = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--json", str(out_json)],
        capture_output=True,
        text=True,
        timeout=570,
        cwd=ROOT,
    )
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr[-4000:]}"
    table = [line for line in proc.stdout.splitlines() if line.startswith("| ")]
    listed = {line.split("|")[1].strip() for line in table[1:]}  # first row: the header
    assert set(WORKLOADS) <= listed, f"missing from the table: {set(WORKLOADS) - listed}"
    assert "QUICK MODE" in proc.stdout
    payload = json.loads(out_json.read_text())
    assert {row[0] for row in payload["rows"]} >= set(WORKLOADS)
    # every autograd-lite workload ran or says why it could not; none failed
    assert not [s for s in payload["status"].values() if s.startswith("error")]
