"""Ordered, idempotent migrations. Each runs once, recorded in `_migrations`.

Append new migrations at the end; never reorder. Until the first release a
migration owned by one area (station data, survey, report) may still be edited.
"""
from __future__ import annotations

import datetime as _dt
from typing import Iterable

import sqlite_utils

from .connection import transaction
from .errors import UnusableDatabase


def _run_script(db: sqlite_utils.Database, sql: str) -> None:
    """Execute statement by statement: sqlite3's executescript() would COMMIT the
    surrounding migration transaction first, making a migration non-atomic."""
    import sqlite3

    buf = ""
    for line in sql.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            db.execute(buf)
            buf = ""
    if buf.strip():
        raise ValueError("incomplete SQL statement in migration: " + buf[:80])


def m001_foundation(db: sqlite_utils.Database) -> None:
    _run_script(
        db,
        """
        CREATE TABLE stations (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,             -- 元岗街社工服务站
            short_name TEXT NOT NULL DEFAULT '',  -- 元岗街社工站
            district TEXT NOT NULL DEFAULT '',
            street TEXT NOT NULL DEFAULT '',
            address TEXT NOT NULL DEFAULT '',
            operator TEXT NOT NULL DEFAULT '',    -- 承办方
            purchaser TEXT NOT NULL DEFAULT '',   -- 购买方
            supervisor TEXT NOT NULL DEFAULT '',  -- 监督方
            operating_since TEXT NOT NULL DEFAULT '',
            communities TEXT NOT NULL DEFAULT '[]'  -- JSON list of names
        );
        CREATE TABLE areas (            -- 片区
            id INTEGER PRIMARY KEY,
            station_id INTEGER NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
            code TEXT NOT NULL,         -- stable key used by scores: 'P1'
            name TEXT NOT NULL,         -- 片区一
            communities TEXT NOT NULL DEFAULT '[]',
            position INTEGER NOT NULL DEFAULT 0,
            UNIQUE (station_id, code)
        );
        CREATE TABLE assessments (
            id INTEGER PRIMARY KEY,
            station_id INTEGER NOT NULL REFERENCES stations(id),
            kind TEXT NOT NULL DEFAULT '末期',      -- 中期 / 末期
            period_label TEXT NOT NULL DEFAULT '',  -- 2023—2024 年度
            contract_start TEXT, contract_end TEXT,
            stats_start TEXT, stats_end TEXT,       -- statistics period / cut-off
            visit_date TEXT,
            funding_wan REAL,                       -- 服务经费（万元）
            evaluator_org TEXT NOT NULL DEFAULT '',
            framework_id TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'locked')),
            created_at TEXT NOT NULL
        );
        CREATE TABLE members (
            id INTEGER PRIMARY KEY,
            assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('lead', 'expert', 'staff')),
            pin_hash TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (assessment_id, name)
        );
        CREATE TABLE assignments (
            id INTEGER PRIMARY KEY,
            assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
            member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
            section_code TEXT NOT NULL,
            area_code TEXT NOT NULL DEFAULT '',   -- '' = every 片区 of a per-area section
            UNIQUE (member_id, section_code, area_code)
        );
        CREATE TABLE scores (
            id INTEGER PRIMARY KEY,
            assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
            member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
            indicator_code TEXT NOT NULL,
            area_code TEXT NOT NULL DEFAULT '',   -- '' for station-wide indicators
            value REAL,                           -- NULL when na or only a note so far
            na INTEGER NOT NULL DEFAULT 0,
            note TEXT NOT NULL DEFAULT '',
            detail TEXT NOT NULL DEFAULT '{}',    -- JSON: ticked criteria / chosen level
            updated_at TEXT NOT NULL,
            UNIQUE (member_id, indicator_code, area_code)
        );
        CREATE INDEX scores_assessment ON scores(assessment_id);
        CREATE TABLE overrides (        -- the lead's decision on an indicator
            id INTEGER PRIMARY KEY,
            assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
            indicator_code TEXT NOT NULL,
            area_code TEXT NOT NULL DEFAULT '',
            value REAL,
            na INTEGER NOT NULL DEFAULT 0,
            reason TEXT NOT NULL,
            member_id INTEGER REFERENCES members(id),
            updated_at TEXT NOT NULL,
            UNIQUE (assessment_id, indicator_code, area_code)
        );
        CREATE TABLE findings (         -- 值得肯定 (strength) / 需要关注 (concern)
            id INTEGER PRIMARY KEY,
            assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
            member_id INTEGER REFERENCES members(id),
            section_code TEXT NOT NULL,   -- framework section, or 'party:<code>'
            area_code TEXT NOT NULL DEFAULT '',
            indicator_code TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL CHECK (kind IN ('strength', 'concern')),
            text TEXT NOT NULL,
            source TEXT NOT NULL DEFAULT '',   -- e.g. 'site_record:12' when promoted
            deleted INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX findings_assessment ON findings(assessment_id);
        CREATE TABLE party_scores (     -- 购买方 / 督导中心 / 监督方, entered by the lead
            id INTEGER PRIMARY KEY,
            assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
            party_code TEXT NOT NULL,
            score REAL,
            comment TEXT NOT NULL DEFAULT '',
            member_id INTEGER REFERENCES members(id),
            updated_at TEXT NOT NULL,
            UNIQUE (assessment_id, party_code)
        );
        CREATE TABLE veto_checks (
            id INTEGER PRIMARY KEY,
            assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
            code TEXT NOT NULL,
            failed INTEGER NOT NULL DEFAULT 0,
            note TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL,
            UNIQUE (assessment_id, code)
        );
        CREATE TABLE audit_log (        -- append-only: triggers below forbid change
            id INTEGER PRIMARY KEY,
            assessment_id INTEGER,
            member_id INTEGER,
            actor TEXT NOT NULL DEFAULT '',
            at TEXT NOT NULL,
            action TEXT NOT NULL,
            entity TEXT NOT NULL,
            entity_key TEXT NOT NULL DEFAULT '',
            old TEXT,
            new TEXT
        );
        CREATE INDEX audit_assessment ON audit_log(assessment_id, id);
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
        """
    )


