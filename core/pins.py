"""PIN hashing with a slow standard-library KDF (PBKDF2-HMAC-SHA256)."""
from __future__ import annotations

import hashlib
import hmac
import secrets

ITERATIONS = 200_000


def hash_pin(pin: str) -> str:
    salt = secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), bytes.fromhex(salt), ITERATIONS).hex()
    return f"pbkdf2_sha256${ITERATIONS}${salt}${digest}"


def verify_pin(pin: str, stored: str) -> bool:
    try:
        algo, iters, salt, digest = stored.split("$")
    except ValueError:
        return False
    if algo != "pbkdf2_sha256":
        return False
    got = hashlib.pbkdf2_hmac("sha256", pin.encode(), bytes.fromhex(salt), int(iters)).hex()
    return hmac.compare_digest(got, digest)


def check_pin_format(pin: str) -> str | None:
    """Chinese error message, or None when the PIN is acceptable (4–12 digits)."""
    if not pin or not pin.isdigit() or not 4 <= len(pin) <= 12:
        return "PIN 须为 4–12 位数字"
    return None
