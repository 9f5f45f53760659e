"""The assessment's scrubber: `scrubber(db, assessment_id)` masks free text for any output.

Built from the register (names and phones of the key clients) and the interviewees' names
(db/interviews.py) with core.masking.Scrubber, once per change of either (core.derived, keyed
by the register's change mark stored in the database, which the triggers of migrations 011
and 013 move on any change of the register and of an interviewee's name, so every server
process agrees).
"""
from __future__ import annotations

from db import clients as clients_db
from db import interviews as interviews_db

from core import derived
from core.masking import Scrubber


def scrubber(db, assessment_id: int) -> Scrubber:
    """The Scrubber for the assessment's current register and interviewees."""
    def build() -> Scrubber:
        names, phones = clients_db.identities(db, assessment_id)
        return Scrubber(list(names) + interviews_db.identities(db, assessment_id), phones)
    return derived.by_register(db, assessment_id, "scrubber", build)
