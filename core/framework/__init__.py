"""Frameworks: the indicator system as data.

Owns: the framework model and its validation (model.py, YAML files in yaml/), the agency's stored
frameworks (library.py) and the Excel 指标体系 (xlsx.py).
May import: core's shared helpers (numbers, labels, cells, errors) and db/.
"""
