"""Use cases of the report text the lead edits: ordered, merged, edited findings and free texts.

TRANSITIONAL: re-exports of db.report until the area's own use cases replace them (issue 10).
"""
from db.report import (  # noqa: F401
    all_items, group_items, is_edited, unused_findings, update_item, move_item, merge_items, remove_item, add_item, reset_group, get_texts, set_text,
)

