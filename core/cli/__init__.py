"""`python -m core …`: the command line.

Owns: argument parsing, opening the database checked, writing outputs atomically, and one
module per group of commands. It calls the same use cases the pages call.
May import: every core subpackage.
"""
