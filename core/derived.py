"""Figures derived from an assessment's data, computed once per change and reused.

Keyed by the change marks of db/versions.py (kept by triggers, stored in the database), so
every server process and every connection agrees on when a figure is stale: a write from
any connection changes the mark, and the next use recomputes. `by_register` is for figures
of the key-client register alone (its hash, the scrubber, its statistics); `by_data` for
figures of the whole assessment (the report page's data).

Values are shared between sessions: callers must treat them as read-only.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
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


_BY_VALUE: "OrderedDict[tuple, object]" = OrderedDict()
BY_VALUE_ENTRIES = 64


def by_value(name, value, build: Callable[[], T]) -> T:
    """`build()` once per distinct `value` (plain data: lists, dicts, numbers, text; compared by its repr), the
    64 most recent kept: for what is made from data already read, e.g. a chart's plotly figure — the same
    figures give the same chart, whichever session or page asks, without rebuilding it on every rerun."""
    key = (name, hashlib.sha1(repr(value).encode("utf-8", "surrogatepass")).digest())
    with _LOCK:
        hit = _BY_VALUE.get(key)
        if hit is not None:
            _BY_VALUE.move_to_end(key)
            return hit
    made = build()
    with _LOCK:
        _BY_VALUE[key] = made
        while len(_BY_VALUE) > BY_VALUE_ENTRIES:
            _BY_VALUE.popitem(last=False)
    return made


def clear() -> None:
    with _LOCK:
        _CACHE.clear()
        _BY_VALUE.clear()
