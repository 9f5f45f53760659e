"""实时总览 is made once per change of the assessment's data (issue 27: the page draws it twice a run and every
open dashboard refreshes it every few seconds): the same figures are shared until anything changes, and every
kind of change a user makes shows on the next refresh — never a stale total, flag, note or lock."""
from __future__ import annotations

from core.assessment import team as A
from core.day import live
from core.scoring import scoresheet as S
from core.station import data as SD
from tests._station_fixtures import station, station_file  # noqa: F401
from tests.test_dashboard_blind import figures, pair  # noqa: F401  (the fixture: the test station, two experts)


def test_the_dashboard_is_made_once_until_the_data_changes(pair):
    db, aid, m = pair
    S.save_score(db, aid, m["expert"], "A1", value=4)
    first = live.dashboard(db, aid)
    assert live.dashboard(db, aid) is first                     # nothing changed: the same figures, not rebuilt
    S.save_score(db, aid, m["e2"], "A1", value=1)
    after = live.dashboard(db, aid)
    assert after is not first and len(after.flags) == 1 and after.cells_scored == first.cells_scored
    assert figures(after) != figures(first)


def test_each_change_a_user_makes_shows_on_the_next_refresh(pair):
    db, aid, m = pair
    S.save_score(db, aid, m["expert"], "A1", value=4, note="档案齐全")
    S.save_score(db, aid, m["e2"], "A1", value=1)
    dash = live.dashboard(db, aid)
    assert [e.note for e in dash.flags[0].experts if e.note] == ["档案齐全"]
    S.save_score(db, aid, m["expert"], "A1", note="档案缺两册")            # a note edited
    assert [e.note for e in live.dashboard(db, aid).flags[0].experts if e.note] == ["档案缺两册"]
    S.save_override(db, aid, m["lead"], "A1", "", value=3, reason="现场复核")   # the lead decides the cell
    assert live.dashboard(db, aid).flags[0].override["reason"] == "现场复核"
    SD.save_indicator(db, aid, m["lead"], "个案服务", "个", 10, 12)             # a contract indicator
    assert any(r["name"] == "个案服务" for r in live.dashboard(db, aid).indicators)
    A.set_locked(db, aid, m["lead"], True)                                    # the lock
    assert live.dashboard(db, aid).locked


def test_an_experts_view_is_kept_apart_from_the_leads_and_follows_the_reveal(pair):
    db, aid, m = pair
    S.save_score(db, aid, m["expert"], "A1", value=4)
    S.save_score(db, aid, m["e2"], "A1", value=1)
    lead, expert = live.dashboard(db, aid), live.dashboard(db, aid, m["expert"])
    assert not lead.own_only and len(lead.flags) == 1
    assert expert.own_only and not expert.flags and expert.cells_scored == 1
    assert live.dashboard(db, aid) is lead and live.dashboard(db, aid, m["expert"]) is expert
    S.reveal_scores(db, aid, m["lead"], True)
    revealed = live.dashboard(db, aid, m["expert"])
    assert not revealed.own_only and len(revealed.flags) == 1 and figures(revealed) == figures(live.dashboard(db, aid))


def test_the_scorers_progress_follows_each_score_submit_and_reopen(pair):
    from core.scoring import signoff
    from tests.test_blind_reveal import score_and_submit

    db, aid, m = pair

    def row(who):
        return next(s for s in signoff.scorers(db, aid) if s["member_id"] == m[who])

    first = signoff.scorers(db, aid)
    assert signoff.scorers(db, aid) is first                    # nothing changed: shared, not rebuilt
    assert row("expert")["scored"] == 0 and not row("expert")["submitted"]
    S.save_score(db, aid, m["expert"], "A1", value=4)
    assert row("expert")["scored"] == 1
    score_and_submit(db, aid, m)
    assert row("expert")["submitted"] and row("e2")["submitted"]
    signoff.reopen_submission(db, aid, m["lead"], m["expert"], "请补充备注")
    assert not row("expert")["submitted"] and row("expert")["reopen_reason"] == "请补充备注" and row("e2")["submitted"]


def test_after_a_register_edit_notes_are_masked_anew_and_the_scores_are_kept_not_stale(pair):
    """A register row written by another laptop's merge (plain SQL here): the next refresh masks the new
    person's name in an expert's note and the lead's reason, keeps the scores' figures (not recomputed:
    the same objects), and the dashboard shown before keeps what it showed. A score saved afterwards shows."""
    db, aid, m = pair
    S.save_score(db, aid, m["expert"], "A1", value=4, note="回访周立新，档案齐全")
    S.save_score(db, aid, m["e2"], "A1", value=1)
    S.save_override(db, aid, m["lead"], "A1", "", value=3, reason="周立新的档案已复核")
    before = live.dashboard(db, aid)
    assert [e.note for e in before.flags[0].experts if e.note] == ["回访周立新，档案齐全"]
    db.execute("INSERT INTO clients (assessment_id, position, name, phone) VALUES (?, 99, '周立新', '13712345678')",
               [aid])
    after = live.dashboard(db, aid)
    assert after is not before
    assert [e.note for e in after.flags[0].experts if e.note] == ["回访周*新，档案齐全"]
    assert after.flags[0].override["reason"] == "周*新的档案已复核"
    assert after.result.cell("A1").override["reason"] == "周*新的档案已复核"
    assert figures(after) == figures(before) and after.sections is before.sections     # kept, not recomputed
    assert [e.note for e in before.flags[0].experts if e.note] == ["回访周立新，档案齐全"]  # what was shown stays
    assert before.result.cell("A1").override["reason"] == "周立新的档案已复核"
    S.save_score(db, aid, m["e2"], "A1", value=4)
    assert not live.dashboard(db, aid).flags
