"""The agency's view, and the ways data leaves the app.

Owns: the agency's view across stations and terms and the ways data leaves the app: station identity
(stations.py), the summaries and rules of history and overview (history.py, overview.py), publishing,
the JSON transfer and the Excel export.
May import: everything above in this list: shared helpers, framework, assessment, scoring, station,
survey, db/.
"""
