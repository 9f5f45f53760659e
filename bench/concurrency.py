"""Concurrent writers against one SQLite file, through the real db functions.

    python bench/concurrency.py [--calls N] [--register N] [--procs 6] [--writes 200] [--pause-ms 5] [--db PATH]

Starts N writer processes (each one an assessment member, as on six laptops
sharing the lead's server); each saves `writes` scores / findings / survey calls
at random moments. `--calls N` survey calls are on record before they start
(on other sampled clients), `--register N` persons in the key-client register:
a save must take the same time however large the day's record is.

The baseline, measured in the same run: the same processes making the same number
of single-row transactions (one INSERT each, at the same random moments) with the
app's connection settings (db.connection.connect and transaction), before and after
the saves. Prints the p50/p99/max save latency, checks that every write is present,
none failed ("database is locked" or anything else), that the audit log holds exactly
one row per change and that every bare row is present, and ends with the line

    save p99 X ms; bare SQLite p99 Y ms; ratio Z

(Y = the mean of the two baseline runs' p99). Exit status 1 on any problem or when the
ratio is above 10.

The same pieces are used by tests/test_concurrency.py and tests/test_crash_safety.py:
`setup()` builds the assessment, `python bench/concurrency.py --worker …` is one
writer that prints one JSON line per *committed* save (flushed), `verify()` checks.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.framework.model import get_framework  # noqa: E402
from core.survey import calls as survey  # noqa: E402
from core.scoring import scoresheet as S  # noqa: E402
from core.assessment import team as A  # noqa: E402
from core.store import open_db  # noqa: E402

FRAMEWORK = "gz-2024-four-party"
AREAS = [{"name": "片区一"}, {"name": "片区二"}, {"name": "片区三"}]
OPS = ("score", "finding", "call")
# Audit rows of the writers' kinds of change (a survey call is logged on its item).
WRITER_AUDIT = ("SELECT entity, action, member_id, new FROM audit_log WHERE assessment_id = ?"
                " AND (entity IN ('score', 'finding') OR (entity = 'survey_item' AND action = 'call')){}")


TARGET_RATIO = 10


def setup(db_path, procs: int, writes: int = 200, calls: int = 0, register: int = 0) -> tuple[int, list[int]]:
    """A fresh assessment with one lead and `procs` writers; return (aid, writer member ids).

    Every writer is assigned every section (so it has many cells of its own) and
    enough sampled clients to call (two attempts each). `register` persons at least in
    the register; `calls` calls already recorded by the lead on other sampled clients."""
    db = open_db(str(db_path))
    aid, lead = A.new_assessment(db, {"name": "并发测试社工站", "district": "天河区"}, FRAMEWORK, "组长", "1111")
    A.set_areas(db, aid, lead, AREAS)
    sections = [s.code for s in get_framework(FRAMEWORK).sections]
    ids = [A.add_member(db, aid, lead, f"专家{n + 1}", "expert", "2222", sections) for n in range(procs)]
    # The register is written straight into its real table (the import path is
    # exercised elsewhere); sampling and assignment go through core.survey.calls.
    per_writer = -(-(-(-writes // len(OPS))) // 2)
    prior = -(-calls // 2)                      # clients already called (two attempts each)
    sampled = max(100, procs * per_writer + prior)
    persons = max(sampled, register)
    db["clients"].insert_all(
        dict(assessment_id=aid, position=n, name=_name(n), phone=f"138{n:08d}", community="上元岗社区",
             category="低保对象", household=f"H{n}") for n in range(persons))
    survey.draw_sample(db, aid, lead, seed="bench", size=sampled)
    if prior:
        items = [i["id"] for i in survey.list_items(db, aid)][:prior]
        survey.assign(db, aid, lead, items, lead)
        _record_prior_calls(db, aid, lead, items, calls)
    survey.assign_evenly(db, aid, lead, ids)
    db.conn.close()
    return aid, ids


_SURNAMES = "陈李黄张梁刘林何罗郑王杨吴周谢赵邓冯曾朱叶彭许蔡苏潘卢钟"
_GIVEN = "志伟明华丽芳秀英建国敏静玉兰婷晓红军强文杰燕霞桂珍"


def _name(n: int) -> str:
    """A different plausible Chinese name per person (2-3 characters)."""
    a, b = divmod(n, len(_SURNAMES))
    c, d = divmod(a, len(_GIVEN))
    return _SURNAMES[b] + _GIVEN[d] + (_GIVEN[c % len(_GIVEN)] if c else "")


def _record_prior_calls(db, aid: int, lead: int, items: list[int], calls: int) -> None:
    """`calls` calls on `items` as the lead recorded them earlier in the day (rows written straight
    into survey_calls in one transaction: the save path is what the run measures)."""
    from core.survey.rules import call_row
    from db.connection import transaction

    rows = []
    for n, item_id in enumerate(items):
        for attempt, outcome in ((1, "无人接听"), (2, "接通" if n % 2 else "空号"))[:calls - 2 * n]:
            answers = dict(respondent="本人", knows_worker=True, awareness={"社工站地址": 1},
                           satisfaction={"服务态度": 5}, overall=5) if outcome == "接通" else {}
            r = call_row(outcome, comment=f"早前回访{n}", **answers)
            rows.append((aid, item_id, lead, attempt, f"2025-02-27T09:{n % 60:02d}:00", r["outcome"],
                         r["respondent"], r["knows_worker"], r["awareness"], r["satisfaction"], r["overall"],
                         r["comment"]))
    with transaction(db):
        db.conn.executemany(
            "INSERT INTO survey_calls (assessment_id, item_id, member_id, attempt, called_at, outcome, respondent,"
            " knows_worker, awareness, satisfaction, overall, comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows)


def worker(db_path: str, aid: int, member_id: int, tag: str, writes: int, pause_ms: float, start_at: float,
           seed: int) -> None:
    """Save `writes` items; print one JSON line per attempt, after it returned (i.e. committed)."""
    rnd = random.Random(seed)
    db = open_db(str(db_path), migrated=False)
    fw = get_framework(FRAMEWORK)
    cells = A.assigned_cells(db, aid, member_id)
    points = {i.code: i.points for s in fw.sections for i in s.indicators}
    sections = [s.code for s in fw.sections]
    ops = OPS
    calls = _call_plan(survey.my_calls(db, aid, member_id))
    while time.time() < start_at:
        time.sleep(0.001)
    for n in range(writes):
        if pause_ms:
            time.sleep(rnd.uniform(0, pause_ms) / 1000)
        key = f"{tag}-{n}"
        op = ops[n % len(ops)]
        out = {"key": key, "op": op, "member_id": member_id}
        t0 = time.perf_counter()
        try:
            if op == "score":
                code, area = cells[n % len(cells)]
                value = rnd.choice([0.0, float(points[code])])
                S.save_score(db, aid, member_id, code, area, value=value, note=key)
                out.update(cell=[code, area], value=value)
            elif op == "finding":
                out["finding_id"] = S.add_finding(db, aid, member_id, rnd.choice(sections),
                                                  rnd.choice(["strength", "concern"]), key)
            else:
                item_id, attempt, outcome = next(calls)
                answers = dict(respondent="本人", knows_worker=True, awareness={"社工站地址": 1},
                               satisfaction={"服务态度": 5}, overall=5) if outcome == "接通" else {}
                survey.record_call(db, aid, member_id, item_id, attempt, outcome, comment=key, **answers)
                out["call"] = [item_id, attempt, outcome]
            out["ms"] = (time.perf_counter() - t0) * 1000
        except Exception as e:  # every failure is reported, none is retried
            out["error"] = f"{type(e).__name__}: {e}"
        print(json.dumps(out, ensure_ascii=False), flush=True)
    db.conn.close()


def bare_worker(db_path: str, tag: str, writes: int, pause_ms: float, start_at: float, seed: int) -> None:
    """The baseline: `writes` single-row transactions (one INSERT) with the app's connection settings."""
    from db.connection import connect, transaction

    rnd = random.Random(seed)
    db = connect(db_path)
    while time.time() < start_at:
        time.sleep(0.001)
    for n in range(writes):
        if pause_ms:
            time.sleep(rnd.uniform(0, pause_ms) / 1000)
        key = f"{tag}-{n}"
        out = {"key": key, "op": "bare"}
        t0 = time.perf_counter()
        try:
            with transaction(db):
                db.execute("INSERT INTO bare (key, at) VALUES (?, ?)", [key, time.time()])
            out["ms"] = (time.perf_counter() - t0) * 1000
        except Exception as e:  # noqa: BLE001
            out["error"] = f"{type(e).__name__}: {e}"
        print(json.dumps(out), flush=True)
    db.conn.close()


