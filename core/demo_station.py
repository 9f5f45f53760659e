"""Demo station data (contract indicators, staffing, register, site records)."""


def fill(db, assessment_id: int, member_ids: dict[str, int]) -> None:
    """Filled in by the station-data work."""
