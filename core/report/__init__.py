"""The final report.

Owns: the final report: gathering its data (data.py), its words (words.py, rules from the framework),
the pre-export check (check.py), the lead's edits (edits.py), the PDF layout (pdf.py), fonts, the
expert's score-sheet layout (sheet_pdf.py), and making the outputs from them (make.py: check, page view,
PDF, score sheet). Gathering never calls the layout or the check.
May import: shared helpers, framework, assessment, scoring, station, survey, agency, db/.
"""
