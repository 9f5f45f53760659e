"""Use cases of scoring: experts' scores, the lead's overrides, findings, other parties' scores, veto, results.

TRANSITIONAL: re-exports of db.scores until the area's own use cases replace them (issue 10).
"""
from db.scores import (  # noqa: F401
    save_score, scores, save_override, overrides, add_finding, update_finding, delete_finding, findings, save_party_score, party_scores, save_veto, veto_failed, assessment_result as result,
)
from db.scores import veto_checks  # noqa: F401,E402  (added by the report area: the report prints veto notes)
