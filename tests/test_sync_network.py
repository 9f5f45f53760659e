"""The network path of issue 23 with two real servers on loopback: the lead's `python -m core serve` (Streamlit
and its HTTPS sync endpoint) and a member's laptop `python -m core serve`, which pushes and pulls by itself
while the lead is reachable, with the lead's certificate fingerprint pinned from the pack."""
from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core import tls
from core.assessment import team as team_uc
from core.cli.main import main as cli_main
from core.scoring import scoresheet
from core.sync import net
from db import sync as sync_db
from db.connection import connect

ROOT = Path(__file__).resolve().parent.parent
EXPERT, EXPERT_ID = "林晓红", 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, timeout: float = 40, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def _tls_up(port: int) -> bool:
    ctx = ssl._create_unverified_context()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s, ctx.wrap_socket(s):
            return True
    except OSError:
        return False


class Serve:
    """`python -m core serve` on loopback with a chosen sync port."""

    def __init__(self, db_path: Path, log: Path, sync_port: int):
        self.port = free_port()
        env = dict(os.environ, ASSESSMENT_SYNC_INTERVAL="0.5", PYTHONUNBUFFERED="1")
        with open(log, "wb") as f:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "core", "serve", "--db", str(db_path), "--port", str(self.port),
                 "--address", "127.0.0.1", "--sync-port", str(sync_port), "--", "--browser.gatherUsageStats", "false",
                 "--server.fileWatcherType", "none"], cwd=ROOT, env=env, stdout=f, stderr=subprocess.STDOUT)
        self.log = log

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def _pack_and_join(lead_path, laptop_path, aid, sync_port, tmp_path, capsys):
    assert cli_main(["join-pack", str(aid), "--member", EXPERT, "--db", str(lead_path), "--out",
                     str(tmp_path / "e.pack"), "--lead", f"https://127.0.0.1:{sync_port}"]) == 0
    assert cli_main(["join", str(tmp_path / "e.pack"), "--db", str(laptop_path)]) == 0
    capsys.readouterr()


@pytest.fixture
def lead_and_laptop(demo_db_file, tmp_path, capsys):
    src, aid = demo_db_file
    lead_path, laptop_path = tmp_path / "lead" / "lead.db", tmp_path / "laptop" / "expert.db"
    lead_path.parent.mkdir()
    shutil.copy(src, lead_path)
    sync_port = free_port()
    _pack_and_join(lead_path, laptop_path, aid, sync_port, tmp_path, capsys)
    return lead_path, laptop_path, aid, sync_port


def _score(db, aid, member_id, code="A1"):
    return next(r for r in scoresheet.scores(db, aid, member_id) if r["indicator_code"] == code and not r["area_code"])


def test_two_servers_push_and_pull_by_themselves_and_blind_scores_wait_for_the_own_score(lead_and_laptop, tmp_path):
    lead_path, laptop_path, aid, sync_port = lead_and_laptop
    lead_srv = Serve(lead_path, tmp_path / "lead.log", sync_port)
    laptop_srv = Serve(laptop_path, tmp_path / "laptop.log", free_port())
    lead, laptop = connect(lead_path), connect(laptop_path)
    try:
        wait_for(lambda: _tls_up(sync_port), what="the lead's sync endpoint")
        # The laptop meets the lead by itself.
        wait_for(lambda: sync_db.peer(laptop, aid)["last_met_at"], what="the first meeting")
        assert sync_db.members(lead, aid)[0]["last_via"] == "network"

        # Scored on the laptop: arrives at the lead's without a command.
        scoresheet.save_score(laptop, aid, EXPERT_ID, "A1", "", value=0, note="网络同步")
        wait_for(lambda: _score(lead, aid, EXPERT_ID)["note"] == "网络同步", what="the score at the lead's")
        assert _score(lead, aid, EXPERT_ID)["value"] == 0
        wait_for(lambda: sync_db.pending_count(laptop, aid) == 0, what="the confirmation")

        # Another expert's score of a cell she has not scored never reaches her laptop ...
        other = next(r for r in scoresheet.scores(lead, aid) if r["member_id"] == 3)
        uid = f"s:3:{other['indicator_code']}:{other['area_code']}"
        assert laptop.execute("SELECT COUNT(*) FROM scores WHERE uid = ?", [uid]).fetchone()[0] == 0
        # ... the lead's ruling and the lock do.
        scoresheet.save_override(lead, aid, 1, "A1", "", value=2, reason="组长复核")
        team_uc.set_locked(lead, aid, 1, True)
        wait_for(lambda: team_uc.is_locked(laptop, aid), what="the lock on the laptop")
        assert [o["value"] for o in scoresheet.overrides(laptop, aid)] == [2]
        time.sleep(1.5)
        assert laptop.execute("SELECT COUNT(*) FROM scores WHERE uid = ?", [uid]).fetchone()[0] == 0
    finally:
        laptop_srv.stop()
        lead_srv.stop()
        lead.conn.close()
        laptop.conn.close()
    # The sync service stops with the server it was started beside.
    wait_for(lambda: not _tls_up(sync_port), timeout=15, what="the sync service to stop")


