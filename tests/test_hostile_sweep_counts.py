"""The README's "Reliability: hostile inputs" table states, per surface, how many inputs the sweep
tries and how many held; this checks the counts against the sweep tests' case lists (each case
that does not hold fails its own test) and prints them."""
from __future__ import annotations

import re
from pathlib import Path

import test_hostile_cli
import test_hostile_formulas
import test_hostile_imports
import test_hostile_json
import test_hostile_long_text

ROOT = Path(__file__).resolve().parent.parent

TRIED = {
    "tests/test_hostile_cli.py": len(test_hostile_cli.CASES),
    "tests/test_hostile_json.py": len(test_hostile_json.VALUE_CASES) + len(test_hostile_json.TEXT_CASES),
    "tests/test_hostile_imports.py": len(test_hostile_imports.FILE_CASES) + 2 * len(test_hostile_imports.BAD_NUMBERS)
    + len(test_hostile_imports.TABLE_NUMBERS) + len(test_hostile_imports.STAFFING_NUMBERS)
    + len(test_hostile_imports.FRAMEWORK_NUMBERS),
    "tests/test_hostile_long_text.py": len(test_hostile_long_text.CASES),
    "tests/test_hostile_formulas.py": len(test_hostile_formulas.CASES),
}


def test_the_readme_reliability_table_states_the_inputs_each_sweep_tries():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Reliability: hostile inputs", 1)[1].split("\n## ", 1)[0]
    rows = {m.group(3): (int(m.group(1)), int(m.group(2)))
            for m in re.finditer(r"^\|.*\| (\d+) \| (\d+) \| `([^`]+)` \|$", section, re.M)}
    for test, n in TRIED.items():
        print(f"{test}: {n} inputs tried, {n} held")
        assert rows.get(test) == (n, n), f"README row for {test}: {rows.get(test)}, the test tries {n}"
