"""Upload limits: stated in Chinese beside every upload box and equal to what the app accepts."""
from __future__ import annotations

import ast
import shutil
import tomllib
from pathlib import Path

import pytest

from core import uploads
from core.framework import library as framework_library
from core.station import register_import as imports
from core.agency import transfer
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
    assert cfg["server"]["maxUploadSize"] == uploads.largest_mb() == 100


def test_a_file_over_the_limit_is_refused_in_chinese_by_every_import():
    big = b"x" * (uploads.max_bytes("table") + 1)
    with pytest.raises(ImportRejected, match=r"过大（5\.0 MB），上限为 5 MB"):
        imports.read_rows("名册.csv", big)
    with pytest.raises(ImportRejected, match="上限为 5 MB"):
        framework_library.check_xlsx(b"x" * (uploads.max_bytes("framework") + 1))
    with pytest.raises(ImportRejected, match="JSON 迁移文件.*上限为 100 MB"):
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
    at.session_state["import_json_open"] = True       # the import form is drawn while its expander is open
    at.run()
    assert any("文件格式 .json，大小不超过 100 MB" in c.value for c in at.caption)


def test_every_grid_shows_empty_cells_blank_not_none():
    """st.dataframe / st.data_editor show a missing value as the word "None" unless told otherwise."""
    calls = []
    for path in sorted((ROOT / "pages").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in ("dataframe", "data_editor", "table") \
                    and not (node.func.attr == "table" and ast.unparse(node.func.value) != "ui"):   # ui.table (issue 26)
                calls.append((path.name, node.lineno, {k.arg: ast.unparse(k.value) for k in node.keywords}))
    assert len(calls) >= 20
    bad = [f"{name}:{line}" for name, line, kw in calls if kw.get("placeholder") != "''"]
    assert not bad, bad


def test_an_empty_cell_is_blank_on_the_page(team_file, app_env):
    """An indicator without its actual figure: the grid is told to show the empty cell as blank."""
    src, aid, m = team_file
    shutil.copy(src, app_env)
    from db.connection import connect

    db = connect(app_env)
    db["contract_indicators"].insert(dict(assessment_id=aid, position=0, name="个案", unit="个", target=10,
                                          actual=None, note=""))
    db.conn.close()
    at = app_test("pages/station_data.py", auth={"assessment_id": aid, "member_id": m["lead"]})
    at.run()
    grid = next(d for d in at.dataframe if "实际完成量" in d.value.columns)
    assert grid.value["实际完成量"].isna().all()
    assert grid.proto.HasField("placeholder") and grid.proto.placeholder == ""    # shown blank, not "None"
