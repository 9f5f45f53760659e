"""Figures derived from an assessment's data, computed once per change and reused.

Keyed by the change marks of db/versions.py (kept by triggers, stored in the database), so
every server process and every connection agrees on when a figure is stale: a write from
any connection changes the mark, and the next use recomputes. `by_register` is for figures
of the key-client register alone (its hash, the scrubber, its statistics); `by_data` for
figures of the whole assessment (the report page's data); `by_other` for figures of everything
but the register (migration 022), so a register edit leaves them alone.

`register_fold` keeps figures of the whole register up to date row by row: after an edit, only
the rows the register's change log (migration 021, db/clients.py) names are read again, and
each fold (a hash, counts, the scrubber's keys) takes the old row out and the new one in — so
the first refresh after an edit costs about what the edit changed, not the register's size.

Values are shared between sessions: callers must treat them as read-only.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Callable, Iterable, Protocol, TypeVar

from db import clients as clients_db
from db import versions as versions_db
from db.backup import db_file

T = TypeVar("T")

_CACHE: dict = {}
_LOCK = threading.Lock()
MAX_ENTRIES = 256


def _cached(db, assessment_id: int, name, which: str, build: Callable[[], T]) -> T:
    mark = versions_db.mark(db, assessment_id, which)
    key = (db_file(db), assessment_id, which, name)
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
    return _cached(db, assessment_id, name, "register", build)


def by_data(db, assessment_id: int, name, build: Callable[[], T]) -> T:
    """`build()` once per change of any of the assessment's data."""
    return _cached(db, assessment_id, name, "data", build)


def by_other(db, assessment_id: int, name, build: Callable[[], T]) -> T:
    """`build()` once per change of the assessment's data other than its register (migration 022): for
    figures that read no register row (the dashboard's scores, the survey's calls), kept through a
    register edit. `build` must read only tables whose triggers move that mark (not the audit log)."""
    return _cached(db, assessment_id, name, "other", build)


def by_other_and_value(db, assessment_id: int, name, value, build: Callable[[], T]) -> T:
    """`build()` once per change of the assessment's data other than its register (`by_other`) and
    distinct `value` (by_value): for a figure that reads a few register rows besides, passed in `value`
    (e.g. the survey's results: the sampled persons' rows and what the register's hash says)."""
    mark = versions_db.mark(db, assessment_id, "other")
    if mark is None:
        return build()
    return by_value((name, db_file(db), assessment_id, mark), value, build)


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


class Fold(Protocol):
    """Figures of a whole register, kept as rows come and go (rows: tuples of db.clients.REGISTER_COLUMNS)."""

    def load(self, rows: Iterable[tuple]) -> None: ...       # the whole register, once, into an empty fold
    def add(self, row: tuple) -> None: ...
    def remove(self, row: tuple) -> None: ...                # a row added before (the same values)


class _Register:
    """One assessment's register as this process last read it (id -> row), the log position it was read
    at, and the folds made of it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pos: tuple[int, int] | None = None
        self.rows: dict[int, tuple] = {}
        self.folds: dict = {}


_REGISTERS: "OrderedDict[tuple, _Register]" = OrderedDict()
REGISTERS_KEPT = 8
# More changed rows than this since the last read: read the whole register again (cheaper then).
CATCH_UP_LIMIT = 2000


def _reload(db, assessment_id: int, reg: _Register) -> None:
    reg.pos = clients_db.log_position(db)          # first: a write committed after it is read again later
    reg.rows = {r[0]: r for r in clients_db.register_rows(db, assessment_id)}
    reg.folds = {}


def _catch_up(db, assessment_id: int, reg: _Register) -> None:
    """Bring `reg` to the register as it is now: the rows the log names since reg.pos, read again and
    swapped in every fold; the whole register when the log cannot say (pruned, rolled back, another file)."""
    pos = clients_db.log_position(db)
    if reg.pos == pos:
        return
    ids = None
    if reg.pos is not None and clients_db.log_still_has(db, *reg.pos):
        ids = clients_db.changed_since(db, assessment_id, reg.pos[0], pos[0], CATCH_UP_LIMIT)
    if ids is None:
        _reload(db, assessment_id, reg)
        return
    # Rows read after the log: a row changed again meanwhile is newer than `pos` and is read again next
    # time (swapping a row for its current self changes nothing), so nothing is ever missed.
    now = {r[0]: r for r in clients_db.register_rows(db, assessment_id, ids)} if ids else {}
    for i in ids:
        old, new = reg.rows.pop(i, None), now.get(i)
        if new is not None:
            reg.rows[i] = new
        if old != new:
            for fold in reg.folds.values():
                if old is not None:
                    fold.remove(old)
                if new is not None:
                    fold.add(new)
    reg.pos = pos


def register_fold(db, assessment_id: int, name, make: Callable[[], Fold], read: Callable[[Fold], T]) -> T:
    """`read(fold)` of the fold `make()` named `name`, over the assessment's register as it is now.

    The register and its folds are kept per database file and assessment, shared by every session of
    this process, and brought up to date by the rows changed since (see _catch_up). `read` runs under
    the register's lock and must return what does not share mutable state with the fold. Inside a
    write transaction (uncommitted rows) the fold is made from the whole register and kept by no one."""
    if db.conn.in_transaction:
        fold = make()
        fold.load(clients_db.register_rows(db, assessment_id))
        return read(fold)
    key = (db_file(db), assessment_id)
    with _LOCK:
        reg = _REGISTERS.get(key)
        if reg is None:
            reg = _REGISTERS[key] = _Register()
            while len(_REGISTERS) > REGISTERS_KEPT:
                _REGISTERS.popitem(last=False)
        _REGISTERS.move_to_end(key)
    with reg.lock:
        try:
            _catch_up(db, assessment_id, reg)
            fold = reg.folds.get(name)
            if fold is None:
                fold = make()
                fold.load(reg.rows.values())
                reg.folds[name] = fold
            return read(fold)
        except BaseException:
            reg.pos, reg.rows, reg.folds = None, {}, {}     # half-applied: the next use reads all again
            raise


def clear() -> None:
    with _LOCK:
        _CACHE.clear()
        _BY_VALUE.clear()
        _REGISTERS.clear()
