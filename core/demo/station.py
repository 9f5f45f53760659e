"""Demo station data (contract indicators, staffing, register, site records).

Figures are the sample report's (元岗街, 末期评估 2025-02-27). The key-client
register is fictitious: 131 invented persons in 107 households with invented
11-digit numbers, generated deterministically (same every run).
"""
from __future__ import annotations

import random

from db.connection import transaction

from core.station import interviews
from core.station import data as station_data
from core.station.register import CATEGORIES

STAFF = "黄小燕"     # enters the station's figures
LEAD = "陈志远"
DOC_EXPERT = "林晓红"

# (name, unit, target, actual) — 附件1 of the sample report
INDICATORS = [
    ("电话访问", "个", 1968, 2165),
    ("入户探访", "个", 500, 793),
    ("个案接案", "个", 100, 99),
    ("个案服务节数", "节", 500, 441),
    ("个案结案", "个", 75, 66),
    ("小组", "个", 35, 35),
    ("小组节数", "节", 175, 175),
    ("小组服务人次", "人次", 1050, 1486),
    ("大型社区活动", "次", 6, 15),
    ("大型社区活动服务人次", "人次", 600, 3393),
    ("中小型社区活动", "次", 24, 49),
    ("中小型社区活动服务人次", "人次", 1200, 2090),
    ("新登记志愿者", "名", 200, 293),
    ("志愿者骨干", "名", 15, 20),
    ("志愿者队伍", "支", 3, 3),
]

STAFFING = dict(
    required=20, on_post=17, cert_intermediate=4, cert_assistant=11, non_certified=2, experienced=11,
    attendance_due=220, attendance_actual=223, attendance_cert_due=110, attendance_cert_actual=192.5,
    attendance_noncert_actual=30.5, training_due=1320, training_actual=1922.5, continuous=12,
)

# community -> (households, persons); 107 households, 131 persons in all
REGISTER_SHAPE = {
    "上元岗社区": (26, 33),
    "下元岗社区": (38, 47),
    "中人社区": (6, 7),
    "天源社区": (4, 4),
    "南兴社区": (33, 40),
}
VACANT = 30      # persons marked 空挂户
SEPARATED = 23   # persons marked 人户分离

_SURNAMES = "陈李黄张梁刘何林罗郑谢冯邓曾彭吴叶蔡苏卢"
_GIVEN = "子伟芳敏静丽强磊洋艳勇军杰娟涛明超秀霞平刚桂英华玉兰凤珍淑惠嘉欣俊宏志国建文婉晴佳怡浩然"
# Categories weighted towards the most common ones in a Guangzhou register.
_CATEGORY_WEIGHTS = [("低保对象", 30), ("特困人员", 8), ("低保边缘家庭成员", 10), ("支出型困难家庭成员", 4),
                     ("残疾人", 22), ("困境儿童", 9), ("单身特困母亲", 2), ("孤寡老年人", 6), ("空巢老年人", 10),
                     ("独居老年人", 14), ("留守老年人", 2), ("失能老年人", 6), ("重残老年人", 5),
                     ("计划生育特殊家庭老年人", 3)]

RECOMMENDATIONS = [
    ("A", "社工《劳动合同》中工作地点的相关信息表述模糊，应予完善。", "部分整改",
     "已重签部分合同，仍有合同工作地点仅写“天河区”，表述模糊。"),
    ("B", "片区需求调研主题不足，应补充开展需求调研，明晰社区服务需求。", "已整改",
     "片区一补充开展儿童安全、邻里关系、亲子关系 3 个主题需求调研，有调研报告。"),
    ("B", "“社区三图”可视化建设有待加强。", "已整改",
     "制定《元岗街社工站社区地图绘制指引》，各片区已更新社区三图。"),
    ("A", "专业服务文书中督导意见的回应应完整、规范。", "已整改",
     "抽查文书有回应副站长和督导的意见（签名及时间仍欠缺，见本期查阅资料）。"),
]