def run_bare(db_path, procs: int = 6, writes: int = 200, pause_ms: float = 5) -> tuple[list[dict], list[str]]:
    """The baseline run into its own file; returns (results, problems)."""
    from db.connection import connect

    db = connect(db_path)
    db.execute("CREATE TABLE IF NOT EXISTS bare (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, at REAL)")
    db.execute("DELETE FROM bare")
    db.conn.close()
    start_at = time.time() + 1.0 + 0.2 * procs
    ps = [subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--worker", "--bare", "--db", str(db_path), "--tag", f"b{k}",
         "--writes", str(writes), "--pause-ms", str(pause_ms), "--start-at", repr(start_at), "--seed", str(7000 + k)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT) for k in range(procs)]
    results, problems = [], []
    for p in ps:
        out, err = p.communicate(timeout=600)
        results += [json.loads(line) for line in out.splitlines() if line.strip()]
        if p.returncode != 0:
            problems.append(f"bare worker crashed: {err[-300:]}")
    problems += [f"{r['key']} failed: {r['error']}" for r in results if "error" in r]
    db = connect(db_path)
    stored = {r[0] for r in db.execute("SELECT key FROM bare")}
    db.conn.close()
    lost = [r["key"] for r in results if "ms" in r and r["key"] not in stored]
    if lost:
        problems.append(f"{len(lost)} bare rows lost")
    if len(results) != procs * writes:
        problems.append(f"{len(results)} bare results for {procs * writes} transactions")
    return results, problems


