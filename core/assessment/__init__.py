"""An assessment and its team.

Owns: creating and editing assessments, members, roles and section assignments, PIN login and its
throttle (pins.py), the lock, the audit log in words (audit_text.py) and `framework_of`.
May import: core's shared helpers, core.framework, db/.
"""