SITE_RECORDS = {
    "intro": [
        ("社工站运营及服务情况介绍", "", "", "",
         "由社工站项目负责人介绍：社工站 2012 年 7 月起由广州市北斗星社会工作服务中心运营，辖 5 个社区，"
         "划分 3 个服务片区，形成“一站三片五点”的服务布局；以“党建引领，五社联动”为统领。"),
        ("各项指标完成情况介绍", "", "", "",
         "各项协议指标均已完成或基本完成；个案服务节数、个案结案略低于协议指标量，负责人说明为部分个案跨期跟进。"),
    ],
    "observation": [
        ("服务场地与功能室", "ok", "", "", "场地功能分区清晰，服务指引张贴完整。"),
        ("无障碍设施", "ok", "", "", ""),
        ("消防安全设施与疏散指引", "ok", "", "", "消防器材在有效期内；防汛物资已按督导月报意见补充。"),
        ("信息公开栏", "ok", "", "", "信息公开内容完整、及时，版面整洁。"),
        ("党建引领与五社联动机制公示", "ok", "", "", "党建引领下的服务机制、架构、内容及五社联动机制已公示上墙。"),
        ("场地使用规则与服务指引", "ok", "", "", ""),
    ],
    "document": [
        ("人事管理制度", "ok", "", "", "有建立人事管理制度。"),
        ("劳动合同", "finding", "社工《劳动合同》中工作地点的相关信息表述模糊（中期评估意见未完全整改）。",
         "抽查社工劳动合同 5 份", ""),
        ("个案文书", "finding", "抽查的个案、小组、社区活动文书，社工有回应副站长和督导的意见，但没有签名和写时间。",
         "抽查个案 6 份、小组 3 份、社区活动 3 份", ""),
        ("小组文书", "ok", "", "", "流程落实，记录完整。"),
        ("社区活动文书", "ok", "", "", ""),
        ("服务知情同意书", "finding",
         "2 份未成年人个案的《服务知情同意书》均没有监护人签名，也没有监护人签名栏。",
         "未成年人个案档案：黄*昕、刘*盈", ""),
        ("分级评估表", "finding", "兜底对象分级评估表中购买社工及直聘社工的姓名为打印，建议相关社工本人签名。",
         "抽查分级评估表 4 份", ""),
        ("重点服务对象名册", "finding", None, "抽查空挂户、人户分离对象服务档案 2 份", ""),
        ("继续教育与督导记录", "ok", "", "", "继续教育时数达标，督导记录完整。"),
        ("志愿者与社区社会组织档案", "finding",
         "“元梦之星”志愿服务队申请表的审核原因处为空白；企业志愿服务队一份服务反馈表缺少姓名等个人信息；"
         "新培育志愿队伍汇总表的表头有误。", "志愿者档案", ""),
    ],
    "interview": [
        ("服务访谈：片区社工", "", "", "",
         "片区社工熟悉片区兜底对象情况，能说明片区特色服务（“元穗同心”“益慈元爱”“耆乐安居”）的思路；"
         "对典型案例的梳理与服务成效总结仍在进行中。"),
        ("机构运营访谈：机构管理人员及行政人员", "", "", "",
         "机构介绍人员流失的客观原因及补员安排；行政配套制度齐全，消防安全组织机构责任人待更新。"),
    ],
}


# Interview notes, one per interviewee (fictitious people; names are masked on every output).
# (group, role, name, key points, quotes, recorded by)
INTERVIEWS = [
    ("worker", "片区一社工", "何嘉敏", "熟悉片区 10 户兜底对象，能说明“元穗同心”困境儿童服务的思路；典型案例仍在整理。",
     "“每户我们每月至少电话一次，上门一次。”", "王建华"),
    ("worker", "片区二社工", "邓志聪", "团队借助个案和小组为困难群众链接资源，反思意识较强。", "", "赵敏"),
    ("worker", "片区三社工", "苏慧玲", "介绍“耆乐安居”长者服务；成效总结尚未形成文字。", "", "周立新"),
    ("manager", "机构副总干事", "梁国栋", "说明人员流失的客观原因及补员安排；行政配套制度齐全。",
     "“下半年已经补招了 3 名持证社工。”", "林晓红"),
    ("client", "独居长者", "", "社工每周来电问候，帮忙申请了居家适老化改造。", "“有事找社工，很放心。”", "王建华"),
    ("client", "困境儿童家长", "", "孩子参加了“彩绘梦想”小组，更愿意与人交流。", "", "赵敏"),
    ("partner", "上元岗社区居委委员", "", "社工与居委每月联席，兜底政策宣传配合紧密。", "", "周立新"),
]


