"""Register edits are cheap (issue 27): figures of the whole register kept up to date row by row.

After an edit, the register's hash, households, per-community persons and the scrubber's names and
phones are updated for the rows the register's change log (migration 021) names, not rebuilt from
every row — and whatever happened in between (edits from another connection, a re-import, a
rolled-back write, a pruned log, another file at the same path) they always equal the figures of
the whole register computed from scratch.
"""
from __future__ import annotations

import random
import shutil

import pytest

from conftest import vm_steps
from core import derived
from core.assessment import team
from core.masking import Scrubber, ScrubberKeys
from core.privacy import scrubber
from core.survey.rules import RegisterHash, register_hash_of
from core.station import data as station_data
from core.station.register import register_summary
from core.survey import calls as survey
from core.survey import rules
from db import clients as clients_db
from db.connection import connect, transaction

COMMUNITIES = ["上元岗社区", "下元岗社区", " 同和社区 ", ""]
NAMES = ["黄子昕", "李明华", "欧阳春花", "周立新", "陈一", "王", "司徒明", "黄子昕"]


def _person(rng: random.Random, k: int) -> dict:
    return dict(name=rng.choice(NAMES) + ("" if rng.random() < 0.5 else str(k % 7)),
                phone=rng.choice(["", f"1380000{k % 50:04d}", f"020-8765{k % 30:04d}", "138-1234-5678"]),
                phone2=rng.choice(["", "", f"1391111{k % 20:04d}"]),
                community=rng.choice(COMMUNITIES), category="低保对象",
                household=rng.choice(["", f"H{k % 40}", "H1"]))


@pytest.fixture
def station(fresh_db, db_path):
    db = fresh_db
    aid, lead = team.new_assessment(db, {"name": "测试社工站", "district": "白云区"}, "gz-2024-four-party",
                                    "组长甲", "1111")
    team.set_areas(db, aid, lead, [{"name": "片区一", "communities": ["上元岗社区", "下元岗社区"]}])
    staff = team.add_member(db, aid, lead, "员工乙", "staff", "2222")
    rng = random.Random(7)
    station_data.replace_clients(db, aid, staff, [_person(rng, k) for k in range(60)], source="名册.xlsx")
    return db, aid, staff


def _from_scratch(db, aid: int) -> dict:
    """The figures computed from every row, as the rules define them (no cache, no fold)."""
    full = [dict(r) for r in db.query("SELECT * FROM clients WHERE assessment_id = ?", [aid])]
    names = [c["name"] for c in full] + [r[0] for r in db.execute(
        "SELECT name FROM interviews WHERE assessment_id = ? AND name != ''", [aid])]
    phones = [c["phone"] for c in full] + [c["phone2"] for c in full]
    communities: dict[str, int] = {}
    for c in full:
        k = (c["community"] or "").strip()
        communities[k] = communities.get(k, 0) + 1
    return {"overview": {"persons": len(full), "households": register_summary(full)["households"],
                         "register_hash": rules.register_hash(full)},
            "communities": communities, "masks": Scrubber(names, phones)._map}


def _kept(db, aid: int) -> dict:
    return {"overview": survey.register_overview(db, aid),
            "communities": survey._register_facts(db, aid)["communities"], "masks": scrubber(db, aid)._map}


def test_figures_kept_row_by_row_equal_those_of_the_whole_register_after_any_edits(station, db_path):
    db, aid, staff = station
    other = connect(db_path)                     # another server process / a merge
    rng = random.Random(11)
    try:
        assert _kept(db, aid) == _from_scratch(db, aid)
        for step in range(40):
            ids = [r[0] for r in db.execute("SELECT id FROM clients WHERE assessment_id = ?", [aid])]
            kind = rng.choice(["update", "update", "insert", "delete", "reimport", "two"])
            with transaction(other):
                if kind in ("update", "two"):
                    for rid in rng.sample(ids, 1 if kind == "update" else 2):
                        field = rng.choice(["name", "phone", "phone2", "community", "household"])
                        other.execute(f"UPDATE clients SET {field} = ? WHERE id = ?",
                                      [_person(rng, step)[field], rid])
                elif kind == "insert":
                    p = _person(rng, 100 + step)
                    other.execute("INSERT INTO clients (assessment_id, position, name, phone, phone2, community,"
                                  " category, household) VALUES (?, 99, ?, ?, ?, ?, ?, ?)",
                                  [aid, p["name"], p["phone"], p["phone2"], p["community"], p["category"],
                                   p["household"]])
                elif kind == "delete":
                    other.execute("DELETE FROM clients WHERE id = ?", [rng.choice(ids)])
            if kind == "reimport":
                rows = station_data.list_clients(other, aid)
                rows[rng.randrange(len(rows))]["phone"] = f"1370000{step:04d}"
                del rows[rng.randrange(len(rows))]
                rows.insert(rng.randrange(len(rows)), _person(rng, 200 + step))
                station_data.replace_clients(other, aid, staff, rows, source="名册（更正）.xlsx")
            assert _kept(db, aid) == _from_scratch(db, aid), f"step {step}: {kind}"
    finally:
        other.conn.close()


