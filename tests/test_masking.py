"""One scrubber: the same text typed into every free-text field shows the same masked form in
every output — the pages' readers, the dashboard, the audit page, the PDF, Excel and the
survey CSV, the publish file. Only the JSON transfer file keeps it as typed (documented)."""
from __future__ import annotations

import io
import json
import re

import pytest

from conftest import open_site_tab
from core.station import attachments
from core.survey import calls
from core.station import interviews
from core.day import live
from core.report import edits as report_edit
from core.scoring import scoresheet
from core.station import data as station_data
from core.assessment import team
from core.masking import Scrubber, mask_id_card, mask_name, mask_phone
from test_station_pages import demo_app  # noqa: F401  (the fixture: the demo at the app's path)

MOBILE, LANDLINE = "13812341234", "020-87654321"
# 18-character ID-card numbers (居民身份证号码), the check character a digit, X or x. The rule
# (core.masking.mask_id_card) keeps the 6-digit region code and the last 4 characters, never the birth date.
ID_CARDS = ("440106199001011234", "44010419850315002X", "44011120000229123x")
ID_MASKED = ("440106********1234", "440104********002X", "440111********123x")


@pytest.fixture
def typed(demo_db):
    """The demo with one text, naming a registered client and giving two numbers, typed into
    every free-text field by the member who may write it."""
    db, aid = demo_db
    name = next(c["name"] for c in station_data.list_clients(db, aid) if len(c["name"]) == 3)
    text = f"联系电话{MOBILE}，座机{LANDLINE}，{name}，身份证{'、'.join(ID_CARDS)}"
    ids = {m["name"]: m["id"] for m in team.list_members(db, aid)}
    lead, expert, staff = ids["陈志远"], ids["林晓红"], ids["黄小燕"]
    scoresheet.save_score(db, aid, expert, "A1", note=text)
    scoresheet.add_finding(db, aid, expert, "A", "concern", text)
    scoresheet.save_override(db, aid, lead, "A1", value=1, reason=text)
    scoresheet.save_party_score(db, aid, lead, "purchaser", 18, text)
    scoresheet.save_veto(db, aid, lead, "finance", False, text)
    report_edit.add_item(db, aid, lead, "A", "", "concern", text)
    report_edit.set_text(db, aid, lead, "closing", text)
    station_data.save_site_record(db, aid, expert, "document", item="个案文书抽查", status="finding",
                                  finding=text, file_ref=text)
    station_data.save_recommendation(db, aid, expert, text, status="未整改", evidence=text)
    row = next(r for r in station_data.list_indicators(db, aid) if r["name"] == "电话访问")
    station_data.save_indicator(db, aid, staff, row["name"], row["unit"], row["target"], row["actual"], note=text,
                                indicator_id=row["id"])
    reserve = next(i for i in calls.list_items(db, aid) if i["reserve"])   # a client still to call
    calls.assign(db, aid, lead, [reserve["id"]], staff)
    form = calls.call_form(db, aid, staff, reserve["id"])
    calls.record_call(db, aid, staff, reserve["id"], form["next_attempt"], "无人接听", comment=text)
    from PIL import Image

    interviews.save_interview(db, aid, expert, group_code="client", role=text, points=text, quotes=text, finding=text)
    photo = io.BytesIO()
    Image.new("RGB", (40, 30)).save(photo, "JPEG")
    rec = station_data.list_site_records(db, aid, "observation")[0]["id"]
    attachments.add(db, aid, expert, "site_record", rec, "照片.jpg", photo.getvalue(), caption=text)
    # After submitting, 林晓红 revises A1 with the same text as her reason's note.
    from core.scoring import signoff
    signoff.submit_sections(db, aid, expert)
    a1 = next(r for r in scoresheet.scores(db, aid, expert) if r["indicator_code"] == "A1")
    scoresheet.revise_score(db, aid, expert, "A1", value=0 if a1["value"] else 1, reason="missed_evidence", note=text)
    masked = f"联系电话{mask_phone(MOBILE)}，座机{mask_phone(LANDLINE)}，{mask_name(name)}，身份证{'、'.join(ID_MASKED)}"
    return db, aid, text, masked, name


