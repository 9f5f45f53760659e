"""`python -m core …`: the command line.

Owns: `python -m core …`: the command table (main.py), what every command shares (base.py: the checked
database, the checked atomic output), and one module per group of commands, each calling the same use
cases the pages call.
May import: every core subpackage, db/.
"""
