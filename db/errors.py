"""Small named exceptions; each carries a Chinese message fit to show a user."""


class DataError(Exception):
    """Base class: str(e) is a Chinese message for the UI."""


class NotFound(DataError):
    pass


class AssessmentLocked(DataError):
    def __init__(self, msg: str = "评估已锁定，所有内容只读；如需修改请组长先解锁。"):
        super().__init__(msg)


class PermissionDenied(DataError):
    pass


class InvalidValue(DataError):
    pass


class LoginFailed(DataError):
    pass


class ImportRejected(DataError):
    """An import refused as a whole; `errors` lists every problem found."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__("导入失败，数据未作任何修改：\n" + "\n".join(self.errors))


class UnusableDatabase(DataError):
    """The database file cannot be used as it is: missing, not SQLite, damaged, or made by newer code."""