def _clean(out: str, name: str) -> None:
    for raw in (MOBILE, "87654321", name):
        assert raw not in out, f"{raw} shown in clear"
    for number in ID_CARDS:
        # neither the number, nor its birth date, nor more than the region code before the stars
        for raw in (number, number[6:14], number[:7]):
            assert raw not in out, f"ID-card number {number}: {raw} shown in clear"


def test_the_masked_form_is_the_one_scrubber_s(typed):
    db, aid, text, masked, name = typed
    assert Scrubber([name])(text) == masked == ("联系电话138****1234，座机020-****4321，" + mask_name(name)
                                                + "，身份证440106********1234、440104********002X、440111********123x")
    assert [mask_id_card(n) for n in ID_CARDS] == list(ID_MASKED)


def test_every_screen_reader_shows_the_same_masked_form(typed):
    db, aid, text, masked, name = typed
    lead = next(m["id"] for m in team.list_members(db, aid) if m["role"] == "lead")
    shown = {
        "score note": [r["note"] for r in scoresheet.shown_scores(db, aid) if r["indicator_code"] == "A1"],
        "finding": [f["shown"] for f in scoresheet.shown_findings(db, aid, "A", viewer_id=lead)],
        "report item": [it["shown"] for it in report_edit.display_group(db, aid, "A", "", "concern")],
        "site record": [v for r in station_data.list_site_records(db, aid, "document") for v in (r["finding"], r["file_ref"])],
        "recommendation": [v for r in station_data.list_recommendations(db, aid) for v in (r["text"], r["evidence"])],
        "indicator note": [r["note"] for r in station_data.indicator_table(db, aid)],
        "override reason": [c.override["reason"] for c in live.dashboard(db, aid).result.cells
                            if c.override and c.indicator.code == "A1"],
        "audit page": [e[k] for e in team.audit_entries(db, aid) for k in ("old", "new") if e[k]],
        "survey CSV": [r["备注"] for r in calls.export_rows(db, aid)],
        "interview note": [v for n in interviews.list_interviews(db, aid) if n["group_code"] == "client"
                           for v in (n["role"], n["points"], n["quotes"], n["finding"])],
        "evidence caption": [a["caption"] for a in attachments.list_all(db, aid)],
        "revision note (peers)": [p["revision_note"] for p in scoresheet.peer_view(db, aid, lead)[("A1", "")]["peers"]],
        "revision note (side by side)": [r["note"] for d in scoresheet.disagreements(db, aid, lead) for r in d["rows"]],
    }
    for where, values in shown.items():
        joined = "\n".join(str(v) for v in values)
        assert masked in joined, f"{where}: masked form missing"
        _clean(joined, name)


def test_the_pdf_shows_the_same_masked_form(typed):
    from pypdf import PdfReader

    from core.report.make import report_pdf

    db, aid, text, masked, name = typed
    pdf = "".join(p.extract_text() for p in PdfReader(io.BytesIO(report_pdf(db, aid))).pages)
    flat = re.sub(r"\s+", "", pdf)
    # finding/report item, party comment, veto note, closing text, recommendation
    assert flat.count(masked) >= 3
    _clean(flat, name)


def test_excel_shows_the_same_masked_form(typed):
    from openpyxl import load_workbook

    from core.agency.exports import export_xlsx

    db, aid, text, masked, name = typed
    wb = load_workbook(io.BytesIO(export_xlsx(db, aid)))
    cells = "\n".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None)
    assert cells.count(masked) >= 8   # note, finding, reason, comment, veto, item, text, records, call …
    _clean(cells, name)


def test_the_json_transfer_file_alone_keeps_the_text_as_typed(typed):
    from core.agency.transfer import export_json

    db, aid, text, masked, name = typed
    doc = json.loads(export_json(db, aid))
    assert text in json.dumps(doc, ensure_ascii=False)


