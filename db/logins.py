"""Login attempts: the wrong-PIN counters of each member and each client address of an assessment
(table login_throttle, migration 010) and the audit rows of failed logins.

Kept in the database, not in the server's memory, so that every server process (and a restart)
sees the same counters. The rule (how long to wait, when to lock) is core.assessment.pins'; core.assessment.team.login
reads the counters, applies it and stores the result here inside one transaction.

A login attempt has no logged-in member, so `record_attempt` cannot pass the write guard (it is in
db.guard.UNGUARDED): it writes only this table and, for a failed login, one audit row with no
member (`member_id` NULL, the typed name in `entity_key`). Lifting a lock is the lead's guarded
`unlock`, or `unlock_from_command_line` (`python -m core unlock-member`).
"""
from __future__ import annotations

from . import audit
from .guard import writer
from .connection import transaction

MEMBER, ADDRESS = "member", "address"
_COUNTERS = ("failures", "refused", "last_failure_at", "wait_until", "locked_until")


def counters(db, assessment_id: int, keys) -> dict[tuple[str, str], dict]:
    """{(kind, subject): row} of the given (kind, subject) keys that have counters."""
    out = {}
    for kind, subject in keys:
        cur = db.execute("SELECT * FROM login_throttle WHERE assessment_id = ? AND kind = ? AND subject = ?",
                         [assessment_id, kind, str(subject)])
        row = cur.fetchone()
        if row is not None:
            out[(kind, str(subject))] = dict(zip([d[0] for d in cur.description], row))
    return out


def all_counters(db, assessment_id: int) -> list[dict]:
    """Every counter row of the assessment (the lead's list), members first."""
    return list(db.query("SELECT * FROM login_throttle WHERE assessment_id = ? ORDER BY kind DESC, subject",
                         [assessment_id]))


def failed_logins(db, assessment_id: int, since: str = "") -> int:
    """How many failed logins the audit log holds for the assessment (at >= since, ISO)."""
    return db.execute("SELECT COUNT(*) FROM audit_log WHERE assessment_id = ? AND action = 'login_failed'"
                      " AND at >= ?", [assessment_id, since]).fetchone()[0]


def _store(db, assessment_id: int, kind: str, subject: str, values: dict) -> None:
    values = {k: v for k, v in values.items() if k in _COUNTERS}
    cols = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    updates = ", ".join(f"{c} = excluded.{c}" for c in values)
    db.execute(f"INSERT INTO login_throttle (assessment_id, kind, subject, {cols}) VALUES (?, ?, ?, {marks})"
               f" ON CONFLICT (assessment_id, kind, subject) DO UPDATE SET {updates}",
               [assessment_id, kind, str(subject), *values.values()])


def record_attempt(db, assessment_id: int, updates: dict, failed: dict | None = None) -> None:
    """Store new counters {(kind, subject): {failures, refused, …}} and, for a failed login, its
    audit row `failed` = {name, member_id, address, detail}. Called by core.assessment.team.login inside
    its transaction (unguarded: nobody is logged in yet)."""
    for (kind, subject), values in updates.items():
        _store(db, assessment_id, kind, subject, values)
    if failed is not None:
        audit.log(db, assessment_id, None, "login_failed", "login", failed.get("name") or "",
                  new=dict(failed.get("detail") or {}, 地址=failed.get("address") or ""),
                  actor="（未登录）" + (failed.get("name") or ""))


def _clear(db, assessment_id: int, kind: str, subject: str) -> dict | None:
    """Reset the counters of (kind, subject); return the row as it was (None: none kept)."""
    old = counters(db, assessment_id, [(kind, subject)]).get((kind, str(subject)))
    if old is not None:
        db.execute("DELETE FROM login_throttle WHERE assessment_id = ? AND kind = ? AND subject = ?",
                   [assessment_id, kind, str(subject)])
    return old


def _unlock_log(old: dict) -> dict:
    return {"连续输错": old["failures"], "被拒尝试": old["refused"]}


@writer("lead", what="登录锁定", when_locked=True)
def unlock(w, kind: str, subject: str, label: str = "") -> bool:
    """The lead lifts the delay or lockout of a member (subject = member id) or of a client address
    and resets its counter; False when there was nothing to lift."""
    if kind == MEMBER:
        row = w.db.execute("SELECT assessment_id FROM members WHERE id = ?", [subject]).fetchone()
        if row is None or row[0] != w.assessment_id:
            w.deny("该成员不属于本评估")
    old = _clear(w.db, w.assessment_id, kind, subject)
    if old is None:
        return False
    w.log("unlock", "login", label or str(subject), old=_unlock_log(old))
    return True


def unlock_from_command_line(db, assessment_id: int, kind: str, subject: str, label: str = "") -> bool:
    """`python -m core unlock-member`: the same as `unlock`, for the lead locked out of the app
    (nobody logged in: logged as 命令行)."""
    with transaction(db):
        old = _clear(db, assessment_id, kind, subject)
        if old is None:
            return False
        audit.log(db, assessment_id, None, "unlock", "login", label or str(subject), old=_unlock_log(old),
                  actor="命令行")
    return True
