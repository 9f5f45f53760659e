"""The agency's 指标体系 in Excel: the shipped framework round-trips unchanged, a hand-made
workbook is read, and every mistake is named by sheet, row and column (nothing imported)."""
from __future__ import annotations

import dataclasses
import io

import pytest
from openpyxl import Workbook, load_workbook

from core.framework import xlsx as X
from core.framework.model import available_frameworks, parse_framework

FOUR = available_frameworks()["gz-2024-four-party"]
CITY = available_frameworks()["gz-2019-city"]


def _imported(data: bytes):
    fw_data, errors = X.framework_from_xlsx(data)
    assert errors == []
    return parse_framework(fw_data)


def _edited(fw, edit) -> bytes:
    """Export `fw`, let `edit(workbook)` change cells as a user would in Excel, return the file."""
    wb = load_workbook(io.BytesIO(X.to_xlsx(fw)))
    edit(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _row_of(ws, column: str, value) -> int:
    cols = [c.value for c in ws[1]]
    k = cols.index(column)
    for row in ws.iter_rows(min_row=2):
        if row[k].value == value:
            return row[0].row
    raise KeyError(value)


def _set(ws, row: int, column: str, value) -> None:
    cols = [c.value for c in ws[1]]
    ws.cell(row, cols.index(column) + 1).value = value


def _errors(data: bytes) -> list[str]:
    fw_data, errors = X.framework_from_xlsx(data)
    assert fw_data is None
    return errors


def test_the_shipped_framework_exported_to_excel_and_imported_is_identical():
    assert _imported(X.to_xlsx(FOUR)) == dataclasses.replace(FOUR, source="")


def test_a_framework_with_weights_in_points_comes_back_with_the_same_weights_as_percentages():
    back = _imported(X.to_xlsx(CITY))
    assert [p.weight for p in back.parties] == [70, 20, 10]          # 700 / 200 / 100 of 1000
    assert dataclasses.replace(back, parties=CITY.parties) == dataclasses.replace(CITY, source="")


def test_the_workbook_has_the_sheets_a_user_fills_in():
    wb = load_workbook(io.BytesIO(X.to_xlsx(FOUR)))
    assert wb.sheetnames == ["说明", "框架信息", "评估方", "等级", "否决项", "指标", "评分标准"]
    ws = wb["指标"]
    a4 = _row_of(ws, "指标代码", "A4")
    assert ws.cell(a4, 8).value == "组合分"
    assert "未成年人知情同意书" in "".join(str(c.value) for c in wb["评分标准"]["B"])


def test_points_that_do_not_add_up_to_the_section_total_are_named_by_sheet_row_and_column():
    def edit(wb):
        ws = wb["指标"]
        _set(ws, _row_of(ws, "指标代码", "A5"), "分值", 3)         # section A now 21 ≠ 20
    errors = _errors(_edited(FOUR, edit))
    section_row = _row_of(load_workbook(io.BytesIO(X.to_xlsx(FOUR)))["指标"], "部分名称", "项目管理")
    assert f"工作表“指标”第 {section_row} 行“部分分值”列：部分 A 各指标分值之和为 21，与部分分值 20 不符。" in errors


def test_criteria_that_do_not_add_up_to_the_indicator_points_are_named():
    def edit(wb):
        ws = wb["评分标准"]
        _set(ws, _row_of(ws, "内容", "专业服务流程有指引"), "分值", 2)
    errors = _errors(_edited(FOUR, edit))
    assert any(e.startswith("工作表“评分标准”第 ") and "“分值”列：指标 A4 各条标准分值之和为 6，与指标分值 5" in e
               for e in errors), errors


def test_levels_out_of_order_are_named_by_row():
    wb0 = load_workbook(io.BytesIO(X.to_xlsx(FOUR)))
    rows = [r[0].row for r in wb0["评分标准"].iter_rows(min_row=2) if r[0].value == "A2"]

    def edit(wb):
        _set(wb["评分标准"], rows[2], "得分比例（%）", 90)            # 完全达到 100, 基本达到 80, 部分达到 90
    errors = _errors(_edited(FOUR, edit))
    assert (f"工作表“评分标准”第 {rows[2]} 行“得分比例（%）”列：指标 A2 的程度分等级应按得分比例从高到低排列："
            f"90% 不低于上一行（第 {rows[1]} 行）的 80%。") in errors


def test_weights_not_summing_to_100_are_refused():
    def edit(wb):
        _set(wb["评估方"], 3, "权重（%）", 15)                      # 购买方 20 -> 15: 95 in all
    assert "工作表“评估方”“权重（%）”列：各评估方权重之和为 95，应为 100。" in _errors(_edited(FOUR, edit))


def test_every_error_of_a_workbook_is_listed_at_once():
    def edit(wb):
        ws = wb["指标"]
        _set(ws, _row_of(ws, "指标代码", "B3"), "评分方式", "打分")
        _set(ws, _row_of(ws, "指标代码", "C1"), "分值", "八")
        _set(ws, _row_of(ws, "部分名称", "服务质量"), "评分范围", "每户")
        _set(wb["等级"], 2, "最低分", "九十")
    errors = _errors(_edited(FOUR, edit))
    joined = "\n".join(errors)
    assert "“评分方式”列：应为“组合分”“程度分”或“自由评分”，实际为“打分”" in joined
    assert "“分值”列：应为数字，实际为“八”" in joined
    assert "“评分范围”列：应为“全站”或“按片区”，实际为“每户”" in joined
    assert "工作表“等级”第 2 行“最低分”列：应为数字，实际为“九十”" in joined


def test_a_file_that_is_not_a_workbook_or_lacks_a_sheet_is_refused_with_the_reason():
    assert _errors(b"not an excel file") == ["文件不是有效的 Excel 工作簿（.xlsx），请用本系统导出的模板填写。"]

    def edit(wb):
        del wb["评分标准"]
    assert _errors(_edited(FOUR, edit)) == ["缺少工作表“评分标准”。"]


def _agency_workbook() -> bytes:
    """A 指标体系 typed by an agency: only the columns it needs, in its own order, the section
    code written on the section row only, evidence separated by 顿号, scope '片区'."""
    wb = Workbook()
    wb.active.title = "框架信息"
    wb["框架信息"].append(["项目", "内容"])
    for row in (["框架编号", "agency-2025"], ["框架名称", "某机构社工站评估指标（2025）"], ["版本", 1]):
        wb["框架信息"].append(row)
    ws = wb.create_sheet("评估方")
    ws.append(["名称", "由指标计算", "满分", "权重（%）", "简称", "代码"])
    ws.append(["第三方评估机构", "是", 100, 60, None, None])
    ws.append(["街道办事处", "否", 100, 40, "购买方", "purchaser"])
    ws = wb.create_sheet("等级")
    ws.append(["等级", "最低分"])
    for g in (["优秀", 90], ["合格", 60], ["不合格", 0]):
        ws.append(g)
    ws = wb.create_sheet("指标")
    ws.append(["部分代码", "部分名称", "部分分值", "评分范围", "指标代码", "指标名称", "分值", "评分方式", "需提供材料"])
    ws.append(["A", "项目管理", 40, "全站"])
    ws.append([None, None, None, None, "A1", "人员配置", 25, "组合分", "花名册、劳动合同、证书"])
    ws.append([None, None, None, None, "A2", "制度建设", 15, "程度分", None])
    ws.append([])
    ws.append(["B", "服务质量", 60, "片区"])
    ws.append([None, None, None, None, "B1", "兜底服务", 60, "自由评分", None])
    ws = wb.create_sheet("评分标准")
    ws.append(["指标代码", "内容", "分值", "得分比例（%）"])
    ws.append(["A1", "持证率达标", 15, None])
    ws.append(["A1", "劳动合同规范", 10, None])
    ws.append(["A2", "完善", None, 100])
    ws.append(["A2", "基本完善", None, "60%"])
    ws.append(["A2", "欠缺", None, 0])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_a_workbook_made_by_an_agency_is_read_as_written():
    fw = _imported(_agency_workbook())
    assert fw.id == "agency-2025" and [(p.code, p.weight) for p in fw.parties] == [("third_party", 60), ("purchaser", 40)]
    assert [(s.code, s.scope, s.points) for s in fw.sections] == [("A", "station", 40), ("B", "area", 60)]
    a1 = fw.indicator("A1")
    assert a1.evidence == ("花名册", "劳动合同", "证书") and [c.points for c in a1.criteria] == [15, 10]
    assert [(lv.name, lv.share) for lv in fw.indicator("A2").levels] == [("完善", 1.0), ("基本完善", 0.6), ("欠缺", 0.0)]
    assert fw.indicator("B1").rule_type == "free" and fw.indicator("B1").scope == "area"
    assert [g.name for g in fw.grades] == ["优秀", "合格", "不合格"]
