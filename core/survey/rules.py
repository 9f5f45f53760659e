"""Client satisfaction survey rules (SPEC §5): sampling, register hash, call outcomes, rates.

Plain Python, no I/O: the use cases (core/survey/calls.py) read rows through db/survey.py and
apply these rules. Labels of the stored codes are core.labels' (CALL_OUTCOMES,
SATISFACTION_SCALE, CALL_STATUSES, RESPONDENTS).

Reproducible draw
-----------------
The register is put in a canonical order (sorted by its identifying fields, so the
order of rows or their database ids do not matter), then
``random.Random(seed).sample(range(n), k)`` picks the persons; the first ``size``
drawn form the sample, the next ``reserve`` the reserve list, in draw order. The
register hash is the sha256 of the same canonical rows, so anyone holding the
register and the seed can redraw and check the sample.
"""
from __future__ import annotations

import bisect
import datetime as _dt
import hashlib
import json
import random
import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from json.encoder import encode_basestring as _json_string   # what json.dumps(ensure_ascii=False) uses

from core.labels import (AAPOR_CODES, CALL_AAPOR, CALL_OUTCOMES, CALL_STATUSES, RESPONDENTS, SAMPLE_DESIGNS,
                     SATISFACTION_SCALE, STRATUM_NONE)
from core.masking import mask_name, mask_phone
from core.numbers import D, fmt_interval, fmt_rate, round_half_up
from core.framework.script import (AWARENESS_ITEMS, DEFAULT_SCRIPT, OVERALL, SATISFACTION_ITEMS,  # noqa: F401
                                   SCRIPT_LABELS, script_from_framework)
from core.station.register import CATEGORIES, categories_of

MIN_SAMPLE = 100                 # never fewer than 100 when the register is that large
MAX_FAILED_ATTEMPTS = 2          # two failed attempts make a client unreachable
CLAIM_MINUTES = 15               # an open call form keeps its claim on the client this long
CLAIM_REFRESH_MINUTES = 5        # an own claim younger than this is not written again

REACHED, _NO_ANSWER, _EMPTY_NUMBER, REFUSED, _WRONG_PERSON = CALL_OUTCOMES   # 接通 无人接听 空号 拒访 非本人
FAILED_OUTCOMES = (_NO_ANSWER, _EMPTY_NUMBER, _WRONG_PERSON)
FINAL_AT_ONCE = (_EMPTY_NUMBER,)   # a number that does not exist is final at once (AAPOR: non-working number)
RETRY_OUTCOMES = tuple(o for o in FAILED_OUTCOMES if o not in FINAL_AT_ONCE)   # worth a second attempt

AWARE_THRESHOLD = 3              # knowing >= 3 of 5 counts as aware

# 5-point scale (core.labels.SATISFACTION_SCALE: value -> label, 5 best).
SATISFIED_MIN = 4                # 满意 or 非常满意
DISSATISFIED_MAX = 2             # 不满意 or 非常不满意: listed for follow-up

# Item status (derived from its calls).
PENDING, RETRY, STATUS_REACHED, STATUS_REFUSED, UNREACHABLE = "pending", "retry", "reached", "refused", "unreachable"
FINAL_STATUSES = (STATUS_REACHED, STATUS_REFUSED, UNREACHABLE)

_ID_FIELDS = ("name", "phone", "community", "category", "household")


# ---------- register hash and the draw ----------

def _identity(client: dict) -> tuple:
    return tuple(str(client.get(f) or "").strip() for f in _ID_FIELDS)


def canonical_order(clients: list[dict]) -> list[dict]:
    """The register sorted by its identifying fields (ties, i.e. identical rows, by id)."""
    return sorted(clients, key=lambda c: (_identity(c), c.get("id") or 0))


def register_hash(clients: list[dict]) -> str:
    """sha256 (hex) of the register's identifying fields, independent of row order and ids."""
    return register_hash_of([tuple(c.get(f) for f in _ID_FIELDS) for c in clients])