def test_the_first_refresh_after_an_edit_reads_the_changed_rows_not_the_register(station):
    """SQLite's work for the register's figures after a one-row edit stays the same when the register is
    eight times larger (counted in virtual-machine steps, never timed), and is a small part of a full read."""
    db, aid, staff = station
    rng = random.Random(3)
    work = {}
    for size in (500, 4000):
        station_data.replace_clients(db, aid, staff, [_person(rng, k) for k in range(size)])
        _kept(db, aid)                                               # figures in place
        rid = db.execute("SELECT id FROM clients WHERE assessment_id = ? LIMIT 1 OFFSET 7", [aid]).fetchone()[0]
        with transaction(db):
            db.execute("UPDATE clients SET phone = '13912345678' WHERE id = ?", [rid])
        work[size] = vm_steps(db, lambda: _kept(db, aid))
        assert scrubber(db, aid)("回访13912345678") == "回访139****5678"
    full = vm_steps(db, lambda: clients_db.register_rows(db, aid))
    assert work[4000] <= work[500] + 5, work
    assert work[4000] * 10 < full, (work, full)


def test_a_register_imported_again_with_one_phone_corrected_changes_that_row_only(station):
    db, aid, staff = station
    before = station_data.list_clients(db, aid)
    log = db.execute("SELECT MAX(seq) FROM register_log").fetchone()[0]
    rows = [dict(r) for r in before]
    rows[5]["phone"] = "13900001111"
    station_data.replace_clients(db, aid, staff, rows, source="名册（更正）.xlsx")
    after = station_data.list_clients(db, aid)
    assert [r["id"] for r in after] == [r["id"] for r in before]          # the same rows, kept
    assert [r["phone"] for r in after] == [r["phone"] for r in rows]
    changed = db.execute("SELECT client_id FROM register_log WHERE seq > ?", [log]).fetchall()
    assert changed == [(before[5]["id"],)]
    # A person added in the middle and one taken out: the register is exactly the file, in its order.
    rows.insert(3, dict(name="新来的人", phone="13800009999", community="上元岗社区", category="低保对象",
                        household="H99"))
    del rows[10]
    station_data.replace_clients(db, aid, staff, rows, source="名册（增删）.xlsx")
    got = station_data.list_clients(db, aid)
    fields = ("name", "phone", "phone2", "community", "category", "household")
    assert [tuple(r.get(f) or "" for f in fields) for r in got] == [tuple(r.get(f) or "" for f in fields) for r in rows]
    assert _kept(db, aid) == _from_scratch(db, aid)


def test_a_rolled_back_edit_then_another_in_its_place_leaves_no_stale_figures(station):
    db, aid, staff = station
    _kept(db, aid)
    rid = db.execute("SELECT id FROM clients WHERE assessment_id = ? LIMIT 1", [aid]).fetchone()[0]
    with pytest.raises(RuntimeError):
        with transaction(db):
            db.execute("UPDATE clients SET name = '钱学森' WHERE id = ?", [rid])
            assert scrubber(db, aid)("钱学森") == "钱*森"          # seen inside the transaction
            raise RuntimeError("rolled back")
    other = db.execute("SELECT id FROM clients WHERE assessment_id = ? LIMIT 1 OFFSET 1", [aid]).fetchone()[0]
    with transaction(db):                                       # takes the rolled-back change's place in the log
        db.execute("UPDATE clients SET name = '司马光' WHERE id = ?", [other])
    assert scrubber(db, aid)("钱学森和司马光") == "钱学森和司*光"
    assert _kept(db, aid) == _from_scratch(db, aid)


