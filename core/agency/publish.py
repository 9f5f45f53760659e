"""`python -m core publish`: a copy of the database with no personal data, for Datasette.

The copy is made with SQLite's backup API (db.backup) into a new file, then rewritten there:
- dropped: the key-client register (clients), the survey's samples, sampled clients and calls,
  the audit log (it keeps old and new values of everything), the deleted-assessment records,
  the overview's cache (it names the experts);
- deleted assessments are removed whole; PIN hashes emptied; the agency's member names and the
  interviewees' names masked (陈*远) like every export; every other text cell goes through the
  assessment's scrubber (core.privacy: register names and phones, interviewees' names, any phone
  or ID-card number) — rows that belong to no assessment through one built from every register
  in the file;
- evidence attachments: those marked 含个人信息 are removed whole (their file names too); the
  others keep their description (file name, caption, kind, size, what they are attached to) but
  no file: a photo not marked may still show a face, so no photo or scan is published;
- added: `assessment_overview`, the overview's table (core.agency.overview), one row per assessment.
The framework content (JSON) is kept as it is. The result is a plain rollback-journal SQLite
file that `datasette serve --immutable FILE.db` serves read-only as it is.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from db import backup as _backup
from db import stations as _db

from core.agency import overview
from core.errors import InvalidValue
from core import privacy
from core.masking import mask_name
from core.privacy import scrubber
from core.assessment.team import list_assessments

# Every table of the schema is either published (PUBLISHED, rewritten as below) or dropped (DROP): a new
# table must be placed in one of them (tests/test_overview.py checks), so nothing reaches the copy unasked.
DROP = ("clients", "survey_items", "survey_calls", "survey_samples", "audit_log", "deleted_assessments",
        "assessment_summaries", "login_throttle", "login_sessions",   # client addresses, typed names, tokens
        "report_versions",   # to whom each draft went and what came back: not statistics
        # issue 23: the members' sync secrets, addresses, what each laptop sent and the conflicts
        "sync_peer", "sync_applying", "sync_changes", "sync_base", "sync_sent", "sync_members", "sync_applied",
        "sync_conflicts",
        "register_log")   # issue 27: ids of changed register rows (this file's bookkeeping)
PUBLISHED = ("_migrations", "areas", "assessments", "assignments", "attachments", "contract_indicators",
             "data_versions", "findings", "frameworks", "interviews", "members", "overrides", "party_scores",
             "prev_recommendations", "report_items", "report_texts", "scores", "site_records", "staffing",
             "station_identities", "stations", "submissions", "survey_script", "veto_checks", "visit_stages",
             "sqlite_sequence")   # SQLite's own AUTOINCREMENT counters (sync_changes' sequence numbers): no data
SET = {"members": {"pin_hash": ""}, "frameworks": {"created_by": ""}, "attachments": {"data": b"", "thumb": None}}
REMOVE_ROWS = {"attachments": "personal != 0"}
KEEP = {"assessments": {"framework_data", "framework_id", "status", "kind", "created_at"},
        "frameworks": {"data", "code"}}
MASKED_NAMES = {("members", "name"), ("interviews", "name")}


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def publish(db, out: str) -> dict:
    """Write the publishable copy of `db` to `out` (refused when `out` is the database itself or
    an existing file); return {assessments, tables}."""
    src = _backup.db_file(db)
    out = str(out)
    if src and _same_file(src, out):
        raise InvalidValue("发布文件不能与数据库文件相同，请换一个文件名（--out）")
    if Path(out).exists():
        raise InvalidValue(f"文件 {out} 已存在；为免覆盖，请换一个文件名或先移走该文件")
    live = [a["id"] for a in list_assessments(db)]
    deleted = [r[0] for r in db.execute("SELECT assessment_id FROM deleted_assessments")]
    scrubbers = {aid: scrubber(db, aid) for aid in live}
    everyone = privacy.of_database(db)
    ov = overview.overview(db)
    header, body = overview.overview_table(ov)

    def rewrite(table, column, owner, value):
        if not isinstance(value, str) or not value:
            return value
        if (table, column) in MASKED_NAMES:
            return mask_name(value)
        return (scrubbers.get(owner) or everyone)(value)

    Path(out).parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=Path(out).name + ".", suffix=".tmp", dir=Path(out).parent)
    os.close(fd)
    try:
        _backup.backup(db, tmp)
        _db.rewrite_publish_copy(tmp, drop_tables=DROP, remove_assessments=deleted, set_columns=SET,
                                 keep_columns=KEEP, rewrite=rewrite,
                                 extra_tables={"assessment_overview": (header, body)}, remove_rows=REMOVE_ROWS)
        if Path(out).exists():
            raise InvalidValue(f"文件 {out} 已存在；为免覆盖，请换一个文件名或先移走该文件")
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return {"assessments": len(live), "removed": len(deleted), "dropped": list(DROP)}
