"""Merging five laptops' full days into the lead's database, against the same writes made directly.

    python bench/sync.py [--rounds 5] [--calls 200] [--photos 40] [--max-ratio 5]

Set-up (not timed): an assessment with 3 片区, four experts — each cell of the framework assigned to
two of them, so every cell is scored twice — and a staff member holding 200 sampled clients; a
任务包 for each of the five, five laptops joined from them (`core.sync.pack.join`), and each
laptop's day made on it through the same use cases the pages call: every assigned cell scored (a
value and a note), a site record with photos (40 photos in all, real JPEGs through the evidence
gate) and a finding per expert, 200 calls by the staff. Each laptop's bundle is made once.

Each round, alternating, on fresh copies of the lead's database as it was before the day:
  merge    the five bundles merged (`core.sync.merge.merge`: verify, decide, write, one transaction each)
  direct   the same writes made directly on the lead's database (the same use-case calls; a photo's
           downscaling by the evidence gate done beforehand, as the laptop did it before its bundle)
and the ratio merge ÷ direct. Checks after every merge round: the lead's totals equal the direct
round's, every score, call and photo arrived (photos byte for byte), a second merge applies 0.
Prints min/median/max of each and ends with the line

    merge X s; direct Y s; ratio Z (min A, max B)

Exit status 1 only when the median ratio is above --max-ratio.
"""
from __future__ import annotations

import argparse
import io
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from core.assessment import team as A  # noqa: E402
from core.framework.model import get_framework  # noqa: E402
from core.scoring import scoresheet as S  # noqa: E402
from core.station import attachments, data as station_data  # noqa: E402
from core.store import open_db  # noqa: E402
from core.survey import calls as survey  # noqa: E402
from core.station.evidence import prepare  # noqa: E402
from core.sync import bundle, merge, pack  # noqa: E402
from db import attachments as attachments_db  # noqa: E402

FRAMEWORK = "gz-2024-four-party"
AREAS = [{"name": "片区一"}, {"name": "片区二"}, {"name": "片区三"}]
EXPERTS = ("专家甲", "专家乙", "专家丙", "专家丁")


def _jpeg(n: int) -> bytes:
    img = Image.new("RGB", (1200, 900), ((n * 37) % 256, (n * 91) % 256, (n * 53) % 256))
    for x in range(0, 1200, 40):                       # some detail, as a photo has
        img.paste(((x * 7) % 256, 90, 160), (x, (n * 13) % 800, x + 20, (n * 13) % 800 + 60))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=88)
    return buf.getvalue()


def setup(folder: Path, calls: int) -> tuple[Path, int, dict[str, int]]:
    """The lead's database before the day: (path, assessment id, member ids by name)."""
    path = folder / "lead.db"
    db = open_db(str(path))
    aid, lead = A.new_assessment(db, {"name": "同步测试社工站", "district": "白云区", "street": "同和街"}, FRAMEWORK,
                                 "组长", "1111")
    A.set_areas(db, aid, lead, AREAS)
    sections = [s.code for s in get_framework(FRAMEWORK).sections]
    half = len(sections) // 2
    ids = {"组长": lead}
    for n, name in enumerate(EXPERTS):                 # 甲乙: the first half of the sections, 丙丁: the rest
        ids[name] = A.add_member(db, aid, lead, name, "expert", "2222", sections[:half] if n < 2 else sections[half:])
    ids["回访员"] = A.add_member(db, aid, lead, "回访员", "staff", "3333")
    db["clients"].insert_all(dict(assessment_id=aid, position=n, name=f"对象{n}", phone=f"139{n:08d}",
                                  community="同和社区", category="低保对象", household=f"H{n}")
                             for n in range(calls + 50))
    survey.draw_sample(db, aid, lead, seed="bench-sync", size=calls)
    survey.assign_evenly(db, aid, lead, [ids["回访员"]])
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    return path, aid, ids


PREPARED: dict[tuple[str, int], dict] = {}


def _photo(db, aid: int, member_id: int, rid: int, name: str, n: int, direct: bool) -> None:
    """On a laptop: the page's upload (the evidence gate downscales and re-encodes the photo). Direct: the same
    stored file written by the same guarded writer, the gate's work done beforehand (not timed): the
    laptop did it, the lead's database only stores the result either way."""
    if not direct:
        attachments.add(db, aid, member_id, "site_record", rid, f"{name}-{n}.jpg", _jpeg(n + len(name) * 7))
        return
    attachments_db.add_attachment(db, aid, member_id, "site_record", rid, PREPARED[(name, n)])