def test_the_publish_file_shows_the_same_masked_form_in_every_text_field(typed, tmp_path):
    import sqlite3

    from core.agency.publish import publish

    db, aid, text, masked, name = typed
    publish(db, tmp_path / "published.db")
    pub = sqlite3.connect(tmp_path / "published.db")
    found = set()
    for (t,) in pub.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
        cols = [c[1] for c in pub.execute(f'PRAGMA table_info("{t}")')]
        for row in pub.execute(f'SELECT * FROM "{t}"'):
            for c, v in zip(cols, row):
                if isinstance(v, str):
                    _clean(v, name)
                    if masked in v:
                        found.add(f"{t}.{c}")
    # score note, finding, override reason, party comment, veto note, report item and text,
    # site record finding and file, recommendation and evidence, indicator note
    assert found >= {"scores.note", "findings.text", "overrides.reason", "party_scores.comment", "veto_checks.note",
                     "report_items.text", "report_texts.text", "site_records.finding", "site_records.file_ref",
                     "prev_recommendations.text", "prev_recommendations.evidence", "contract_indicators.note",
                     "interviews.role", "interviews.points", "interviews.quotes", "interviews.finding",
                     "attachments.caption"}, found


def test_the_publish_file_carries_no_evidence_file_nor_an_interviewee_s_name(typed, tmp_path):
    """Interviewees are not on the register: their names are masked all the same; no photo or scan
    is published, and one marked 含个人信息 is not even listed (its file name could name someone)."""
    import sqlite3

    from PIL import Image

    from core.agency.publish import publish

    db, aid, text, masked, name = typed
    expert = next(m["id"] for m in team.list_members(db, aid) if m["name"] == "林晓红")
    note = interviews.save_interview(db, aid, expert, group_code="worker", role="片区社工", name="欧阳春花",
                                     points="欧阳春花介绍了个案管理流程")
    photo = io.BytesIO()
    Image.new("RGB", (60, 40), (200, 30, 30)).save(photo, "JPEG")
    attachments.add(db, aid, expert, "interview", note, "欧阳春花工作证.jpg", photo.getvalue(), personal=True)
    kept = attachments.add(db, aid, expert, "interview", note, "活动室.jpg", photo.getvalue())
    publish(db, tmp_path / "published.db")
    pub = sqlite3.connect(tmp_path / "published.db")
    assert pub.execute("SELECT name, points FROM interviews WHERE role = '片区社工'").fetchone() == \
        (mask_name("欧阳春花"), f"{mask_name('欧阳春花')}介绍了个案管理流程")
    rows = pub.execute("SELECT id, filename, length(data), thumb FROM attachments").fetchall()
    assert [r[0] for r in rows if r[1] == "活动室.jpg"] == [kept]
    assert all(r[2] == 0 and r[3] is None for r in rows), "no evidence file is published"
    assert not any("欧阳春花" in str(v) for t in ("interviews", "attachments")
                   for row in pub.execute(f"SELECT * FROM {t}") for v in row)


# ---------- the scrubber's one pattern (a trie) masks as every name tried longest first ----------

def _reference_scrub(names, phones, text: str) -> str:
    """Masking as the longest registered name or phone at each position wins, tried one by one."""
    ref = Scrubber()
    pairs = Scrubber(names, phones)._map
    keys = sorted(pairs, key=len, reverse=True)
    out, i = [], 0
    while i < len(text):
        hit = next((k for k in keys if text.startswith(k, i)), None)
        if hit:
            out.append(pairs[hit])
            i += len(hit)
        else:
            out.append(text[i])
            i += 1
    return ref("".join(out))


def test_the_scrubber_masks_every_registered_name_longest_first_as_one_by_one_would():
    import random

    rnd = random.Random(13)
    alphabet = "黄子昕欧阳明李王张 -()[]^\\.*+?13890"
    for _ in range(300):
        names = ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 5))) for _ in range(rnd.randint(0, 25))]
        phones = [f"13{rnd.randint(0, 999999999):09d}" for _ in range(rnd.randint(0, 4))]
        scrub, long_text = Scrubber(names, phones), Scrubber(names, phones)
        long_text.SCAN_MAX = 0          # every text through the compiled trie pattern, as a long one goes
        for _ in range(10):
            text = "".join(rnd.choice(alphabet + "0123456789") for _ in range(rnd.randint(0, 50)))
            text += rnd.choice(names + phones + [""])
            want = _reference_scrub(names, phones, text)
            assert scrub(text) == want == long_text(text), (names, phones, text)
    scrub = Scrubber(["欧阳子昕", "欧阳", "阳子"], [])
    assert scrub("欧阳子昕和欧阳、阳子") == "欧**昕和欧*、阳*"
    long = "欧阳子昕和欧阳、阳子" * 300                      # longer than SCAN_MAX: the compiled pattern
    assert scrub(long) == "欧**昕和欧*、阳*" * 300