def m002_station_data(db: sqlite_utils.Database) -> None:
    """Contract indicators, staffing, key-client register, site records (issue: station data)."""
    _run_script(
        db,
        """
        CREATE TABLE contract_indicators (   -- 协议指标
            id INTEGER PRIMARY KEY,
            assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
            position INTEGER NOT NULL DEFAULT 0,
            name TEXT NOT NULL,
            unit TEXT NOT NULL DEFAULT '',
            target REAL,
            actual REAL,
            note TEXT NOT NULL DEFAULT '',
            UNIQUE (assessment_id, name)
        );
        CREATE TABLE staffing (              -- 人员配置, one row per assessment
            assessment_id INTEGER PRIMARY KEY REFERENCES assessments(id) ON DELETE CASCADE,
            required INTEGER,                -- agreement-required staff
            on_post INTEGER,
            cert_intermediate INTEGER,       -- 中级社工师
            cert_assistant INTEGER,          -- 助理社工师
            non_certified INTEGER,
            experienced INTEGER,             -- >= 2 years
            attendance_due REAL, attendance_actual REAL,
            attendance_cert_due REAL, attendance_cert_actual REAL,
            attendance_noncert_due REAL, attendance_noncert_actual REAL,
            training_due REAL, training_actual REAL,
            continuous INTEGER,              -- employed through the whole period
            updated_at TEXT
        );
        CREATE TABLE clients (               -- 重点服务对象名册
            id INTEGER PRIMARY KEY,
            assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
            position INTEGER NOT NULL DEFAULT 0,
            name TEXT NOT NULL,
            phone TEXT NOT NULL DEFAULT '',
            community TEXT NOT NULL DEFAULT '',
            category TEXT NOT NULL DEFAULT '',
            household TEXT NOT NULL DEFAULT '',
            vacant_household INTEGER NOT NULL DEFAULT 0,  -- 空挂户
            separated INTEGER NOT NULL DEFAULT 0,         -- 人户分离
            note TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX clients_assessment ON clients(assessment_id);
        CREATE TABLE prev_recommendations (  -- 上期评估意见
            id INTEGER PRIMARY KEY,
            assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
            position INTEGER NOT NULL DEFAULT 0,
            section_code TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT '未整改' CHECK (status IN ('已整改', '部分整改', '未整改')),
            evidence TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE site_records (          -- 听取介绍 / 实地观察 / 查阅资料 / 访谈
            id INTEGER PRIMARY KEY,
            assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('intro', 'observation', 'document', 'interview')),
            position INTEGER NOT NULL DEFAULT 0,
            item TEXT NOT NULL DEFAULT '',   -- checklist item or interviewee group
            status TEXT NOT NULL DEFAULT '' CHECK (status IN ('', 'ok', 'finding')),
            finding TEXT NOT NULL DEFAULT '',
            file_ref TEXT NOT NULL DEFAULT '',
            notes TEXT NOT NULL DEFAULT '',
            member_id INTEGER REFERENCES members(id),
            updated_at TEXT NOT NULL
        );
        CREATE INDEX site_records_assessment ON site_records(assessment_id, kind);
        """
    )


def m003_survey(db: sqlite_utils.Database) -> None:
    """Satisfaction survey: reproducible samples and calls (issue: survey)."""
    _run_script(
        db,
        """
        CREATE TABLE survey_samples (
            id INTEGER PRIMARY KEY,
            assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
            seed TEXT NOT NULL,
            register_hash TEXT NOT NULL,
            size INTEGER NOT NULL,
            reserve_size INTEGER NOT NULL DEFAULT 0,
            active INTEGER NOT NULL DEFAULT 1,
            member_id INTEGER REFERENCES members(id),
            created_at TEXT NOT NULL
        );
        CREATE TABLE survey_items (          -- one sampled client
            id INTEGER PRIMARY KEY,
            sample_id INTEGER NOT NULL REFERENCES survey_samples(id) ON DELETE CASCADE,
            client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            reserve INTEGER NOT NULL DEFAULT 0,
            caller_id INTEGER REFERENCES members(id),     -- assigned caller
            claimed_by INTEGER REFERENCES members(id),    -- who has the call form open
            claimed_at TEXT,
            UNIQUE (sample_id, client_id)
        );
        CREATE TABLE survey_calls (          -- one attempt
            id INTEGER PRIMARY KEY,
            assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
            item_id INTEGER NOT NULL REFERENCES survey_items(id) ON DELETE CASCADE,
            member_id INTEGER REFERENCES members(id),
            attempt INTEGER NOT NULL,
            called_at TEXT NOT NULL,
            outcome TEXT NOT NULL CHECK (outcome IN ('接通', '无人接听', '空号', '拒访', '非本人')),
            respondent TEXT NOT NULL DEFAULT '' CHECK (respondent IN ('', '本人', '家属')),
            knows_worker INTEGER,            -- 1 / 0 / NULL
            awareness TEXT NOT NULL DEFAULT '{}',      -- JSON {item: 0/1}
            satisfaction TEXT NOT NULL DEFAULT '{}',   -- JSON {item: 1..5}
            overall INTEGER,                 -- 5 非常满意 … 1 非常不满意
            comment TEXT NOT NULL DEFAULT '',
            UNIQUE (item_id, attempt)
        );
        CREATE INDEX survey_calls_assessment ON survey_calls(assessment_id);
        """
    )


def m004_report(db: sqlite_utils.Database) -> None:
    """Report text edited by the lead (issue: final report)."""
    _run_script(
        db,
        """
        CREATE TABLE report_items (          -- ordered, edited findings for the report
            id INTEGER PRIMARY KEY,
            assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
            section_code TEXT NOT NULL,
            area_code TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL CHECK (kind IN ('strength', 'concern')),
            position INTEGER NOT NULL DEFAULT 0,
            text TEXT NOT NULL,
            source_finding_ids TEXT NOT NULL DEFAULT '[]',
            updated_at TEXT NOT NULL
        );
        CREATE INDEX report_items_assessment ON report_items(assessment_id);
        CREATE TABLE report_texts (          -- feedback, closing words, ...
            id INTEGER PRIMARY KEY,
            assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            text TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL,
            UNIQUE (assessment_id, key)
        );
        """
    )


def m005_dashboard_indexes(db: sqlite_utils.Database) -> None:
    """Indexes for the dashboard's per-assessment reads (issue: dashboard)."""
    _run_script(
        db,
        """
        CREATE INDEX IF NOT EXISTS assignments_assessment ON assignments(assessment_id);
        CREATE INDEX IF NOT EXISTS survey_samples_assessment ON survey_samples(assessment_id, active);
        """
    )


