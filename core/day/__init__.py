"""The day on site.

Owns: the day on site: the agenda and each role's plan (plan.py), the dashboard's figures (dashboard.py,
pure) and their use case (live.py), the suggested-score hints of the scoring page (hints.py).
May import: shared helpers, framework, assessment, scoring, station, survey, agency, report, db/.
"""
