"""Browser sessions that survive a server restart (issue 23, item 5).

At login the browser is given a random token (32 bytes, URL-safe; the page keeps it in the URL as
`s`, beside `a` and `m`); the database keeps only its SHA-256 with the member, the assessment and an
expiry (db.login_sessions). After the server restarts, a page still open in that browser reconnects
with a new Streamlit session and no login in it; the page layer (pages/_shared.resume_session) then
asks `resume` here whether the URL's token still signs that member in. Nothing else is in the
browser: never the PIN, nor its hash.

A token is refused when it is unknown, malformed, expired, revoked (logout, a new PIN, the member
deactivated or removed — the lead's writers delete the rows), of another assessment or another
member than the URL names, or when its assessment is deleted.
"""
from __future__ import annotations

import hashlib
import re
import secrets
import time

from db import login_sessions as store

from core.assessment import team

SESSION_SECONDS = 12 * 3600       # one assessment day; a new login starts a new one
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")


def token_hash(token: str) -> str:
    """The stored form of a token (hex SHA-256: the token is 256 random bits, no salt needed)."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def start(db, member: dict, now: float | None = None) -> str:
    """A new sign-in of `member` (a members row); return the token for the browser."""
    now = time.time() if now is None else now
    token = secrets.token_urlsafe(32)
    store.start(db, member["assessment_id"], member["id"], token_hash(token), now, now + SESSION_SECONDS)
    return token


def resume(db, token, assessment_id, member_id, now: float | None = None) -> dict | None:
    """The signed-in member ({assessment_id, member_id, name, role}, as team.session_member) when
    `token` is a live sign-in of `member_id` in `assessment_id`; None otherwise."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return None
    try:
        assessment_id, member_id = int(assessment_id), int(member_id)
    except (TypeError, ValueError):
        return None
    row = store.find(db, token_hash(token))
    now = time.time() if now is None else now
    if row is None or row["expires_at"] <= now:
        return None
    if row["assessment_id"] != assessment_id or row["member_id"] != member_id:
        return None
    who = team.session_member(db, member_id)
    if who is None or who["assessment_id"] != assessment_id:
        return None
    return who


def end(db, token) -> bool:
    """Revoke the sign-in of `token` (logout); False when it was not one."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return False
    return store.end(db, token_hash(token))
