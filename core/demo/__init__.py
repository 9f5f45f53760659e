"""The demo assessment.

Owns: the demo assessment (元岗街, from the sample report), built through the same use cases the pages
call.
May import: every subpackage except cli, db/.
"""
