"""The one builder of scrubbers: `scrubber(db, assessment_id)` masks free text for any output.

Built from the register (names and phones of the key clients, second phones included) and the
interviewees' names (db/interviews.py) with core.masking.Scrubber, once per change of either
(core.derived, keyed by the register's change mark stored in the database, which the triggers of
migrations 011 and 013 move on any change of the register and of an interviewee's name, so every
server process agrees).

Every other scrubber is built here too, from the same identities (names; phones and second
phones) — never `Scrubber(...)` elsewhere (tests/test_architecture.py):
- `with_file(db, assessment_id, names, phones)`: the assessment's scrubber and the persons of a
  register file being imported (its preview and messages, on the page and the command line);
- `of_document(doc)`: an assessment's export document (core.agency.transfer), for its workbook;
- `of_database(db)`: every assessment's register and interviewees, for rows that belong to none.
"""
from __future__ import annotations

from typing import Callable, Iterable

from db import clients as clients_db
from db import interviews as interviews_db

from core import derived
from core.masking import Scrubber, ScrubberKeys


def _build(names: Iterable[str], phones: Iterable[str]) -> Scrubber:
    return Scrubber([n or "" for n in names], [p for p in phones if p])


def _client_identities(clients: Iterable[dict]) -> tuple[list[str], list[str]]:
    """Names and phones (second phones included) of register rows."""
    names, phones = [], []
    for c in clients:
        names.append(c.get("name") or "")
        phones += [c.get("phone") or "", c.get("phone2") or ""]
    return names, phones


class _RegisterKeys:
    """The register's names and phones (second phones included) as a fold of core.derived.register_fold:
    after an edit only the changed rows' keys are swapped, not the whole register's rebuilt.
    Rows: db.clients.REGISTER_COLUMNS (id, name, phone, phone2, …)."""

    def __init__(self) -> None:
        self.keys = ScrubberKeys()

    def load(self, rows) -> None:
        for r in rows:
            self.keys.add(r[1], (r[2], r[3]))

    def add(self, row) -> None:
        self.keys.add(row[1], (row[2], row[3]))

    def remove(self, row) -> None:
        self.keys.remove(row[1], (row[2], row[3]))


def scrubber(db, assessment_id: int) -> Scrubber:
    """The Scrubber for the assessment's current register and interviewees."""
    def build() -> Scrubber:
        interviewees = interviews_db.identities(db, assessment_id)
        return derived.register_fold(db, assessment_id, "scrubber_keys", _RegisterKeys,
                                     lambda fold: fold.keys.scrubber(interviewees))
    return derived.by_register(db, assessment_id, "scrubber", build)


def with_file(db, assessment_id: int, names: Iterable[str], phones: Iterable[str]) -> Callable[[str], str]:
    """The assessment's scrubber after one that knows a file's names and phones (a register being
    imported: its persons are not in the register yet, and their phones are masked too)."""
    base, local = scrubber(db, assessment_id), _build(names, phones)
    return lambda text: base(local(text))


def of_document(doc: dict) -> Scrubber:
    """The scrubber of an export document: its register (phones and second phones) and interviewees."""
    t = doc["tables"]
    names, phones = _client_identities(t.get("clients", []))
    return _build(names + [r.get("name") or "" for r in t.get("interviews", [])], phones)


def of_database(db) -> Scrubber:
    """Every assessment's register and interviewees (rows of the database that belong to none)."""
    names, phones = clients_db.identities(db, None)
    return _build(list(names) + interviews_db.identities(db, None), phones)