def m008_register_details(db: sqlite_utils.Database) -> None:
    """The register as stations write it (issue 12): a second phone and what was written beside
    the numbers, the detail of a category (肢体二级), the 户号 as written ("同上", blank).
    Several categories of one person are stored in `category` joined by 、; no phone is ''."""
    _run_script(
        db,
        """
        ALTER TABLE clients ADD COLUMN phone2 TEXT NOT NULL DEFAULT '';
        ALTER TABLE clients ADD COLUMN phone_note TEXT NOT NULL DEFAULT '';
        ALTER TABLE clients ADD COLUMN category_detail TEXT NOT NULL DEFAULT '';
        ALTER TABLE clients ADD COLUMN household_written TEXT NOT NULL DEFAULT '';
        """
    )


def m009_frameworks(db: sqlite_utils.Database) -> None:
    """The agency's own frameworks, each assessment's frozen framework, undo of set-up mistakes
    (issue 12): member renames/removal/deactivation, assessment names, deleted assessments."""
    _run_script(
        db,
        """
        CREATE TABLE frameworks (           -- the library of edited / imported frameworks
            id INTEGER PRIMARY KEY,
            code TEXT NOT NULL,             -- the framework id used by assessments: 'agency-2025'
            version INTEGER NOT NULL,       -- every edit adds a version; nothing is overwritten
            name TEXT NOT NULL,
            data TEXT NOT NULL,             -- JSON, the structure of a framework YAML file
            origin TEXT NOT NULL DEFAULT '',      -- 'excel:<file>', 'copy:<id> v<n>', 'edit'
            created_by TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            UNIQUE (code, version)
        );
        ALTER TABLE assessments ADD COLUMN framework_version INTEGER;
        ALTER TABLE assessments ADD COLUMN framework_data TEXT;   -- JSON: the framework frozen for this assessment
        ALTER TABLE assessments ADD COLUMN name TEXT NOT NULL DEFAULT '';  -- shown at login; '' = station and period
        ALTER TABLE members ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
        CREATE TABLE deleted_assessments (  -- deleted by the lead, kept whole; `python -m core restore-assessment`
            assessment_id INTEGER PRIMARY KEY REFERENCES assessments(id),
            label TEXT NOT NULL DEFAULT '',
            member_id INTEGER,
            deleted_by TEXT NOT NULL DEFAULT '',
            deleted_at TEXT NOT NULL
        );
        """
    )


def m010_login_throttle(db: sqlite_utils.Database) -> None:
    """Wrong-PIN counters per member and per client address (issue 17), in the database so that
    every server process agrees: `failures` since the last successful login or unlock, the time
    before which no attempt is taken (`wait_until`, the growing delay) and the lockout
    (`locked_until`), all epoch seconds; `refused` counts attempts turned away while waiting or
    locked. Failed logins themselves are audit_log rows (action 'login_failed')."""
    _run_script(
        db,
        """
        CREATE TABLE login_throttle (
            assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('member', 'address')),
            subject TEXT NOT NULL,          -- members.id, or the client's IP address ('本机' for localhost)
            failures INTEGER NOT NULL DEFAULT 0,
            refused INTEGER NOT NULL DEFAULT 0,
            last_failure_at REAL,
            wait_until REAL,
            locked_until REAL,
            PRIMARY KEY (assessment_id, kind, subject)
        );
        """
    )


# Tables whose rows belong to an assessment through another table: (table, SQL giving the
# assessment ids of a row as x, with {row} = NEW or OLD).
_VERSION_PARENTS = {
    "assessments": "SELECT {row}.id AS x",
    "survey_items": "SELECT assessment_id AS x FROM survey_samples WHERE id = {row}.sample_id",
    "areas": "SELECT id AS x FROM assessments WHERE station_id = {row}.station_id",
    "stations": "SELECT id AS x FROM assessments WHERE station_id = {row}.id",
}


# The tables holding an assessment's rows when migration 011 was written (a fixed list, so the
# migration does the same whatever migrations ran before it). A table added later gets its
# triggers in its own migration; its guarded writers move the data mark anyway (audit row).
_VERSIONED_TABLES = (
    "stations", "assessments", "areas", "members", "assignments", "scores", "overrides", "findings",
    "party_scores", "veto_checks", "audit_log", "contract_indicators", "staffing", "clients",
    "prev_recommendations", "site_records", "survey_samples", "survey_items", "survey_calls", "report_items",
    "report_texts", "deleted_assessments",
)


def m011_data_versions(db: sqlite_utils.Database) -> None:
    """Per-assessment change marks kept by triggers (issue 13), so every server process can
    reuse figures derived from the data until the data changes:
    `data` changes on any change of a row of the assessment (_VERSIONED_TABLES: its rows,
    sample items, 片区 and station; an audit row, so a table added later with a guarded
    writer counts too), `register` on any change of its key-client register. Each
    mark is a fresh random() number, never a counter: a transaction rolled back cannot give
    a mark back to other data, nor can a new file at the same path."""
    script = ["CREATE TABLE data_versions (assessment_id INTEGER PRIMARY KEY, data INTEGER NOT NULL,"
              " register INTEGER NOT NULL);"]
    for t in _VERSIONED_TABLES:
        ids = _VERSION_PARENTS.get(t, "SELECT {row}.assessment_id AS x")
        register = t == "clients"
        for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            if t == "audit_log" and event != "INSERT":
                continue          # append-only
            on_conflict = ("data = excluded.data, register = excluded.register" if register
                           else "data = excluded.data")
            script.append(
                f'CREATE TRIGGER "{t}_version_{event.lower()}" AFTER {event} ON "{t}" BEGIN'
                f" INSERT INTO data_versions (assessment_id, data, register)"
                f" SELECT x, random(), random() FROM ({ids.format(row=row)}) WHERE x IS NOT NULL"
                f" ON CONFLICT (assessment_id) DO UPDATE SET {on_conflict}; END;")
    # Saves read only the rows they change: a report group's findings and items, one record's promotion.
    script.append("CREATE INDEX findings_group ON findings(assessment_id, section_code, area_code, kind);")
    script.append("CREATE INDEX report_items_group ON report_items(assessment_id, section_code, area_code, kind,"
                  " position);")
    script.append("CREATE INDEX survey_items_claimed ON survey_items(claimed_by);")
    script.append("CREATE INDEX survey_items_client ON survey_items(client_id);")   # the register's FK checks
    script.append("CREATE INDEX prev_recommendations_assessment ON prev_recommendations(assessment_id, position);")
    script.append("INSERT INTO data_versions (assessment_id, data, register)"
                  " SELECT id, random(), random() FROM assessments;")
    _run_script(db, "\n".join(script))


