"""The assessment's scrubber: `scrubber(db, assessment_id)` masks free text for any output.

Built from the register (names and phones of the key clients) with core.masking.Scrubber,
and kept until the register changes (its fingerprint is read in one indexed query).
"""
from __future__ import annotations

import threading

from db import clients as clients_db

from .masking import Scrubber

_CACHE: dict = {}
_LOCK = threading.Lock()


def scrubber(db, assessment_id: int) -> Scrubber:
    """The Scrubber for the assessment's current register."""
    key = (clients_db.db_file(db), assessment_id)
    mark = clients_db.fingerprint(db, assessment_id)
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None and hit[0] == mark:
            return hit[1]
    names, phones = clients_db.identities(db, assessment_id)
    s = Scrubber(names, phones)
    with _LOCK:
        if len(_CACHE) > 64:
            _CACHE.clear()
        _CACHE[key] = (mark, s)
    return s
