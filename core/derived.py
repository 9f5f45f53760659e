"""Figures derived from an assessment's data, computed once per change and reused.

Keyed by the change marks of db/versions.py (kept by triggers, stored in the database), so
every server process and every connection agrees on when a figure is stale: a write from
any connection changes the mark, and the next use recomputes. `by_register` is for figures
of the key-client register alone (its hash, the scrubber, its statistics); `by_data` for
figures of the whole assessment (the report page's data).

Values are shared between sessions: callers must treat them as read-only.
"""
from __future__ import annotations

import threading
from typing import Callable, TypeVar

from db import versions as versions_db
from db.backup import db_file

T = TypeVar("T")

_CACHE: dict = {}
_LOCK = threading.Lock()
MAX_ENTRIES = 256


def _cached(db, assessment_id: int, name, which: int, build: Callable[[], T]) -> T:
    mark = versions_db.marks(db, assessment_id)[which]
    key = (db_file(db), assessment_id, name)
    with _LOCK:
        hit = _CACHE.get(key)
    if hit is not None and mark is not None and hit[0] == mark:
        return hit[1]
    value = build()
    if mark is not None:
        # A mark written inside a transaction that is rolled back never comes back (marks
        # are random), so an entry made inside a transaction cannot be served for other data.
        with _LOCK:
            if len(_CACHE) >= MAX_ENTRIES:
                _CACHE.clear()
            _CACHE[key] = (mark, value)
    return value


def by_register(db, assessment_id: int, name, build: Callable[[], T]) -> T:
    """`build()` once per change of the assessment's register (`name` names the figure)."""
    return _cached(db, assessment_id, name, 1, build)


def by_data(db, assessment_id: int, name, build: Callable[[], T]) -> T:
    """`build()` once per change of any of the assessment's data."""
    return _cached(db, assessment_id, name, 0, build)


def clear() -> None:
    with _LOCK:
        _CACHE.clear()
