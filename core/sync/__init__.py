"""Each laptop works alone; the team's data meets without loss (issue 23, docs/sync.md).

Owns: the 任务包 a lead exports for a member and the laptop's database made from it (pack.py); the
content and version of a travelling row by its key shared by every laptop (rows.py); the signed
bundle of a laptop's changes and its merge into the lead's database by the owner and base-version
rules, conflicts kept for the lead (bundle.py, merge.py, conflicts.py); what a laptop may receive
back (pull.py); the network path: the lead's HTTPS sync endpoint beside Streamlit and the laptop's
push/pull loop with the pinned certificate (net.py); the team's meeting state for the dashboard
(status.py).
May import: the shared helpers, every subpackage above it in CORE_ORDER (framework … terms), db/.
"""
