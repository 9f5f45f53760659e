"""The key-client register (重点服务对象名册): rows of `clients`.

Storage only: core.station.data validates the rows (core.station.register, core.station.register_import).
The writer (lead and staff) goes through the one write guard; its audit row holds
counts, never personal data.
"""
from __future__ import annotations

from .guard import Write, writer

FIELDS = ("name", "phone", "community", "category", "household", "vacant_household", "separated", "note",
          "phone2", "phone_note", "category_detail", "household_written")
_FLAGS = ("vacant_household", "separated")


def count_clients(db, assessment_id: int) -> int:
    return db.execute("SELECT COUNT(*) FROM clients WHERE assessment_id = ?", [assessment_id]).fetchone()[0]


def identities(db, assessment_id: int | None) -> tuple[list[str], list[str]]:
    """The register's names and phones, second phones included (for the scrubber); every
    assessment's register when assessment_id is None."""
    if assessment_id is None:
        rows = db.execute("SELECT name, phone, phone2 FROM clients").fetchall()
    else:
        rows = db.execute("SELECT name, phone, phone2 FROM clients WHERE assessment_id = ?", [assessment_id]).fetchall()
    return [r[0] or "" for r in rows], [r[1] or "" for r in rows] + [r[2] for r in rows if r[2]]


def list_clients(db, assessment_id: int) -> list[dict]:
    """Full, unmasked rows in register order (flags as bool)."""
    rows = list(db.query("SELECT * FROM clients WHERE assessment_id = ? ORDER BY position, id", [assessment_id]))
    for r in rows:
        for k in _FLAGS:
            r[k] = bool(r[k])
    return rows


def has_clients(db, assessment_id: int) -> bool:
    """True when the assessment's register has at least one row (one indexed lookup)."""
    return db.execute("SELECT 1 FROM clients WHERE assessment_id = ? LIMIT 1", [assessment_id]).fetchone() is not None


def survey_started(db, assessment_id: int) -> bool:
    """True once a satisfaction-survey sample has been drawn from the register."""
    return db.execute("SELECT 1 FROM survey_samples WHERE assessment_id = ? LIMIT 1",
                      [assessment_id]).fetchone() is not None


@writer("lead", "staff", what="重点服务对象名册")
def replace_clients(w: Write, rows: list[dict], source: str = "", counts: dict | None = None) -> int:
    """Replace the whole register with clean `rows`; returns the person count.

    (core.station.data refuses it once a survey sample was drawn: `survey_started`.) The
    one audit row keeps the file name and counts (`counts`: households, flags … computed
    by core), never names or phones.
    """
    db, assessment_id = w.db, w.assessment_id
    old_n = db.execute("SELECT count(*) FROM clients WHERE assessment_id = ?", [assessment_id]).fetchone()[0]
    db.execute("DELETE FROM clients WHERE assessment_id = ?", [assessment_id])
    db["clients"].insert_all(
        [dict(assessment_id=assessment_id, position=pos,
              **{k: (int(bool(r.get(k))) if k in _FLAGS else (r.get(k) or "")) for k in FIELDS})
         for pos, r in enumerate(rows)])
    w.log("import", "clients", assessment_id, old={"persons": old_n},
          new=dict({k: v for k, v in (counts or {}).items() if isinstance(v, (int, float))},
                   file=source, persons=len(rows)))
    return len(rows)