def _call_plan(items):
    """(item_id, attempt, outcome): each client 无人接听 first, then alternately 接通 or 空号."""
    for n, it in enumerate(items):
        yield it["id"], 1, "无人接听"
        yield it["id"], 2, "接通" if n % 2 else "空号"


def spawn(db_path, aid: int, member_ids: list[int], writes: int, pause_ms: float = 5, start_delay: float = 1.0,
          seed: int = 7) -> list[subprocess.Popen]:
    start_at = time.time() + start_delay
    return [subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--worker", "--db", str(db_path), "--aid", str(aid),
         "--member", str(mid), "--tag", f"p{k}", "--writes", str(writes), "--pause-ms", str(pause_ms),
         "--start-at", repr(start_at), "--seed", str(seed * 1000 + k)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        for k, mid in enumerate(member_ids)]


def run(db_path, procs: int = 6, writes: int = 200, pause_ms: float = 5, calls: int = 0,
        register: int = 0) -> tuple[int, list[dict], list[str]]:
    """Set up, run the writers to completion; return (aid, results, stderr texts)."""
    aid, ids = setup(db_path, procs, writes, calls, register)
    ps = spawn(db_path, aid, ids, writes, pause_ms, start_delay=1.0 + 0.2 * procs)
    results, errs = [], []
    for p in ps:
        out, err = p.communicate(timeout=600)
        results += [json.loads(line) for line in out.splitlines() if line.strip()]
        if p.returncode != 0:
            errs.append(err)
    return aid, results, errs


def verify(db_path, aid: int, results: list[dict], killed: bool = False, members: list[int] | None = None) -> list[str]:
    """Every acknowledged write present, one audit row per change; return the problems found.

    killed=True: the writers were SIGKILLed, so each may have committed one save it
    never acknowledged (killed between COMMIT and print); at most one such per writer.
    `members`: every writer's member id — a writer killed before it acknowledged anything
    (it started late on a loaded machine) has no result line, yet may have committed a save."""
    problems = [f"{r['key']} failed: {r['error']}" for r in results if "error" in r]
    ok = [r for r in results if "error" not in r]
    db = open_db(str(db_path), migrated=False)
    try:
        audit = {}
        for entity, action, member_id, new in db.execute(WRITER_AUDIT.format(""), [aid]):
            new = json.loads(new) if new else {}
            key = new.get("note") or new.get("text") or new.get("comment") or ""
            audit.setdefault(key, []).append((entity, member_id))
        last_note = {}
        for r in ok:
            if r["op"] == "score":
                last_note[(r["member_id"], *r["cell"])] = (r["key"], r["value"])
        score_rows = {(m, c, a): (note, value) for m, c, a, note, value in db.execute(
            "SELECT member_id, indicator_code, area_code, note, value FROM scores WHERE assessment_id = ?", [aid])}
        written = {r["key"] for r in ok}
        in_flight = {k for k in audit if k.startswith("p") and k not in written}
        for cell, want in last_note.items():
            got = score_rows.get(cell)
            if killed and got and got[0] in in_flight:
                continue
            if got != want:
                problems.append(f"score {cell}: expected {want}, found {score_rows.get(cell)}")
        texts = {}
        for (t,) in db.execute("SELECT text FROM findings WHERE assessment_id = ? AND deleted = 0", [aid]):
            texts[t] = texts.get(t, 0) + 1
        for r in ok:
            if r["op"] == "finding" and texts.get(r["key"]) != 1:
                problems.append(f"finding {r['key']}: {texts.get(r['key'], 0)} rows")
            if len(audit.get(r["key"], [])) != 1:
                problems.append(f"{r['key']}: {len(audit.get(r['key'], []))} audit rows (expected 1)")
        per_tag = {}
        for k in in_flight:
            per_tag.setdefault(k.split("-")[0], []).append(k)
        extra = [k for ks in per_tag.values() for k in ks] if not killed else \
            [k for ks in per_tag.values() if len(ks) > 1 for k in ks]
        if extra:
            problems.append(f"audit rows for writes never acknowledged: {sorted(extra)[:5]}")
        mids = sorted({r["member_id"] for r in results} | set(members or ()))
        if mids:
            n_audit = len(db.execute(WRITER_AUDIT.format(f" AND member_id IN ({','.join('?' * len(mids))})"),
                                     [aid, *mids]).fetchall())
            if n_audit != len(ok) + (len(in_flight) if killed else 0):
                problems.append(f"{n_audit} audit rows for {len(ok)} changes")
    finally:
        db.conn.close()
    return problems


