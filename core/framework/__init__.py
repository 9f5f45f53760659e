"""Frameworks: the indicator system as data.

Owns: the framework model and its validation (model.py, the shipped YAML files in yaml/), the survey
questionnaire and caller's script a framework words (script.py), the agency's stored frameworks
(library.py) and the Excel 指标体系 (xlsx.py).
May import: core's shared helpers (the modules at the top of core/), db/.
"""
