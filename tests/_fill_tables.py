"""Test data for the export tests: make every exported table of an assessment hold rows.

The demo fills most tables itself; tables it leaves empty (while the station
data / survey / report areas are still being built) get a few realistic rows
here, written straight into the real tables. Rows reference each other the way
the app does (a finding promoted from a site record: source='site_record:<id>';
a report item built from findings: source_finding_ids='[..]').
"""
from __future__ import annotations

# A PDF with its structure (a file that only starts %PDF- and ends %%EOF is refused, issue 26).
_MINIMAL_PDF = (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] "
                b"/Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\nstartxref\n9\n%%EOF\n")

import json

from core.framework.model import get_framework
from db import audit
from db import scores as S
from db.connection import transaction

# Register entries used when the demo has no register yet (names/phones are invented).
CLIENTS = [
    ("黄子昕", "13812341234", "上元岗社区", "低保"),
    ("欧阳明辉", "13987654321", "中人社区", "特困"),
    ("李梅", "020-87654321", "南兴社区", "残疾"),
]


def _count(db, table, where="assessment_id = ?", params=None):
    return db.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}", params).fetchone()[0]


def _ids(db, sql, params):
    return [r[0] for r in db.execute(sql, params).fetchall()]


def fill_empty_tables(db, aid: int) -> None:
    now = audit.now()
    lead = db.execute("SELECT id FROM members WHERE assessment_id = ? AND role = 'lead' ORDER BY id", [aid]).fetchone()[0]
    staff = (db.execute("SELECT id FROM members WHERE assessment_id = ? AND role = 'staff' ORDER BY id", [aid]).fetchone()
             or [lead])[0]
    _fill_station_rows(db, aid, lead, now)
    _fill_site_finding(db, aid, lead)
    _fill_survey_rows(db, aid, lead, staff, now)
    _fill_report_items(db, aid, lead)
    _fill_interviews(db, aid, lead)
    _fill_attachments(db, aid, lead)
    _fill_texts_and_plan(db, aid, lead, now)


def _fill_station_rows(db, aid: int, lead: int, now: str) -> None:
    """An override, contract indicators, staffing, clients, a previous recommendation, site records."""
    p = [aid]
    with transaction(db):
        if not _count(db, "overrides", params=p):
            fw = get_framework(db.execute("SELECT framework_id FROM assessments WHERE id = ?", p).fetchone()[0])
            S.save_override(db, aid, lead, "A1", "", value=fw.indicator("A1").points, reason="组长复核后调整")
        if not _count(db, "contract_indicators", params=p):
            for pos, (name, unit, target, actual) in enumerate([("个案服务", "个", 50, 55), ("小组活动", "节", 120, 190.3)]):
                db["contract_indicators"].insert(dict(assessment_id=aid, position=pos, name=name, unit=unit,
                                                      target=target, actual=actual, note=""))
        if not _count(db, "staffing", params=p):
            db["staffing"].insert(dict(assessment_id=aid, required=12, on_post=11, cert_intermediate=3, cert_assistant=6,
                                       non_certified=2, experienced=8, attendance_due=2640, attendance_actual=2600,
                                       training_due=240, training_actual=251, continuous=9, updated_at=now))
        if not _count(db, "clients", params=p):
            for pos, (name, phone, community, cat) in enumerate(CLIENTS):
                db["clients"].insert(dict(assessment_id=aid, position=pos, name=name, phone=phone, community=community,
                                          category=cat, household="", note=""))
        if not _count(db, "prev_recommendations", params=p):
            db["prev_recommendations"].insert(dict(assessment_id=aid, position=0, section_code="B",
                                                   text="加强个案记录规范", status="已整改", evidence="见个案档案"))
        if not _count(db, "site_records", params=p):
            for pos, (kind, item, status, finding) in enumerate([
                    ("observation", "服务场地", "ok", ""),
                    ("document", "个案档案", "finding", "部分个案记录缺少评估与结案小结")]):
                db["site_records"].insert(dict(assessment_id=aid, kind=kind, position=pos, item=item, status=status,
                                               finding=finding, member_id=lead, updated_at=now))


def _fill_site_finding(db, aid: int, lead: int) -> None:
    """A finding promoted from a site record."""
    p = [aid]
    if not _count(db, "findings", "assessment_id = ? AND source LIKE 'site_record:%'", p):
        from core.station import data as SD

        rec = db.execute("SELECT id FROM site_records WHERE assessment_id = ? AND status = 'finding'"
                         " AND finding != '' ORDER BY id", p).fetchone()[0]
        SD.promote_to_finding(db, aid, lead, rec, "B", "P1")


