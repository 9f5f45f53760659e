"""The satisfaction survey's questionnaire and the caller's script, as a framework states them.

The questionnaire's items and the wording the caller reads out (by key) are framework content: a
framework's `survey: script:` block rewords any of them (read by core.framework.model), the lead edits
them per assessment (core.survey). These are the built-in defaults and the flattening of the block.
"""
from __future__ import annotations

AWARENESS_ITEMS = ("社工站地址", "服务内容", "社工人员", "求助渠道", "经费来源")
SATISFACTION_ITEMS = ("问题解决", "能力提升", "支持网络", "服务态度")
OVERALL = "总体满意度"


# The wording the caller reads out, by key; a framework's `survey: script:` block replaces any of
# them, and the lead edits them per assessment. {station}, {org} and {name} are filled in.
DEFAULT_SCRIPT = {
    "opening": "您好，请问是{name}吗？我是{org}的回访员，受委托了解{station}的社工服务情况，大约占用您 3 分钟，可以吗？",
    "respondent": "请问您是服务对象本人，还是家属？",
    "knows_worker": "请问您认识社工站的社工吗？",
    "awareness_intro": "接下来我念几项社工站的情况，您知道的请告诉我：",
    **{f"awareness:{k}": q for k, q in zip(AWARENESS_ITEMS, (
        "您知道社工站在哪里吗？", "您知道社工站提供哪些服务吗？", "您知道为您服务的社工是谁吗？",
        "您知道有困难时怎样联系社工站吗？", "您知道社工站的服务经费来自政府购买吗？"))},
    "satisfaction_intro": "请您对以下几方面打分：非常满意、满意、一般、不满意、非常不满意。",
    **{f"satisfaction:{k}": q for k, q in zip(SATISFACTION_ITEMS, (
        "社工的服务对解决您的问题满意吗？", "社工的服务对提升您（家庭）的能力满意吗？",
        "社工帮您联系的支持网络（邻里、社区、资源）满意吗？", "您对社工的服务态度满意吗？"))},
    "overall": "总体来说，您对社工站的服务满意吗？",
    "closing": "感谢您的配合，祝您生活愉快，再见！",
}
SCRIPT_LABELS = {
    "opening": "开场白", "respondent": "确认受访者", "knows_worker": "是否认识社工", "awareness_intro": "知晓度引导语",
    **{f"awareness:{k}": f"知晓度·{k}" for k in AWARENESS_ITEMS},
    "satisfaction_intro": "满意度引导语", **{f"satisfaction:{k}": f"满意度·{k}" for k in SATISFACTION_ITEMS},
    "overall": OVERALL, "closing": "结束语",
}


def script_from_framework(block) -> dict[str, str]:
    """A framework's `survey: script:` block -> {key: text} (nested awareness/satisfaction maps are
    flattened to 'awareness:<item>'); unknown keys and empty texts are ignored."""
    out: dict[str, str] = {}
    for k, v in (block or {}).items() if isinstance(block, dict) else ():
        if isinstance(v, dict) and k in ("awareness", "satisfaction"):
            for item, text in v.items():
                if f"{k}:{item}" in DEFAULT_SCRIPT and str(text or "").strip():
                    out[f"{k}:{item}"] = str(text).strip()
        elif k in DEFAULT_SCRIPT and str(v or "").strip():
            out[k] = str(v).strip()
    return out
