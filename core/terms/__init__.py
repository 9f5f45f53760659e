"""A station's terms.

Owns: a station's next term: a new assessment attached to its station, starting from the last one's
profile, 片区 and 上期评估意见 (start.py); the next term started from an assessment — team, framework used,
评估方, contract indicators awaiting confirmation (nextterm.py).
May import: every subpackage above except demo and cli, db/.
"""