def percentile(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--procs", type=int, default=6)
    ap.add_argument("--writes", type=int, default=200)
    ap.add_argument("--pause-ms", type=float, default=5, help="random pause 0..N ms before each save")
    ap.add_argument("--calls", type=int, default=0, help="survey calls already recorded before the run")
    ap.add_argument("--register", type=int, default=0, help="persons in the key-client register (at least)")
    ap.add_argument("--db", help="database file (default: a new temp file)")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--aid", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--member", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--tag", default="p0", help=argparse.SUPPRESS)
    ap.add_argument("--start-at", type=float, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--seed", type=int, default=7, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.worker and a.bare:
        bare_worker(a.db, a.tag, a.writes, a.pause_ms, a.start_at, a.seed)
        return 0
    if a.worker:
        worker(a.db, a.aid, a.member, a.tag, a.writes, a.pause_ms, a.start_at, a.seed)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        db_path = a.db or os.path.join(tmp, "bench.db")
        bare_path = os.path.join(tmp, "bare.db")
        bare1, bare_problems = run_bare(bare_path, a.procs, a.writes, a.pause_ms)
        t0 = time.perf_counter()
        aid, results, errs = run(db_path, a.procs, a.writes, a.pause_ms, a.calls, a.register)
        wall = time.perf_counter() - t0
        bare2, more = run_bare(bare_path, a.procs, a.writes, a.pause_ms)
        bare_problems += more
        db = open_db(db_path, migrated=False)
        recorded = db.execute("SELECT COUNT(*) FROM survey_calls").fetchone()[0]
        persons = db.execute("SELECT COUNT(*) FROM clients").fetchone()[0]
        db.conn.close()
        ms = [r["ms"] for r in results if "ms" in r]
        by_op = {op: [r["ms"] for r in results if r["op"] == op and "ms" in r] for op in OPS}
        print(f"{a.procs} processes x {a.writes} saves ({', '.join(f'{op} {len(v)}' for op, v in by_op.items() if v)})"
              f" in {wall:.1f} s, random pause 0-{a.pause_ms:g} ms; {a.calls} calls on record before, "
              f"{persons} persons in the register, {recorded} calls after")
        print(f"save latency: p50 {statistics.median(ms):.1f} ms, p99 {percentile(ms, 99):.1f} ms,"
              f" max {max(ms):.1f} ms")
        for op, v in by_op.items():
            if v:
                print(f"  {op:8s} p50 {statistics.median(v):.1f} ms, p99 {percentile(v, 99):.1f} ms")
        bare_p99 = []
        for n, b in enumerate((bare1, bare2), 1):
            v = [r["ms"] for r in b if "ms" in r]
            bare_p99.append(percentile(v, 99))
            print(f"bare SQLite run {n} ({a.procs} processes x {a.writes} single-row transactions): "
                  f"p50 {statistics.median(v):.2f} ms, p99 {bare_p99[-1]:.2f} ms, max {max(v):.2f} ms")
        problems = verify(db_path, aid, results) + [f"worker crashed: {e[-500:]}" for e in errs] + bare_problems
        if len(results) != a.procs * a.writes:
            problems.append(f"{len(results)} results for {a.procs * a.writes} saves")
        lost = sum(1 for p in problems if "failed" not in p)
        failed = sum(1 for r in results if "error" in r)
        print(f"check: {lost} lost, {failed} failed; " + ("every write present, one audit row per change"
                                                          if not problems else f"{len(problems)} PROBLEMS\n  "
                                                          + "\n  ".join(problems[:20])))
        save_p99 = percentile(ms, 99)
        bare = statistics.mean(bare_p99)
        ratio = save_p99 / bare
        print(f"save p99 {save_p99:.1f} ms; bare SQLite p99 {bare:.2f} ms; ratio {ratio:.1f}")
        return 1 if problems or ratio > TARGET_RATIO else 0

if __name__ == "__main__":
    sys.exit(main())
