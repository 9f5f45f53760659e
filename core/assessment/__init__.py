"""An assessment and its team.

Owns: creating and editing assessments, members, roles and section assignments, PIN login and its
throttle (team.py, pins.py), browser sessions that survive a server restart (sessions.py), the lock, the audit log in words (audit_text.py) and `framework_of` (an
assessment's frozen framework).
May import: shared helpers, core.framework, db/.
"""
