"""The one owner of masking: client names, mobiles, landlines and ID-card numbers.

`mask_name` / `mask_phone` mask one known value (黄*昕, 138****1234, 020-****4321).
`Scrubber` masks free text — every page, the PDF, Excel, CSV and the audit page pass
user-typed text through one, built from the assessment's register
(`core.privacy.scrubber(db, assessment_id)`):
- names (2+ characters) and phones of registered clients, as written in the register;
- any mobile (13812341234, 138-1234-1234, 138 1234 1234, +86 138…), landline with its
  area code (020-87654321, (020)87654321, 02087654321) and ID-card number
  (18 characters: 440106********123X), registered or not.
The JSON transfer file is the one output that stays unmasked (docs/json-format.md).
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Iterable

_DIGITS = re.compile(r"\d")


def mask_name(name: str) -> str:
    """黄昕 -> 黄*, 黄子昕 -> 黄*昕, 欧阳子昕 -> 欧**昕 (first and last kept)."""
    name = (name or "").strip()
    n = len(name)
    if n <= 1:
        return name
    if n == 2:
        return name[0] + "*"
    return name[0] + "*" * (n - 2) + name[-1]


def mask_phone(phone: str) -> str:
    """13812341234 -> 138****1234; 020-87654321 -> 020-****4321.

    Keeps the first 3 and last 4 digits of a mobile (separators and +86 dropped); for
    other numbers (landlines, with or without area code) keeps the last 4 digits and
    any area code before a separator, masking the rest.
    """
    phone = (phone or "").strip()
    digits = _DIGITS.findall(phone)
    if not digits:
        return phone
    compact = "".join(digits)
    if len(compact) == 13 and compact.startswith("861"):
        compact = compact[2:]
    if len(compact) == 11 and compact.startswith("1"):
        return compact[:3] + "****" + compact[-4:]
    # Landline: keep an area code written before '-', ' ' or ')', and the last 4 digits.
    m = re.match(r"^(\(?0\d{2,3}\)?[-\s]?|\(0\d{2,3}\))(\d+)$", phone)
    if m and re.search(r"[-\s)]", m.group(1)):
        local = m.group(2)
        keep = 4 if len(local) > 4 else max(0, len(local) - 2)
        return m.group(1) + "*" * (len(local) - keep) + local[len(local) - keep:]
    keep_tail = 4 if len(compact) > 6 else max(0, len(compact) - 3)
    keep_head = 3 if len(compact) >= 10 else 0
    return compact[:keep_head] + "*" * (len(compact) - keep_head - keep_tail) + compact[len(compact) - keep_tail:]


def mask_id_card(number: str) -> str:
    """440106199001011234 -> 440106********1234."""
    n = (number or "").strip()
    return n[:6] + "*" * (len(n) - 10) + n[-4:] if len(n) > 10 else n


_EDGE_L = r"(?<![0-9A-Za-z])"
_EDGE_R = r"(?![0-9A-Za-z])"
_ID_CARD = re.compile(_EDGE_L + r"\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]" + _EDGE_R)
_MOBILE = re.compile(_EDGE_L + r"(?:\+?86[-\s]?)?1[3-9]\d(?:[-\s]?\d{4}){2}" + _EDGE_R)
_LANDLINE = re.compile(_EDGE_L + r"(?:\(0\d{2,3}\)\s?|0\d{2,3}[-\s]?)\d{7,8}" + _EDGE_R)


def _trie_pattern(keys: Iterable[str]) -> str:
    """A regular expression matching exactly `keys`, the longest key at a position first.

    Built as a trie: at each character the alternatives start with distinct characters, so
    at most one can go on, and matching from a position costs at most the length of the
    longest key (against one alternation of every key, tried one after another at each
    position of the text)."""
    trie: dict = {}
    for k in keys:
        node = trie
        for ch in k:
            node = node.setdefault(ch, {})
        node[""] = {}

    def pattern(node: dict) -> str:
        leaves = sorted(ch for ch, sub in node.items() if ch and list(sub) == [""])
        alts = [re.escape(ch) + pattern(sub) for ch, sub in sorted(node.items()) if ch and list(sub) != [""]]
        if len(leaves) == 1:
            alts.append(re.escape(leaves[0]))
        elif leaves:
            alts.append("[" + "".join(re.escape(ch) for ch in leaves) + "]")
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 and len(alts[0]) == 1 else "(?:" + "|".join(alts) + ")"
        return body + "?" if "" in node else body

    return pattern(trie)


def _name_key(name) -> str:
    """A registered name as the Scrubber looks for it ('' when too short to mask: one character)."""
    n = (name or "").strip()
    return n if len(n) >= 2 else ""


def _phone_key(phone) -> str:
    """A registered phone as the Scrubber looks for it ('' when it holds fewer than 7 digits)."""
    p = (phone or "").strip()
    return p if len(p) >= 7 and (p.isdecimal() or len(_DIGITS.findall(p)) >= 7) else ""


class Scrubber:
    """Masks registered names and phones, and any mobile, landline or ID-card number, in text."""

    # Texts up to this length are scanned in Python over a dict of the names and phones (cost: at each
    # character that starts some key, one look-up per distinct key length); a longer one compiles
    # the trie pattern once (its cost grows with the register: ~0.6 s CPU at 20 000 persons), so a
    # refresh after a register edit that shows a few short notes never pays for it. Once the short
    # texts scanned add up to SCAN_PER_KEY characters per key (scanning then has cost about what the
    # compile costs; ~4x slower per character than the pattern) the pattern is compiled too.
    SCAN_MAX = 2000
    SCAN_PER_KEY = 20

    def __init__(self, names: Iterable[str] = (), phones: Iterable[str] = ()):
        # key -> True for a phone, False for a name; the masked form is made when a key is found.
        # (Comprehensions: this runs over a whole register.)
        kinds = dict.fromkeys([n for n in map(_name_key, names) if n], False)
        kinds.update(dict.fromkeys([p for p in map(_phone_key, phones) if p], True))
        self._set_keys(kinds, {k[0] for k in kinds}, set(map(len, kinds)))

    def _set_keys(self, kinds: dict[str, bool], firsts: set[str], sizes: Iterable[int],
                  over: dict[str, bool | None] | None = None) -> None:
        # `kinds` may be shared with a ScrubberKeys (never changed once shared); `over` (this scrubber's
        # own) holds what differs from it: key -> kind, or None for a key taken out.
        self._kinds, self._over = kinds, over or {}
        self._masked: dict[str, str] = {}
        # Every key's first character, and the key lengths longest first (the longest key wins).
        self._firsts = firsts
        self._sizes = sorted(sizes, reverse=True)
        self._re = None                                     # compiled on the first long text
        self._count = len(kinds) + sum((v is not None) - (k in kinds) for k, v in self._over.items())
        self._scan_left = max(self.SCAN_MAX, self.SCAN_PER_KEY * self._count)

    def _kind(self, key: str) -> bool | None:
        """True for a registered phone, False for a name, None for no key."""
        over = self._over
        return over[key] if key in over else self._kinds.get(key)

    def _keys(self) -> dict[str, bool]:
        """Every key and its kind (a new dict when `over` has changes)."""
        if not self._over:
            return self._kinds
        merged = dict(self._kinds)
        for k, v in self._over.items():
            if v is None:
                merged.pop(k, None)
            else:
                merged[k] = v
        return merged

    def _pattern(self):
        # One pattern for every name and phone, shaped as a trie (see `_trie_pattern`): the
        # longest one starting at a position wins, so 欧阳子昕 is masked before a shorter
        # name inside it, and the time is linear in the text whatever the register's size.
        if self._re is None:
            self._re = re.compile(_trie_pattern(self._keys()))
        return self._re

    def _mask(self, key: str) -> str:
        m = self._masked.get(key)
        if m is None:
            m = self._masked[key] = mask_phone(key) if self._kind(key) else mask_name(key)
        return m

    @property
    def _map(self) -> dict[str, str]:
        """{registered name or phone: its masked form} (every key; for tests)."""
        return {k: self._mask(k) for k in self._keys()}

    def _scan(self, text: str) -> str:
        """The same masking as the pattern (leftmost, longest key first), by dict look-ups."""
        pairs, over, firsts, sizes = self._kinds, self._over, self._firsts, self._sizes
        out, i, last, n = [], 0, 0, len(text)
        while i < n:
            if text[i] in firsts:
                for size in sizes:
                    key = text[i:i + size]
                    if len(key) == size and (over[key] is not None if key in over else key in pairs):
                        out.append(text[last:i])
                        out.append(self._mask(key))
                        i += size
                        last = i
                        break
                else:
                    i += 1
            else:
                i += 1
        if not out:
            return text
        out.append(text[last:])
        return "".join(out)

    @classmethod
    def from_clients(cls, clients: Iterable[dict]) -> "Scrubber":
        clients = list(clients)
        return cls((c.get("name") or "" for c in clients), (c.get("phone") or "" for c in clients))

    def __call__(self, text) -> str:
        if text is None:
            return ""
        text = str(text)
        if self._count:
            if self._re is None and len(text) <= self.SCAN_MAX and self._scan_left > 0:
                self._scan_left -= len(text)
                text = self._scan(text)
            else:
                text = self._pattern().sub(lambda m: self._mask(m.group(0)), text)
        text = _ID_CARD.sub(lambda m: mask_id_card(m.group(0)), text)
        text = _MOBILE.sub(lambda m: mask_phone(m.group(0)), text)
        return _LANDLINE.sub(lambda m: mask_phone(m.group(0)), text)


class ScrubberKeys:
    """The names and phones a Scrubber masks, counted, so that persons can be added and taken out one
    at a time (a register kept up to date row by row, core.derived.register_fold): `scrubber()` is then
    Scrubber(every name added, every phone added) without reading the register again."""

    # The scrubbers made share one copy of the keys (`_base`, never changed once made) and each gets
    # only what changed since (`_over`): after a register edit a scrubber costs the edit, not a copy of
    # the register's keys. The copy is made again when the changes grow past a share of the keys.
    OVER_MAX = 256

    def __init__(self) -> None:
        self._names: Counter = Counter()
        self._phones: Counter = Counter()
        self._kinds: dict[str, bool] = {}
        self._firsts: Counter = Counter()
        self._sizes: Counter = Counter()
        self._base: dict[str, bool] | None = None
        self._over: dict[str, bool | None] = {}

    def _set(self, key: str, kind: bool | None) -> None:
        """The live keys (and what differs from `_base`): `key` of `kind`, or taken out (None)."""
        if kind is None:
            del self._kinds[key]
        else:
            self._kinds[key] = kind
        if self._base is not None:
            if self._base.get(key) is kind:              # as in the copy again (bools and None: `is`)
                self._over.pop(key, None)
            else:
                self._over[key] = kind

    def _enter(self, key: str, kind: bool) -> None:
        if key not in self._kinds:
            self._firsts[key[0]] += 1
            self._sizes[len(key)] += 1
        self._set(key, kind)

    def _leave(self, key: str) -> None:
        self._set(key, None)
        for counter, k in ((self._firsts, key[0]), (self._sizes, len(key))):
            counter[k] -= 1
            if not counter[k]:
                del counter[k]

    def add(self, name, phones: Iterable = ()) -> None:
        """One person: their name and phones."""
        n = _name_key(name)
        if n:
            self._names[n] += 1
            if n not in self._kinds:
                self._enter(n, False)
        for p in filter(None, map(_phone_key, phones)):
            self._phones[p] += 1
            self._enter(p, True)          # a phone wins over a name written the same way

    def remove(self, name, phones: Iterable = ()) -> None:
        """A person added before, with the same name and phones."""
        for p in filter(None, map(_phone_key, phones)):
            self._phones[p] -= 1
            if not self._phones[p]:
                del self._phones[p]
                if p in self._names:
                    self._set(p, False)
                else:
                    self._leave(p)
        n = _name_key(name)
        if n:
            self._names[n] -= 1
            if not self._names[n]:
                del self._names[n]
                if n not in self._phones:
                    self._leave(n)

    def scrubber(self, more_names: Iterable[str] = ()) -> Scrubber:
        """A Scrubber of these keys and `more_names` (e.g. interviewees'); later changes of self do not
        reach it (it shares only the copy `_base`, which nothing changes)."""
        if self._base is None or len(self._over) > max(self.OVER_MAX, len(self._kinds) // 8):
            self._base, self._over = dict(self._kinds), {}
        over, firsts, sizes = dict(self._over), set(self._firsts), set(self._sizes)
        for n in filter(None, map(_name_key, more_names)):
            if n not in self._kinds:
                over[n] = False
                firsts.add(n[0])
                sizes.add(len(n))
        made = Scrubber.__new__(Scrubber)
        made._set_keys(self._base, firsts, sizes, over)
        return made


NO_REGISTER = Scrubber()


def mask_text(text: str) -> str:
    """Numbers only (no register at hand): mobiles, landlines and ID-card numbers in `text`."""
    return NO_REGISTER(text)
