"""The day on site: the plan per role, the live dashboard.

Owns: the agenda and each role's plan (plan.py), the dashboard's figures (dashboard.py, pure) and
their use case (live.py).
May import: shared helpers, framework, assessment, station, survey, scoring, report, db/.
"""
