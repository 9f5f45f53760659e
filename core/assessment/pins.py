"""PINs: hashing with a slow standard-library KDF (PBKDF2-HMAC-SHA256), the PIN format, and the
throttle rule for wrong PINs (how long a member or a client address must wait, when it is locked).

Pure rules: core.assessment.team applies them to the counters kept in the database (db/logins.py).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time

ITERATIONS = 200_000
# The one stored form: pbkdf2_sha256$<iterations>$<salt hex>$<sha256 digest hex>. Iterations outside these
# bounds are refused (0 cannot verify; 50,000,000 would cost seconds of CPU per login attempt).
MIN_ITERATIONS, MAX_ITERATIONS = 100_000, 1_000_000
_HEX = set("0123456789abcdef")

PIN_MIN_DIGITS, PIN_MAX_DIGITS = 4, 8
LEAD_PIN_DIGITS = 6                 # suggested for the lead (the lead's PIN opens the unmasked export)

# Wrong PINs, counted per member and per client address since the last successful login or
# the lead's unlock: the first FREE_FAILURES cost nothing, then each one makes the next attempt
# wait FIRST_DELAY seconds, doubling (15, 30, 60, 120, 240 s), and the LOCK_AFTER-th locks for
# LOCK_SECONDS; every further wrong PIN locks again. Only the lead (or the command line) lifts a
# lock before it ends.
FREE_FAILURES = 5
LOCK_AFTER = 10
FIRST_DELAY = 15
LOCK_SECONDS = 15 * 60


def hash_pin(pin: str) -> str:
    salt = secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), bytes.fromhex(salt), ITERATIONS).hex()
    return f"pbkdf2_sha256${ITERATIONS}${salt}${digest}"


def check_hash_format(stored) -> str | None:
    """Chinese error, or None when `stored` is a PIN hash of the one known form with bounded iterations."""
    parts = stored.split("$") if isinstance(stored, str) else []
    if len(parts) != 4 or parts[0] != "pbkdf2_sha256":
        return "PIN 散列格式无效（应为 pbkdf2_sha256$迭代次数$盐$摘要）"
    _, iters, salt, digest = parts
    if not (iters.isascii() and iters.isdigit() and len(iters) <= 8) or \
            not MIN_ITERATIONS <= int(iters) <= MAX_ITERATIONS:
        return f"PIN 散列的迭代次数“{iters[:20]}”无效（应在 {MIN_ITERATIONS}–{MAX_ITERATIONS} 之间）"
    if not (16 <= len(salt) <= 64 and len(salt) % 2 == 0 and set(salt) <= _HEX):
        return "PIN 散列的盐不是有效的十六进制数"
    if not (len(digest) == 64 and set(digest) <= _HEX):
        return "PIN 散列的摘要不是有效的 SHA-256 十六进制值"
    return None


def verify_pin(pin: str, stored: str) -> bool:
    if check_hash_format(stored):
        return False
    algo, iters, salt, digest = stored.split("$")
    got = hashlib.pbkdf2_hmac("sha256", pin.encode(), bytes.fromhex(salt), int(iters)).hex()
    return hmac.compare_digest(got, digest)


def check_pin_format(pin: str) -> str | None:
    """Chinese error message, or None when the PIN is acceptable (4–8 digits)."""
    if not pin or not (pin.isascii() and pin.isdigit()) or not PIN_MIN_DIGITS <= len(pin) <= PIN_MAX_DIGITS:
        return f"PIN 须为 {PIN_MIN_DIGITS}–{PIN_MAX_DIGITS} 位数字"
    return None


# ---------- throttle ----------

def delay_after(failures: int) -> int:
    """Seconds the next attempt must wait after `failures` wrong PINs (LOCK_SECONDS = locked)."""
    if failures < FREE_FAILURES:
        return 0
    if failures >= LOCK_AFTER:
        return LOCK_SECONDS
    return FIRST_DELAY * 2 ** (failures - FREE_FAILURES)


def counters_after_failure(failures: int, now: float) -> dict:
    """The stored counters once the `failures`-th wrong PIN is counted at `now` (epoch seconds)."""
    wait = delay_after(failures)
    locked = failures >= LOCK_AFTER
    return {"failures": failures, "last_failure_at": now,
            "wait_until": now + wait if wait and not locked else None,
            "locked_until": now + wait if locked else None}


def _clock(ts: float) -> str:
    return time.strftime("%H:%M", time.localtime(ts))


def refusal(row: dict | None, now: float, who: str) -> str | None:
    """The Chinese refusal while `row` (the counters of a member or an address) blocks an attempt
    at `now`, else None. `who` names it: '该成员' or '本设备'."""
    if not row:
        return None
    if row.get("locked_until") and row["locked_until"] > now:
        return (f"PIN 错误次数过多，{who}已被锁定至 {_clock(row['locked_until'])}"
                f"（{LOCK_SECONDS // 60} 分钟）；组长可在「评估设置」中提前解除。")
    if row.get("wait_until") and row["wait_until"] > now:
        secs = int(row["wait_until"] - now + 0.999)
        return f"PIN 错误次数较多，请 {secs} 秒后再试（{who}已连续输错 {row['failures']} 次）。"
    return None


def state(row: dict, now: float) -> str:
    """'locked', 'waiting' or 'clear' for the lead's list."""
    if row.get("locked_until") and row["locked_until"] > now:
        return "locked"
    if row.get("wait_until") and row["wait_until"] > now:
        return "waiting"
    return "clear"
