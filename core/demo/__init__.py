"""The demo assessment (元岗街, from the sample report).

Owns: building the demo through the same use cases the pages call.
May import: every core subpackage except cli.
"""
