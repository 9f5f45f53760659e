"""Each laptop works alone; the team's data meets by file (issue 23): two real databases, the lead's and a
member's laptop made from a 任务包, changes carried as a bundle and merged by the owner and base-version
rules — never last write wins."""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from core.cli.main import main as cli_main
from core.scoring import scoresheet
from core.station import attachments, data as station_data
from core.survey import calls
from core.assessment import team as team_uc
from core.sync import bundle, conflicts as sync_conflicts, merge, pull
from core.sync.envelope import dumps, signature
from core.sync.rows import version
from db import sync as sync_db
from db.connection import connect
from tests._station_fixtures import station, station_file  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parent.parent
EXPERT, EXPERT_ID = "林晓红", 2           # the demo: sections A and C
OTHER_ID = 1                             # 陈志远, the lead, also scores A
STAFF, STAFF_ID = "黄小燕", 6


def run(capsys, *args) -> tuple[int, list[str], str]:
    code = cli_main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out.strip().splitlines(), out.err


def dump(path) -> str:
    """A digest of every row of every table (what "nothing changed" means)."""
    c = sqlite3.connect(path)
    h = hashlib.sha256()
    for (t,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
        for row in c.execute(f'SELECT * FROM "{t}" ORDER BY rowid'):
            h.update(repr(row).encode())
    c.close()
    return h.hexdigest()


@pytest.fixture
def team(demo_db_file, tmp_path, capsys):
    """The lead's demo database and 林晓红's laptop joined from her pack: (lead db, laptop db, aid, paths)."""
    src, aid = demo_db_file
    lead_path, laptop_path = tmp_path / "lead.db", tmp_path / "laptop" / "expert.db"
    shutil.copy(src, lead_path)
    code, out, err = run(capsys, "join-pack", aid, "--member", EXPERT, "--db", lead_path, "--out",
                         tmp_path / "expert.pack", "--lead", "https://127.0.0.1:9")
    assert code == 0, err
    code, out, err = run(capsys, "join", tmp_path / "expert.pack", "--db", laptop_path)
    assert code == 0, err
    assert out[-1] == str(aid)
    lead, laptop = connect(lead_path), connect(laptop_path)
    yield lead, laptop, aid, {"lead": lead_path, "laptop": laptop_path, "dir": tmp_path}
    lead.conn.close()
    laptop.conn.close()


def _changes(capsys, paths, aid, name="c.json") -> Path:
    out = paths["dir"] / name
    code, _, err = run(capsys, "changes", aid, "--db", paths["laptop"], "--out", out)
    assert code == 0, err
    return out


def _merge(capsys, paths, bundle_file) -> tuple[int, str, str]:
    code, out, err = run(capsys, "merge", bundle_file, "--db", paths["lead"])
    return code, (out[-1] if out else ""), err


def _own_score(db, aid, member_id, code="A1"):
    return next(r for r in scoresheet.scores(db, aid, member_id) if r["indicator_code"] == code and not r["area_code"])


def test_an_expert_scores_alone_the_leads_totals_wait_for_the_merge_which_applies_once(team, capsys):
    lead, laptop, aid, paths = team
    before = scoresheet.result(lead, aid).third_party
    old = _own_score(laptop, aid, EXPERT_ID)["value"]
    scoresheet.save_score(laptop, aid, EXPERT_ID, "A1", "", value=0)        # the lead is unreachable
    scoresheet.save_score(laptop, aid, EXPERT_ID, "A2", "", note="现场补看了台账")
    assert scoresheet.result(lead, aid).third_party == before
    assert _own_score(lead, aid, EXPERT_ID)["value"] == old

    code, last, err = _merge(capsys, paths, _changes(capsys, paths, aid))
    assert code == 0, err
    assert last == "applied 2; unchanged 0; conflicts 0"
    assert _own_score(lead, aid, EXPERT_ID)["value"] == 0
    assert _own_score(lead, aid, EXPERT_ID, "A2")["note"] == "现场补看了台账"
    assert scoresheet.result(lead, aid).third_party != before

    digest = dump(paths["lead"])
    code, last, _ = _merge(capsys, paths, _changes(capsys, paths, aid, "again.json"))
    assert last == "applied 0; unchanged 2; conflicts 0"
    assert scoresheet.result(lead, aid).third_party != before
    log = [r["action"] for r in lead.query("SELECT action FROM audit_log WHERE entity = 'sync'")]
    assert log == ["merge", "merge"]
    assert digest  # the second merge changed no score: same values
    assert _own_score(lead, aid, EXPERT_ID)["value"] == 0


def test_an_older_bundle_merged_after_a_newer_one_changes_nothing(team, capsys):
    lead, laptop, aid, paths = team
    scoresheet.save_score(laptop, aid, EXPERT_ID, "A1", "", value=1)
    first = _changes(capsys, paths, aid, "first.json")
    scoresheet.save_score(laptop, aid, EXPERT_ID, "A1", "", value=2)
    second = _changes(capsys, paths, aid, "second.json")
    assert _merge(capsys, paths, second)[1] == "applied 1; unchanged 0; conflicts 0"
    assert _merge(capsys, paths, first)[1] == "applied 0; unchanged 1; conflicts 0"
    assert _own_score(lead, aid, EXPERT_ID)["value"] == 2


def test_the_same_cell_changed_on_both_sides_is_a_conflict_the_lead_decides_side_by_side(team, capsys):
    lead, laptop, aid, paths = team
    scoresheet.save_score(laptop, aid, EXPERT_ID, "A1", "", value=1, note="笔记本上的判断")
    scoresheet.save_score(lead, aid, EXPERT_ID, "A1", "", value=3)      # e.g. her paper sheet typed in by the lead
    code, last, _ = _merge(capsys, paths, _changes(capsys, paths, aid))
    assert code == 0 and last == "applied 0; unchanged 0; conflicts 1"
    assert _own_score(lead, aid, EXPERT_ID)["value"] == 3              # the lead's value kept until decided

    code, out, _ = run(capsys, "conflicts", aid, "--db", paths["lead"])
    assert out[-1] == "conflicts 1"
    assert any("分数：组长 3 | 林晓红 1" in line for line in out), out
    item = sync_conflicts.listing(lead, aid)[0]
    assert {f["label"]: (f["ours"], f["theirs"]) for f in item["fields"] if f["differs"]} == \
        {"分数": ("3", "1"), "备注": ("（空）", "笔记本上的判断")}

    sync_conflicts.decide(lead, aid, 1, item["id"], "theirs")
    assert _own_score(lead, aid, EXPERT_ID)["value"] == 1
    assert run(capsys, "conflicts", aid, "--db", paths["lead"])[1][-1] == "conflicts 0"


def test_the_lead_keeping_their_version_reaches_the_laptop_and_stops_the_conflict(team, capsys):
    lead, laptop, aid, paths = team
    scoresheet.save_score(laptop, aid, EXPERT_ID, "A1", "", value=1)
    scoresheet.save_score(lead, aid, EXPERT_ID, "A1", "", value=3)
    _merge(capsys, paths, _changes(capsys, paths, aid))
    sync_conflicts.decide(lead, aid, 1, sync_conflicts.listing(lead, aid)[0]["id"], "ours")
    # The laptop meets the lead (the reply a network push gets): it takes the lead's ruling.
    key = sync_db.member_key(lead, aid, EXPERT_ID)
    reply = pull.pull_for(lead, aid, {"id": EXPERT_ID, "role": "expert"}, bundle.holdings(laptop, aid))
    pull.take(laptop, aid, dumps("reply", reply, key["secret"]))
    assert _own_score(laptop, aid, EXPERT_ID)["value"] == 3
    assert sync_db.pending_count(laptop, aid) == 0


def test_a_refused_bundle_changes_nothing_and_says_what_is_wrong(team, capsys, demo_db_file):
    lead, laptop, aid, paths = team
    scoresheet.save_score(laptop, aid, EXPERT_ID, "A1", "", value=0)
    good = _changes(capsys, paths, aid).read_bytes()
    before = dump(paths["lead"])
    cases = {}
    cases["truncated"] = good[: len(good) // 2]
    doc = json.loads(good)
    doc["body"]["changes"][0]["content"]["value"] = 5.0          # edited after signing
    cases["edited"] = json.dumps(doc).encode()
    doc = json.loads(good)
    doc["body"]["changes"][0]["content"]["note"] = "伪造"
    doc["body"]["changes"][0]["version"] = version(doc["body"]["changes"][0]["content"])
    doc["sig"] = signature(doc["body"], "another secret")        # signed with another key
    cases["forged"] = json.dumps(doc).encode()
    doc = json.loads(good)
    doc["body"]["assessment_uid"] = "0" * 32                       # another assessment's
    cases["foreign"] = json.dumps(doc).encode()
    expected = {"truncated": "不完整或已损坏", "edited": "签名不符", "forged": "签名不符",
                "foreign": "属于另一个评估"}
    for name, data in cases.items():
        f = paths["dir"] / f"{name}.json"
        f.write_bytes(data)
        r = subprocess.run([sys.executable, "-m", "core", "merge", str(f), "--db", str(paths["lead"])], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 1, (name, r.stdout, r.stderr)
        assert expected[name] in r.stderr and "未作任何修改" in r.stderr, (name, r.stderr)
        assert dump(paths["lead"]) == before, name


def test_changes_arriving_after_the_lock_are_kept_and_listed_not_applied(team, capsys):
    lead, laptop, aid, paths = team
    old = _own_score(lead, aid, EXPERT_ID)["value"]
    scoresheet.save_score(laptop, aid, EXPERT_ID, "A1", "", value=0)
    team_uc.set_locked(lead, aid, 1, True)
    code, out, _ = run(capsys, "merge", _changes(capsys, paths, aid), "--db", paths["lead"])
    assert code == 0 and out[-1] == "applied 0; unchanged 0; conflicts 1"
    assert any("锁定后到达" in line for line in out)
    assert _own_score(lead, aid, EXPERT_ID)["value"] == old
    out = run(capsys, "conflicts", aid, "--db", paths["lead"])[1]
    assert out[-1] == "conflicts 1" and "锁定后到达" in out[0]
    team_uc.set_locked(lead, aid, 1, False)                      # the lead reopens and adopts it
    sync_conflicts.decide(lead, aid, 1, sync_conflicts.listing(lead, aid)[0]["id"], "theirs")
    assert _own_score(lead, aid, EXPERT_ID)["value"] == 0


def test_a_change_to_another_members_row_is_not_applied(team, capsys):
    lead, laptop, aid, paths = team
    # The laptop holds the lead's A1 score (she scored A1 herself); a change of it made on her laptop
    # (here straight into the file) is not hers: kept for the lead, never applied.
    old = _own_score(lead, aid, OTHER_ID)["value"]
    laptop.execute("UPDATE scores SET value = 0 WHERE member_id = ? AND indicator_code = 'A1'", [OTHER_ID])
    code, last, _ = _merge(capsys, paths, _changes(capsys, paths, aid))
    assert last == "applied 0; unchanged 0; conflicts 1"
    assert _own_score(lead, aid, OTHER_ID)["value"] == old
    assert sync_conflicts.listing(lead, aid)[0]["kind"] == "owner"
    with pytest.raises(Exception, match="不能采用"):
        sync_conflicts.decide(lead, aid, 1, sync_conflicts.listing(lead, aid)[0]["id"], "theirs")


def _jpeg(color) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), color).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def test_notes_findings_and_photos_made_on_the_laptop_arrive_intact(team, capsys):
    lead, laptop, aid, paths = team
    rid = station_data.save_site_record(laptop, aid, EXPERT_ID, "observation", item="活动室消防通道", status="finding",
                                        finding="通道堆放杂物")
    fid = station_data.promote_to_finding(laptop, aid, EXPERT_ID, rid, "A")
    att = attachments.add(laptop, aid, EXPERT_ID, "site_record", rid, "通道.jpg", _jpeg((200, 30, 30)))
    att2 = attachments.add(laptop, aid, EXPERT_ID, "finding", fid, "整改前.jpg", _jpeg((20, 30, 200)))
    sent = {a["id"]: attachments.file_of(laptop, aid, a["id"])["data"] for a in attachments.list_all(laptop, aid)
            if a["id"] in (att, att2)}
    code, last, err = _merge(capsys, paths, _changes(capsys, paths, aid))
    assert last == "applied 4; unchanged 0; conflicts 0", err
    rec = next(r for r in station_data.list_site_records(lead, aid) if r["item"] == "活动室消防通道")
    finding = next(f for f in scoresheet.findings(lead, aid) if f["source"] == f"site_record:{rec['id']}")
    assert finding["text"]
    got = {a["filename"]: attachments.file_of(lead, aid, a["id"])["data"] for a in attachments.list_all(lead, aid)}
    assert hashlib.sha256(got["通道.jpg"]).digest() == hashlib.sha256(sent[att]).digest()
    assert got["整改前.jpg"] == sent[att2]
    lead_owner = {a["filename"]: (a["owner_kind"], a["owner_id"]) for a in attachments.list_all(lead, aid)}
    assert lead_owner["通道.jpg"] == ("site_record", rec["id"])
    assert lead_owner["整改前.jpg"] == ("finding", finding["id"])


def test_an_experts_pack_has_no_phone_numbers_the_staffs_has_the_call_list(team, capsys, tmp_path):
    lead, laptop, aid, paths = team
    assert laptop.execute("SELECT COUNT(*) FROM clients WHERE phone != '' OR phone2 != ''").fetchone()[0] == 0
    assert lead.execute("SELECT COUNT(*) FROM clients WHERE phone != ''").fetchone()[0] > 0
    reserve = lead.execute("SELECT id FROM survey_items WHERE caller_id IS NULL ORDER BY id LIMIT 1").fetchone()[0]
    calls.assign(lead, aid, 1, [reserve], STAFF_ID)              # the lead hands her a reserve client first
    code, _, err = run(capsys, "join-pack", aid, "--member", STAFF, "--db", paths["lead"], "--out", tmp_path / "s.pack")
    assert code == 0, err
    code, out, err = run(capsys, "join", tmp_path / "s.pack", "--db", tmp_path / "staff.db")
    staff = connect(tmp_path / "staff.db")
    phones = staff.execute("SELECT COUNT(*) FROM clients WHERE phone != ''").fetchone()[0]
    assert phones == lead.execute("SELECT COUNT(*) FROM clients WHERE phone != ''").fetchone()[0]
    for t in ("scores", "findings", "site_records", "interviews", "attachments"):
        assert staff.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] == 0, t
    # The staff calls alone; the calls merge.
    calls.record_call(staff, aid, STAFF_ID, reserve, 1, "无人接听")
    with pytest.raises(Exception, match="抽样在组长的笔记本上进行"):     # the sample is the lead's
        calls.draw_sample(staff, aid, STAFF_ID, seed="again", confirm_redraw=True)
    staff.conn.close()
    code, _, err = run(capsys, "changes", aid, "--db", tmp_path / "staff.db", "--out", tmp_path / "sc.json")
    assert code == 0, err
    assert _merge(capsys, paths, tmp_path / "sc.json")[1] == "applied 1; unchanged 0; conflicts 0"
    # Nothing of the pack file holds a phone the expert's laptop does not need.
    pack = (paths["dir"] / "expert.pack").read_text(encoding="utf-8")
    some_phone = lead.execute("SELECT phone FROM clients WHERE phone != '' LIMIT 1").fetchone()[0]
    assert some_phone not in pack


