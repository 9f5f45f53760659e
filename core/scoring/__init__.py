"""Scores and the result.

Owns: the result of an assessment from its cells (totals.py, pure), the agreement statistics,
the score sheet use cases (scores, overrides, findings, veto, blind peer view) and sign-off.
May import: core's shared helpers, core.framework, core.assessment, core.station, core.survey, db/.
"""
