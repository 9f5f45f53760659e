"""Use cases of the satisfaction phone survey: sample, assignment, call forms, calls, results.

TRANSITIONAL: re-exports of db.survey until the area's own use cases replace them (issue 10).
"""
from db.survey import (  # noqa: F401
    current_sample, call_count, draw_sample, verify_sample, list_items, my_calls, callers, assign, assign_evenly, call_form, claim, record_call, survey_results, withdraw_sample, export_rows, register,
)