def test_blind_scores_never_reach_another_laptop_before_its_member_has_scored_the_cell(team, capsys):
    lead, laptop, aid, paths = team
    mine = {(r["indicator_code"], r["area_code"]) for r in scoresheet.scores(lead, aid, EXPERT_ID)
            if r["value"] is not None or r["na"]}
    others = [r for r in scoresheet.scores(laptop, aid) if r["member_id"] != EXPERT_ID]
    assert others and all((r["indicator_code"], r["area_code"]) in mine for r in others)
    unseen = [r for r in scoresheet.scores(lead, aid) if r["member_id"] != EXPERT_ID
              and (r["indicator_code"], r["area_code"]) not in mine]
    assert unseen                                     # the lead holds scores she may not see yet
    uids = {r[0] for r in laptop.execute("SELECT uid FROM scores")}
    assert not uids & {f"s:{r['member_id']}:{r['indicator_code']}:{r['area_code']}" for r in unseen}


def test_join_and_join_pack_refuse_to_overwrite_and_a_damaged_pack_makes_no_database(team, capsys):
    lead, laptop, aid, paths = team
    code, _, err = run(capsys, "join-pack", aid, "--member", EXPERT, "--db", paths["lead"], "--out",
                       paths["dir"] / "expert.pack")
    assert code == 1 and "已存在" in err
    code, _, err = run(capsys, "join", paths["dir"] / "expert.pack", "--db", paths["laptop"])
    assert code == 1 and "已存在" in err
    data = (paths["dir"] / "expert.pack").read_bytes()
    (paths["dir"] / "cut.pack").write_bytes(data[:5000])
    code, _, err = run(capsys, "join", paths["dir"] / "cut.pack", "--db", paths["dir"] / "new" / "x.db")
    assert code == 1 and "不完整" in err
    assert not (paths["dir"] / "new").exists()
    edited = data.replace("元岗".encode(), "沙河".encode(), 1)             # the station's name, edited
    assert edited != data
    (paths["dir"] / "edited.pack").write_bytes(edited)
    code, _, err = run(capsys, "join", paths["dir"] / "edited.pack", "--db", paths["dir"] / "y.db")
    assert code == 1 and "签名不符" in err and not (paths["dir"] / "y.db").exists()


