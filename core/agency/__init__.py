"""The agency's view across stations and terms, and the ways data leaves the app.

Owns: station identity and carry-over (stations.py, history.py), the overview, publishing,
the JSON transfer and the Excel export.
May import: everything below it, db/.
"""
