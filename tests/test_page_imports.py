"""The server holds only what its pages use (issue 27, bench/memory.py): the pages the team spends the day on —
each member's home, the lead's 实时总览, an expert's 专家评分, the staff member's 电话回访, with the sidebar —
load no pandas (~80 MB with its pyarrow bridge), openpyxl, reportlab or python-docx. Their tables still reach
the browser as data grids (st.dataframe needs pyarrow, which stays); the heavy packages load when a page that
needs them is opened or a file is made.

Each check runs the real app.py through AppTest in a fresh Python process, as the server runs it, and reads
that process's sys.modules afterwards."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("pandas", "openpyxl", "reportlab", "docx", "pypdf", "pypdfium2", "lxml")

# (member, pages opened after the home page) — the day of bench/memory.py's sessions.
DAY = [("陈志远", ["pages/dashboard.py"]), ("林晓红", ["pages/scoring.py"]), ("黄小燕", ["pages/survey_calls.py"])]

_PROBE = """
import json, sys
from streamlit.testing.v1 import AppTest
from core.store import open_db
from core.scoring.signoff import member_by_name

path, aid, day, extra = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4]
db = open_db(path)
members = {name: member_by_name(db, aid, name)["id"] for name, _ in day}
db.conn.close()
grids, errors = {}, []
for name, pages in day:
    at = AppTest.from_file("app.py", default_timeout=120)
    at.session_state["auth"] = {"assessment_id": aid, "member_id": members[name]}
    at.run()
    for page in ["pages/home.py"] + pages:
        if page != "pages/home.py":
            at.switch_page(page).run()
        errors += [f"{name} {page}: {e.message}" for e in at.exception]
        grids[f"{name} {page}"] = len(at.dataframe)
        grids[f"{name} {page} static"] = sum(str(m.value).startswith("| ") for m in at.markdown)   # ui.static_table
    if extra:
        exec(extra)
heavy = %r
print(json.dumps({"grids": grids, "errors": errors,
                  "loaded": sorted({m.split(".")[0] for m in sys.modules if m.split(".")[0] in heavy})}))
""" % (HEAVY,)


def _day(demo_db_file, tmp_path, day=DAY, extra: str = "") -> dict:
    src, aid = demo_db_file
    path = tmp_path / "day.db"
    shutil.copy(src, path)
    env = {**os.environ, "ASSESSMENT_DB": str(path)}
    res = subprocess.run([sys.executable, "-c", _PROBE, str(path), str(aid), json.dumps(day), extra], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["errors"] == []
    return out


def test_the_days_pages_draw_their_tables_without_pandas_openpyxl_reportlab_or_docx(demo_db_file, tmp_path):
    out = _day(demo_db_file, tmp_path)
    assert out["loaded"] == [], f"the day's pages loaded {out['loaded']}"
    # the tables are there: the dashboard's as Markdown tables, the call list and the expert's plan on the home page
    # as data grids
    assert out["grids"]["陈志远 pages/dashboard.py static"] >= 4          # parties, experts' progress, sections, agreement
    assert out["grids"]["黄小燕 pages/survey_calls.py"] >= 1
    assert out["grids"]["林晓红 pages/home.py"] >= 1


def test_a_page_that_needs_pandas_still_loads_it(demo_db_file, tmp_path):
    """The check above can fail: the lead's 修改记录 page draws its table from a pandas DataFrame."""
    out = _day(demo_db_file, tmp_path, day=[("陈志远", ["pages/audit.py"])])
    assert "pandas" in out["loaded"]


def test_opening_the_agenda_editor_loads_pandas_and_shows_the_agenda(demo_db_file, tmp_path):
    """The lead's agenda editor (st.data_editor works on pandas) is drawn once its expander is opened."""
    extra = ("assert not [e for e in at.data_editor]\n"       # closed: no editor, no pandas yet
             "assert 'pandas' not in sys.modules\n"
             "at.switch_page('pages/home.py').run()\n"
             "at.session_state['plan_expander'] = True\n"       # the lead opens the expander
             "at.run()\n"
             "(ed,) = at.data_editor\n"
             "assert '实地观察' in list(ed.value['环节']) and len(ed.value) >= 7, ed.value\n")
    out = _day(demo_db_file, tmp_path, day=[("陈志远", [])], extra=extra)
    assert "pandas" in out["loaded"]