def test_a_pruned_log_or_another_file_at_the_same_path_gives_the_figures_of_the_file(station, db_path, tmp_path):
    db, aid, staff = station
    _kept(db, aid)
    rid = db.execute("SELECT id FROM clients WHERE assessment_id = ? LIMIT 1", [aid]).fetchone()[0]
    with transaction(db):
        for k in range(5000):                                   # more changes than the log keeps
            db.execute("UPDATE clients SET phone = ? WHERE id = ?", [f"1380000{k % 9000:04d}", rid])
    assert db.execute("SELECT COUNT(*) FROM register_log").fetchone()[0] < 5000
    assert _kept(db, aid) == _from_scratch(db, aid)

    # Another database file copied over this one (a restored copy), while this process keeps its figures.
    copy = tmp_path / "copy.db"
    station_data.replace_clients(db, aid, staff, [_person(random.Random(5), k) for k in range(30)])
    db.conn.close()
    shutil.copy(db_path, copy)
    db = connect(str(db_path))
    station_data.replace_clients(db, aid, staff, [dict(name="欧阳子昕", phone="13800001234", community="上元岗社区",
                                                       category="低保对象", household="H1")])
    assert scrubber(db, aid)("欧阳子昕") == "欧**昕"
    db.conn.close()
    for suffix in ("-wal", "-shm"):
        (db_path.parent / (db_path.name + suffix)).unlink(missing_ok=True)
    shutil.copy(copy, db_path)
    db = connect(str(db_path))
    try:
        assert _kept(db, aid) == _from_scratch(db, aid)
        assert survey.register_overview(db, aid)["persons"] == 30
    finally:
        db.conn.close()


@pytest.mark.parametrize("over_max", [0, 3, ScrubberKeys.OVER_MAX])
def test_scrubber_keys_added_and_taken_out_mask_as_a_scrubber_of_the_persons_left(monkeypatch, over_max):
    """Whether a scrubber gets a fresh copy of the keys or shares the last copy plus what changed since
    (over_max: how many changes before a new copy), it masks as a Scrubber of the persons left — and a
    scrubber made earlier keeps masking what it masked then."""
    monkeypatch.setattr(ScrubberKeys, "OVER_MAX", over_max)
    rng = random.Random(1)
    keys, people = ScrubberKeys(), []
    kept: list = []
    for step in range(400):
        if people and rng.random() < 0.4:
            name, phones = people.pop(rng.randrange(len(people)))
            keys.remove(name, phones)
        else:
            person = (rng.choice(NAMES + ["13800001111", " 黄子昕 "]),
                      (rng.choice(["", "13800001111", "020-87654321", "12345"]), rng.choice(["", "黄子昕"])))
            keys.add(*person)
            people.append(person)
        made = keys.scrubber(["访谈对象甲"])
        expected = Scrubber([n for n, _ in people] + ["访谈对象甲"], [p for _, ps in people for p in ps])
        assert made._map == expected._map, step
        text = "回访黄子昕、欧阳春花（13800001111，020-87654321）和访谈对象甲"
        assert made(text) == expected(text)
        if step % 50 == 0:
            kept.append((made, expected._map, expected(text)))
    for made, mapped, masked in kept:
        assert made._map == mapped and made(text) == masked
    derived.clear()


@pytest.mark.parametrize("memo", [2, RegisterHash.MEMO])
def test_the_kept_register_hash_tells_a_samples_register_as_hashing_it_again_would(monkeypatch, memo):
    """RegisterHash.matches answers mostly from fingerprints without hashing: after random edits, undoing
    them back to a sampled register, and a digest it has never seen, the answer is always what
    hashing the whole register again gives (with a memo of 2 fingerprints it must hash often)."""
    monkeypatch.setattr(RegisterHash, "MEMO", memo)
    rng = random.Random(7)
    rows = [(rng.choice(NAMES), f"138{k:08d}", "上元岗社区", "低保对象", f"H{k % 9}") for k in range(40)]
    kept = RegisterHash()
    kept.load(rows)
    sampled = [register_hash_of(rows)]                 # digests samples were drawn from
    history = []
    for step in range(300):
        r = rng.random()
        if r < 0.4 or not rows:
            row = (rng.choice(NAMES), f"139{rng.randrange(50):08d}", rng.choice(["上元岗社区", "柯木塱社区"]), "", "")
            rows.append(row)
            kept.add(row)
            history.append(("add", row))
        elif r < 0.8:
            row = rows.pop(rng.randrange(len(rows)))
            kept.remove(row)
            history.append(("remove", row))
        elif history:                                   # undo the last edit (back towards a sampled register)
            what, row = history.pop()
            if what == "add":
                rows.remove(row)
                kept.remove(row)
            else:
                rows.append(row)
                kept.add(row)
        if rng.random() < 0.05:
            sampled.append(register_hash_of(rows))      # a sample drawn now
        now = register_hash_of(rows)
        for digest in sampled + ["0" * 64]:
            assert kept.matches(digest) is (digest == now), step
        if rng.random() < 0.3:
            assert kept.hexdigest() == now
