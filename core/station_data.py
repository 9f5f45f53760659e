"""Use cases of station data: contract indicators, staffing, register, previous recommendations, site records, evidence.

TRANSITIONAL: re-exports of db.station_data until the area's own use cases replace them (issue 10).
"""
from db.station_data import (  # noqa: F401
    can_edit_station_data, can_edit_site_records, list_indicators, save_indicators, save_indicator, prefill_indicators, import_indicators, get_staffing, save_staffing, list_clients, station_communities, replace_clients, import_clients, list_recommendations, save_recommendation, delete_recommendation, list_site_records, save_site_record, delete_site_record, prefill_site_records, promote_to_finding, evidence,
)

