"""The network path: the lead's sync endpoint and the laptop's push/pull loop.

Streamlit serves no custom HTTP routes, so `python -m core serve` starts a small HTTPS server of
its own beside Streamlit (`sync-service`, on the app's port + 1, with the same self-signed
certificate). A laptop's `serve` starts the same service as a loop instead: every few seconds
(ASSESSMENT_SYNC_INTERVAL, default 5) it posts its signed bundle (with the versions it holds) to
the lead's address from the pack, after checking that the lead's certificate has the SHA-256
fingerprint the pack pinned (nothing is sent otherwise), and takes the signed reply in: the lead's
merge result, the lock, the rulings, what the member may see, the confirmations. The lead's
endpoint answers only bundles signed with a member's secret. Nothing else is exposed.
"""
from __future__ import annotations

import hashlib
import http.client
import json
import os
import ssl
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from db import sync as sync_db
from core import store, tls
from core.errors import DataError, InvalidValue
from core.sync import bundle, envelope, merge, pack, pull

DEFAULT_SYNC_PORT = 8502
MAX_BUNDLE_BYTES = 512 * 1024 * 1024
PATH = "/sync"


def interval() -> float:
    try:
        return max(0.2, float(os.environ.get("ASSESSMENT_SYNC_INTERVAL", "5")))
    except ValueError:
        return 5.0


def lead_urls(port: int) -> list[str]:
    """https://<address>:<port> for each LAN address of this laptop (loopback when it has none)."""
    lan = [a for a in tls.local_addresses() if a not in ("127.0.0.1", "::1")]
    return [f"https://{'[' + a + ']' if ':' in a else a}:{port}" for a in (lan or ["127.0.0.1"])]


def parse_lead_address(text: str) -> str:
    """One sync address of the lead's laptop as typed ("192.168.1.20:8502", "https://[fe80::1]:8502"),
    as https://HOST:PORT; InvalidValue (Chinese, naming the field) otherwise."""
    t = (text or "").strip()
    if "://" not in t:
        t = "https://" + t
    hint = "应形如 https://192.168.1.20:8502（组长“团队同步”页显示的本机同步地址）"
    try:
        u = urlsplit(t)
        port = u.port
    except ValueError:
        u, port = None, None
    if not text or not text.strip() or u is None or u.scheme != "https" or not u.hostname or port is None \
            or not port or u.path not in ("", "/") or u.query or u.fragment or any(c.isspace() for c in t):
        raise InvalidValue(f"组长地址“{(text or '').strip()[:60]}”无效：{hint}")
    host = f"[{u.hostname}]" if ":" in u.hostname else u.hostname
    return f"https://{host}:{port}"


def set_lead_address(db, assessment_id: int, texts) -> list[str]:
    """Where this laptop meets the lead's from now on (one address or several, e.g. after the lead's
    laptop moved to another network): checked, then kept; returns them."""
    items = [texts] if isinstance(texts, str) else list(texts)
    items = [t for part in items for t in str(part).replace("，", ",").replace("、", ",").split(",") if t.strip()] \
        or [""]
    urls = list(dict.fromkeys(parse_lead_address(t) for t in items))
    sync_db.set_lead_urls(db, assessment_id, urls)
    return urls


def lead_id_of(db, assessment_id: int) -> int:
    row = db.execute("SELECT id FROM members WHERE assessment_id = ? AND role = 'lead' AND active = 1 ORDER BY id",
                     [assessment_id]).fetchone()
    if row is None:
        raise DataError(f"评估 {assessment_id} 没有在岗的组长")
    return row[0]


def _norm(fp: str) -> str:
    return fp.replace(":", "").replace(" ", "").upper().removeprefix("SHA-256")


# ---------- the lead's endpoint ----------

