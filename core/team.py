"""Use cases of the assessment set-up: stations, 片区, assessments, members, assignments, login, lock.

TRANSITIONAL: re-exports of db.assessments until the area's own use cases replace them (issue 10).
"""
from db.assessments import (  # noqa: F401
    create_station, get_station, update_station, list_areas, set_areas, create_assessment, new_assessment, get_assessment, update_assessment, list_assessments, assessment_title, set_locked, is_locked, add_member, get_member, list_members, login, set_pin, assignments, set_assignments, assigned_cells,
)
from core.labels import ROLES  # noqa: F401,E402
