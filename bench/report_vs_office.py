"""The whole `python -m core report` process against LibreOffice converting a .docx of the same report (issue 27).

    apt-get install -y --no-install-recommends libreoffice-writer-nogui    # once: soffice on PATH
    python bench/report_vs_office.py [--runs 7] [--scales 1,10] [--soffice soffice]

For each scale (1 = the demo; K = bench/scale.py's station K times the demo: 3K 片区, 500K register rows, 100K
findings, 200K calls) this builds the station in a temporary database, then gets a .docx of the same report:

- the app's own Word draft, `python -m core report ID --db DB --out report.docx`, when this version writes one
  (the file is a real .docx: a zip holding word/document.xml);
- otherwise a stand-in, said so in the output: the report PDF's text, page by page, written with python-docx
  (宋体 set as the East Asian font, one paragraph per line, a page break per page) — the same words, without the
  report's tables and charts, so LibreOffice's side is if anything lighter than converting the real draft.

Then, ALTERNATING so that a busy machine slows both alike, `--runs` times each:

- A: the whole process `python -m core report ID --db DB --out X.pdf` (start-up, imports, fonts, gathering,
  layout, writing), wall time;
- B: `soffice --headless -env:UserInstallation=file://<fresh profile> --convert-to pdf --outdir D report.docx`,
  wall time. The profile is a new folder made for this run (never the user's own); one conversion before the
  loop fills it, as one report before the loop fills the app's font cache — neither first run is counted.

Prints per scale the medians, the ratio A ÷ B (median ÷ median) and min/max of the paired ratios, the load
average, and ends with the line

    report ÷ LibreOffice: demo X (min–max); 10× Y (min–max); target 0.5

Exit status 1 only when a ratio is above the target (0.5), 2 when soffice is missing.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

TARGET = 0.5


def build(path: Path, scale: int) -> int:
    from core.store import open_db
    from scale import build_station   # bench/scale.py

    db = open_db(str(path))
    aid = build_station(db, scale)
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    return aid


def report_cmd(db: Path, aid: int, out: Path) -> list[str]:
    return [sys.executable, "-m", "core", "report", str(aid), "--db", str(db), "--out", str(out)]


def is_docx(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as z:
            return "word/document.xml" in z.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def stand_in_docx(pdf: Path, out: Path) -> None:
    """The PDF's text as a .docx (python-docx), one paragraph per line, a page break per page."""
    import docx
    from docx.oxml.ns import qn
    from docx.shared import Pt
    from pypdf import PdfReader

    doc = docx.Document()
    style = doc.styles["Normal"]
    style.font.name = "宋体"
    style.font.size = Pt(12)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    for n, page in enumerate(PdfReader(str(pdf)).pages):
        if n:
            doc.add_page_break()
        for line in (page.extract_text() or "").splitlines():
            doc.add_paragraph(line)
    doc.save(str(out))


def get_docx(tmp: Path, db: Path, aid: int) -> tuple[Path, str]:
    """(the .docx, where it came from)."""
    own = tmp / "report.docx"
    res = subprocess.run(report_cmd(db, aid, own), cwd=ROOT, capture_output=True, text=True)
    if res.returncode == 0 and is_docx(own):
        return own, "the app's own .docx (python -m core report … --out report.docx)"
    pdf = tmp / "for-docx.pdf"
    subprocess.run(report_cmd(db, aid, pdf), cwd=ROOT, check=True, capture_output=True)
    stand = tmp / "stand-in.docx"
    stand_in_docx(pdf, stand)
    return stand, ("a STAND-IN .docx (the report PDF's text via python-docx): this version of `python -m core "
                   "report` writes no .docx yet")


def timed(cmd: list[str], cwd: Path) -> float:
    t0 = time.perf_counter()
    res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{res.stdout}\n{res.stderr}")
    return elapsed


def one_scale(scale: int, runs: int, soffice: str, tmp: Path) -> dict:
    db = tmp / f"scale{scale}.db"
    aid = build(db, scale)
    docx_path, source = get_docx(tmp, db, aid)
    profile = tmp / f"lo-profile-{scale}"
    outdir = tmp / f"lo-out-{scale}"
    outdir.mkdir()
    office = [soffice, "--headless", "--norestore", f"-env:UserInstallation={profile.resolve().as_uri()}",
              "--convert-to", "pdf", "--outdir", str(outdir), str(docx_path)]
    ours = report_cmd(db, aid, tmp / f"out{scale}.pdf")
    timed(office, tmp)          # fills the fresh profile
    timed(ours, ROOT)           # fills the font cache
    pairs = []
    for n in range(runs):
        if n % 2:
            b = timed(office, tmp)
            a = timed(ours, ROOT)
        else:
            a = timed(ours, ROOT)
            b = timed(office, tmp)
        pairs.append((a, b))
    each = [a / b for a, b in pairs]
    med_a = statistics.median(a for a, _ in pairs)
    med_b = statistics.median(b for _, b in pairs)
    return {"scale": scale, "source": source, "report_s": med_a, "office_s": med_b, "ratio": med_a / med_b,
            "min": min(each), "max": max(each), "pdf_kb": (tmp / f"out{scale}.pdf").stat().st_size // 1024}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--scales", default="1,10")
    ap.add_argument("--soffice", default=shutil.which("soffice") or shutil.which("libreoffice") or "soffice")
    args = ap.parse_args(argv)
    if not shutil.which(args.soffice):
        print("soffice not found: apt-get install -y --no-install-recommends libreoffice-writer-nogui", file=sys.stderr)
        return 2
    results = []
    with tempfile.TemporaryDirectory() as t:
        for scale in [int(x) for x in args.scales.split(",") if x]:
            r = one_scale(scale, args.runs, args.soffice, Path(t))
            results.append(r)
            name = "demo" if scale == 1 else f"{scale}×"
            print(f"{name}: report process {r['report_s'] * 1000:.0f} ms (PDF {r['pdf_kb']} KB); LibreOffice "
                  f"{r['office_s'] * 1000:.0f} ms; ratio {r['ratio']:.2f} (min {r['min']:.2f}, max {r['max']:.2f}); "
                  f"docx: {r['source']}")
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    print("report ÷ LibreOffice: " + "; ".join(
        f"{'demo' if r['scale'] == 1 else str(r['scale']) + '×'} {r['ratio']:.2f} ({r['min']:.2f}–{r['max']:.2f})"
        for r in results) + f"; target {TARGET}")
    return 0 if all(r["ratio"] <= TARGET for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