def prepare_photos(photos: int) -> None:
    for name in EXPERTS:
        for n in range(photos // len(EXPERTS)):
            PREPARED[(name, n)] = prepare(f"{name}-{n}.jpg", _jpeg(n + len(name) * 7))


def day_of(db, aid: int, name: str, member_id: int, photos: int, direct: bool = False) -> None:
    """One member's full day, through the use cases the pages call."""
    if name == "回访员":
        for n, item in enumerate(survey.call_queue(db, aid, member_id)):
            survey.record_call(db, aid, member_id, item["id"], 1, "拒访" if n % 3 else "无人接听",
                               comment=f"第{n}位")
        return
    for code, area in A.assigned_cells(db, aid, member_id):
        S.save_score(db, aid, member_id, code, area, value=1)
        S.save_score(db, aid, member_id, code, area, note=f"{name}现场核实")
    rid = station_data.save_site_record(db, aid, member_id, "observation", item=f"{name}的观察", status="finding",
                                        finding="活动室物品堆放")
    for n in range(photos):
        _photo(db, aid, member_id, rid, name, n, direct)
    S.add_finding(db, aid, member_id, "A", "concern", f"{name}：台账需补齐")


def make_bundles(folder: Path, lead_path: Path, aid: int, ids: dict[str, int], photos: int) -> dict[str, bytes]:
    lead = open_db(str(lead_path))
    out = {}
    per = photos // len(EXPERTS)
    for name in (*EXPERTS, "回访员"):
        data = pack.make_pack(lead, aid, ids["组长"], name, ["https://127.0.0.1:9"], "")
        laptop = folder / f"laptop-{name}.db"
        pack.join(str(laptop), data)
        db = open_db(str(laptop))
        day_of(db, aid, name, ids[name], per)
        out[name] = bundle.make_bundle(db, aid)
        db.conn.close()
    lead.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    lead.conn.close()
    return out


def fresh_copy(src: Path, dst: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(str(dst) + suffix).unlink(missing_ok=True)
    shutil.copy(src, dst)
    return dst


def run_merge(path: Path, bundles: dict[str, bytes]) -> float:
    db = open_db(str(path))
    t = time.perf_counter()
    for data in bundles.values():
        merge.merge(db, data)
    took = time.perf_counter() - t
    db.conn.close()
    return took


def run_direct(path: Path, aid: int, ids: dict[str, int], photos: int) -> float:
    db = open_db(str(path))
    t = time.perf_counter()
    for name in (*EXPERTS, "回访员"):
        day_of(db, aid, name, ids[name], photos // len(EXPERTS), direct=True)
    took = time.perf_counter() - t
    db.conn.close()
    return took


def facts(path: Path, aid: int) -> dict:
    """What must be equal after merging and after the direct writes."""
    db = open_db(str(path))
    photos = sorted(r[0] for r in db.execute("SELECT hex(data) FROM attachments WHERE assessment_id = ?", [aid]))
    out = {"result": str(S.result(db, aid).third_party),
           "scores": db.execute("SELECT COUNT(*), SUM(value) FROM scores WHERE assessment_id = ?", [aid]).fetchone(),
           "calls": db.execute("SELECT COUNT(*) FROM survey_calls WHERE assessment_id = ?", [aid]).fetchone()[0],
           "photos": json.dumps(photos).__hash__(), "n_photos": len(photos),
           "findings": db.execute("SELECT COUNT(*) FROM findings WHERE assessment_id = ?", [aid]).fetchone()[0]}
    db.conn.close()
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--calls", type=int, default=200)
    ap.add_argument("--photos", type=int, default=40)
    ap.add_argument("--max-ratio", type=float, default=5.0)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        folder = Path(tmp)
        lead_path, aid, ids = setup(folder, args.calls)
        prepare_photos(args.photos)
        base = folder / "lead-before.db"
        shutil.copy(lead_path, base)                    # packs below record the members' keys in lead.db
        bundles = make_bundles(folder, lead_path, aid, ids, args.photos)
        shutil.copy(lead_path, base)
        sizes = {k: len(v) for k, v in bundles.items()}
        print(f"bundles: {len(bundles)} laptops, {sum(sizes.values()) / 1e6:.1f} MB "
              f"({', '.join(f'{k} {v / 1e3:.0f} kB' for k, v in sizes.items())})")
        merges, directs, ratios = [], [], []
        for r in range(args.rounds):
            order = ("merge", "direct") if r % 2 == 0 else ("direct", "merge")
            took = {}
            for what in order:
                path = fresh_copy(base, folder / f"{what}.db")
                took[what] = run_merge(path, bundles) if what == "merge" else run_direct(path, aid, ids, args.photos)
            merged, direct = facts(folder / "merge.db", aid), facts(folder / "direct.db", aid)
            if merged != direct:
                print(f"MISMATCH after merging: {merged} != {direct}")
                return 1
            again = merge.merge(open_db(str(folder / "merge.db")), bundles[EXPERTS[0]])
            if again["applied"]:
                print(f"MISMATCH: a second merge applied {again['applied']}")
                return 1
            merges.append(took["merge"])
            directs.append(took["direct"])
            ratios.append(took["merge"] / took["direct"])
            print(f"round {r + 1}: merge {took['merge']:.2f} s, direct {took['direct']:.2f} s, "
                  f"ratio {ratios[-1]:.2f} ({merged['scores'][0]} scores, {merged['calls']} calls, "
                  f"{merged['n_photos']} photos)")
        print(f"merge min/median/max {min(merges):.2f}/{statistics.median(merges):.2f}/{max(merges):.2f} s; "
              f"direct {min(directs):.2f}/{statistics.median(directs):.2f}/{max(directs):.2f} s")
        median = statistics.median(ratios)
        print(f"merge {statistics.median(merges):.2f} s; direct {statistics.median(directs):.2f} s; "
              f"ratio {median:.2f} (min {min(ratios):.2f}, max {max(ratios):.2f})")
        return 1 if median > args.max_ratio else 0


if __name__ == "__main__":
    sys.exit(main())
