"""The client satisfaction phone survey.

Owns: the client satisfaction phone survey: the draw, call outcomes and dispositions, the results and
their Wilson interval (rules.py, pure), and the use cases over samples and calls (calls.py).
May import: shared helpers, core.framework, core.assessment, core.scoring, core.station, db/.
"""
