"""Every bench that needs no browser runs to its last line on today's schema (issue 27).

The benches are not judged here (their ratios need a quiet machine); this only keeps them working:
three of them had broken silently when later migrations added unique sync ids, the register's
change log and HTTPS. Each runs on the smallest data its options allow and must print the
line its docstring promises (the ratio's exit status is ignored).
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

RUNS = [
    ("dashboard.py", ["--others", "3", "--runs", "2", "--register", "300"], r"^refresh .* ms; demo alone .* ms; ratio "),
    ("overview.py", ["--assessments", "4", "--runs", "2"], r"^overview .* ms; one assessment .* ms; ratio "),
    ("register_edit.py", ["--register", "400", "--runs", "2"],
     r"^after a register edit .* ms; steady .* ms; ratio .* \(target 3\)$"),
    ("growth.py", ["--scales", "1,2", "--runs", "1"], r"^report CPU per doubling: .*; worst .* \(target 2\.2\)$"),
    ("sync.py", ["--rounds", "1", "--calls", "100", "--photos", "1"], r"ratio "),
    ("concurrency.py", ["--procs", "2", "--writes", "5"], r"ratio "),
]


@pytest.mark.parametrize("script, args, last", RUNS, ids=[r[0] for r in RUNS])
def test_the_bench_runs_to_its_last_line(script, args, last, tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "bench" / script), *args], cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode in (0, 1), done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert lines and re.search(last, lines[-1]), (done.stdout[-2000:], done.stderr[-2000:])
