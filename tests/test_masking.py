"""One scrubber: the same text typed into every free-text field shows the same masked form in
every output — the pages' readers, the dashboard, the audit page, the PDF, Excel and the
survey CSV. Only the JSON transfer file keeps it as typed (documented)."""
from __future__ import annotations

import io
import json
import re

import pytest

from core import calls, live, report_edit, scoresheet, station_data, team
from core.masking import Scrubber, mask_name, mask_phone

MOBILE, LANDLINE = "13812341234", "020-87654321"


@pytest.fixture
def typed(demo_db):
    """The demo with one text, naming a registered client and giving two numbers, typed into
    every free-text field by the member who may write it."""
    db, aid = demo_db
    name = next(c["name"] for c in station_data.list_clients(db, aid) if len(c["name"]) == 3)
    text = f"联系电话{MOBILE}，座机{LANDLINE}，{name}"
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
    # After submitting, 林晓红 revises A1 with the same text as her reason's note.
    from core import signoff
    signoff.submit_sections(db, aid, expert)
    a1 = next(r for r in scoresheet.scores(db, aid, expert) if r["indicator_code"] == "A1")
    scoresheet.revise_score(db, aid, expert, "A1", value=0 if a1["value"] else 1, reason="missed_evidence", note=text)
    masked = f"联系电话{mask_phone(MOBILE)}，座机{mask_phone(LANDLINE)}，{mask_name(name)}"
    return db, aid, text, masked, name


def _clean(out: str, name: str) -> None:
    for raw in (MOBILE, "87654321", name):
        assert raw not in out, f"{raw} shown in clear"


def test_the_masked_form_is_the_one_scrubber_s(typed):
    db, aid, text, masked, name = typed
    assert Scrubber([name])(text) == masked == "联系电话138****1234，座机020-****4321，" + mask_name(name)


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
        "revision note (peers)": [p["revision_note"] for p in scoresheet.peer_view(db, aid, lead)[("A1", "")]["peers"]],
        "revision note (side by side)": [r["note"] for d in scoresheet.disagreements(db, aid, lead) for r in d["rows"]],
    }
    for where, values in shown.items():
        joined = "\n".join(str(v) for v in values)
        assert masked in joined, f"{where}: masked form missing"
        _clean(joined, name)


def test_the_pdf_shows_the_same_masked_form(typed):
    from pypdf import PdfReader

    from core.report_data import report_pdf

    db, aid, text, masked, name = typed
    pdf = "".join(p.extract_text() for p in PdfReader(io.BytesIO(report_pdf(db, aid))).pages)
    flat = re.sub(r"\s+", "", pdf)
    # finding/report item, party comment, veto note, closing text, recommendation
    assert flat.count(masked) >= 3
    _clean(flat, name)


def test_excel_shows_the_same_masked_form(typed):
    from openpyxl import load_workbook

    from core.exports import export_xlsx

    db, aid, text, masked, name = typed
    wb = load_workbook(io.BytesIO(export_xlsx(db, aid)))
    cells = "\n".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None)
    assert cells.count(masked) >= 8   # note, finding, reason, comment, veto, item, text, records, call …
    _clean(cells, name)


def test_the_json_transfer_file_alone_keeps_the_text_as_typed(typed):
    from core.transfer import export_json

    db, aid, text, masked, name = typed
    doc = json.loads(export_json(db, aid))
    assert text in json.dumps(doc, ensure_ascii=False)
