"""Sample calls of the station-data writers (db/indicators, staffing, clients, recommendations,
site_records): the station's figures and register are written by the lead and staff, site
records and previous recommendations by the lead and experts."""
from __future__ import annotations

from . import Call


def _indicator_rows(ctx, change: dict):
    rows = [dict(r) for r in ctx.db.query("SELECT id, name, unit, target, actual, note FROM contract_indicators"
                                          " WHERE assessment_id = ? ORDER BY position, id", [ctx.aid])]
    rows[0].update(change)
    return rows


def _first(ctx, table: str, where: str = "") -> int:
    return ctx.one(f"SELECT MIN(id) FROM {table} WHERE assessment_id = ?{where}", [ctx.aid])


CLIENT = {"name": "黄子昕", "phone": "13812341234", "community": "上元岗社区", "category": "困境儿童",
          "household": "H1", "vacant_household": False, "separated": False, "note": ""}

CALLS = [
    Call("indicators.replace_indicators", "staff", "expert",
         lambda ctx: ((_indicator_rows(ctx, {"actual": 2166}),), {})),
    Call("indicators.save_indicator", "staff", "expert",
         lambda ctx: (("电话访问", "个", 1968, 2170, "复核"), {})),
    Call("indicators.prefill_indicators", "lead", "expert",
         lambda ctx: (([("新增指标", "个")],), {})),
    Call("staffing.save_staffing", "staff", "expert",
         lambda ctx: (({"continuous": 13},), {})),
    Call("clients.replace_clients", "staff", "expert",
         lambda ctx: (([CLIENT],), {"source": "名册.xlsx", "counts": {"households": 1}})),
    Call("recommendations.save_recommendation", "expert", "staff",
         lambda ctx: (("社区三图需更新", "未整改", "", "B"), {})),
    Call("recommendations.delete_recommendation", "lead", "staff",
         lambda ctx: ((_first(ctx, "prev_recommendations"),), {})),
    Call("site_records.save_site_record", "expert", "staff",
         lambda ctx: (("document", {"finding": "缺少督导签名"}), {"record_id": _first(ctx, "site_records",
                                                                                 " AND kind = 'document'")})),
    Call("site_records.delete_site_record", "expert2", "staff",
         lambda ctx: ((_first(ctx, "site_records"),), {})),
    Call("site_records.prefill_site_records", "lead", "staff",
         lambda ctx: (("observation", ["新增观察项目"]), {})),
]
