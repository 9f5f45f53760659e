"""The suggested-score hints the scoring page shows beside each indicator.

The rules are core.station.suggest's; their evidence is the station's data (core.station.data) and the
survey's results (core.survey.calls), gathered here — above both — once per change of the data.
"""
from __future__ import annotations

from core import derived
from core.station import data as station_data
from core.station.suggest import Evidence
from core.survey import calls


def evidence(db, assessment_id: int) -> Evidence:
    """Everything the suggested-score rules read, gathered once per change of the assessment's data
    (core.derived) — the scoring page asks on every rerun. Read-only."""
    return derived.by_data(db, assessment_id, "evidence", lambda: station_data.suggestion_evidence(
        db, assessment_id, calls.survey_results(db, assessment_id)))