def m012_day_plan(db: sqlite_utils.Database) -> None:
    """The day, guided (issue 14): each expert's sign-off of their sections, the agenda of the
    visit, the caller's script and the time of a second attempt after 无人接听."""
    _run_script(
        db,
        """
        CREATE TABLE submissions (          -- a member has submitted their sections (read-only for them)
            id INTEGER PRIMARY KEY,
            assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
            member_id INTEGER NOT NULL REFERENCES members(id),
            submitted_at TEXT NOT NULL,
            reopened_at TEXT,               -- NULL while submitted; set when the lead reopens
            reopened_by INTEGER REFERENCES members(id),
            reopen_reason TEXT NOT NULL DEFAULT '',
            UNIQUE (assessment_id, member_id)
        );
        CREATE TABLE visit_stages (         -- the agenda of the visit day (听取介绍 … 总结反馈)
            id INTEGER PRIMARY KEY,
            assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            code TEXT NOT NULL DEFAULT '',  -- which data measures its progress; '' = none (a stage the lead added)
            name TEXT NOT NULL,
            starts TEXT NOT NULL DEFAULT '',   -- planned 'HH:MM'
            ends TEXT NOT NULL DEFAULT '',
            note TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL
        );
        CREATE INDEX visit_stages_assessment ON visit_stages(assessment_id, position);
        CREATE TABLE survey_script (        -- the caller's script as edited for this assessment
            id INTEGER PRIMARY KEY,
            assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
            key TEXT NOT NULL,              -- 'opening', 'awareness:社工站地址', 'satisfaction:服务态度', ...
            text TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL,
            UNIQUE (assessment_id, key)
        );
        -- after 无人接听: when to try again ('' = after the other clients; else 'YYYY-MM-DDTHH:MM')
        ALTER TABLE survey_calls ADD COLUMN retry_at TEXT NOT NULL DEFAULT '';
        """
    )
def _allow_unchecked_status(db) -> None:
    """prev_recommendations: status may be 未核实, and `source`. SQLite cannot change a CHECK
    constraint, so the table is rebuilt from its own current definition (whatever columns and
    indexes earlier migrations gave it), only the CHECK widened."""
    sql = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'prev_recommendations'").fetchone()[0]
    widened = sql.replace("'部分整改', '未整改')", "'部分整改', '未整改', '未核实')", 1)
    if widened == sql:
        raise RuntimeError("prev_recommendations: status CHECK not found")
    widened = widened.replace("CREATE TABLE prev_recommendations", "CREATE TABLE prev_recommendations_015", 1)
    cols = ", ".join(f'"{r[1]}"' for r in db.execute("PRAGMA table_info(prev_recommendations)").fetchall())
    indexes = [r[0] for r in db.execute("SELECT sql FROM sqlite_master WHERE type = 'index'"
                                        " AND tbl_name = 'prev_recommendations' AND sql IS NOT NULL").fetchall()]
    db.execute(widened)
    db.execute(f"INSERT INTO prev_recommendations_015 ({cols}) SELECT {cols} FROM prev_recommendations")
    db.execute("DROP TABLE prev_recommendations")
    db.execute("ALTER TABLE prev_recommendations_015 RENAME TO prev_recommendations")
    for ix in indexes:
        db.execute(ix)
    db.execute("ALTER TABLE prev_recommendations ADD COLUMN source TEXT NOT NULL DEFAULT ''")  # 'assessment:<id>' 


def m015_station_history(db: sqlite_utils.Database) -> None:
    """A station's history and the agency's overview (issue 16).

    - station_identities: the station an assessment belongs to across terms, identified by
      district + street (and an optional agency code); each assessment keeps its own
      `stations` row (the profile as at that assessment, so a locked report never changes) and
      points at its identity. No FOREIGN KEY on stations.identity_id: the JSON transfer strips
      it and the import sets it to the station the file is attached to.
    - prev_recommendations: status 未核实 (carried over from the earlier assessment, not yet
      checked on site) and `source` ('assessment:<id>' for a carried-over one). Rebuilt: SQLite
      cannot change a CHECK constraint.
    - assessment_summaries: the figures of each assessment the overview and the history show
      (derived data, recomputed whenever the assessment's audit log moves on).
    """
    _run_script(
        db,
        """
        CREATE TABLE station_identities (
            id INTEGER PRIMARY KEY,
            district TEXT NOT NULL DEFAULT '',
            street TEXT NOT NULL DEFAULT '',
            agency_code TEXT NOT NULL DEFAULT '',   -- the agency's own code of the station, optional
            created_at TEXT NOT NULL
        );
        ALTER TABLE stations ADD COLUMN agency_code TEXT NOT NULL DEFAULT '';
        -- the report's 历次评估对比 table: NULL/1 printed when the station has an earlier assessment, 0 never
        ALTER TABLE assessments ADD COLUMN report_history INTEGER;
        ALTER TABLE stations ADD COLUMN identity_id INTEGER;
        CREATE INDEX stations_identity ON stations(identity_id);
        CREATE TABLE assessment_summaries (
            assessment_id INTEGER PRIMARY KEY REFERENCES assessments(id) ON DELETE CASCADE,
            stamp TEXT NOT NULL,                    -- what it was computed from (last audit row, code version)
            summary TEXT NOT NULL,                  -- JSON: the overview's row (scores, grade, satisfaction, …)
            detail TEXT NOT NULL DEFAULT '{}',      -- JSON: completion of each indicator, staffing ratios
            calibration TEXT NOT NULL DEFAULT '{}', -- JSON: each expert's deviation per indicator
            computed_at TEXT NOT NULL
        );
        """
    )
    _allow_unchecked_status(db)
    # Existing stations: one identity per district + street as typed (trimmed); a station
    # without both gets an identity of its own. core.agency.stations matches new ones more loosely.
    now = _dt.datetime.now().isoformat(timespec="seconds")
    seen: dict = {}
    for sid, district, street in db.execute(
            "SELECT id, trim(district), trim(street) FROM stations ORDER BY id").fetchall():
        key = (district, street) if district and street else ("#", sid)
        if key not in seen:
            cur = db.execute("INSERT INTO station_identities (district, street, agency_code, created_at)"
                             " VALUES (?, ?, '', ?)", [district, street, now])
            seen[key] = cur.lastrowid
        db.execute("UPDATE stations SET identity_id = ? WHERE id = ?", [seen[key], sid])