def _fill_survey_rows(db, aid: int, lead: int, staff: int, now: str) -> None:
    """A survey sample, its items and two calls (one unanswered, one reached)."""
    p = [aid]
    with transaction(db):
        if not _count(db, "survey_samples", params=p):
            db["survey_samples"].insert(dict(assessment_id=aid, seed="20250227", register_hash="sha256:test",
                                             size=2, reserve_size=1, active=1, member_id=lead, created_at=now))
        sample = _ids(db, "SELECT id FROM survey_samples WHERE assessment_id = ? ORDER BY id", p)[0]
        if not _count(db, "survey_items", "sample_id = ?", [sample]):
            for pos, cid in enumerate(_ids(db, "SELECT id FROM clients WHERE assessment_id = ? ORDER BY id", p)[:2]):
                db["survey_items"].insert(dict(sample_id=sample, client_id=cid, position=pos, reserve=0,
                                               caller_id=staff, claimed_by=None, claimed_at=None))
        if not _count(db, "survey_calls", params=p):
            items = _ids(db, "SELECT id FROM survey_items WHERE sample_id = ? ORDER BY id", [sample])
            db["survey_calls"].insert(dict(assessment_id=aid, item_id=items[0], member_id=staff, attempt=1,
                                           called_at=now, outcome="无人接听"))
            db["survey_calls"].insert(dict(assessment_id=aid, item_id=items[0], member_id=staff, attempt=2,
                                           called_at=now, outcome="接通", respondent="本人", knows_worker=1,
                                           awareness=json.dumps({"服务站": 1}), satisfaction=json.dumps({"态度": 5}),
                                           overall=5, comment="社工很热心"))


def _fill_report_items(db, aid: int, lead: int) -> None:
    """A report item merging two experts' strengths."""
    p = [aid]
    if not _count(db, "report_items", params=p):
        from db import report as R

        fids = _ids(db, "SELECT id FROM findings WHERE assessment_id = ? AND section_code = 'A'"
                        " AND kind = 'strength' AND deleted = 0 ORDER BY id", p)[:2]
        R.merge_items(db, aid, lead, [f"finding:{i}" for i in fids], "人员配置与管理规范（合并两位专家意见）")


def _fill_interviews(db, aid: int, lead: int) -> None:
    """An interview note promoted to a finding."""
    if not _count(db, "interviews", params=[aid]):
        from core.station import interviews as IV

        iid = IV.save_interview(db, aid, lead, group_code="worker", role="片区一社工", name="李明华",
                                points="熟悉辖区兜底对象", quotes="“每月至少探访一次。”", finding="探访记录未及时录入系统")
        IV.promote_to_finding(db, aid, lead, iid, "A")


def _fill_attachments(db, aid: int, lead: int) -> None:
    """A photo of a site record, a personal PDF of an interview, a photo of a finding."""
    p = [aid]
    if not _count(db, "attachments", params=p):
        import io

        from PIL import Image

        from core.station import attachments as ATT

        buf = io.BytesIO()
        Image.new("RGB", (320, 240), (30, 160, 90)).save(buf, "JPEG")
        rec = db.execute("SELECT MIN(id) FROM site_records WHERE assessment_id = ?", p).fetchone()[0]
        iid = db.execute("SELECT MIN(id) FROM interviews WHERE assessment_id = ?", p).fetchone()[0]
        fid = db.execute("SELECT MIN(id) FROM findings WHERE assessment_id = ? AND member_id = ? AND deleted = 0",
                         [aid, lead]).fetchone()[0]
        ATT.add(db, aid, lead, "site_record", rec, "场地.jpg", buf.getvalue(), caption="服务场地")
        ATT.add(db, aid, lead, "interview", iid, "访谈签到.pdf", _MINIMAL_PDF, personal=True)
        ATT.add(db, aid, lead, "finding", fid, "证据.jpg", buf.getvalue())


def _fill_texts_and_plan(db, aid: int, lead: int, now: str) -> None:
    """A report text, submissions (one reopened), the day's agenda, the caller's script."""
    p = [aid]
    with transaction(db):
        if not _count(db, "report_texts", params=p):
            db["report_texts"].insert(dict(assessment_id=aid, key="feedback", text="现场反馈：……", updated_at=now))
    with transaction(db):
        expert = db.execute("SELECT id FROM members WHERE assessment_id = ? AND role = 'expert' ORDER BY id",
                            p).fetchone()[0]
        if not _count(db, "submissions", params=p):
            # One expert submitted, was reopened by the lead, and submitted again (reopen fields kept blank);
            # the lead's own submission reopened (a reason kept).
            db["submissions"].insert(dict(assessment_id=aid, member_id=expert, submitted_at=now))
            db["submissions"].insert(dict(assessment_id=aid, member_id=lead, submitted_at=now, reopened_at=now,
                                          reopened_by=lead, reopen_reason="补充 D 部分意见"))
        if not _count(db, "visit_stages", params=p):
            for pos, (code, name, starts, ends) in enumerate([("intro", "听取介绍", "09:00", "09:40"),
                                                               ("", "午餐", "12:00", "13:00")]):
                db["visit_stages"].insert(dict(assessment_id=aid, position=pos, code=code, name=name, starts=starts,
                                               ends=ends, note="", updated_at=now))
        if not _count(db, "survey_script", params=p):
            db["survey_script"].insert(dict(assessment_id=aid, key="opening", text="您好，我是评估机构的回访员。",
                                            updated_at=now))
    if not _count(db, "report_versions", params=p):
        from db import report_versions as RV

        vid = RV.issue_version(db, aid, lead, "draft", "初稿 1", "天河区民政局", "docx", "ab" * 32, 12345)
        RV.record_feedback(db, aid, lead, vid, "对初稿无异议。")