def register_hash_of(rows) -> str:
    """register_hash of rows given as tuples of the identifying fields (_ID_FIELDS, in that order;
    any further items are ignored), e.g. as read from the database."""
    assert _ID_FIELDS == ("name", "phone", "community", "category", "household")
    # _identity unrolled (the same values): this runs over the whole register after every edit.
    ids = sorted([(str(r[0] or "").strip(), str(r[1] or "").strip(), str(r[2] or "").strip(),
                   str(r[3] or "").strip(), str(r[4] or "").strip()) for r in rows])
    blob = json.dumps(ids, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class RegisterHash:
    """register_hash_of kept as rows come and go: the same hex digest, without sorting and encoding the
    whole register again after each edit (rows: tuples of the identifying fields, as register_hash_of).

    `matches(digest)` — is the register the one a sample was drawn from? — mostly needs no digest at
    all: a fingerprint of the rows (the sum of each row's BLAKE2b, so one edit moves it in constant
    time) is kept, with the digests already computed by fingerprint; a register whose fingerprint
    differs from the one known to give `digest` is another register."""

    MEMO = 32

    def __init__(self) -> None:
        self._ids: list[tuple] = []        # sorted, as register_hash_of sorts them
        self._json: list[bytes] = []       # each one's JSON text (UTF-8), in the same order
        self._fp: int | None = None        # fingerprint, once asked for
        self._hex_of: dict[int, str] = {}  # fingerprint -> digest, and back
        self._fp_of: dict[str, int] = {}

    @staticmethod
    def _identity(r) -> tuple:
        return (str(r[0] or "").strip(), str(r[1] or "").strip(), str(r[2] or "").strip(),
                str(r[3] or "").strip(), str(r[4] or "").strip())

    @staticmethod
    def _encoded(ident: tuple) -> bytes:
        # json.dumps(list, ensure_ascii=False, separators=(",", ":")) of one row, as register_hash_of writes it.
        return ("[" + ",".join(map(_json_string, ident)) + "]").encode("utf-8")

    @staticmethod
    def _row_print(encoded: bytes) -> int:
        return int.from_bytes(hashlib.blake2b(encoded, digest_size=16).digest(), "little")

    def load(self, rows) -> None:
        self._ids = sorted(map(self._identity, rows))
        self._json = [self._encoded(i) for i in self._ids]
        self._fp = None

    def add(self, row) -> None:
        ident = self._identity(row)
        at = bisect.bisect_right(self._ids, ident)
        encoded = self._encoded(ident)
        self._ids.insert(at, ident)
        self._json.insert(at, encoded)
        if self._fp is not None:
            self._fp = (self._fp + self._row_print(encoded)) % (1 << 128)

    def remove(self, row) -> None:
        ident = self._identity(row)
        at = bisect.bisect_left(self._ids, ident)
        if at == len(self._ids) or self._ids[at] != ident:
            raise KeyError("a row never added")
        if self._fp is not None:
            self._fp = (self._fp - self._row_print(self._json[at])) % (1 << 128)
        del self._ids[at], self._json[at]

    def _fingerprint(self) -> int:
        if self._fp is None:
            self._fp = sum(map(self._row_print, self._json)) % (1 << 128)
        return self._fp

    def hexdigest(self) -> str:
        fp = self._fingerprint()
        digest = self._hex_of.get(fp)
        if digest is None:
            digest = hashlib.sha256(b"[" + b",".join(self._json) + b"]").hexdigest()
            if len(self._hex_of) >= self.MEMO:
                self._hex_of.clear()
                self._fp_of.clear()
            self._hex_of[fp], self._fp_of[digest] = digest, fp
        return digest

    def matches(self, digest: str | None) -> bool:
        """Is hexdigest() == `digest`? Computed only when neither this register's fingerprint nor
        `digest`'s is known yet."""
        if not digest:
            return False
        fp = self._fingerprint()
        known = self._hex_of.get(fp)
        if known is not None:
            return known == digest
        if digest in self._fp_of:                 # the register that gave `digest` had another fingerprint
            return False
        return self.hexdigest() == digest


def short_hash(h: str | None) -> str:
    return (h or "")[:12]


def new_seed() -> str:
    """A fresh random seed (6 digits) for a first draw."""
    return str(100000 + secrets.randbelow(900000))


def check_size(size) -> int:
    """The sample size asked for: an integer >= 100 (else ValueError with a Chinese message)."""
    try:
        n = int(size)
    except (TypeError, ValueError):
        raise ValueError("抽样人数应为整数") from None
    if n != size and not isinstance(size, str):
        raise ValueError("抽样人数应为整数")
    if n < MIN_SAMPLE:
        raise ValueError(f"抽样人数不能少于 {MIN_SAMPLE} 人（名册不足 {MIN_SAMPLE} 人时自动全部调查）")
    return n


@dataclass(frozen=True)
class Draw:
    sample: list[dict]      # client rows in draw order
    reserve: list[dict]
    register_hash: str
    seed: str
    everyone: bool          # the register was smaller than the size: all persons surveyed
    design: str = ""        # "" simple random; "area" / "category": stratified (core.labels.SAMPLE_DESIGNS)
    allocation: dict = field(default_factory=dict)   # stratum -> {"register": N_h, "sample": n_h, "reserve": r_h}


DESIGNS = tuple(SAMPLE_DESIGNS)
NO_CATEGORY = "未注明类别"
# 兜底保障 categories: unreachable clients of these are listed for the station to follow up.
SAFETY_NET_CATEGORIES = ("特困人员", "低保对象", "低保边缘家庭成员", "支出型困难家庭成员")


def area_of_community(areas: list[dict]) -> dict[str, str]:
    """{community: 片区 name} from the station's 片区 rows ({name, communities: list or JSON text})."""
    out = {}
    for a in areas:
        comms = a.get("communities") or []
        if isinstance(comms, str):
            comms = json.loads(comms or "[]")
        for c in comms:
            out.setdefault(str(c).strip(), a["name"])
    return out


def area_name(client: dict, area_of: dict[str, str] | None) -> str:
    """The 片区 of a client through its community (STRATUM_NONE when the community is in no 片区)."""
    return (area_of or {}).get(str(client.get("community") or "").strip(), STRATUM_NONE)


def stratum_of(client: dict, design: str, area_of: dict[str, str] | None = None) -> str:
    """The client's stratum: its 片区 (design "area") or its first listed category ("category")."""
    if design == "area":
        return area_name(client, area_of)
    if design == "category":
        cats = categories_of(client)
        return cats[0] if cats else NO_CATEGORY
    return ""


def stratum_order(design: str, area_of: dict[str, str] | None = None):
    """Sort key of strata: 片区 in the station's order (the order of `area_of`'s values) or categories
    in the 17 categories' order, then any others by name; 未归入片区 / 未注明类别 last."""
    if design == "area":
        known = list(dict.fromkeys((area_of or {}).values()))
    else:
        known = list(CATEGORIES)
    rank = {name: k for k, name in enumerate(known)}
    return lambda s: (s in (STRATUM_NONE, NO_CATEGORY), rank.get(s, len(rank)), s)


def allocate(sizes: dict[str, int], n: int) -> dict[str, int]:
    """Proportional allocation of n over strata of `sizes` (largest remainder; ties in the strata's
    sorted order): sums to min(n, total), and no stratum gets more than it holds."""
    total = sum(sizes.values())
    n = min(int(n), total)
    if not total:
        return {h: 0 for h in sizes}
    quota = {h: Decimal(n) * sizes[h] / total for h in sizes}
    out = {h: int(q) for h, q in quota.items()}
    left = n - sum(out.values())
    for h in sorted(sizes, key=lambda h: (-(quota[h] - out[h]), h))[:left]:
        out[h] += 1
    return out


def draw(clients: list[dict], seed, size: int = MIN_SAMPLE, reserve: int = 0, design: str = "",
         area_of: dict[str, str] | None = None) -> Draw:
    """Draw `size` persons (all when the register is smaller) and up to `reserve` more.

    design "" : ``random.Random(seed).sample`` over the canonical register.
    design "area" / "category": stratified by 片区 (through `area_of`, community -> 片区) or by the
    first listed category, with proportional allocation (`allocate`) of the sample and then of the
    reserve over what each stratum has left; within a stratum (its members in canonical order)
    ``random.Random(f"{seed}|{stratum}")`` picks, so the draw is reproducible from the seed, the
    register (its hash) and the strata. Sample and reserve come stratum by stratum (`stratum_order`)."""
    size = check_size(size)
    if int(reserve or 0) < 0:
        raise ValueError("候补人数不能为负数")
    if design not in DESIGNS:
        raise ValueError(f"抽样方式“{design}”无效")
    seed = str(seed).strip()
    if not seed:
        raise ValueError("随机种子不能为空")
    ordered = canonical_order(clients)
    n = len(ordered)
    h = register_hash(clients)
    strata: dict[str, list[dict]] = {}
    for c in ordered:
        strata.setdefault(stratum_of(c, design, area_of), []).append(c)
    order = sorted(strata, key=stratum_order(design, area_of))
    if n <= size:
        alloc = {k: {"register": len(strata[k]), "sample": len(strata[k]), "reserve": 0} for k in order} \
            if design else {}
        return Draw(sample=list(ordered), reserve=[], register_hash=h, seed=seed, everyone=True, design=design,
                    allocation=alloc)
    k = min(n, size + int(reserve or 0))
    if not design:
        picks = random.Random(seed).sample(range(n), k)
        return Draw(sample=[ordered[i] for i in picks[:size]], reserve=[ordered[i] for i in picks[size:]],
                    register_hash=h, seed=seed, everyone=False)
    sizes = {s: len(m) for s, m in strata.items()}
    main = allocate(sizes, size)
    spare = allocate({s: sizes[s] - main[s] for s in sizes}, k - size)
    sample, reserves, alloc = [], [], {}
    for s in order:
        members = strata[s]
        picks = random.Random(f"{seed}|{s}").sample(range(len(members)), main[s] + spare[s])
        sample += [members[i] for i in picks[:main[s]]]
        reserves += [members[i] for i in picks[main[s]:]]
        alloc[s] = {"register": sizes[s], "sample": main[s], "reserve": spare[s]}
    return Draw(sample=sample, reserve=reserves, register_hash=h, seed=seed, everyone=False, design=design,
                allocation=alloc)


# ---------- calls ----------

def item_status(calls: list[dict]) -> str:
    """Status of one sampled client from its calls (any order)."""
    outcomes = [c["outcome"] for c in calls]
    if REACHED in outcomes:
        return STATUS_REACHED
    if REFUSED in outcomes:
        return STATUS_REFUSED
    failed = sum(1 for o in outcomes if o in FAILED_OUTCOMES)
    if failed >= MAX_FAILED_ATTEMPTS or any(o in FINAL_AT_ONCE for o in outcomes):
        return UNREACHABLE
    return RETRY if outcomes else PENDING


def unreachable_reason(calls: list[dict]) -> str:
    """Why a client counts as unreachable: 空号, two failed attempts, or no phone in the register."""
    if not calls:
        return "名册中无联系电话"
    if any(c["outcome"] in FINAL_AT_ONCE for c in calls):
        return "空号（号码不存在）"
    return "两次拨打均未接通"


def client_status(calls: list[dict], item: dict) -> str:
    """item_status, except that a client registered without a phone (无电话) who was never
    called counts as unreachable: kept in the register and the sample, never a pending call."""
    if not calls and "phone" in item and not (item["phone"] or "").strip():
        return UNREACHABLE
    return item_status(calls)


def status_label(status: str) -> str:
    """未拨打 / 待再拨 / 已接通 / 拒访 / 无法接通."""
    return CALL_STATUSES[status]


def final_label(calls: list[dict]) -> str | None:
    """The label of the item's final status (no more calls to make), or None while calls are due."""
    status = item_status(calls)
    return status_label(status) if status in FINAL_STATUSES else None


# ---------- the second attempt, and the order of the caller's list ----------

def retry_time(at, today: _dt.date | None = None) -> str:
    """The stored time of a second attempt chosen on the form: a datetime.time (today, or tomorrow when
    that time has already passed today) or a datetime -> 'YYYY-MM-DDTHH:MM'; None or '' -> '' (after the
    other clients)."""
    if at in (None, ""):
        return ""
    if isinstance(at, _dt.datetime):
        return at.isoformat(timespec="minutes")
    if isinstance(at, _dt.time):
        when = _dt.datetime.combine(today or _dt.date.today(), at)
        if today is None and when < _dt.datetime.now().replace(second=0, microsecond=0):
            when += _dt.timedelta(days=1)    # a time already past today (23:50 -> 00:10) is tomorrow's
        return when.isoformat(timespec="minutes")
    text = str(at).strip()
    try:
        return _dt.datetime.fromisoformat(text).isoformat(timespec="minutes")
    except ValueError:
        raise ValueError(f"再次拨打时间“{text}”无效") from None


def retry_text(retry_at: str) -> str:
    """'14:30 后再拨' / '排在其他对象之后再拨' (for the status of a client to call again)."""
    return f"{retry_at[11:16]} 后再拨" if retry_at else "排在其他对象之后再拨"


def call_order(items: list[dict], now: str) -> list[dict]:
    """The clients still to call, in the order the caller should call them. `items` carry
    `status`, `position`, `retry_at` (of the last call) and `last_called_at`; `now` is ISO.

    1. a second attempt whose chosen time has come (earliest first);
    2. clients never called, in draw order;
    3. second attempts set "after the other clients" (the longest waiting first);
    4. second attempts whose chosen time is still ahead (earliest first).
    A client just found unreachable (无人接听) therefore never comes straight back."""
    def key(i):
        if i["status"] == PENDING:
            return (1, "", i["position"])
        at = i.get("retry_at") or ""
        if at and at <= now:
            return (0, at, i["position"])
        if not at:
            return (2, i.get("last_called_at") or "", i["position"])
        return (3, at, i["position"])
    return sorted((i for i in items if i["status"] not in FINAL_STATUSES), key=key)


# ---------- the caller's script ----------

def merge_script(framework_script: dict, edited: dict) -> dict[str, str]:
    """The script in force: the defaults, then the framework's wording, then the lead's edits
    (an edit emptied falls back to the framework's wording)."""
    out = dict(DEFAULT_SCRIPT)
    out.update(framework_script or {})
    out.update({k: v for k, v in (edited or {}).items() if k in DEFAULT_SCRIPT and (v or "").strip()})
    return out


def fill_script(text: str, **values) -> str:
    """Fill {station}, {org}, {name} (unknown placeholders are left as typed)."""
    out = text or ""
    for k, v in values.items():
        out = out.replace("{" + k + "}", str(v or ""))
    return out


def call_code(outcome: str) -> str:
    """The AAPOR code of one call outcome (core.labels.CALL_AAPOR)."""
    return CALL_AAPOR[outcome]


def disposition(calls: list[dict], item: dict | None = None) -> str:
    """The AAPOR final disposition of one sampled client from its calls: completed if any call was
    answered (接通), refused if refused, non-contact if the phone rang unanswered at least once,
    otherwise unknown (dead or someone else's number, no number, or not called yet)."""
    codes = {call_code(c["outcome"]) for c in calls}
    for code in ("completed", "refused", "non_contact"):
        if code in codes:
            return code
    return "unknown"


def response_rate_rr1(dispositions: dict[str, int]) -> Decimal | None:
    """AAPOR Response Rate 1, as a percentage (one decimal, half-up): completed interviews over
    every sampled case that is not known to be ineligible (refusals, non-contacts and unknowns
    all counted as eligible; no partial interviews exist here). RR1 is the most conservative
    rate; RR3 would need an estimate of the eligible share of unknowns, which a register of
    known clients does not give."""
    I = dispositions.get("completed", 0)
    denom = sum(v for k, v in dispositions.items() if k != "not_eligible")
    return rate(I, denom)


def claim_times(now: _dt.datetime | None = None) -> tuple[str, str, str]:
    """(now, live_after, fresh_after) as ISO strings: a claim taken after `live_after` still
    holds the client (CLAIM_MINUTES); an own claim taken after `fresh_after` needs no refresh."""
    now = now or _dt.datetime.now()
    iso = lambda t: t.isoformat(timespec="seconds")  # noqa: E731
    return (iso(now), iso(now - _dt.timedelta(minutes=CLAIM_MINUTES)),
            iso(now - _dt.timedelta(minutes=CLAIM_REFRESH_MINUTES)))


def call_row(outcome: str, respondent: str = "", knows_worker=None, awareness: dict | None = None,
             satisfaction: dict | None = None, overall=None, comment: str = "", retry_at: str = "") -> dict:
    """The stored fields of one call: answers are kept only for a reached call (接通); `retry_at`
    (when to try again: '' = after the other clients) only for a failed one."""
    reached = outcome == REACHED
    return dict(
        outcome=outcome,
        retry_at=(retry_at or "") if outcome in RETRY_OUTCOMES else "",
        respondent=respondent if reached else "",
        knows_worker=(1 if knows_worker else 0) if reached else None,
        awareness=json.dumps({k: 1 if (awareness or {}).get(k) else 0 for k in AWARENESS_ITEMS}
                             if reached else {}, ensure_ascii=False),
        satisfaction=json.dumps({k: v for k, v in (satisfaction or {}).items() if v is not None}
                                if reached else {}, ensure_ascii=False),
        overall=overall if reached else None,
        comment=(comment or "").strip())


def is_aware(awareness: dict) -> bool:
    return sum(1 for k in AWARENESS_ITEMS if awareness.get(k)) >= AWARE_THRESHOLD


def validate_call(outcome: str, respondent: str = "", knows_worker=None, awareness: dict | None = None,
                  satisfaction: dict | None = None, overall=None) -> list[str]:
    """Chinese messages for every problem in one call record (empty when fine)."""
    errs = []
    if outcome not in CALL_OUTCOMES:
        errs.append(f"通话结果“{outcome}”无效，应为：{'、'.join(CALL_OUTCOMES)}")
        return errs
    if outcome != REACHED:
        return errs
    if respondent not in RESPONDENTS:
        errs.append("受访者：请选择“本人”或“家属”")
    if knows_worker not in (True, False, 0, 1):
        errs.append("是否认识社工：请选择“是”或“否”")
    for k in (awareness or {}):
        if k not in AWARENESS_ITEMS:
            errs.append(f"知晓度项目“{k}”无效")
    for k, v in (satisfaction or {}).items():
        if k not in SATISFACTION_ITEMS:
            errs.append(f"满意度项目“{k}”无效")
        elif v is not None and v not in SATISFACTION_SCALE:
            errs.append(f"满意度项目“{k}”：评分应为 1–5")
    if overall not in SATISFACTION_SCALE:
        errs.append(f"{OVERALL}：请选择（非常满意 … 非常不满意）")
    return errs


# ---------- results ----------

@dataclass
class SurveyResults:
    seed: str | None = None
    register_hash: str | None = None
    sample_size: int = 0               # persons in the sample (without unused reserves)
    reserve_size: int = 0
    reserves_used: int = 0
    everyone: bool = False             # register smaller than the size: everyone surveyed
    register_changed: bool = False     # the register no longer matches the stored hash
    called: int = 0                    # at least one attempt
    reached: int = 0
    unreachable: int = 0
    refused: int = 0
    pending: int = 0                   # not final yet (no attempt or one failed attempt)
    satisfied: int = 0
    satisfaction_rate: Decimal | None = None
    satisfaction_text: str = "—"
    aware: int = 0
    awareness_rate: Decimal | None = None
    awareness_text: str = "—"
    respondents: dict = field(default_factory=dict)      # 本人 / 家属 -> count among reached
    knows_worker_no: list = field(default_factory=list)  # [{name, phone, community, respondent}] masked
    breakdown: dict = field(default_factory=dict)        # item -> {scale label -> count}; OVERALL included
    awareness_breakdown: dict = field(default_factory=dict)  # awareness item -> count knowing
    follow_up: list = field(default_factory=list)        # [{name, phone, community, reason}] masked
    population: int | None = None                        # register size N (finite-population correction)
    satisfaction_interval: tuple | None = None           # Wilson (low, high) proportions, FPC
    awareness_interval: tuple | None = None
    dispositions: dict = field(default_factory=dict)     # AAPOR code -> sampled clients
    response_rate: Decimal | None = None                 # AAPOR RR1 (percent)
    design: str = ""                                     # "" / "area" / "category"
    allocation: dict = field(default_factory=dict)       # stratum -> {register, sample, reserve}
    by_area: list = field(default_factory=list)          # [{area, sample, reached, satisfied, population, text}]
    priority_follow_up: list = field(default_factory=list)   # 兜底 unreachable + dissatisfied, masked

    @property
    def satisfaction_ci_text(self) -> str:
        """'95.8%（92/96，95% 置信区间 93.2%–97.5%）'."""
        return rate_with_interval(self.satisfied, self.reached, self.population)

    @property
    def awareness_ci_text(self) -> str:
        return rate_with_interval(self.aware, self.reached, self.population)

    @property
    def satisfaction_interval_text(self) -> str:
        """'95% 置信区间 93.2%–97.5%' ('' before anyone is reached)."""
        return interval_text(self.satisfied, self.reached, self.population)

    @property
    def awareness_interval_text(self) -> str:
        return interval_text(self.aware, self.reached, self.population)

    @property
    def margin_text(self) -> str:
        """The satisfaction rate's margin so far: '±2.2 个百分点' ('—' before anyone is reached)."""
        m = margin_of_error(self.satisfied, self.reached, self.population)
        return "—" if m is None else f"±{round_half_up(m * 100, 1)} 个百分点"

    @property
    def response_rate_text(self) -> str:
        return "—" if self.response_rate is None else f"{self.response_rate}%"

    @property
    def design_label(self) -> str:
        return SAMPLE_DESIGNS.get(self.design, self.design)

    @property
    def drawn(self) -> bool:
        return self.seed is not None

    @property
    def satisfaction_with_n(self) -> str:
        """'95.8%（92/96）' — the rate with its numerator and n."""
        if not self.reached:
            return "—（尚无接通）"
        return f"{self.satisfaction_text}（{self.satisfied}/{self.reached}）"


# ---------- uncertainty: Wilson's interval with the finite-population correction ----------

Z95 = Decimal("1.96")            # two-sided 95%


def effective_n(n: int, population: int | None = None) -> Decimal | None:
    """The sample size the interval uses: n, or with the finite-population correction
    n_eff = n(N − 1)/(N − n) for a sample of n from a register of N. None for a census
    (n = N: there is no sampling error left)."""
    n = int(n)
    if population is None:
        return Decimal(n)
    N = int(population)
    if N < n:
        raise ValueError(f"样本数 {n} 大于名册人数 {N}")
    if N == n:
        return None
    return Decimal(n) * (N - 1) / (N - n)


def wilson_interval(successes: int, n: int, population: int | None = None, z=Z95) -> tuple[Decimal, Decimal]:
    """Wilson score interval (low, high) for the proportion successes/n, as Decimal proportions
    in [0, 1] (not percentages; format them with core.numbers.fmt_interval).

    `population`: the register size N the n respondents were drawn from (without replacement);
    when given, n is replaced by n_eff = n(N − 1)/(N − n) (finite-population correction), so
    the interval narrows as the sample approaches the whole register. None: no correction.
    `z`: the normal quantile (1.96 for 95%).

    92 of 96 reached from a register of 131 → (0.9322…, 0.9746…), i.e. 93.2%–97.5%;
    without the correction (0.8977…, 0.9837…), 89.8%–98.4%.
    Edge cases: n = N (a census) → (p, p), the rate itself, with no sampling error;
    n = 0 → (0, 1): nothing is known. successes outside 0..n, n < 0 or N < n → ValueError.
    """
    x, n = int(successes), int(n)
    if n < 0 or not 0 <= x <= max(n, 0):
        raise ValueError(f"比率 {x}/{n} 无效")
    if n == 0:
        if population is not None and int(population) < 0:
            raise ValueError(f"名册人数 {population} 无效")
        return Decimal(0), Decimal(1)
    p = Decimal(x) / Decimal(n)
    ne = effective_n(n, population)
    if ne is None:                      # census: the rate is known exactly
        return p, p
    z2 = D(z) * D(z)
    denom = 1 + z2 / ne
    centre = (p + z2 / (2 * ne)) / denom
    half = D(z) * (p * (1 - p) / ne + z2 / (4 * ne * ne)).sqrt() / denom
    low = Decimal(0) if x == 0 else max(Decimal(0), centre - half)
    high = Decimal(1) if x == n else min(Decimal(1), centre + half)
    return low, high


def interval_text(successes: int, n: int, population: int | None = None) -> str:
    """'95% 置信区间 93.2%–97.5%' (finite-population corrected when population is given);
    '全部调查，无抽样误差' for a census; '' when n = 0."""
    if not n:
        return ""
    if population is not None and int(population) == int(n):
        return "全部调查，无抽样误差"
    return "95% 置信区间 " + fmt_interval(*wilson_interval(successes, n, population))


def rate_with_interval(successes: int, n: int, population: int | None = None) -> str:
    """'95.8%（92/96，95% 置信区间 93.2%–97.5%）' — the rate, its count and its interval."""
    if not n:
        return "—（尚无接通）"
    return f"{fmt_rate(successes, n)}（{successes}/{n}，{interval_text(successes, n, population)}）"


def margin_of_error(successes: int, n: int, population: int | None = None) -> Decimal | None:
    """Half the width of the Wilson interval, as a proportion (None before anyone is reached)."""
    if not n:
        return None
    low, high = wilson_interval(successes, n, population)
    return (high - low) / 2


def rate(numerator: int, denominator: int) -> Decimal | None:
    """numerator / denominator × 100, half-up to one decimal; None when nobody was reached."""
    if not denominator:
        return None
    return round_half_up(Decimal(numerator) * 100 / Decimal(denominator), 1)


def rate_text(numerator: int, denominator: int) -> str:
    return fmt_rate(numerator, denominator) if denominator else "—"


def masked_person(client: dict) -> dict:
    return {"name": mask_name(client.get("name", "")), "phone": mask_phone(client.get("phone", "")),
            "community": client.get("community", "")}


def _start_results(sample: dict, items: list[dict], current_hash: str | None, register_size: int | None,
                   register_changed: bool | None = None) -> SurveyResults:
    """The results before any item is counted: the sample's design and empty tallies."""
    if register_changed is None:
        register_changed = current_hash is not None and current_hash != sample["register_hash"]
    res = SurveyResults(seed=sample["seed"], register_hash=sample["register_hash"],
                        reserve_size=sum(1 for i in items if i["reserve"]), register_changed=register_changed)
    res.population = sample.get("register_persons") or register_size
    res.design = sample.get("design") or ""
    alloc = sample.get("allocation") or {}
    res.allocation = json.loads(alloc) if isinstance(alloc, str) else dict(alloc)
    res.dispositions = {k: 0 for k in AAPOR_CODES}
    res.breakdown = {k: {lbl: 0 for lbl in SATISFACTION_SCALE.values()} for k in (*SATISFACTION_ITEMS, OVERALL)}
    res.awareness_breakdown = {k: 0 for k in AWARENESS_ITEMS}
    res.respondents = {r: 0 for r in RESPONDENTS}
    return res


def _count_reached(res: SurveyResults, it: dict, calls: list[dict], area: dict, reasons: list[str]) -> None:
    """A reached client: respondent, satisfaction, awareness, and why to follow up."""
    res.reached += 1
    c = next(c for c in calls if c["outcome"] == REACHED)
    res.respondents[c["respondent"]] = res.respondents.get(c["respondent"], 0) + 1
    overall = c.get("overall")
    area["reached"] += 1
    if overall is not None and overall >= SATISFIED_MIN:
        res.satisfied += 1
        area["satisfied"] += 1
    if overall in SATISFACTION_SCALE:
        res.breakdown[OVERALL][SATISFACTION_SCALE[overall]] += 1
    for k, v in (c.get("satisfaction") or {}).items():
        if k in res.breakdown and v in SATISFACTION_SCALE:
            res.breakdown[k][SATISFACTION_SCALE[v]] += 1
    aw = c.get("awareness") or {}
    for k in AWARENESS_ITEMS:
        if aw.get(k):
            res.awareness_breakdown[k] += 1
    if is_aware(aw):
        res.aware += 1
    if c.get("knows_worker") in (0, False):
        res.knows_worker_no.append({**masked_person(it), "respondent": c["respondent"]})
        reasons.append(f"不了解社工（{c['respondent']}）")
    if overall is not None and overall <= DISSATISFIED_MAX:
        reasons.append(f"不满意（{SATISFACTION_SCALE[overall]}）")
        res.priority_follow_up.append({**masked_person(it), "category": it.get("category") or "",
                                       "reason": f"表示{SATISFACTION_SCALE[overall]}"})


def _count_item(res: SurveyResults, it: dict, calls: list[dict], area: dict) -> None:
    """One counted client of the sample: its disposition, status and follow-up."""
    if it["reserve"]:
        res.reserves_used += 1
    res.sample_size += 1
    status = client_status(calls, it)
    if calls:
        res.called += 1
    res.dispositions[disposition(calls, it)] += 1
    area["sample"] += 1
    safety_net = [c for c in categories_of(it) if c in SAFETY_NET_CATEGORIES]
    reasons: list[str] = []
    if status == STATUS_REACHED:
        _count_reached(res, it, calls, area, reasons)
    elif status == UNREACHABLE:
        res.unreachable += 1
        why = unreachable_reason(calls)
        reasons.append(why)
        if safety_net:
            res.priority_follow_up.append({**masked_person(it), "category": it.get("category") or "",
                                           "reason": f"{'、'.join(safety_net)}，{why}"})
    elif status == STATUS_REFUSED:
        res.refused += 1
        reasons.append("拒访")
    else:
        res.pending += 1
    if reasons:
        res.follow_up.append({**masked_person(it), "reason": "；".join(reasons)})


def _rates(res: SurveyResults) -> None:
    """Satisfaction and awareness rates with their intervals, and RR1."""
    res.satisfaction_rate = rate(res.satisfied, res.reached)
    res.satisfaction_text = rate_text(res.satisfied, res.reached)
    res.awareness_rate = rate(res.aware, res.reached)
    res.awareness_text = rate_text(res.aware, res.reached)
    if res.reached:
        res.satisfaction_interval = wilson_interval(res.satisfied, res.reached, res.population)
        res.awareness_interval = wilson_interval(res.aware, res.reached, res.population)
    res.response_rate = response_rate_rr1(res.dispositions)


def _by_area(res: SurveyResults, per_area: dict[str, dict], area_of: dict[str, str] | None,
             area_population: dict[str, int] | None) -> None:
    """Satisfaction per 片区, in the 片区 order, those outside any 片区 last."""
    pops = area_population or {}
    order = {a: k for k, a in enumerate(dict.fromkeys((area_of or {}).values()))}
    for name in sorted(per_area, key=lambda a: (a == STRATUM_NONE, order.get(a, len(order)), a)):
        a = per_area[name]
        pop = pops.get(name)
        if pop is not None and pop < a["reached"]:
            pop = None
        res.by_area.append({"area": name, "population": pop, **a,
                            "text": rate_with_interval(a["satisfied"], a["reached"], pop)})


def compute_results(sample: dict | None, items: list[dict], calls_by_item: dict[int, list[dict]],
                    current_hash: str | None = None, register_size: int | None = None,
                    area_of: dict[str, str] | None = None, area_population: dict[str, int] | None = None,
                    register_changed: bool | None = None) -> SurveyResults:
    """Results from the active sample, its items (with client fields) and their calls.

    `items`: dicts with id, reserve, caller_id, name, phone, community.
    `calls_by_item`: item id -> call dicts (outcome, respondent, knows_worker,
    awareness dict, satisfaction dict, overall).
    Counted: every main item, and reserve items once assigned or called.
    `current_hash` / `register_size`: the register as it is now (register_changed, everyone);
    `register_changed`, when given, says it instead of `current_hash`.
    The intervals use the register size the sample was drawn from (sample["register_persons"],
    else `register_size`) for the finite-population correction. `area_of` (community -> 片区) and
    `area_population` (片区 -> persons in the register) give the per-片区 satisfaction.
    """
    if sample is None:
        return SurveyResults()
    res = _start_results(sample, items, current_hash, register_size, register_changed)
    per_area: dict[str, dict] = {}
    main = sum(1 for i in items if not i["reserve"])
    for it in items:
        calls = sorted(calls_by_item.get(it["id"], []), key=lambda c: c["attempt"])
        if it["reserve"] and not calls and it.get("caller_id") is None:
            continue
        area = per_area.setdefault(area_name(it, area_of), {"sample": 0, "reached": 0, "satisfied": 0})
        _count_item(res, it, calls, area)
    res.everyone = main < int(sample.get("size") or 0) or (register_size is not None and main >= register_size)
    _rates(res)
    _by_area(res, per_area, area_of, area_population)
    return res