def test_a_station_unlike_the_demo_meets_the_same_way(station, tmp_path, capsys):
    """A bare station (another framework, no register, nothing scored yet) and its expert."""
    db, aid, ids = station
    path = Path(db.conn.execute("PRAGMA database_list").fetchone()[2])
    code, _, err = run(capsys, "join-pack", aid, "--member", "专家乙", "--db", path, "--out", tmp_path / "p.pack")
    assert code == 0, err
    code, out, err = run(capsys, "join", tmp_path / "p.pack", "--db", tmp_path / "lap.db")
    assert code == 0 and out[-1] == str(aid), err
    lap = connect(tmp_path / "lap.db")
    fw = scoresheet.framework(lap, aid)
    cell = next(i for s in fw.sections if s.code == "A" for i in s.indicators)
    scoresheet.save_score(lap, aid, ids["expert"], cell.code, "", na=True, note="本期不适用")
    scoresheet.add_finding(lap, aid, ids["expert"], "A", "concern", "制度未上墙")
    lap.conn.close()
    run(capsys, "changes", aid, "--db", tmp_path / "lap.db", "--out", tmp_path / "b.json")
    code, out, err = run(capsys, "merge", tmp_path / "b.json", "--db", path)
    assert out[-1] == "applied 2; unchanged 0; conflicts 0", err
    assert [r["na"] for r in scoresheet.scores(db, aid, ids["expert"])] == [True]
    assert [f["text"] for f in scoresheet.findings(db, aid)] == ["制度未上墙"]


