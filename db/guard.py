"""The one write guard. Every public writer in db/ is declared with `@writer(...)`.

    @writer("lead", "expert", what="评分")
    def save_score(w: Write, indicator_code, area_code, ...):
        ... w.db.execute(...) ...
        w.log("update", "score", key, old=..., new=...)

The decorated function is called as `save_score(db, assessment_id, member_id, ...)`.
Inside one BEGIN IMMEDIATE transaction, before the writer's own code runs, the guard
checks that the assessment exists and is open (not locked), and that the member
belongs to it and has one of the allowed roles. The writer then checks ownership
(`w.deny(...)`) and writes; it records what it changed with exactly one `w.log(...)`.
A writer that changes rows without logging them is rolled back (RuntimeError): no
change can escape the audit log. Checking the lock inside the transaction means a save
racing the lead's lock either commits before the lock or is refused after it.

`REGISTRY` lists every guarded writer (tests/test_write_guard.py calls each one);
`UNGUARDED` names the few writers that cannot go through the guard, with the reason.
"""
from __future__ import annotations

import functools
import inspect

from . import audit
from .connection import transaction
from .errors import AssessmentLocked, NotFound, PermissionDenied

ROLES = ("lead", "expert", "staff")        # the members.role CHECK constraint

REGISTRY: list = []

# Writers that cannot pass the guard, and why (tests/test_write_guard.py checks that
# every other writer in db/ is guarded).
UNGUARDED = {
    "assessments.new_assessment": "creates the station, the assessment and its lead: no member exists yet",
    "assessments.create_station": "a station belongs to no assessment yet: no member exists to check",
    "transfer.insert_tables": "imports a whole assessment as a new one: no member of it is logged in",
    "migrations.migrate": "schema changes, not data",
    "migrations.m015_station_history": "schema change; gives each existing station row its identity (no member involved)",
    "migrations.m011_data_versions": "a migration: creates the change-mark table and its triggers, and seeds one mark per assessment",
    "migrations.m013_evidence_interviews": "a migration: creates the evidence and interview tables and their change-mark triggers",
    "migrations.m019_report_versions": "a migration: creates the report versions table and its change-mark triggers",
    "migrations.m022_other_mark": "a migration: adds the `other` change mark, seeds it and creates its triggers",
    "migrations.other_mark_triggers": "returns the text of change-mark triggers for a migration; writes nothing",
    "assessments.restore_assessment": "the command line restores a deleted assessment: nobody can be logged in to it",
    "frameworks.import_framework": "the command line adds a framework to the shared library: no member is logged in",
    "stations.create_identity": "part of creating or importing an assessment: no member of it is logged in yet",
    "stations.carry_over": "part of creating an assessment (its 片区 and 上期评估意见 from the earlier one): "
                           "the lead is not logged in yet",
    "stations.save_summaries": "derived figures (the overview's cache) recomputed from audited data: no one's input",
    "stations.rewrite_publish_copy": "writes the new publish file, never the database in use",
    "logins.record_attempt": "a login attempt has no logged-in member yet: it stores its wrong-PIN counters and a "
                             "failed login's audit row (member_id NULL) itself, in core.assessment.team.login's transaction",
    "migrations.m016_sync": "a migration: keys shared by every laptop, the change-recording triggers, the sync tables",
    "sync.create_copy": "join makes a laptop's new database from a 任务包: nobody is logged in to it yet "
                        "(logged as the member's 'join' audit row)",
    "sync.record_attempt": "the laptop's own connection state (when it last met the lead, the last error), written by "
                           "the serve loop every few seconds: no content of the assessment, nobody logged in",
    "sync.set_lead_urls": "the laptop's own setting of where the lead's laptop is (no content of the assessment; the "
                          "lead's laptop is still checked by its pinned key), with an audit row",
    "sync.record_sent": "the laptop's own record of the versions its bundles carried (no content, nobody's input)",
    "sync.note_meeting": "a laptop's heartbeat with nothing to send: when it last met the lead's, no content "
                         "(a bundle with changes goes through the guarded sync.merge_changes)",
    "login_sessions.start": "a sign-in is stored at login, before anybody is logged in; it is this laptop's "
                            "sign-in, not the assessment's data (no audit row, no change mark)",
    "login_sessions.end": "logout ends the browser's own sign-in, also for a member just deactivated or on a "
                          "locked assessment (the guard would refuse both); not the assessment's data",
    "logins.unlock_from_command_line": "the command line lifts a login lockout, e.g. the lead's own: nobody is logged in",
}


