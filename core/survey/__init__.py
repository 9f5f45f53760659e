"""The client satisfaction phone survey.

Owns: the sample draw, call outcomes and dispositions, the caller's script, the results and their
Wilson interval (rules.py, pure) and the use cases over the calls (calls.py).
May import: core's shared helpers, core.framework, core.assessment, core.station, db/.
"""
