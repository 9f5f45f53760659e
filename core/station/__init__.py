"""The station's own data, as recorded on the day.

Owns: the station's own data as recorded on the day: contract indicators, staffing, the key-client
register and its import (register.py, register_import.py), site records and interviews, evidence
attachments (evidence.py checks the files), the suggested-score rules (suggest.py); data.py is the use-
case layer over them. Promoting a record or an interview note to a finding goes through core.scoring.
May import: shared helpers, core.framework, core.assessment, core.scoring, db/.
"""
