"""Bad-input sweep, Markdown injection (issue 17): user text carrying Markdown and HTML typed into
every field that pages show — station, assessment, 片区, member names, indicators, findings, site
records, recommendations — then every page rendered for every role through the real app (AppTest).
Whatever reaches a Markdown-rendering element (titles, captions, messages, metrics, labels) must
arrive escaped (through ui.esc): never as bold, a link, code or HTML. The AST rule
(tests/test_architecture.py) checks the source; this checks what the pages actually render.

README "Reliability: hostile inputs" row: Markdown in user text (the counts printed are asserted)."""
from __future__ import annotations

import re

import pytest

from core.scoring import scoresheet as S
from core.station import data as SD
from core.assessment import team as A
from db.connection import connect
from tests.conftest import app_test, open_site_tab

RAW = ("**粗**", "<b>", "](javascript", "`码`", "_斜_", "<img")
TAG = "注入"
# a fragment counts as raw where its first character is not backslash-escaped
_RAW = {frag: re.compile(r"(?<!\\)" + re.escape(frag)) for frag in RAW}


def payload(n: int) -> str:
    """A unique, tagged piece of hostile text: bold, HTML, a javascript link, code, italics, an image."""
    return f"{TAG}{n:02d}**粗**<b>x</b>[链](javascript:alert(1))`码`_斜_<img src=x onerror=alert(1)>"


# The Markdown-rendering elements of a rendered page and the fields of each that render Markdown.
_BODY = {"markdown", "caption", "title", "header", "subheader", "error", "warning", "info", "success", "toast",
         "exception"}
_LABELLED = {"button", "checkbox", "toggle", "radio", "expander", "metric", "selectbox", "multiselect",
             "text_input", "text_area", "number_input", "date_input", "tab", "download_button", "page_link"}


def rendered_markdown(at) -> list[str]:
    out = []

    def walk(node):
        kind = getattr(node, "type", None)
        if kind in _BODY:
            out.append(str(getattr(node, "value", "") or ""))
        if kind in _LABELLED:
            out.append(str(getattr(node, "label", "") or ""))
            if kind == "metric":
                out.append(str(getattr(node, "value", "") or ""))
            if kind == "radio":
                out.extend(str(o) for o in (getattr(node, "options", None) or []))
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for c in children.values():
                walk(c)

    walk(at._tree)
    return out


@pytest.fixture
def hostile(app_env):
    """An assessment whose every free-text field the pages show holds its own tagged payload."""
    db = connect(app_env)
    from db.migrations import migrate

    migrate(db)
    fields, n = {}, iter(range(100))

    def p(what):
        k = next(n)
        fields[what] = payload(k)
        return fields[what]

    station = {f: p(f"社工站.{f}") for f in ("name", "short_name", "district", "street", "address", "operator",
                                              "purchaser", "supervisor")}
    aid, lead = A.new_assessment(db, station, "gz-2024-four-party", p("组长姓名"), "246810",
                                 period_label=p("评估.年度"), evaluator_org=p("评估.评估方"))
    A.rename_assessment(db, aid, lead, p("评估.名称"))
    A.set_areas(db, aid, lead, [{"name": p("片区.名称"), "communities": [p("片区.社区")]}])
    expert = A.add_member(db, aid, lead, p("专家姓名"), "expert", "2222", sections=["A", "B"])
    staff = A.add_member(db, aid, lead, p("工作人员姓名"), "staff", "3333")
    S.add_finding(db, aid, expert, "A", "concern", p("评估意见"))
    SD.save_indicator(db, aid, lead, p("协议指标.名称"), unit=p("协议指标.单位"), target=10, actual=12,
                      note=p("协议指标.备注"))
    SD.save_site_record(db, aid, expert, "document", item=p("现场记录.项目"), finding=p("现场记录.发现"),
                        notes=p("现场记录.备注"))
    SD.save_recommendation(db, aid, lead, p("上期意见.内容"), evidence=p("上期意见.整改说明"))
    db.conn.close()
    return aid, {"lead": lead, "expert": expert, "staff": staff}, fields


SITE_TABS = ("听取介绍", "实地观察", "查阅资料", "访谈", "上期评估意见")
ROLE_PAGES = {
    "lead": ["home", "setup", "frameworks", "scoring", "dashboard", "station_data", "register", "site_records",
             "survey", "survey_calls", "report", "audit"],
    "expert": ["home", "scoring", "site_records", "survey_calls", "dashboard"],
    "staff": ["home", "survey_calls", "station_data", "register", "survey"],
}


def test_markdown_in_user_text_is_shown_escaped_on_every_page(hostile, capsys):
    aid, members, fields = hostile
    renders = carried = 0
    seen_tags, bad = set(), []
    for role, pages in ROLE_PAGES.items():
        for page in pages:
            # through app.py's navigation (its sidebar: station, member name, menu), as a browser gets it
            at = app_test(auth={"assessment_id": aid, "member_id": members[role]})
            at.run()
            if page != "home":
                at.switch_page(f"pages/{page}.py")
                at.run()
            assert not at.exception, f"{role} {page}: {at.exception}"
            if page == "home":   # (AppTest keeps the sidebar of the entry page's own run only)
                assert any(b.key == "logout" for b in at.button), f"{role}: the sidebar was not rendered"
            renders += 1
            shown = rendered_markdown(at)
            if page == "site_records":      # each tab is drawn when opened: every tab's text
                shown = [t for tab in SITE_TABS for t in rendered_markdown(open_site_tab(at, tab))]
            for text in shown:
                if TAG not in text:
                    continue
                carried += 1
                seen_tags |= {what for what, v in fields.items() if v[:len(TAG) + 2] in text}
                bad += [f"{role}/{page}: {frag!r} in {text[:80]!r}" for frag, rx in _RAW.items() if rx.search(text)]
    with capsys.disabled():
        print(f"\n[Markdown injection] {len(fields)} fields × {renders} page renders: "
              f"{carried} Markdown elements carried user text, {len(bad)} unescaped; "
              f"fields seen in Markdown: {len(seen_tags)}")
    assert not bad, bad
    # the sweep is real: the payloads did reach Markdown elements (escaped)
    for must in ("社工站.name", "组长姓名", "专家姓名", "工作人员姓名", "片区.名称"):
        assert must in seen_tags, f"{must} never reached a Markdown element: the sweep saw nothing"
