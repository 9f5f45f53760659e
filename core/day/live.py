"""The lead's live dashboard: one refresh = the reads of db.dashboard (plus contract indicators
and survey results through their use cases), then core.day.dashboard.build; the free text it shows
(experts' notes, the lead's reasons) passes through the assessment's scrubber. The scores' part is
kept through a register edit (it reads no register row); the survey's results and the masking,
which do, are made again."""
from __future__ import annotations

from dataclasses import replace

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
    # The scores' part reads no register row: kept through a register edit (core.derived.by_other).
    base = derived.by_other(db, assessment_id, ("live_dashboard_scores", viewer_id),
                            lambda: build(load(db, assessment_id, with_survey=False), viewer_id))
    made: list = []

    def scrub(text: str) -> str:
        # The scrubber is built (once per register change, core.derived) only when there is text to
        # mask: a refresh showing no note after a register edit does not build it.
        if not made:
            made.append(scrubber(db, assessment_id))
        return made[0](text)

    def scrubbed(override: dict | None) -> dict | None:
        return dict(override, reason=scrub(override["reason"])) if override and override.get("reason") else override

    # Copies: the cached part keeps the raw text, and blind_for may change this dashboard's flags.
    flags = [replace(f, experts=[replace(e, note=scrub(e.note) if e.note else "") for e in f.experts],
                     override=scrubbed(f.override)) for f in base.flags]
    result = base.result
    if any(c.override and c.override.get("reason") for c in result.cells):
        result = replace(result, cells=[replace(c, override=scrubbed(c.override)) if c.override else c
                                        for c in result.cells])
    return replace(base, flags=flags, result=result, survey=calls.survey_results(db, assessment_id))
