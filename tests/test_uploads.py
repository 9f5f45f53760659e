"""Upload limits: stated in Chinese beside every upload box and equal to what the app accepts."""
from __future__ import annotations

import ast
import shutil
import tomllib
from pathlib import Path

import pytest

from core import framework_library, imports, transfer, uploads
from core.errors import ImportRejected
from tests.conftest import app_test
from tests.test_survey import team_file  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parent.parent


def _uploaders():
    for path in sorted((ROOT / "pages").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "file_uploader":
                yield path.name, node


def test_every_upload_box_sets_its_limit_from_core_uploads():
    found = list(_uploaders())
    assert len(found) >= 4
    for name, node in found:
        kw = {k.arg: ast.unparse(k.value) for k in node.keywords}
        assert kw.get("max_upload_size", "").startswith("uploads.max_mb("), f"{name}:{node.lineno} without its limit"


def test_the_server_limit_is_the_largest_upload_the_app_accepts():
    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert cfg["server"]["maxUploadSize"] == uploads.largest_mb() == 20


def test_a_file_over_the_limit_is_refused_in_chinese_by_every_import():
    big = b"x" * (uploads.max_bytes("table") + 1)
    with pytest.raises(ImportRejected, match=r"过大（5\.0 MB），上限为 5 MB"):
        imports.read_rows("名册.csv", big)
    with pytest.raises(ImportRejected, match="上限为 5 MB"):
        framework_library.check_xlsx(b"x" * (uploads.max_bytes("framework") + 1))
    with pytest.raises(ImportRejected, match="JSON 迁移文件.*上限为 20 MB"):
        transfer.import_assessment(None, b" " * (uploads.max_bytes("transfer") + 1))
    assert uploads.too_large("table", "a.csv", uploads.max_bytes("table")) is None   # exactly the limit: accepted


@pytest.mark.parametrize("page, text", [
    ("pages/register.py", "文件格式 .xlsx 或 .csv，大小不超过 5 MB"),
    ("pages/station_data.py", "文件格式 .xlsx 或 .csv，大小不超过 5 MB"),
    ("pages/frameworks.py", "文件格式 .xlsx，大小不超过 5 MB"),
])
def test_the_limit_is_stated_in_chinese_beside_the_upload_box(team_file, app_env, page, text):
    """A new assessment (no register yet), its lead."""
    src, aid, m = team_file
    shutil.copy(src, app_env)
    at = app_test(page, auth={"assessment_id": aid, "member_id": m["lead"]})
    at.run()
    assert not at.exception
    assert any(text in c.value for c in at.caption), [c.value for c in at.caption]


def test_the_limit_is_stated_beside_the_json_import_box(app_env):
    at = app_test()
    at.run()
    assert any("文件格式 .json，大小不超过 20 MB" in c.value for c in at.caption)