def m013_evidence_interviews(db: sqlite_utils.Database) -> None:
    """Evidence on site and interviews as records (issue 14): one note per interviewee, and
    photos / PDF scans attached to a site record, an interview note or a finding (stored in
    the database, images downscaled and stripped of EXIF; `personal` ones never reach the PDF
    or Excel)."""
    _run_script(
        db,
        """
        CREATE TABLE interviews (           -- 访谈记录: one note per interviewee
            id INTEGER PRIMARY KEY,
            assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
            group_code TEXT NOT NULL
                CHECK (group_code IN ('worker', 'manager', 'client', 'partner', 'street')),
            position INTEGER NOT NULL DEFAULT 0,
            role TEXT NOT NULL DEFAULT '',      -- 片区一社工, 机构副总干事, 居委委员 …
            name TEXT NOT NULL DEFAULT '',      -- as typed; every output masks it (core.privacy.scrubber)
            points TEXT NOT NULL DEFAULT '',    -- key points
            quotes TEXT NOT NULL DEFAULT '',    -- quotes (原话)
            finding TEXT NOT NULL DEFAULT '',   -- what to promote to a finding
            member_id INTEGER REFERENCES members(id),
            updated_at TEXT NOT NULL
        );
        CREATE INDEX interviews_assessment ON interviews(assessment_id, group_code);
        CREATE TABLE attachments (          -- evidence: photos and PDF scans
            id INTEGER PRIMARY KEY,
            assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
            site_record_id INTEGER REFERENCES site_records(id),
            interview_id INTEGER REFERENCES interviews(id),
            finding_id INTEGER REFERENCES findings(id),
            filename TEXT NOT NULL DEFAULT '',
            mime TEXT NOT NULL CHECK (mime IN ('image/jpeg', 'application/pdf')),
            data BLOB NOT NULL,                 -- downscaled JPEG (no EXIF) or the PDF as uploaded
            thumb BLOB,                         -- JPEG thumbnail of a photo; NULL for a PDF
            width INTEGER, height INTEGER,      -- of the stored image
            size INTEGER NOT NULL,              -- bytes stored
            original_size INTEGER NOT NULL,     -- bytes uploaded
            personal INTEGER NOT NULL DEFAULT 0 CHECK (personal IN (0, 1)),  -- shows personal data
            caption TEXT NOT NULL DEFAULT '',
            member_id INTEGER REFERENCES members(id),
            created_at TEXT NOT NULL,
            CHECK ((site_record_id IS NOT NULL) + (interview_id IS NOT NULL) + (finding_id IS NOT NULL) = 1)
        );
        CREATE INDEX attachments_assessment ON attachments(assessment_id);
        """
    )
    # Change marks (as migration 011 keeps them for the tables it knew): any change of a note or
    # an attachment moves the assessment's data mark (the report page's cache); a note added,
    # deleted or renamed moves the register mark too, since the scrubber masks the interviewees'
    # names (core.privacy, cached by that mark).
    script = []
    for t in ("interviews", "attachments"):
        for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            if t == "attachments":
                register = "register"
            elif event == "UPDATE":
                register = "CASE WHEN NEW.name IS NOT OLD.name THEN excluded.register ELSE register END"
            else:
                register = "excluded.register"
            script.append(
                f'CREATE TRIGGER "{t}_version_{event.lower()}" AFTER {event} ON "{t}" BEGIN'
                f" INSERT INTO data_versions (assessment_id, data, register)"
                f" SELECT {row}.assessment_id, random(), random()"
                f" ON CONFLICT (assessment_id) DO UPDATE SET data = excluded.data, register = {register}; END;")
    _run_script(db, "\n".join(script))


def m014a_survey_design(db: sqlite_utils.Database) -> None:
    """Issue 15: a sample's design (simple or stratified by 片区 / category), its allocation per
    stratum (JSON {stratum: {register, sample, reserve}}) and the register size it was drawn from
    (the finite-population correction of the survey's intervals)."""
    _run_script(
        db,
        """
        ALTER TABLE survey_samples ADD COLUMN design TEXT NOT NULL DEFAULT '';
        ALTER TABLE survey_samples ADD COLUMN allocation TEXT NOT NULL DEFAULT '{}';
        ALTER TABLE survey_samples ADD COLUMN register_persons INTEGER;
        """
    )


def m014_score_revisions(db: sqlite_utils.Database) -> None:
    """Issue 15 (blind, then reveal): after submitting, an expert may revise a score with a reason;
    the score as submitted (first) is kept beside the revised (final) one in the same row."""
    _run_script(
        db,
        """
        ALTER TABLE scores ADD COLUMN first_value REAL;          -- the submitted score, set at the first revision
        ALTER TABLE scores ADD COLUMN first_na INTEGER;
        ALTER TABLE scores ADD COLUMN first_detail TEXT;
        ALTER TABLE scores ADD COLUMN revised_at TEXT;           -- NULL: never revised (first = final)
        ALTER TABLE scores ADD COLUMN revision_reason TEXT NOT NULL DEFAULT '';   -- code, core.labels.REVISION_REASONS
        ALTER TABLE scores ADD COLUMN revision_note TEXT NOT NULL DEFAULT '';
        """
    )


# Issue 23 (each laptop works alone): the tables whose rows travel between laptops, with the key
# every laptop gives the same row. Rows made on a laptop get a random uid; a score, a call
# attempt and a submission have a natural key (the member and cell, the sample item and attempt,
# the member), so the same row made on two laptops has the same uid and meets as one row.
SYNC_UIDS = {
    "site_records": None,
    "interviews": None,
    "findings": None,
    "scores": "'s:' || NEW.member_id || ':' || NEW.indicator_code || ':' || NEW.area_code",
    "attachments": None,
    "survey_calls": "'c:' || NEW.item_id || ':' || NEW.attempt",
    "submissions": "'m:' || NEW.member_id",
}
_RANDOM_UID = "lower(hex(randomblob(16)))"