def register_rows(seed: int = 20250227) -> list[dict]:
    """The fictitious register: 131 persons in 107 households, deterministic."""
    rnd = random.Random(seed)
    used_names, used_phones = set(), set()

    def name() -> str:
        while True:
            n = rnd.choice(_SURNAMES) + "".join(rnd.choice(_GIVEN) for _ in range(rnd.choice((1, 2, 2, 2))))
            if n not in used_names:
                used_names.add(n)
                return n

    def phone() -> str:
        while True:
            p = rnd.choice(("135", "137", "138", "139", "150", "158", "159", "186", "188", "189")) + \
                "".join(rnd.choice("0123456789") for _ in range(8))
            if p not in used_phones:
                used_phones.add(p)
                return p

    cats = [c for c, _ in _CATEGORY_WEIGHTS]
    weights = [w for _, w in _CATEGORY_WEIGHTS]
    assert all(c in CATEGORIES for c in cats)
    rows, hh_no = [], 0
    for comm, (households, persons) in REGISTER_SHAPE.items():
        extra = persons - households           # households with a second member
        for h in range(households):
            hh_no += 1
            hid = f"YG{hh_no:03d}"
            size = 2 if h < extra else 1
            for _ in range(size):
                rows.append({"name": name(), "phone": phone(), "community": comm,
                             "category": rnd.choices(cats, weights)[0], "household": hid,
                             "vacant_household": False, "separated": False, "note": ""})
    order = list(range(len(rows)))
    rnd.shuffle(order)
    for i in order[:VACANT]:
        rows[i]["vacant_household"] = True
    for i in order[VACANT:VACANT + SEPARATED]:
        rows[i]["separated"] = True
    return rows


def fill(db, assessment_id: int, member_ids: dict[str, int]) -> None:
    staff = member_ids.get(STAFF) or member_ids[LEAD]
    lead = member_ids[LEAD]
    doc_expert = member_ids.get(DOC_EXPERT, lead)
    with transaction(db):
        station_data.save_indicators(db, assessment_id, staff, [
            {"name": n, "unit": u, "target": t, "actual": a, "note": ""} for n, u, t, a in INDICATORS])
        station_data.save_staffing(db, assessment_id, staff, **STAFFING)
        clients = register_rows()
        station_data.replace_clients(db, assessment_id, staff, clients, source="示例名册（虚构）")
        for section, text, status, evidence in RECOMMENDATIONS:
            station_data.save_recommendation(db, assessment_id, lead, text, status, evidence, section_code=section)
        n_vacant = sum(c["vacant_household"] for c in clients)
        n_sep = sum(c["separated"] for c in clients)
        register_finding = (f"在 {len(clients)} 个重点服务对象中，备注为空挂户 {n_vacant} 人、人户分离 {n_sep} 人；"
                            "抽查其中 2 份服务档案，社工均有为其提供服务，建议在名册备注栏中补充社工站提供服务数据。")
        for group, role, name, points, quotes, by in INTERVIEWS:
            interviews.save_interview(db, assessment_id, member_ids.get(by, lead), group_code=group, role=role,
                                      name=name, points=points, quotes=quotes)
        for kind, records in SITE_RECORDS.items():
            who = doc_expert if kind == "document" else lead
            for item, status, finding, file_ref, notes in records:
                station_data.save_site_record(db, assessment_id, who, kind, item=item, status=status,
                                    finding=register_finding if finding is None else finding,
                                    file_ref=file_ref, notes=notes)
