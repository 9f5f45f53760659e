"""Use cases of evidence attachments (证据附件): photos and PDF scans on site records, interview
notes and findings.

core.station.evidence checks, downscales and strips the file (pure); db/attachments.py stores it
through the write guard (lead and experts; a finding's evidence is its author's and the
lead's). An attachment marked `personal` (it shows a client's face, name, ID card …) is shown
to the team on the pages but never printed in the PDF or listed in Excel: `report_evidence`
and `excel_rows` leave it out.
"""
from __future__ import annotations

from db import attachments as attachments_db

from core import derived
from core.scoring import scoresheet
from core.errors import InvalidValue
from core.station.evidence import prepare
from core.labels import ATTACHMENT_OWNERS
from core.privacy import scrubber

EDITORS = ("lead", "expert")


def can_attach(role: str) -> bool:
    return role in EDITORS


def _check_owner(owner_kind: str) -> None:
    if owner_kind not in ATTACHMENT_OWNERS:
        raise InvalidValue(f"证据附件只能添加到{'、'.join(ATTACHMENT_OWNERS.values())}")


def add(db, assessment_id: int, member_id: int, owner_kind: str, owner_id: int, filename: str, data: bytes,
        personal: bool = False, caption: str = "") -> int:
    """Check and prepare the file (core.station.evidence.prepare: type, cap, downscale, EXIF) and attach it;
    returns the attachment id. InvalidValue (Chinese, naming the file) changes nothing."""
    _check_owner(owner_kind)
    file = prepare(filename, data)
    return attachments_db.add_attachment(db, assessment_id, member_id, owner_kind, int(owner_id), file,
                                         personal=bool(personal), caption=(caption or "").strip())


def set_personal(db, assessment_id: int, member_id: int, attachment_id: int, personal: bool) -> None:
    attachments_db.update_attachment(db, assessment_id, member_id, attachment_id, personal=bool(personal))


def set_caption(db, assessment_id: int, member_id: int, attachment_id: int, caption: str) -> None:
    attachments_db.update_attachment(db, assessment_id, member_id, attachment_id, caption=(caption or "").strip())


def delete(db, assessment_id: int, member_id: int, attachment_id: int) -> None:
    attachments_db.delete_attachment(db, assessment_id, member_id, attachment_id)


def _shown(rows: list[dict], scrub) -> list[dict]:
    return [dict(r, filename=scrub(r["filename"]), caption=scrub(r["caption"])) for r in rows]


def list_for(db, assessment_id: int, owner_kind: str, owner_id: int) -> list[dict]:
    """One owner's attachments for the pages: metadata, `thumb` (JPEG bytes or None), `personal`,
    `member_name`; file name and caption masked."""
    _check_owner(owner_kind)
    return _shown(attachments_db.list_attachments(db, assessment_id, owner_kind, owner_id), scrubber(db, assessment_id))


def list_all(db, assessment_id: int, with_thumbs: bool = True) -> list[dict]:
    return _shown(attachments_db.list_attachments(db, assessment_id, with_thumbs=with_thumbs),
                  scrubber(db, assessment_id))


def by_owner(db, assessment_id: int, with_thumbs: bool = True) -> dict[tuple[str, int], list[dict]]:
    """(owner_kind, owner_id) -> its attachments (masked), for pages that show many owners."""
    out: dict = {}
    for r in list_all(db, assessment_id, with_thumbs):
        out.setdefault((r["owner_kind"], r["owner_id"]), []).append(r)
    return out


def file_of(db, assessment_id: int, attachment_id: int) -> dict:
    """{filename, mime, data} of one attachment (the download button)."""
    r = attachments_db.attachment_data(db, assessment_id, attachment_id)
    return {"filename": scrubber(db, assessment_id)(r["filename"]), "mime": r["mime"], "data": r["data"]}


def finding_evidence(db, assessment_id: int, sources: dict[int, str] | None = None,
                     with_thumbs: bool = False) -> dict[int, list[dict]]:
    """Finding id -> its evidence (metadata; thumbnails if asked): attachments on the finding itself
    and on the site records / interview notes it was promoted from (`sources`: finding id ->
    its `source`, e.g. 'site_record:3,interview:2'). Personal ones included, flagged; file names
    and captions as typed (callers that show them mask them)."""
    rows = attachments_db.list_attachments(db, assessment_id, with_thumbs=with_thumbs)
    by_owner_: dict = {}
    for r in rows:
        by_owner_.setdefault((r["owner_kind"], r["owner_id"]), []).append(r)
    out: dict[int, list[dict]] = {}
    for fid in set((sources or {}).keys()) | {r["owner_id"] for r in rows if r["owner_kind"] == "finding"}:
        items = list(by_owner_.get(("finding", fid), []))
        for ref in ((sources or {}).get(fid) or "").split(","):
            kind, _, tail = ref.strip().partition(":")
            if kind in ("site_record", "interview") and tail.isdigit():
                items += by_owner_.get((kind, int(tail)), [])
        if items:
            out[fid] = items
    return out


def evidence_of_findings(db, assessment_id: int, finding_ids=None) -> dict[int, list[dict]]:
    """For the pages: (live) finding id -> its evidence with thumbnails, file names and captions masked
    (attachments on the finding and on the records it was promoted from); only the given findings'
    thumbnails are read when `finding_ids` is given."""
    scrub = scrubber(db, assessment_id)
    sources = {f["id"]: f.get("source") or "" for f in scoresheet.findings(db, assessment_id)}
    ev = finding_evidence(db, assessment_id, sources)
    if finding_ids is not None:
        wanted = set(finding_ids)
        ev = {fid: items for fid, items in ev.items() if fid in wanted}
    thumbs = attachments_db.thumbs(db, assessment_id, {a["id"] for items in ev.values() for a in items})
    return {fid: _shown([dict(a, thumb=thumbs.get(a["id"])) for a in items], scrub) for fid, items in ev.items()}


def evidence_of_all_findings(db, assessment_id: int) -> dict[int, list[dict]]:
    """`evidence_of_findings` of every finding, computed once per change of the assessment's data
    (core.derived; the triggers of migration 013 move the mark on any change of an attachment):
    the report page's reruns read one change mark, not every thumbnail. Shared: read-only."""
    return derived.by_data(db, assessment_id, "evidence_of_findings", lambda: evidence_of_findings(db, assessment_id))


def with_data(db, assessment_id: int, attachment_ids: list[int]) -> dict[int, bytes]:
    """The stored files of the given attachments (the PDF's evidence annex)."""
    return {i: attachments_db.attachment_data(db, assessment_id, i)["data"] for i in attachment_ids}