def _sync_uid_script() -> list[str]:
    script = ["ALTER TABLE assessments ADD COLUMN uid TEXT;",
              f"UPDATE assessments SET uid = {_RANDOM_UID};",
              "CREATE UNIQUE INDEX assessments_uid ON assessments(uid);",
              'CREATE TRIGGER "assessments_uid" AFTER INSERT ON assessments WHEN NEW.uid IS NULL BEGIN'
              f" UPDATE assessments SET uid = {_RANDOM_UID} WHERE id = NEW.id; END;"]
    for t, natural in SYNC_UIDS.items():
        expr = natural or _RANDOM_UID
        script += [f"ALTER TABLE {t} ADD COLUMN uid TEXT;",
                   f"UPDATE {t} SET uid = {(natural or _RANDOM_UID).replace('NEW.', '')};",
                   f"CREATE UNIQUE INDEX {t}_uid ON {t}(uid);",
                   f'CREATE TRIGGER "{t}_uid" AFTER INSERT ON {t} WHEN NEW.uid IS NULL BEGIN'
                   f" UPDATE {t} SET uid = {expr} WHERE id = NEW.id; END;"]
        # A joined laptop records every change of a travelling row (not the rows a merge or pull
        # writes: sync_applying holds a row only inside that transaction).
        recorded = ("EXISTS (SELECT 1 FROM sync_peer) AND NOT EXISTS (SELECT 1 FROM sync_applying)")
        for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            script.append(
                f'CREATE TRIGGER "{t}_sync_{event.lower()}" AFTER {event} ON {t}'
                f" WHEN {row}.uid IS NOT NULL AND {recorded} BEGIN"
                f" INSERT INTO sync_changes (assessment_id, tbl, uid, at)"
                f" VALUES ({row}.assessment_id, '{t}', {row}.uid, strftime('%Y-%m-%dT%H:%M:%f', 'now', 'localtime'));"
                " END;")
    return script


_SYNC_TABLES = """
CREATE TABLE sync_peer (            -- on a joined laptop: whose copy this is (one row)
    assessment_id INTEGER PRIMARY KEY REFERENCES assessments(id) ON DELETE CASCADE,
    member_id INTEGER NOT NULL REFERENCES members(id),
    secret TEXT NOT NULL,             -- the member's key from the pack: signs bundles (HMAC-SHA256)
    lead_urls TEXT NOT NULL DEFAULT '[]',   -- JSON list: the lead's sync addresses (https://IP:PORT)
    fingerprint TEXT NOT NULL DEFAULT '',   -- the lead's certificate SHA-256, pinned
    pack_id TEXT NOT NULL,
    joined_at TEXT NOT NULL,
    last_met_at TEXT,                 -- last exchange with the lead's server that succeeded
    last_tried_at TEXT,
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE TABLE sync_applying (x INTEGER);   -- a row only inside a merge / pull transaction
CREATE TABLE sync_changes (         -- on a laptop: every change of a travelling row, not yet confirmed
    id INTEGER PRIMARY KEY AUTOINCREMENT,   -- the change's sequence number, never reused
    assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    tbl TEXT NOT NULL,
    uid TEXT NOT NULL,
    at TEXT NOT NULL,
    audit_id INTEGER                  -- the audit row of the write (who, what)
);
CREATE INDEX sync_changes_row ON sync_changes(assessment_id, tbl, uid);
CREATE TABLE sync_base (            -- on a laptop: the version of each row last agreed with the lead
    assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    tbl TEXT NOT NULL,
    uid TEXT NOT NULL,
    version TEXT NOT NULL,
    PRIMARY KEY (assessment_id, tbl, uid)
);
CREATE TABLE sync_sent (            -- on a laptop: versions of a row already sent (a file carries no answer back)
    assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    tbl TEXT NOT NULL,
    uid TEXT NOT NULL,
    version TEXT NOT NULL,
    PRIMARY KEY (assessment_id, tbl, uid, version)
);
CREATE TABLE sync_members (         -- on the lead's: each member's pack and laptop
    assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    member_id INTEGER NOT NULL REFERENCES members(id),
    secret TEXT NOT NULL,
    pack_id TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    last_met_at TEXT,
    last_via TEXT NOT NULL DEFAULT '',      -- 'network' / 'file'
    last_address TEXT NOT NULL DEFAULT '',
    last_received INTEGER NOT NULL DEFAULT 0,   -- changes in the last bundle
    last_applied INTEGER NOT NULL DEFAULT 0,
    waiting INTEGER NOT NULL DEFAULT 0,     -- changes the laptop held unconfirmed when it last met
    PRIMARY KEY (assessment_id, member_id)
);
CREATE TABLE sync_applied (         -- on the lead's: the newest change of each row received from each member
    assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    member_id INTEGER NOT NULL,
    tbl TEXT NOT NULL,
    uid TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (assessment_id, member_id, tbl, uid)
);
CREATE TABLE sync_conflicts (       -- on the lead's: changes not applied, for the lead to decide
    id INTEGER PRIMARY KEY,
    assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('conflict', 'late', 'owner', 'missing')),
    member_id INTEGER NOT NULL REFERENCES members(id),
    tbl TEXT NOT NULL,
    uid TEXT NOT NULL,
    seq INTEGER NOT NULL,
    base_version TEXT,
    theirs_version TEXT,                -- NULL: they deleted the row
    theirs TEXT,                        -- JSON content sent
    ours_version TEXT,                  -- the lead's version when it arrived (NULL: no such row)
    ours TEXT,
    files TEXT NOT NULL DEFAULT '{}',   -- JSON {sha256: base64} the content needs
    received_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'theirs', 'ours')),
    decided_by INTEGER REFERENCES members(id),
    decided_at TEXT
);
CREATE INDEX sync_conflicts_open ON sync_conflicts(assessment_id, status, tbl, uid);
"""


def m016_sync(db: sqlite_utils.Database) -> None:
    """Each laptop works alone (issue 23): keys the same on every laptop (uid) on the tables that
    travel and on assessments, the laptop's record of its changes (triggers, so nothing changes
    without being recorded), the versions agreed with the lead, and on the lead's side the
    members' keys, what was received and the conflicts (docs/sync.md)."""
    _run_script(db, _SYNC_TABLES)
    _run_script(db, "\n".join(_sync_uid_script()))
    script = []
    for t in ("sync_peer", "sync_changes", "sync_base", "sync_sent", "sync_members", "sync_applied", "sync_conflicts"):
        for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            script.append(
                f'CREATE TRIGGER "{t}_version_{event.lower()}" AFTER {event} ON "{t}" BEGIN'
                f" INSERT INTO data_versions (assessment_id, data, register)"
                f" SELECT {row}.assessment_id, random(), random()"
                f" ON CONFLICT (assessment_id) DO UPDATE SET data = excluded.data; END;")
    # The write's audit row names who and when of the changes it recorded.
    script.append('CREATE TRIGGER "audit_log_sync" AFTER INSERT ON audit_log'
                  " WHEN EXISTS (SELECT 1 FROM sync_peer) BEGIN"
                  " UPDATE sync_changes SET audit_id = NEW.id WHERE audit_id IS NULL; END;")
    _run_script(db, "\n".join(script))