def test_kill_9_during_a_merge_leaves_the_leads_database_as_before(team, capsys):
    lead, laptop, aid, paths = team
    for r in scoresheet.scores(laptop, aid, EXPERT_ID):
        scoresheet.save_score(laptop, aid, EXPERT_ID, r["indicator_code"], r["area_code"], note="复核备注")
    f = _changes(capsys, paths, aid)
    lead.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = dump(paths["lead"])
    env = dict(os.environ, ASSESSMENT_FAULT_PAUSE_MERGE="60")
    p = subprocess.Popen([sys.executable, "-m", "core", "merge", str(f), "--db", str(paths["lead"])], cwd=ROOT,
                         env=env, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert "MERGE-PAUSED" in p.stderr.readline()
    p.kill()                                       # SIGKILL inside the merge's transaction
    p.wait()
    assert lead.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert dump(paths["lead"]) == before
    n = len(scoresheet.scores(laptop, aid, EXPERT_ID))
    assert _merge(capsys, paths, f)[1] == f"applied {n}; unchanged 0; conflicts 0"
    assert all(r["note"] == "复核备注" for r in scoresheet.scores(lead, aid, EXPERT_ID))


def test_a_row_changed_again_after_its_bundle_was_merged_by_file_applies_and_a_deletion_follows(team, capsys):
    """No answer comes back through a USB stick: the next bundle still applies (not a false conflict)."""
    lead, laptop, aid, paths = team
    rid = station_data.save_site_record(laptop, aid, EXPERT_ID, "observation", item="档案室", notes="初看")
    assert _merge(capsys, paths, _changes(capsys, paths, aid, "1.json"))[1] == "applied 1; unchanged 0; conflicts 0"
    station_data.save_site_record(laptop, aid, EXPERT_ID, "observation", notes="复看：台账齐全", record_id=rid)
    scoresheet.save_score(laptop, aid, EXPERT_ID, "A1", "", value=2)
    assert _merge(capsys, paths, _changes(capsys, paths, aid, "2.json"))[1] == "applied 2; unchanged 0; conflicts 0"
    scoresheet.save_score(laptop, aid, EXPERT_ID, "A1", "", value=3)
    assert _merge(capsys, paths, _changes(capsys, paths, aid, "3.json"))[1] == "applied 1; unchanged 1; conflicts 0"
    rec = next(r for r in station_data.list_site_records(lead, aid) if r["item"] == "档案室")
    assert rec["notes"] == "复看：台账齐全" and _own_score(lead, aid, EXPERT_ID)["value"] == 3
    station_data.delete_site_record(laptop, aid, EXPERT_ID, rid)
    assert _merge(capsys, paths, _changes(capsys, paths, aid, "4.json"))[1] == "applied 1; unchanged 1; conflicts 0"
    assert not [r for r in station_data.list_site_records(lead, aid) if r["item"] == "档案室"]
    # the lead edits the same note meanwhile: that one is a conflict, the lead's note kept
    rid2 = station_data.save_site_record(laptop, aid, EXPERT_ID, "observation", item="活动室", notes="甲")
    _merge(capsys, paths, _changes(capsys, paths, aid, "5.json"))
    lead_rid = next(r["id"] for r in station_data.list_site_records(lead, aid) if r["item"] == "活动室")
    station_data.save_site_record(lead, aid, 1, "observation", notes="组长补记", record_id=lead_rid)
    station_data.save_site_record(laptop, aid, EXPERT_ID, "observation", notes="乙", record_id=rid2)
    assert _merge(capsys, paths, _changes(capsys, paths, aid, "6.json"))[1].endswith("conflicts 1")
    assert next(r for r in station_data.list_site_records(lead, aid) if r["item"] == "活动室")["notes"] == "组长补记"


def _meet(lead, laptop, aid, member_id=EXPERT_ID, role="expert"):
    """What one network meeting does, without the servers: the laptop's bundle merged, the reply taken."""
    out = merge.merge(lead, bundle.make_bundle(laptop, aid, have=bundle.holdings(laptop, aid)), via="network")
    reply = pull.pull_for(lead, aid, {"id": member_id, "role": role}, out["have"])
    pull.take(laptop, aid, dumps("reply", reply, sync_db.member_key(lead, aid, member_id)["secret"]))
    return out


def test_what_others_write_reaches_the_laptop_without_becoming_its_own_changes(team, capsys):
    lead, laptop, aid, paths = team
    fid = scoresheet.add_finding(lead, aid, 3, "B", "strength", "王建华：片区活动扎实", area_code="P1")
    rid = station_data.save_site_record(lead, aid, 1, "document", item="组长查阅的台账", notes="齐全")
    att = attachments.add(lead, aid, 1, "site_record", rid, "台账.jpg", _jpeg((10, 120, 10)))
    _meet(lead, laptop, aid)
    assert any(f["text"] == "王建华：片区活动扎实" for f in scoresheet.findings(laptop, aid))
    lap_rec = next(r for r in station_data.list_site_records(laptop, aid) if r["item"] == "组长查阅的台账")
    lap_att = next(a for a in attachments.list_all(laptop, aid) if a["filename"] == "台账.jpg")
    assert lap_att["owner_id"] == lap_rec["id"]
    assert attachments.file_of(laptop, aid, lap_att["id"])["data"] == attachments.file_of(lead, aid, att)["data"]
    assert sync_db.pending_count(laptop, aid) == 0          # received, not the laptop's own changes
    # The lead deletes them: gone from the laptop at the next meeting.
    attachments.delete(lead, aid, 1, att)
    station_data.delete_site_record(lead, aid, 1, rid)
    scoresheet.delete_finding(lead, aid, 3, fid)
    _meet(lead, laptop, aid)
    assert not [r for r in station_data.list_site_records(laptop, aid) if r["item"] == "组长查阅的台账"]
    assert not [a for a in attachments.list_all(laptop, aid) if a["filename"] == "台账.jpg"]
    assert sync_db.pending_count(laptop, aid) == 0
    # Her own change meets once and is confirmed; meeting again changes nothing.
    scoresheet.save_score(laptop, aid, EXPERT_ID, "A1", "", value=2)
    assert _meet(lead, laptop, aid)["applied"] == 1
    assert sync_db.pending_count(laptop, aid) == 0
    assert _meet(lead, laptop, aid)["applied"] == 0
