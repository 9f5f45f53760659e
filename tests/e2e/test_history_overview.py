"""Browser: the lead opens a station's 历次评估 (table and plotly trend charts) and the agency's
机构总览 (filters, distributions, Excel download) in the real app."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from . import st_ui as ui


@pytest.fixture(scope="module")
def two_terms(server):
    """The demo (2023—2024 末期) and an earlier term of the same station (2022—2023 末期) in the
    server's database, plus a station of another district."""
    from core.demo.make import create_demo
    from core.agency.transfer import export_assessment, import_to_station
    from db.connection import connect

    db = connect(server.db_path)
    aid = create_demo(db, finished=False)
    doc = export_assessment(db, aid)
    earlier = json.loads(json.dumps(doc))
    earlier["tables"]["assessments"][0].update(period_label="2022—2023 年度", visit_date="2023-03-02")
    import_to_station(db, earlier)
    other = json.loads(json.dumps(doc))
    other["tables"]["stations"][0].update(district="黄埔区", street="鱼珠街", name="鱼珠街社工服务站")
    import_to_station(db, other)
    db.conn.close()
    return aid


def test_lead_sees_the_stations_history_and_the_agency_overview(server, new_page, two_terms, tmp_path):
    from openpyxl import load_workbook

    page = new_page(accept_downloads=True)
    ui.login(page, server.url, two_terms, "陈志远", "1111")

    ui.go(page, "历次评估")
    main = ui.main(page)
    expect(main.get_by_role("heading", name="历次评估（2 次）")).to_be_visible()
    expect(main.get_by_test_id("stPlotlyChart")).to_have_count(0)       # the trend charts: on request
    ui.open_expander(page, "趋势图")
    expect(main.get_by_test_id("stPlotlyChart")).to_have_count(4)       # final, sections, satisfaction, completion
    expect(main.locator(".js-plotly-plot").first).to_be_visible()
    expect(main.get_by_test_id("stDataFrame")).to_be_visible()

    ui.go(page, "机构总览")
    main = ui.main(page)
    expect(main.get_by_test_id("stPlotlyChart")).to_have_count(0)      # the charts: on request
    ui.open_expander(page, "分布图表")
    expect(main.get_by_test_id("stPlotlyChart")).to_have_count(4)
    expect(main.get_by_test_id("stPlotlyChart").first).to_be_visible()
    expect(main.get_by_test_id("stMetric").filter(has_text="评估次数")).to_contain_text("/")
    ui.go(page, "历次评估")                                               # charts asked for stay on their page
    expect(ui.main(page).get_by_test_id("stPlotlyChart")).to_have_count(4)
    ui.go(page, "机构总览")
    main = ui.main(page)
    expect(main.get_by_test_id("stPlotlyChart")).to_have_count(4)
    ui.add_choice(page, "ov_district", "黄埔区")
    ui.wait_idle(page)
    expect(main.get_by_test_id("stMetric").filter(has_text="评估次数")).to_contain_text("1/")
    with page.expect_download() as d:
        ui.widget(page, "ov_xlsx").get_by_role("button").click()
    wb = load_workbook(io.BytesIO(Path(d.value.path()).read_bytes()))
    rows = list(wb["评估一览"].iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][1] == "鱼珠街社工服务站" and rows[1][2] == "黄埔区"