def m017_login_sessions(db: sqlite_utils.Database) -> None:
    """Browser sessions that survive a server restart (issue 23, item 5): a signed-in browser keeps
    a random token (the URL's `s`); only its SHA-256 is stored, with the member, the assessment and an
    expiry (epoch seconds). Revoked by deleting the row: on logout, when the lead sets the member's
    PIN, deactivates or removes the member. Like login_throttle these rows are this laptop's sign-ins,
    not the assessment's data: no change-mark triggers (a sign-in must not make every cached figure
    stale), never exported, never sent to another laptop; members.id ON DELETE CASCADE."""
    _run_script(
        db,
        """
        CREATE TABLE login_sessions (
            token_hash TEXT PRIMARY KEY,    -- hex SHA-256 of the browser's token (the token is never stored)
            assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
            member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
            created_at REAL NOT NULL,
            expires_at REAL NOT NULL
        );
        CREATE INDEX login_sessions_member ON login_sessions(member_id);
        CREATE INDEX login_sessions_expiry ON login_sessions(expires_at);
        """
    )


def m018_terms(db: sqlite_utils.Database) -> None:
    """Every kind of assessment, every term (issue 24).

    - contract_indicators.mid_target: the contract's mid-term target (中期指标量) beside the annual
      one; NULL when the contract states none (a 中期 then pro-rates the annual target by the
      elapsed share of the contract period).
    - contract_indicators.target_pending: 1 while a target carried over from the previous term
      waits for the lead's confirmation (the pre-export check lists it).
    The table keeps its change-mark triggers (migration 011): ALTER TABLE adds columns only.
    """
    _run_script(
        db,
        """
        ALTER TABLE contract_indicators ADD COLUMN mid_target REAL;
        ALTER TABLE contract_indicators ADD COLUMN target_pending INTEGER NOT NULL DEFAULT 0;
        """
    )


def m019_report_versions(db: sqlite_utils.Database) -> None:
    """Issue 25: each report sent out is a version (初稿 1, 初稿 2, …, 定稿) with its date, recipient,
    format and the SHA-256 of the file; the feedback that came back is attached to the version it
    answers. Its rows belong to the assessment, so they move its data mark (as migration 013)."""
    script = ["""
        CREATE TABLE report_versions (
            id INTEGER PRIMARY KEY,
            assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,                  -- 1, 2, … in the order issued
            kind TEXT NOT NULL CHECK (kind IN ('draft', 'final')),
            label TEXT NOT NULL,                   -- 初稿 1, 初稿 2, 定稿 (printed on the cover and footer)
            issued_at TEXT NOT NULL,
            recipient TEXT NOT NULL DEFAULT '',    -- to whom: 天河区民政局, 元岗街道办事处, …
            format TEXT NOT NULL CHECK (format IN ('pdf', 'docx')),
            sha256 TEXT NOT NULL,
            size INTEGER NOT NULL,
            member_id INTEGER REFERENCES members(id),
            note TEXT NOT NULL DEFAULT '',
            feedback TEXT NOT NULL DEFAULT '',     -- what the recipients answered to this version
            feedback_at TEXT,
            UNIQUE (assessment_id, seq)
        );
        CREATE INDEX report_versions_assessment ON report_versions(assessment_id, seq);
    """]
    for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
        script.append(
            f'CREATE TRIGGER "report_versions_version_{event.lower()}" AFTER {event} ON "report_versions" BEGIN'
            f" INSERT INTO data_versions (assessment_id, data, register)"
            f" SELECT {row}.assessment_id, random(), random()"
            f" ON CONFLICT (assessment_id) DO UPDATE SET data = excluded.data; END;")
    _run_script(db, "\n".join(script))


def m020_scores_reveal(db: sqlite_utils.Database) -> None:
    """Issue 26 (blind scores on 实时总览): when the lead revealed the experts' scores to the experts;
    until then an expert's totals are computed from their own cells only. NULL: not revealed. The
    assessments row already carries the change-mark triggers (migration 011)."""
    _run_script(db, "ALTER TABLE assessments ADD COLUMN scores_revealed_at TEXT;")


def m021_register_log(db: sqlite_utils.Database) -> None:
    """Issue 27 (register edits are cheap): which register rows changed, in order, so figures derived
    from the whole register (its hash, households, the scrubber's keys) are updated for those rows
    only (core.derived.register_fold) instead of being rebuilt after every edit. An update logs a row
only when a column those figures read changes (db.clients.REGISTER_COLUMNS), not its position or note.

    Local bookkeeping of this file: not exported, not published, not synced (a merge or pull writes
    `clients` rows, and these triggers record them like any other write). `token` (random) tells a
    reader that the row it last saw at `seq` is still the same row: a rolled-back write, a pruned log
    or another file at the same path never passes for the same position. The first row is a sentinel
    (assessment 0), so the log is never empty. Every 512th change prunes all but the newest 4096: a
    reader further behind rebuilds from the register."""
    script = ["""
        CREATE TABLE register_log (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            assessment_id INTEGER NOT NULL,
            client_id INTEGER NOT NULL,
            token INTEGER NOT NULL DEFAULT (random())
        );
        INSERT INTO register_log (assessment_id, client_id) VALUES (0, 0);
        CREATE TRIGGER "register_log_prune" AFTER INSERT ON register_log WHEN NEW.seq % 512 = 0 BEGIN
            DELETE FROM register_log WHERE seq <= NEW.seq - 4096; END;
        CREATE TRIGGER "clients_log_insert" AFTER INSERT ON clients BEGIN
            INSERT INTO register_log (assessment_id, client_id) VALUES (NEW.assessment_id, NEW.id); END;
        CREATE TRIGGER "clients_log_delete" AFTER DELETE ON clients BEGIN
            INSERT INTO register_log (assessment_id, client_id) VALUES (OLD.assessment_id, OLD.id); END;
        CREATE TRIGGER "clients_log_update" AFTER UPDATE ON clients
            WHEN OLD.name IS NOT NEW.name OR OLD.phone IS NOT NEW.phone OR OLD.phone2 IS NOT NEW.phone2
              OR OLD.community IS NOT NEW.community OR OLD.category IS NOT NEW.category
              OR OLD.household IS NOT NEW.household OR OLD.assessment_id IS NOT NEW.assessment_id
              OR OLD.id IS NOT NEW.id BEGIN
            INSERT INTO register_log (assessment_id, client_id) VALUES (NEW.assessment_id, NEW.id);
            INSERT INTO register_log (assessment_id, client_id) SELECT OLD.assessment_id, OLD.id
                WHERE OLD.assessment_id IS NOT NEW.assessment_id OR OLD.id IS NOT NEW.id; END;
    """]
    _run_script(db, "\n".join(script))


