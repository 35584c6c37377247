"""Smoke-run every teaching script in examples/ in fast mode.

Each script is run in a subprocess, as a learner would run it
(``python examples/NN_name.py --fast --out DIR``). It must exit 0 within the timeout and
announce every file it writes with a ``wrote <path>`` line; each announced file must exist
inside ``--out`` and be non-empty. A script that needs an optional extra (scikit-learn for
the digits) may instead print ``skipped: install autograd-lite[digits]`` and write nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted((ROOT / "examples").glob("[0-9]*.py"))
TIMEOUT = 60  # seconds per script; fast mode aims at well under 10
SKIP_MESSAGE = "skipped: install autograd-lite[digits]"


def test_examples_exist() -> None:
    assert len(SCRIPTS) >= 10, f"expected the ten teaching scripts, found {len(SCRIPTS)}"


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_example_runs_in_fast_mode(script: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["MPLBACKEND"] = "Agg"
    result = subprocess.run(
        [sys.executable, str(script), "--fast", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, (
        f"{script.name} exited with {result.returncode}\n"
        f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
    )
    if SKIP_MESSAGE in result.stdout:
        return  # the digits extra is not installed: nothing to check
    written = [
        Path(line[len("wrote ") :].strip())
        for line in result.stdout.splitlines()
        if line.startswith("wrote ")
    ]
    assert written, f"{script.name} announced no figures ('wrote <path>' lines):\n{result.stdout}"
    for path in written:
        assert path.is_file(), f"{script.name} announced {path} but it does not exist"
        assert path.stat().st_size > 0, f"{script.name} wrote an empty file {path}"
        assert out.resolve() in path.resolve().parents, (
            f"{script.name} wrote {path} outside --out {out}"
        )
