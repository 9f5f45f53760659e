"""TRANSITIONAL (issue 10): the station-data rules now live in core.indicators, core.staffing,
core.register and core.site; this module re-exports their public names so that other areas'
imports keep working for this round. New code imports the split modules.
"""
from .indicators import (  # noqa: F401
    DEFAULT_INDICATORS, NO_RATE, capped_share, checked_number, clean_indicator, clean_table, completion, fmt_value,
    indicator_rows,
)
from .labels import RECTIFICATION_STATUSES, SITE_KINDS, SITE_STATUSES  # noqa: F401
from .register import (  # noqa: F401
    CATEGORIES, CATEGORY_ALIASES, masked_clients, normalise_category, register_for_communities, register_summary,
)
from .site import RECTIFICATION_SHARE, SITE_CHECKLISTS, rectification_counts  # noqa: F401
from .staffing import STAFFING_FIELDS, staffing_figures  # noqa: F401
