"""Scores and the result.

Owns: the result of an assessment from its cells (totals.py, pure), the experts' agreement
(agreement.py), the score sheet's use cases — scores, overrides, findings, parties, veto, the blind peer
view (scoresheet.py) — a score entered from a paper sheet (paper.py, `score-set`) and sign-off (signoff.py).
May import: shared helpers, core.framework, core.assessment, db/.
"""
