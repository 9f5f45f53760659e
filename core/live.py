"""The lead's live dashboard: one refresh = the reads of db.dashboard, then core.dashboard.build.

TRANSITIONAL: re-exports of db.dashboard until the area's own use cases replace them (issue 10).
"""
from db.dashboard import (  # noqa: F401
    load, dashboard,
)