def test_with_the_lead_unreachable_the_laptop_keeps_working_and_meets_later(lead_and_laptop, tmp_path):
    lead_path, laptop_path, aid, sync_port = lead_and_laptop
    lead, laptop = connect(lead_path), connect(laptop_path)
    before = scoresheet.result(lead, aid).third_party
    scoresheet.save_score(laptop, aid, EXPERT_ID, "A1", "", value=0)
    with pytest.raises(net.Unreachable):
        net.exchange(laptop, aid, timeout=2)
    p = sync_db.peer(laptop, aid)
    assert p["last_met_at"] is None and p["last_error"]
    assert scoresheet.result(lead, aid).third_party == before
    assert sync_db.pending_count(laptop, aid) == 1

    cert, key, _ = tls.ensure_certificate(lead_path)
    proc = subprocess.Popen([sys.executable, "-m", "core", "sync-service", "--db", str(lead_path), "--address",
                             "127.0.0.1", "--port", str(sync_port), "--cert", str(cert), "--key", str(key)], cwd=ROOT)
    try:
        wait_for(lambda: _tls_up(sync_port), what="the lead's sync endpoint")
        out = net.exchange(laptop, aid)
        assert out["merge"] == {"applied": 1, "unchanged": 0, "conflicts": 0, "late": 0}
        assert _score(lead, aid, EXPERT_ID)["value"] == 0 and scoresheet.result(lead, aid).third_party != before
        assert sync_db.pending_count(laptop, aid) == 0 and sync_db.peer(laptop, aid)["last_met_at"]
        again = net.exchange(laptop, aid)
        assert again["merge"]["applied"] == 0
        # Meeting every few seconds with nothing new writes no audit row on either side, only when they met.
        rows = [db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0] for db in (lead, laptop)]
        met = sync_db.members(lead, aid)[0]["last_met_at"]
        time.sleep(0.01)
        net.exchange(laptop, aid)
        net.exchange(laptop, aid)
        assert [db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0] for db in (lead, laptop)] == rows
        assert sync_db.members(lead, aid)[0]["last_met_at"] > met
    finally:
        proc.terminate()
        proc.wait(10)
        lead.conn.close()
        laptop.conn.close()


