"""Storage: connection, migrations, tables, transactions, the audit log and the one write guard.

sqlite_utils is imported here first, with pandas and numpy hidden: sqlite_utils.db imports both when
they are installed (about half a second) only to map their scalar types to column types, which this
app never inserts (sqlite3 cannot bind them either). So `python -m core report` and every other
command start without them; the pages that draw tables import pandas themselves, and a later import
of pandas is unaffected (tests/test_startup.py).
"""
from __future__ import annotations

import sys


def _import_sqlite_utils_without_pandas() -> None:
    hidden = [name for name in ("pandas", "numpy") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None   # makes `import name` raise ImportError
    try:
        import sqlite_utils  # noqa: F401  (third-party; loaded here once, see above)
    finally:
        for name in hidden:
            if sys.modules.get(name) is None:
                del sys.modules[name]


_import_sqlite_utils_without_pandas()