def test_a_scrubber_compiles_its_pattern_only_for_a_long_text():
    """Building the scrubber after a register edit is cheap: short texts (notes on the dashboard) are
    masked without compiling the pattern over every name; the first long text compiles it once."""
    names = [f"黄{chr(0x4e00 + i)}{chr(0x4e00 + i * 7 % 5000)}" for i in range(3000)]
    scrub = Scrubber(names, ["13812341234"])
    assert scrub(f"{names[1234]}说13812341234") == f"{mask_name(names[1234])}说138****1234"
    assert scrub._re is None
    long = f"{names[42]}，" * (Scrubber.SCAN_MAX // 3)
    assert scrub(long) == f"{mask_name(names[42])}，" * (Scrubber.SCAN_MAX // 3)
    assert scrub._re is not None
    many = Scrubber(names, [])                                   # many short texts: compiled once they add up
    text, budget, calls = f"{names[7]}的记录" + "。" * 96, Scrubber.SCAN_PER_KEY * len(names), 0
    while many._re is None and calls < 10 * budget:
        assert many(text) == f"{mask_name(names[7])}的记录" + "。" * 96
        calls += 1
    assert budget <= (calls - 1) * len(text) < budget + 2 * len(text), "compiled once the scans add up, not before"
    assert many(f"回访{names[8]}") == f"回访{mask_name(names[8])}"


# ---------- ID-card numbers on the real pages (AppTest) ----------

_TEXT_ELEMENTS = ("markdown", "caption", "text", "title", "header", "subheader", "info", "warning", "error", "success",
                  "text_area", "text_input", "code", "expander", "metric", "table")


def _page_text(at) -> str:
    """Everything a page shows as text: element values and labels, tables and dataframes as CSV."""
    parts = []
    for kind in _TEXT_ELEMENTS:
        for el in at.get(kind):
            for attr in ("value", "label", "body"):
                v = getattr(el, attr, None)
                if v is not None:
                    # Markdown's escapes (ui.esc) are not shown: read 138\*\*\*\*1234 as the browser shows it
                    parts.append(v.to_csv() if hasattr(v, "to_csv") else re.sub(r"\\([^\w\s])", r"\1", str(v)))
    parts += [df.value.to_csv() for df in at.dataframe]
    return "\n".join(parts)


def test_id_card_numbers_are_masked_on_every_page_that_shows_typed_text(demo_app):
    from test_station_pages import login

    db, aid, m = demo_app
    lead, expert, staff = m["陈志远"], m["林晓红"], m["黄小燕"]
    text = "身份证" + "、".join(ID_CARDS)
    masked = "身份证" + "、".join(ID_MASKED)
    scoresheet.save_score(db, aid, expert, "A1", note=text)
    scoresheet.add_finding(db, aid, expert, "A", "concern", text)
    station_data.save_site_record(db, aid, expert, "document", item="个案文书抽查", status="finding",
                                  finding=text, file_ref=text)
    interviews.save_interview(db, aid, expert, group_code="client", role="独居长者", points=text)
    report_edit.set_text(db, aid, lead, "closing", text)
    row = next(r for r in station_data.list_indicators(db, aid) if r["name"] == "电话访问")
    station_data.save_indicator(db, aid, staff, row["name"], row["unit"], row["target"], row["actual"], note=text,
                                indicator_id=row["id"])
    pages = [(lead, "pages/audit.py"), (expert, "pages/site_records.py"), (lead, "pages/report.py"),
             (staff, "pages/station_data.py"), (lead, "pages/scoring.py")]
    for member, page in pages:
        at = login(aid, member, page)
        shown = _page_text(at)
        if page == "pages/site_records.py":      # the document checklist and the interviews: each its own tab
            shown += "\n".join(_page_text(open_site_tab(at, tab)) for tab in ("查阅资料", "访谈"))
        assert masked in shown or all(x in shown for x in ID_MASKED), f"{page}: the masked numbers are not shown"
        _clean(shown, "（无姓名）")
