"""实时总览 keeps scores blind (issue 26): an expert's totals come from their own cells only until the
lead reveals; the agreement statistics use the first (blind) values, not the revised ones."""
from __future__ import annotations

import pytest

from core.assessment import team as A
from core.day import live
from core.scoring import scoresheet as S
from core.scoring import signoff
from core.errors import PermissionDenied
from tests._station_fixtures import station, station_file  # noqa: F401


@pytest.fixture
def pair(station, tmp_path, monkeypatch):
    """The test station (not the demo) with a second expert on section A."""
    from tests.conftest import ROOT
    db, aid, m = station
    m["e2"] = A.add_member(db, aid, m["lead"], "专家丁", "expert", "4444", sections=["A"])
    monkeypatch.setenv("ASSESSMENT_DB", str(tmp_path / "s.db"))
    monkeypatch.chdir(ROOT)
    return db, aid, m


def figures(dash) -> tuple:
    return (dash.third_party_text, dash.final_text, dash.grade, [s.score_text for s in dash.sections],
            [a.score_text for a in dash.areas], dash.cells_scored, len(dash.flags))


def test_an_experts_totals_do_not_move_when_another_expert_saves_before_the_reveal(pair):
    db, aid, m = pair
    S.save_score(db, aid, m["expert"], "A1", value=4)
    before = figures(live.dashboard(db, aid, m["expert"]))
    S.save_score(db, aid, m["e2"], "A1", value=1)          # the colleague's score for the same cell
    S.save_score(db, aid, m["e2"], "A2", detail={"level": "完全达到"})   # and a cell the expert left
    after = live.dashboard(db, aid, m["expert"])
    assert figures(after) == before
    assert after.own_only and after.agreement is None and not after.flags
    section_a = next(s for s in after.sections if s.code == "A")
    assert section_a.cells_scored == 1                     # only the expert's own A1
    # The lead sees every expert's cells all along: the colleague's save moved the lead's total.
    lead = live.dashboard(db, aid)
    assert not lead.own_only and next(s for s in lead.sections if s.code == "A").cells_scored == 2
    assert len(lead.flags) == 1                            # 4 against 1 on A1


def test_an_expert_who_scored_nothing_sees_no_section_score_before_the_reveal(pair):
    db, aid, m = pair
    S.save_score(db, aid, m["e2"], "A1", value=4)
    S.save_score(db, aid, m["e2"], "A2", detail={"level": "完全达到"})
    dash = live.dashboard(db, aid, m["expert"])
    assert dash.third_party_text == "—" and dash.cells_scored == 0
    assert all(s.score_text in ("—", "") or s.cells_scored == 0 for s in dash.sections)


def test_after_the_lead_reveals_the_expert_sees_the_totals_of_every_expert(pair):
    db, aid, m = pair
    S.save_score(db, aid, m["expert"], "A1", value=4)
    S.save_score(db, aid, m["e2"], "A1", value=1)
    S.save_score(db, aid, m["e2"], "A2", detail={"level": "完全达到"})
    with pytest.raises(PermissionDenied):
        S.reveal_scores(db, aid, m["expert"])               # only the lead reveals
    S.reveal_scores(db, aid, m["lead"])
    assert S.scores_revealed(db, aid)
    dash = live.dashboard(db, aid, m["expert"])
    assert not dash.own_only and figures(dash) == figures(live.dashboard(db, aid))
    S.reveal_scores(db, aid, m["lead"], False)
    assert live.dashboard(db, aid, m["expert"]).own_only
    actions = [r[0] for r in db.execute("SELECT action FROM audit_log WHERE assessment_id = ? AND action IN"
                                        " ('reveal', 'hide') ORDER BY id", [aid])]
    assert actions == ["reveal", "hide"]


def test_the_dashboards_agreement_uses_the_first_blind_values_not_the_revised_ones(pair):
    db, aid, m = pair
    for who, a1 in (("expert", 4), ("e2", 1)):
        S.save_score(db, aid, m[who], "A1", value=a1)
        for code in ("A2", "A3", "A4", "A5", "A6"):
            S.save_score(db, aid, m[who], code, na=True)
        signoff.submit_sections(db, aid, m[who])
    S.revise_score(db, aid, m["e2"], "A1", value=4, reason="missed_evidence")   # now both say 4
    ag = live.dashboard(db, aid).agreement
    cell = next(c for c in ag.cells if c.indicator_code == "A1")
    assert cell.n == 2 and float(cell.spread) == 3.0                           # 4 against the first 1
    first = next(c for c in S.agreement(db, aid, first=True).cells if c.indicator_code == "A1")
    assert first.spread == cell.spread


def test_the_expert_page_says_totals_are_their_own_and_the_lead_page_offers_the_reveal(pair):
    from tests.conftest import app_test
    db, aid, m = pair
    S.save_score(db, aid, m["expert"], "A1", value=4)
    S.save_score(db, aid, m["e2"], "A1", value=1)
    at = app_test("pages/dashboard.py", auth={"assessment_id": aid, "member_id": m["expert"]})
    at.run()
    assert not at.exception, at.exception
    assert any("只按您本人已评的指标计算" in x.value for x in at.info)
    assert not [b for b in at.button if b.key == "reveal_show"]
    lead = app_test("pages/dashboard.py", auth={"assessment_id": aid, "member_id": m["lead"]})
    lead.run()
    lead.button(key="reveal_show").click()
    lead.run()
    assert not lead.exception, lead.exception
    assert S.scores_revealed(db, aid)
    at.run()
    assert not any("只按您本人已评的指标计算" in x.value for x in at.info)
