"""The station's own data, as recorded on the day.

Owns: contract indicators, staffing, the key-client register and its import (register.py,
register_import.py), site records and interviews, evidence attachments and the suggested scores
drawn from that data (suggest.py); data.py is the use-case layer over them.
May import: core's shared helpers, core.framework, core.assessment, db/.
"""