def answer(db, data: bytes, address: str = "") -> tuple[int, bytes]:
    """(HTTP status, body) for one posted bundle: merged, then the member's pull, signed."""
    try:
        out = merge.merge(db, data, via="network", address=address)
        aid, member = out["assessment_id"], out["member"]
        reply = pull.pull_for(db, aid, member, out.get("have") or {})
        reply["merge"] = {k: out[k] for k in ("applied", "unchanged", "conflicts", "late")}
        key = sync_db.member_key(db, aid, member["id"])
        return 200, envelope.dumps("reply", reply, key["secret"])
    except DataError as e:
        return 400, json.dumps({"error": str(e)}, ensure_ascii=False).encode()


class _Handler(BaseHTTPRequestHandler):
    server_version = "sgz-sync"
    db_path = ""
    local = threading.local()

    def log_message(self, fmt, *args):   # no per-request lines on the console
        pass

    def _db(self):
        if getattr(self.local, "db", None) is None:
            self.local.db = store.open_db(self.db_path)
        return self.local.db

    def do_POST(self):
        if self.path != PATH:
            return self._send(404, b'{"error": "not found"}')
        try:
            length = int(self.headers.get("Content-Length") or "0")
        except ValueError:
            length = -1
        if not 0 < length <= MAX_BUNDLE_BYTES:
            return self._send(400, json.dumps({"error": "变更文件大小无效"}, ensure_ascii=False).encode())
        data = self.rfile.read(length)
        status, body = answer(self._db(), data, self.client_address[0])
        self._send(status, body)

    def _send(self, status: int, body: bytes):
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def lead_server(db_path: str, host: str, port: int, cert, key) -> ThreadingHTTPServer:
    """The lead's HTTPS sync endpoint (not yet serving: call serve_forever)."""
    handler = type("Handler", (_Handler,), {"db_path": str(db_path), "local": threading.local()})
    deadline = time.monotonic() + 10          # a restarted serve: the old service may still hold the port
    while True:
        try:
            httpd = ThreadingHTTPServer((host, port), handler)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert), str(key))
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    return httpd


# ---------- the laptop ----------

class Unreachable(DataError):
    """The lead's laptop could not be met (or refused the bundle)."""


def _pinned(peer: dict, cert_der: bytes) -> bool:
    """Is the certificate the lead's laptop presented the one its pack pinned? Its public key when the
    pack carried it (a certificate made again for a new network keeps the key), else the certificate.
    Nothing pinned (a laptop made without a fingerprint): any."""
    if peer.get("key_pin"):
        try:
            return _norm(peer["key_pin"]) == _norm(tls.spki_pin(cert_der or b""))
        except ValueError:          # not a certificate we can read: not the lead's
            return False
    if peer.get("fingerprint"):
        return _norm(peer["fingerprint"]) == hashlib.sha256(cert_der).hexdigest().upper()
    return True


