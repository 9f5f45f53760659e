"""Sample calls of every guarded writer, one module per area (tests/test_write_guard.py).

Each module defines CALLS, a list of `Call`s. A Call names the writer ('module.function'
in db/), the member role that may make it, the role that must be refused (None: every
role may, so a member of another assessment is used), and `make(ctx) -> (args, kwargs)`
giving the arguments after (db, assessment_id, member_id) — a change that writes.
`prepare(ctx)`, when given, sets up state the change needs that the demo lacks (run before
each check, so it is part of "before").
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Callable


@dataclass
class Call:
    writer: str
    member: str                      # 'lead', 'expert', 'expert2' or 'staff' of the demo
    refused: str | None              # a role that must be refused, or None
    make: Callable                   # ctx -> (args tuple, kwargs dict)
    when_locked: bool = False        # allowed on a locked assessment
    prepare: Callable | None = None  # ctx -> None: set-up before the check (e.g. a pending item)

    def __str__(self) -> str:
        return self.writer


def all_calls() -> list[Call]:
    out = []
    for mod in pkgutil.iter_modules(__path__):
        out += importlib.import_module(f"{__name__}.{mod.name}").CALLS
    return out