# Tables that never move the `other` mark (migration 022): the register (its own mark and log),
# bookkeeping written alongside the data (the audit log, the register's log, the sync records,
# logins), and derived caches.
_OTHER_EXCLUDED = ("clients", "register_log", "audit_log", "data_versions", "assessment_summaries",
                   "login_sessions", "login_throttle", "sync_peer", "sync_applying", "sync_changes", "sync_base",
                   "sync_sent", "sync_members", "sync_applied", "sync_conflicts")


def other_mark_triggers(tables: Iterable[str]) -> list[str]:
    """The change-mark triggers of `tables` (each with an assessment_id column, or one of
    _VERSION_PARENTS) that move `data` and `other` on any change of a row: migration 022 for the
    tables it found without any, and a later migration for a table it adds."""
    script = []
    for t in tables:
        ids = _VERSION_PARENTS.get(t, "SELECT {row}.assessment_id AS x")
        for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            script.append(
                f'CREATE TRIGGER "{t}_version_{event.lower()}" AFTER {event} ON "{t}" BEGIN'
                f" INSERT INTO data_versions (assessment_id, data, register, other)"
                f" SELECT x, random(), random(), random() FROM ({ids.format(row=row)}) WHERE x IS NOT NULL"
                f" ON CONFLICT (assessment_id) DO UPDATE SET data = excluded.data, other = excluded.other; END;")
    return script


def _moving_other(sql: str) -> str:
    """A change-mark trigger of migrations 011–019 (its CREATE statement) made to move `other` too."""
    out = sql
    for old, new in (("INSERT INTO data_versions (assessment_id, data, register)",
                      "INSERT INTO data_versions (assessment_id, data, register, other)"),
                     ("random(), random()", "random(), random(), random()"),
                     ("DO UPDATE SET data = excluded.data", "DO UPDATE SET data = excluded.data, other = excluded.other")):
        if out.count(old) != 1:
            raise UnusableDatabase(f"变更标记触发器的定义与预期不符，无法升级：{sql[:80]}")
        out = out.replace(old, new)
    return out


def m022_other_mark(db: sqlite_utils.Database) -> None:
    """Issue 27 (a register edit leaves the rest alone): a third change mark, `other`, that moves on any
    change of an assessment's rows except its register — so figures that do not read the register
    (the dashboard's scores, the survey's calls) are kept through a register edit (core.derived.by_other).
    It moves on every table of the assessment's data at this migration (an assessment_id column, or a
    parent in _VERSION_PARENTS) but _OTHER_EXCLUDED: their change-mark triggers are rewritten to move it
    too (not added beside them: every trigger is parsed again by each new connection), and the tables
    migration 011 left to the audit row (submissions, the agenda, the survey script …) get their own.
    A table added later adds its own (other_mark_triggers; tests/test_hot_paths.py)."""
    existing = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall())
    script = ["ALTER TABLE data_versions ADD COLUMN other INTEGER;",
              "UPDATE data_versions SET other = random();"]
    for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                           " ORDER BY name").fetchall():
        cols = {r[1] for r in db.execute(f"PRAGMA table_info('{t}')")}
        if t in _OTHER_EXCLUDED or not ("assessment_id" in cols or t in _VERSION_PARENTS):
            continue
        names = [f"{t}_version_{e}" for e in ("insert", "update", "delete")]
        if not any(n in existing for n in names):
            script += other_mark_triggers([t])
            continue
        for n in names:
            script += [f'DROP TRIGGER "{n}";', _moving_other(existing[n]) + ";"]
    _run_script(db, "\n".join(script))

def m023_sync_key_pin(db: sqlite_utils.Database) -> None:
    """A laptop pins the lead's public key too (SHA-256 of its SubjectPublicKeyInfo, as HPKP wrote
    it): the lead's laptop on another network gets a new certificate for its new addresses, signed with
    the same key (core.tls.ensure_certificate), so a pack made before still meets it. '' for a pack
    made before this migration: the certificate's fingerprint is then the pin, as before."""
    _run_script(db, "ALTER TABLE sync_peer ADD COLUMN key_pin TEXT NOT NULL DEFAULT '';")


MIGRATIONS = [
    ("001_foundation", m001_foundation),
    ("002_station_data", m002_station_data),
    ("003_survey", m003_survey),
    ("004_report", m004_report),
    ("005_dashboard_indexes", m005_dashboard_indexes),
    ("008_register_details", m008_register_details),
    ("009_frameworks", m009_frameworks),
    ("010_login_throttle", m010_login_throttle),
    ("011_data_versions", m011_data_versions),
    ("012_day_plan", m012_day_plan),
    ("013_evidence_interviews", m013_evidence_interviews),
    ("014a_survey_design", m014a_survey_design),
    ("014_score_revisions", m014_score_revisions),
    ("015_station_history", m015_station_history),
    ("016_sync", m016_sync),
    ("017_login_sessions", m017_login_sessions),
    ("018_terms", m018_terms),
    ("019_report_versions", m019_report_versions),
    ("020_scores_reveal", m020_scores_reveal),
    ("021_register_log", m021_register_log),
    ("022_other_mark", m022_other_mark),
    ("023_sync_key_pin", m023_sync_key_pin),
]


def check_not_newer(db: sqlite_utils.Database) -> None:
    """Refuse a database that a newer version of the code has migrated (a migration this code does not know):
    this code would read and write it without knowing its newer tables and rules."""
    known = {name for name, _ in MIGRATIONS}
    unknown = sorted(r[0] for r in db.execute("SELECT name FROM _migrations").fetchall() if r[0] not in known)
    if unknown:
        raise UnusableDatabase(f"数据库已由更新版本的程序升级（本程序不认识其迁移 {'、'.join(unknown)}），"
                               "请先升级本程序再打开它；数据库未作任何修改。")


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply the missing migrations in order; return the names applied."""
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    check_not_newer(db)
    applied = []
    for name, fn in MIGRATIONS:
        with transaction(db):
            # Checked inside the write lock so two processes starting at once
            # cannot both apply the same migration.
            if db.execute("SELECT 1 FROM _migrations WHERE name = ?", [name]).fetchone():
                continue
            fn(db)
            db.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                [name, _dt.datetime.now().isoformat(timespec="seconds")],
            )
            applied.append(name)
    return applied
