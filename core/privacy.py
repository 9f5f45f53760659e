"""The assessment's scrubber: `scrubber(db, assessment_id)` masks free text for any output.

Built from the register (names and phones of the key clients) with core.masking.Scrubber,
once per change of the register (core.derived, keyed by the register's change mark stored
in the database, so every server process agrees).
"""
from __future__ import annotations

from db import clients as clients_db

from . import derived
from .masking import Scrubber


def scrubber(db, assessment_id: int) -> Scrubber:
    """The Scrubber for the assessment's current register."""
    return derived.by_register(db, assessment_id, "scrubber",
                               lambda: Scrubber(*clients_db.identities(db, assessment_id)))
