"""The assessment's scrubber: `scrubber(db, assessment_id)` masks free text for any output.

Built from the register (names and phones of the key clients) and the interviewees' names
(db/interviews.py) with core.masking.Scrubber, and kept until either changes (the register's
fingerprint and the interviewees' names are read in indexed queries).
"""
from __future__ import annotations

import threading

from db import clients as clients_db
from db import interviews as interviews_db

from .masking import Scrubber

_CACHE: dict = {}
_LOCK = threading.Lock()


def scrubber(db, assessment_id: int) -> Scrubber:
    """The Scrubber for the assessment's current register and interviewees."""
    key = (clients_db.db_file(db), assessment_id)
    interviewees = tuple(interviews_db.identities(db, assessment_id))   # a few dozen names at most
    mark = (clients_db.fingerprint(db, assessment_id), interviewees)
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None and hit[0] == mark:
            return hit[1]
    names, phones = clients_db.identities(db, assessment_id)
    names = list(names) + list(interviewees)
    s = Scrubber(names, phones)
    with _LOCK:
        if len(_CACHE) > 64:
            _CACHE.clear()
        _CACHE[key] = (mark, s)
    return s
