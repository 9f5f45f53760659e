"""The signed file every sync document travels in (a 任务包, a laptop's bundle of changes, the lead's
reply): {"format", "kind", "body", "sig"}, sig = HMAC-SHA256 of the canonical body with the member's
secret from the pack. Reading refuses, with a Chinese message naming what is wrong, a file that is
not complete JSON, of another format or kind, or whose signature does not match."""
from __future__ import annotations

import hashlib
import hmac
import json

from core.errors import DataError
from core.sync.rows import canonical

FORMAT = "sgz-sync/1"
KINDS = {"pack": "任务包", "bundle": "变更文件", "reply": "组长回复"}


class Refused(DataError):
    """A pack or bundle that cannot be used as it is (nothing was changed)."""


def signature(body: dict, secret: str) -> str:
    return hmac.new(secret.encode(), canonical(body), hashlib.sha256).hexdigest()


def dumps(kind: str, body: dict, secret: str) -> bytes:
    doc = {"format": FORMAT, "kind": kind, "body": body, "sig": signature(body, secret)}
    return json.dumps(doc, ensure_ascii=False, sort_keys=True).encode()


def parse(data: bytes | str, kind: str) -> dict:
    """The envelope of a `kind` document, not yet verified (Refused when it is not one)."""
    what = KINDS[kind]
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise Refused(f"{what}不完整或已损坏（不是完整的 JSON 文件，可能在复制时被截断），未作任何修改。") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(doc.get("body"), dict):
        raise Refused(f"该文件不是本系统的{what}（格式不符），未作任何修改。")
    if doc.get("kind") != kind:
        other = KINDS.get(str(doc.get("kind")), "其他文件")
        raise Refused(f"该文件是{other}，不是{what}，未作任何修改。")
    return doc


def verify(doc: dict, secret: str, who: str) -> dict:
    """The body when the signature is that of `secret` (Refused otherwise)."""
    if not isinstance(doc.get("sig"), str) or not hmac.compare_digest(doc["sig"], signature(doc["body"], secret)):
        raise Refused(f"{KINDS[doc['kind']]}的签名不符：内容在签名后被改动过，或不是用{who}的任务包密钥签名的；"
                      "未作任何修改。")
    return doc["body"]
