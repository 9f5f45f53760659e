"""Masking of client names and phone numbers for every view and export."""
from __future__ import annotations

import re


def mask_name(name: str) -> str:
    """黄昕 -> 黄*, 黄子昕 -> 黄*昕, 欧阳子昕 -> 欧**昕 (first and last kept)."""
    name = (name or "").strip()
    n = len(name)
    if n <= 1:
        return name
    if n == 2:
        return name[0] + "*"
    return name[0] + "*" * (n - 2) + name[-1]


_DIGITS = re.compile(r"\d")


def mask_phone(phone: str) -> str:
    """13812341234 -> 138****1234; 020-87654321 -> 020-****4321.

    Keeps the first 3 and last 4 digits of a mobile; for other numbers
    (landlines, with or without area code) keeps the last 4 digits and any
    area code before a separator, masking the rest. Non-digits are kept.
    """
    phone = (phone or "").strip()
    digits = _DIGITS.findall(phone)
    if not digits:
        return phone
    compact = "".join(digits)
    if len(compact) == 11 and compact.startswith("1") and len(phone) == 11:
        return compact[:3] + "****" + compact[-4:]
    # Landline: keep an area code written before '-' or ' ', and the last 4 digits.
    m = re.match(r"^(\(?0\d{2,3}\)?[-\s])(\d+)$", phone)
    if m:
        local = m.group(2)
        keep = 4 if len(local) > 4 else max(0, len(local) - 2)
        return m.group(1) + "*" * (len(local) - keep) + local[len(local) - keep:]
    keep_tail = 4 if len(compact) > 6 else max(0, len(compact) - 3)
    keep_head = 3 if len(compact) >= 10 else 0
    return compact[:keep_head] + "*" * (len(compact) - keep_head - keep_tail) + compact[len(compact) - keep_tail:]


_PHONE_IN_TEXT = re.compile(r"(?<!\d)(1\d{2})\d{4}(\d{4})(?!\d)")


def mask_text(text: str) -> str:
    """Mask mobile numbers inside free text (audit values, comments): 13812341234 -> 138****1234."""
    return _PHONE_IN_TEXT.sub(r"\1****\2", text or "")
