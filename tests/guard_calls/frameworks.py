"""Sample calls of the guarded writers of db/frameworks.py (see tests/guard_calls/__init__.py)."""
from __future__ import annotations

import json

from core.framework.model import shipped_framework_data

from . import Call


def _new_framework(ctx):
    data = dict(shipped_framework_data()["gz-2024-four-party"], id="agency-2025", name="本机构指标体系")
    return (("agency-2025", 1, "本机构指标体系", json.dumps(data, ensure_ascii=False), "test"), {})


CALLS = [
    # The library is shared: a lead may add to it while the own assessment is locked.
    Call("frameworks.add_version", "lead", "expert", _new_framework, when_locked=True),
]