def _post(url: str, data: bytes, peer: dict, timeout: float) -> bytes:
    u = urlsplit(url)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE            # self-signed: the pinned fingerprint is the check
    conn = http.client.HTTPSConnection(u.hostname, u.port or 443, timeout=timeout, context=ctx)
    try:
        conn.connect()
        if not _pinned(peer, conn.sock.getpeercert(binary_form=True)):
            raise Unreachable(f"{url} 的证书指纹与任务包中的不符（可能不是组长的笔记本），未发送任何数据")
        conn.request("POST", u.path.rstrip("/") + PATH if u.path not in ("", "/") else PATH, body=data,
                     headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        body = resp.read()
    finally:
        conn.close()
    if resp.status != 200:
        try:
            msg = json.loads(body).get("error") or body[:200].decode(errors="replace")
        except ValueError:
            msg = body[:200].decode(errors="replace")
        raise Unreachable(f"组长的笔记本拒绝了变更：{msg}")
    return body


def exchange(db, assessment_id: int, timeout: float = 15) -> dict:
    """Push this laptop's changes and take the lead's reply in; records when it last met the lead."""
    p = bundle.laptop(db, assessment_id)
    data = bundle.make_bundle(db, assessment_id, have=bundle.holdings(db, assessment_id))
    errors = []
    for url in json.loads(p["lead_urls"] or "[]"):
        try:
            reply = _post(url, data, p, timeout)
        except (OSError, http.client.HTTPException, Unreachable) as e:
            errors.append(f"{url}：{e}")
            continue
        result = pull.take(db, assessment_id, reply)
        doc = json.loads(reply)
        result["merge"] = doc["body"].get("merge", {})
        sync_db.record_attempt(db, assessment_id, True)
        return result
    message = "；".join(errors) or "任务包中没有组长的地址（用 join --lead 指定）"
    sync_db.record_attempt(db, assessment_id, False, message)
    raise Unreachable(message)


def laptop_loop(db_path: str, stop: threading.Event, every: float | None = None) -> None:
    """Meet the lead every few seconds until `stop` (each failure is recorded, never raised)."""
    db = store.open_db(db_path)
    while not stop.is_set():
        p = sync_db.peer(db)
        if p:
            try:
                exchange(db, p["assessment_id"])
            except Exception as e:  # noqa: BLE001 - the loop keeps going; the app shows the last error
                if not isinstance(e, Unreachable):
                    sync_db.record_attempt(db, p["assessment_id"], False, str(e))
        stop.wait(every or interval())


def start_beside(db_path, address: str, port: int) -> "subprocess.Popen | None":
    """Start `sync-service` as a child of this process (serve, which then becomes Streamlit): it
    stops by itself when that process is gone. The endpoint is HTTPS with the laptop's certificate."""
    cert, key, _ = tls.ensure_certificate(db_path)
    cmd = [sys.executable, "-m", "core", "sync-service", "--db", str(db_path), "--address", address,
           "--port", str(port), "--cert", str(cert), "--key", str(key), "--parent", str(os.getpid())]
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        return subprocess.Popen(cmd, cwd=root, env=dict(os.environ, ASSESSMENT_DB=str(db_path)))
    except OSError as e:
        print(f"同步服务未能启动：{e}", flush=True)
        return None


def run_service(db_path: str, host: str, port: int, cert=None, key=None, parent: int | None = None) -> None:
    """`sync-service`: the laptop's loop on a joined laptop, else the lead's endpoint; stops when the
    process that started it (serve → Streamlit) is gone."""
    stop = threading.Event()
    db = store.open_db(db_path)
    joined = sync_db.peer(db) is not None
    db.conn.close()
    if joined:
        threading.Thread(target=laptop_loop, args=(db_path, stop), daemon=True).start()
        print("同步：本机是成员副本，组长可达时每隔几秒自动推送和接收。", flush=True)
    else:
        try:
            httpd = lead_server(db_path, host, port, cert, key)
        except OSError as e:
            print(f"同步服务未能启动（端口 {port}：{e.strerror or e}）；可用 serve --sync-port 换一个端口。", flush=True)
            return
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        print(f"同步服务：https://{host}:{port}{PATH}（成员笔记本自动推送到这里）", flush=True)
    while parent is None or os.getppid() == parent:
        if stop.wait(1.0):
            break
    stop.set()
    time.sleep(0.1)
    sys.exit(0)


def lead_identity(db_path, sync_port: int) -> dict:
    """{urls, key_pin}: where the members' laptops meet this (the lead's) laptop on its current network,
    and the key they check — what the lead tells a member after moving to another network. Reads the
    certificate beside the database without making one (key_pin '' when there is none yet: `serve` or the
    first pack makes it)."""
    cert, _ = tls.paths(db_path)
    try:
        pin = tls.key_pin(cert)
    except (OSError, ValueError):
        pin = ""
    return {"urls": lead_urls(sync_port), "key_pin": pin}


def pack_for(db, db_path, assessment_id: int, lead_id: int, member_name: str, sync_port: int,
             urls: list[str] | None = None) -> bytes:
    """The member's pack as the lead's page and `join-pack` export it: this laptop's certificate (its
    fingerprint and key pin) and sync addresses (`urls`, else each address of this laptop at `sync_port`)."""
    cert, _, _ = tls.ensure_certificate(db_path)
    return pack.make_pack(db, assessment_id, lead_id, member_name, urls or lead_urls(sync_port),
                          tls.fingerprint(cert), tls.key_pin(cert))