def test_a_lead_with_another_certificate_gets_nothing(lead_and_laptop, tmp_path):
    lead_path, laptop_path, aid, sync_port = lead_and_laptop
    impostor = tmp_path / "impostor" / "x.db"
    impostor.parent.mkdir()
    shutil.copy(lead_path, impostor)         # the same data, but not the lead's laptop (another certificate)
    cert, key, _ = tls.ensure_certificate(impostor)
    proc = subprocess.Popen([sys.executable, "-m", "core", "sync-service", "--db", str(impostor), "--address",
                             "127.0.0.1", "--port", str(sync_port), "--cert", str(cert), "--key", str(key)], cwd=ROOT)
    laptop, other = connect(laptop_path), connect(impostor)
    try:
        wait_for(lambda: _tls_up(sync_port), what="the impostor's endpoint")
        scoresheet.save_score(laptop, aid, EXPERT_ID, "A1", "", value=0)
        with pytest.raises(net.Unreachable, match="指纹"):
            net.exchange(laptop, aid)
        assert other.execute("SELECT COUNT(*) FROM audit_log WHERE entity = 'sync'").fetchone()[0] == 0
        assert sync_db.pending_count(laptop, aid) == 1
    finally:
        proc.terminate()
        proc.wait(10)
        laptop.conn.close()
        other.conn.close()


def _lead_service(lead_path, port: int, addresses=None):
    cert, key, _ = tls.ensure_certificate(lead_path, addresses)
    proc = subprocess.Popen([sys.executable, "-m", "core", "sync-service", "--db", str(lead_path), "--address",
                             "127.0.0.1", "--port", str(port), "--cert", str(cert), "--key", str(key)], cwd=ROOT)
    wait_for(lambda: _tls_up(port), what="the lead's sync endpoint")
    return proc


def test_the_lead_on_another_network_is_met_again_once_the_laptop_has_its_new_address(lead_and_laptop, tmp_path,
                                                                                      capsys):
    """The lead's laptop moves to another Wi-Fi (a phone's hotspot): its certificate is made again for
    the new address, and it listens on another address. The member types the new address on the laptop
    (`lead-address`, or the 团队同步 page): the pack made on the old network still meets it — the
    laptop pins the lead's key, which the new certificate keeps — and nothing typed meanwhile is lost.
    A laptop joined from an older pack (the certificate pinned, no key) is refused by the new certificate."""
    lead_path, laptop_path, aid, sync_port = lead_and_laptop
    fp_before = tls.fingerprint(tls.paths(lead_path)[0])
    laptop, lead = connect(laptop_path), connect(lead_path)
    new_port = free_port()
    proc = _lead_service(lead_path, new_port, ["127.0.0.1", "10.77.0.5"])      # a new certificate, a new address
    try:
        assert tls.fingerprint(tls.paths(lead_path)[0]) != fp_before
        scoresheet.save_score(laptop, aid, EXPERT_ID, "A1", "", value=0)
        with pytest.raises(net.Unreachable):
            net.exchange(laptop, aid, timeout=2)                                 # the old address: nobody there
        assert cli_main(["lead-address", str(aid), "--db", str(laptop_path), "--lead", "ftp://127.0.0.1"]) == 1
        assert "组长地址“ftp://127.0.0.1”无效" in capsys.readouterr().err
        assert sync_db.peer(laptop, aid)["lead_urls"] == f'["https://127.0.0.1:{sync_port}"]'   # unchanged
        assert cli_main(["lead-address", str(aid), "--db", str(laptop_path), "--lead", f"127.0.0.1:{new_port}"]) == 0
        assert f"https://127.0.0.1:{new_port}" in capsys.readouterr().out
        out = net.exchange(laptop, aid)
        assert out["merge"]["applied"] == 1 and _score(lead, aid, EXPERT_ID)["value"] == 0
        assert sync_db.pending_count(laptop, aid) == 0
        change = laptop.execute("SELECT old, new FROM audit_log WHERE entity = 'lead_address'").fetchall()
        assert len(change) == 1 and str(new_port) in change[0][1] and str(sync_port) in change[0][0]

        laptop.execute("UPDATE sync_peer SET key_pin = ''")                      # joined from a pack of before
        scoresheet.save_score(laptop, aid, EXPERT_ID, "A1", "", value=1)
        with pytest.raises(net.Unreachable, match="指纹"):
            net.exchange(laptop, aid)
        assert sync_db.pending_count(laptop, aid) == 1 and _score(lead, aid, EXPERT_ID)["value"] == 0
    finally:
        proc.terminate()
        proc.wait(10)
        laptop.conn.close()
        lead.conn.close()
