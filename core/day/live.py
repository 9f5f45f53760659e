"""The lead's live dashboard: one refresh = the reads of db.dashboard (plus contract indicators
and survey results through their use cases), then core.day.dashboard.build; the free text it shows
(experts' notes, the lead's reasons) passes through the assessment's scrubber."""
from __future__ import annotations

from db import dashboard as dashboard_db

from core import derived
from core.survey import calls
from core.station import data as station_data
from core.day.dashboard import Dashboard, DashboardData, build
from core.privacy import scrubber


def load(db, assessment_id: int, with_station_data: bool = True, with_survey: bool = True) -> DashboardData:
    """Everything one refresh reads (a fixed handful of indexed queries), as DashboardData."""
    rows = dashboard_db.load(db, assessment_id)
    return DashboardData(
        **rows,
        indicators=station_data.indicator_view(db, assessment_id) if with_station_data else None,
        survey=calls.survey_results(db, assessment_id) if with_survey else None,
    )


def dashboard(db, assessment_id: int, viewer_id: int | None = None) -> Dashboard:
    """One refresh: the reads above, core.day.dashboard.build, and the shown free text scrubbed.
    `viewer_id`: an expert's view (their own cells only until the lead reveals); None: the lead's.
    Made once per change of the assessment's data (core.derived.by_data) and viewer, and shared: the
    dashboard page draws it twice a run (the live part and the lead's decision form), every open
    dashboard refreshes it every few seconds, and between two changes each refresh shows the same.
    Callers treat it as read-only (core.day.dashboard.blind_for only repeats, for the same viewer,
    what it did the first time)."""
    return derived.by_data(db, assessment_id, ("live_dashboard", viewer_id),
                           lambda: _dashboard(db, assessment_id, viewer_id))


def _dashboard(db, assessment_id: int, viewer_id: int | None) -> Dashboard:
    dash = build(load(db, assessment_id), viewer_id)
    made: list = []

    def scrub(text: str) -> str:
        # The scrubber is built (once per register change, core.derived) only when there is text to
        # mask: a refresh showing no note after a register edit does not rebuild it.
        if not made:
            made.append(scrubber(db, assessment_id))
        return made[0](text)

    for f in dash.flags:
        for e in f.experts:
            e.note = scrub(e.note) if e.note else ""
        if f.override:
            reason = f.override.get("reason")
            f.override["reason"] = scrub(reason) if reason else ""
    for c in dash.result.cells:
        if c.override is not None and c.override.get("reason"):
            c.override["reason"] = scrub(c.override["reason"])
    return dash
