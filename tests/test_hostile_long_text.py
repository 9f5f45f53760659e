"""Hostile-input sweep, surface "long text in the PDF": 10,000 characters in one field at a time.

Every text field that reaches the report (station, assessment, 片区, members, findings, veto notes,
contract indicators, report items, the framework's own texts) is filled with 10,000 characters —
Chinese, one unbroken Latin word, a URL — on the demo, and the report must still lay out: a real
PDF, and where the field is printed its end is there (shortened cells go to the annex 长文本全文).
tests/test_report_stations.py fills all fields at once; this sweep fills them one by one, which
is how a narrow column met alone breaks a table. The expert's name and a score note are also read back
from the expert's score sheet PDF. The count of cases is in README's "Reliability:
hostile inputs" table (tests/test_hostile_sweep_counts.py).
"""
from __future__ import annotations

import io
import re

import pypdf
import pytest
from openpyxl import load_workbook

from core.report import make as report_make
from core.framework import library as FL
from core.report import edits as R
from core.scoring import signoff
from core.scoring import scoresheet as S
from core.station import data as SD
from core.assessment import team as A
from core.report.make import report_pdf

END = "ZZENDZZ"
CHINESE = ("很长的文字" * 1998) + END + "结束。"                # 10,000 characters
LATIN = "x" * (10_000 - len(END)) + END                       # one unbroken word
URL = "http://example.com/" + "a" * (10_000 - 19 - len(END)) + END
LONG = {"cn": CHINESE, "latin": LATIN, "url": URL}
assert all(len(v) == 10_000 for v in LONG.values())


def _areas(db, aid):
    return A.list_areas(db, A.get_assessment(db, aid)["station_id"])


def _first_area(db, aid, **change):
    return A.set_areas(db, aid, 1, [dict(a, **change) if i == 0 else a for i, a in enumerate(_areas(db, aid))])


def _framework_text(sheet, column):
    """A framework whose first row of `sheet` has the text in `column`, frozen for a new assessment."""
    def apply(db, aid, text):
        wb = load_workbook(io.BytesIO(FL.template_xlsx()))
        ws = wb[sheet]
        header = [c.value for c in ws[1]]
        key = "指标代码" if sheet == "指标" and column != "部分名称" else column
        row = next(r for r in ws.iter_rows(min_row=2) if r[header.index(key)].value not in (None, ""))
        row[header.index(column)].value = text
        buf = io.BytesIO()
        wb.save(buf)
        sid = A.create_station(db, "长文本测试站", communities=["甲社区"])
        new, lead = A.create_assessment(db, sid, "gz-2024-four-party", "组长甲", "1111")
        A.use_framework(db, new, lead, FL.import_xlsx(db, new, lead, buf.getvalue(), "fw.xlsx"))
        fw = S.framework(db, new)
        e = A.add_member(db, new, lead, "专家乙", "expert", "2222", sections=[s.code for s in fw.sections])
        for ind in fw.indicators[:6]:
            if ind.scope != "area":
                S.save_score(db, new, e, ind.code, value=ind.points / 2)
        if fw.veto:
            S.save_veto(db, new, lead, fw.veto[0].code, True, "未通过")
        return new
    return apply


