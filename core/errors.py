"""The named errors pages and scripts catch (defined by db/, re-exported for the layers above)."""
from db.errors import (AssessmentLocked, DataError, ImportRejected, InvalidValue, LoginFailed,  # noqa: F401
                       NotFound, PermissionDenied, UnusableDatabase)
