"""Fixtures shared by the station-data tests: a bare assessment with a lead, an expert and staff."""
from __future__ import annotations

import shutil

import pytest

from core.assessment import team as A
from db.connection import connect
from db.migrations import migrate


@pytest.fixture(scope="module")
def station_file(tmp_path_factory):
    """A bare assessment with a lead, an expert and a staff member, built once (PIN hashing is slow)."""
    path = tmp_path_factory.mktemp("station") / "station.db"
    db = connect(path)
    migrate(db)
    sid = A.create_station(db, "测试街社工服务站", communities=["甲社区", "乙社区"])
    aid, lead = A.create_assessment(db, sid, "gz-2024-four-party", "组长甲", "1111")
    A.set_areas(db, aid, lead, [{"name": "片区一", "communities": ["甲社区"]},
                                {"name": "片区二", "communities": ["乙社区"]}])
    expert = A.add_member(db, aid, lead, "专家乙", "expert", "2222", sections=["A"])
    staff = A.add_member(db, aid, lead, "职员丙", "staff", "3333")
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    return path, aid, {"lead": lead, "expert": expert, "staff": staff}


@pytest.fixture
def station(station_file, tmp_path):
    """A private copy: (db, assessment_id, {"lead", "expert", "staff": member id})."""
    src, aid, members = station_file
    shutil.copy(src, tmp_path / "s.db")
    db = connect(tmp_path / "s.db")
    yield db, aid, dict(members)
    db.conn.close()
