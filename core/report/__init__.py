"""The final report.

Owns: gathering the report data (data.py), its words (words.py, rules from the framework), the
pre-export check (check.py), the lead's edits (edits.py), the PDF layout (pdf.py), fonts and the
expert's score-sheet PDF (sheet_pdf.py).
May import: everything below it: shared helpers, framework, assessment, station, survey, scoring, db/.
"""
