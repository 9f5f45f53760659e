"""A download never reruns the page (issue 26: the lead's PDF download was cancelled — "Download.path:
canceled" — when the click reran the page during the download): every st.download_button in pages/
passes on_click="ignore"."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def download_buttons():
    for path in sorted((ROOT / "pages").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "download_button":
                yield path.name, node


def test_every_download_button_ignores_the_click_so_the_download_is_not_cancelled():
    found = list(download_buttons())
    assert len(found) >= 15                                  # the report PDF, score sheets, exports, templates…
    rerunning = [f"{name}:{node.lineno}" for name, node in found
                 if not any(k.arg == "on_click" and isinstance(k.value, ast.Constant) and k.value.value == "ignore"
                            for k in node.keywords)]
    assert rerunning == []
