"""Browser sign-ins that survive a server restart (table login_sessions, migration 017).

A signed-in browser holds a random token; this table holds only its SHA-256 (`token_hash`), the
member, the assessment and the expiry. The rule (what a token may resume) is
core.assessment.sessions'. These rows are this laptop's sign-ins, not the assessment's data: they carry
no change marks, are never exported and never travel to another laptop.

`start` runs at login, before anybody is logged in, and `end` on logout, which must work for a member
just deactivated or an assessment locked: both are in db.guard.UNGUARDED (a sign-in is not a change
to the assessment; the audit log keeps the changes). The lead's guarded writers revoke a member's
sign-ins themselves (db.assessments: a new PIN, deactivation, removal).
"""
from __future__ import annotations

from .connection import transaction


def start(db, assessment_id: int, member_id: int, token_hash: str, now: float, expires_at: float) -> None:
    """Store a new sign-in (and drop the expired ones of every member)."""
    with transaction(db):
        db.execute("DELETE FROM login_sessions WHERE expires_at <= ?", [now])
        db.execute("INSERT INTO login_sessions (token_hash, assessment_id, member_id, created_at, expires_at)"
                   " VALUES (?, ?, ?, ?, ?)", [token_hash, assessment_id, member_id, now, expires_at])


def find(db, token_hash: str) -> dict | None:
    """The sign-in of this token hash: {assessment_id, member_id, created_at, expires_at}, or None."""
    cur = db.execute("SELECT assessment_id, member_id, created_at, expires_at FROM login_sessions"
                     " WHERE token_hash = ?", [token_hash])
    row = cur.fetchone()
    return None if row is None else dict(zip([d[0] for d in cur.description], row))


def end(db, token_hash: str) -> bool:
    """Revoke one sign-in (logout); False when there was none."""
    with transaction(db):
        return db.execute("DELETE FROM login_sessions WHERE token_hash = ?", [token_hash]).rowcount > 0


def count(db, member_id: int) -> int:
    """How many live or expired sign-ins the member has (tests, the lead's view)."""
    return db.execute("SELECT COUNT(*) FROM login_sessions WHERE member_id = ?", [member_id]).fetchone()[0]
