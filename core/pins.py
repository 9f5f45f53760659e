"""PIN hashing with a slow standard-library KDF (PBKDF2-HMAC-SHA256)."""
from __future__ import annotations

import hashlib
import hmac
import secrets

ITERATIONS = 200_000
# The one stored form: pbkdf2_sha256$<iterations>$<salt hex>$<sha256 digest hex>. Iterations outside these
# bounds are refused (0 cannot verify; 50,000,000 would cost seconds of CPU per login attempt).
MIN_ITERATIONS, MAX_ITERATIONS = 100_000, 1_000_000
_HEX = set("0123456789abcdef")


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
    """Chinese error message, or None when the PIN is acceptable (4–12 digits)."""
    if not pin or not pin.isdigit() or not 4 <= len(pin) <= 12:
        return "PIN 须为 4–12 位数字"
    return None
