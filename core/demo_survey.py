"""Demo satisfaction survey (sample of 100 with recorded calls)."""


def fill(db, assessment_id: int, member_ids: dict[str, int]) -> None:
    """Filled in by the survey work."""