# field: (set it to the text on the demo -> the assessment to report on (None: the demo), printed?)
FIELDS = {
    "station-name": (lambda db, aid, t: A.update_station(db, aid, 1, name=t), True),
    "station-short-name": (lambda db, aid, t: A.update_station(db, aid, 1, short_name=t), True),
    "district": (lambda db, aid, t: A.update_station(db, aid, 1, district=t), True),
    "street": (lambda db, aid, t: A.update_station(db, aid, 1, street=t), True),
    "address": (lambda db, aid, t: A.update_station(db, aid, 1, address=t), True),
    "operator": (lambda db, aid, t: A.update_station(db, aid, 1, operator=t), True),
    "communities": (lambda db, aid, t: A.update_station(db, aid, 1, communities=[t, "乙社区"]), False),
    "period-label": (lambda db, aid, t: A.update_assessment(db, aid, 1, period_label=t), True),
    "evaluator-org": (lambda db, aid, t: A.update_assessment(db, aid, 1, evaluator_org=t), True),
    "assessment-name": (lambda db, aid, t: A.rename_assessment(db, aid, 1, t), False),
    "area-name": (lambda db, aid, t: _first_area(db, aid, name=t), True),
    "area-communities": (lambda db, aid, t: _first_area(db, aid, communities=[t]), True),
    "expert-name": (lambda db, aid, t: (A.rename_member(db, aid, 1, 2, t), signoff.submit_sections(db, aid, 2)), True),
    "score-note": (lambda db, aid, t: S.save_score(db, aid, 2, "A1", note=t), False),
    "lead-name": (lambda db, aid, t: A.rename_member(db, aid, 1, 1, t), False),   # 落款 lists who submitted
    "finding": (lambda db, aid, t: S.add_finding(db, aid, 2, "A", "concern", t), True),
    "area-finding": (lambda db, aid, t: S.add_finding(db, aid, 2, "B", "concern", t,
                                                       area_code=_areas(db, aid)[0]["code"]), True),
    "party-finding": (lambda db, aid, t: S.add_finding(db, aid, 1, "party:purchaser", "strength", t), True),
    "veto-note-passed": (lambda db, aid, t: S.save_veto(db, aid, 1, "finance", False, t), True),
    "veto-note-failed": (lambda db, aid, t: S.save_veto(db, aid, 1, "finance", True, t), True),
    "indicator-name": (lambda db, aid, t: SD.save_indicator(db, aid, 1, t, "个", 10, 5), True),
    "indicator-unit": (lambda db, aid, t: SD.save_indicator(db, aid, 1, "新指标", t, 10, 5), True),
    "recommendation": (lambda db, aid, t: SD.save_recommendation(db, aid, 1, t, "未整改", t, section_code="A"), True),
    "site-record": (lambda db, aid, t: SD.save_site_record(db, aid, 1, "document", item=t, status="finding",
                                                           finding=t, file_ref=t), True),
    "report-item": (lambda db, aid, t: R.add_item(db, aid, 1, "A", "", "concern", t), True),
    "report-text": (lambda db, aid, t: [R.set_text(db, aid, 1, k, t) for k in ("closing_points",)], True),
    "framework-indicator-name": (_framework_text("指标", "指标名称"), False),   # the report lists sections
    "framework-section-name": (_framework_text("指标", "部分名称"), True),
    "framework-party-name": (_framework_text("评估方", "名称"), True),
    "framework-veto-name": (_framework_text("否决项", "名称"), True),
}
# Fields that also reach the expert's score sheet (report_make.score_sheet_pdf of member 2), built and read too.
SHEET_FIELDS = {"expert-name", "score-note"}
CASES = [(f, k) for f in FIELDS for k in (LONG if f in ("finding", "indicator-unit") else ("cn",))]


@pytest.mark.parametrize("field,kind", CASES, ids=[f"{f}-{k}" for f, k in CASES])
def test_ten_thousand_characters_in_one_field_still_lay_out_the_report(demo_db, field, kind):
    db, aid = demo_db
    fill, printed = FIELDS[field]
    other = fill(db, aid, LONG[kind])
    pdf = report_pdf(db, other if isinstance(other, int) and field.startswith("framework") else aid)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert pdf[:5] == b"%PDF-" and len(reader.pages) >= 5
    if printed:
        text = re.sub(r"\s+", "", "".join(p.extract_text() for p in reader.pages))
        assert END in text, f"{field}: the end of the text is printed nowhere"
    if field in SHEET_FIELDS:
        sheet = pypdf.PdfReader(io.BytesIO(report_make.score_sheet_pdf(db, aid, 2)))
        assert END in re.sub(r"\s+", "", "".join(p.extract_text() for p in sheet.pages)), f"{field}: not on the score sheet"
