"""The report grows with the station, not with 片区 × register (issue 27): gathering reads the register a
fixed number of times however many 片区 there are, and each 片区's figures are those of its own clients."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from core import derived
from core.report.data import gather
from core.station import data as station_data
from core.station.register import register_for_communities, register_summary
from core.assessment import team
from db.connection import connect
from db.migrations import migrate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from scale import build_station  # noqa: E402  (bench/scale.py: a station K times the demo)


@pytest.fixture(scope="module")
def stations(tmp_path_factory):
    out = {}
    for k in (2, 6):
        db = connect(tmp_path_factory.mktemp(f"s{k}") / "s.db")
        migrate(db)
        out[k] = (db, build_station(db, k))
    yield out
    for db, _ in out.values():
        db.conn.close()


def _register_reads(db, aid) -> list[str]:
    derived.clear()
    stmts: list[str] = []
    db.conn.set_trace_callback(stmts.append)
    try:
        gather(db, aid)
    finally:
        db.conn.set_trace_callback(None)
    return [s for s in stmts if re.search(r"\bFROM clients\b", s)]


def test_gathering_the_report_reads_the_register_as_often_with_18_片区_as_with_6(stations):
    small, large = (_register_reads(*stations[k]) for k in (2, 6))
    db, aid = stations[6]
    areas = team.list_areas(db, team.get_assessment(db, aid)["station_id"])
    assert len(areas) == 18
    assert len(large) == len(small) <= 6, large
    assert sum("SELECT *" in s for s in large) == 1      # the full rows (the summaries' read): once


def test_each_片区_summary_is_that_of_its_own_clients(stations):
    db, aid = stations[6]
    areas = team.list_areas(db, team.get_assessment(db, aid)["station_id"])
    clients = station_data.list_clients(db, aid)
    whole, by_area = station_data.register_summary_by_area(db, aid, [a["code"] for a in areas])
    assert whole == register_summary(clients) and whole["persons"] == 3000
    for a in areas:
        mine = register_for_communities(clients, a["communities"])
        assert by_area[a["code"]] == register_summary(mine)
        assert station_data.register_summary(db, aid, a["code"]) == by_area[a["code"]]
    assert sum(s["persons"] for s in by_area.values()) == 3000
    data = gather(db, aid)
    assert data.register == whole and data.register_by_area == by_area
