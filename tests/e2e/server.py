"""Browser end-to-end plumbing: a real `streamlit run app.py` and Debian's Chromium.

The server runs on a free localhost port against a temporary ASSESSMENT_DB;
the browser is /usr/bin/chromium driven by Playwright (never `playwright install`).
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# The server's certificate is self-signed (made on first start): the tests do not verify it, as a
# user accepts it once in the browser after checking its fingerprint.
_UNVERIFIED = ssl._create_unverified_context()
# Explicit waits (Playwright expect) use this ceiling; a Streamlit rerun normally takes < 1 s.
WAIT_MS = 20_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    db_path: Path
    proc: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, sig=signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def start_server(db_path: Path, log_path: Path, timeout: float = 60, env: dict | None = None,
                 https: bool = True, address: str = "127.0.0.1", http_flag: bool = False,
                 port: int | None = None) -> Server:
    """Start the app as the README does (`python -m core serve`: HTTPS with the certificate made
    beside the database) on a free port of `address` (or `port`: a restart on the same address);
    return once /_stcore/health answers.
    `https=False`: plain `python -m streamlit run app.py`; `http_flag`: `python -m core serve --http`."""
    port = port or free_port()
    env = dict(os.environ, ASSESSMENT_DB=str(db_path), PYTHONUNBUFFERED="1", **(env or {}))
    quiet = ["--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    if https or http_flag:
        cmd = [sys.executable, "-m", "core", "serve", "--db", str(db_path), "--port", str(port),
               "--address", address, *(["--http"] if http_flag else []), "--", *quiet]
        https = not http_flag
    else:
        cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.port", str(port), "--server.address", address, *quiet]
    log = open(log_path, "wb")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    url = f"{'https' if https else 'http'}://127.0.0.1:{port}"
    server = Server(url, Path(db_path), proc, Path(log_path))
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{server.log()}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2, context=_UNVERIFIED) as r:
                if r.status == 200:
                    return server
        except OSError:
            pass
        if time.monotonic() > deadline:
            server.stop(signal.SIGKILL)
            raise RuntimeError(f"streamlit did not become healthy in {timeout}s:\n{server.log()}")
        time.sleep(0.2)


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as a test artifact under artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