class Write:
    """The checked context a guarded writer runs in."""

    def __init__(self, db, assessment_id: int, member: dict, what: str, status: str = "open"):
        self.db = db
        self.assessment_id = assessment_id
        self.status = status
        self.member = member
        self.member_id = member["id"]
        self.what = what
        self.logged = 0
        self._assessment: dict | None = None

    @property
    def assessment(self) -> dict:
        """The assessment's whole row, read on first use (it holds the frozen framework, which
        most saves never need: the guard's own check reads two columns)."""
        if self._assessment is None:
            self._assessment = _row(self.db, "SELECT * FROM assessments WHERE id = ?", [self.assessment_id])
        return self._assessment

    @property
    def role(self) -> str:
        return self.member["role"]

    def deny(self, message: str):
        """Refuse (PermissionDenied, rolled back) with a Chinese message."""
        raise PermissionDenied(message)

    def refuse_on_laptop(self, message: str) -> None:
        """Refuse on a member's laptop (a database made from a 任务包, issue 23): the lead's rows — the
        register, the sample — are set on the lead's laptop and travel from there only."""
        if self.db.execute("SELECT 1 FROM sync_peer WHERE assessment_id = ?", [self.assessment_id]).fetchone():
            self.deny(message)

    def log(self, action: str, entity: str, key="", old=None, new=None) -> None:
        """The writer's one audit row, in its transaction."""
        if self.logged:
            raise RuntimeError(f"{entity}: a guarded writer logs one audit row per call")
        audit.log(self.db, self.assessment_id, self.member_id, action, entity, key, old=old, new=new,
                  actor=self.member["name"])
        self.logged += 1

    def update_changed(self, table: str, row_id: int, old: dict, new: dict, *, entity: str,
                       stamp: dict | None = None) -> dict:
        """Update the fields of `new` that differ from `old` and log them; return those changes."""
        changes = {k: v for k, v in new.items() if old.get(k) != v}
        if changes:
            self.db[table].update(row_id, dict(changes, **(stamp or {})))
            self.log("update", entity, row_id, old={k: old.get(k) for k in changes}, new=changes)
        return changes


def _row(db, sql: str, params) -> dict | None:
    cur = db.execute(sql, params)
    row = cur.fetchone()
    return None if row is None else dict(zip([d[0] for d in cur.description], row))


def check(db, assessment_id: int, member_id: int, roles: tuple[str, ...], what: str,
          when_locked: bool = False) -> Write:
    """The guard's checks (call inside the write transaction): one indexed read of the
    assessment's status, its deletion and the member."""
    row = db.execute(
        "SELECT a.status, d.assessment_id IS NOT NULL, m.id, m.assessment_id, m.name, m.role, m.active"
        " FROM assessments a LEFT JOIN deleted_assessments d ON d.assessment_id = a.id"
        " LEFT JOIN members m ON m.id = ? WHERE a.id = ?", [member_id, assessment_id]).fetchone()
    if row is None:
        raise NotFound(f"找不到评估 {assessment_id}")
    status, deleted = row[0], row[1]
    if deleted:
        raise NotFound(f"评估 {assessment_id} 已删除")
    m = None if row[2] is None else dict(zip(("id", "assessment_id", "name", "role", "active"), row[2:]))
    if m is None or m["assessment_id"] != assessment_id:
        raise PermissionDenied("该成员不属于本评估")
    if not m["active"]:
        raise PermissionDenied(f"{m['name']}已停用")
    if status == "locked" and not when_locked:
        raise AssessmentLocked()
    if m["role"] not in roles:
        raise PermissionDenied(f"{m['name']}的角色无权修改{what}")
    return Write(db, assessment_id, m, what, status)


def writer(*roles: str, what: str, when_locked: bool = False):
    """Declare a guarded writer: fn(w, *args) becomes fn(db, assessment_id, member_id, *args).

    `roles` are the member roles allowed (none given: every role); `what` names the
    thing written in the Chinese refusal; `when_locked=True` lets it run on a locked
    assessment (locking and unlocking, recording an export).
    """
    allowed = tuple(roles) or ROLES
    unknown = set(allowed) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    def deco(fn):
        @functools.wraps(fn)
        def guarded(db, assessment_id: int, member_id: int, *args, **kwargs):
            with transaction(db):
                w = check(db, assessment_id, member_id, allowed, what, when_locked)
                before = db.conn.total_changes
                out = fn(w, *args, **kwargs)
                if db.conn.total_changes != before and not w.logged:
                    raise RuntimeError(f"{fn.__module__}.{fn.__name__} changed rows without an audit row")
            return out

        guarded.__signature__ = _outer_signature(fn)
        guarded.guard = {"roles": allowed, "what": what, "when_locked": when_locked}
        REGISTRY.append(guarded)
        return guarded

    return deco


def _outer_signature(fn) -> inspect.Signature:
    sig = inspect.signature(fn)
    params = list(sig.parameters.values())[1:]
    head = [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD)
            for n in ("db", "assessment_id", "member_id")]
    return sig.replace(parameters=head + params)
