"""重点服务对象名册: import the key-client register and see it summarised — names and phones masked."""
import pandas as pd
import streamlit as st

from core.station import register_import as imports
from core.station import data as station_data
from core.assessment import team
from core.errors import DataError, ImportRejected
from core import uploads
from pages import _shared as ui

who = ui.require_login()
db = ui.get_db()
assessment_id, member_id = who["assessment_id"], who["member_id"]
locked = team.is_locked(db, assessment_id)
can_edit = station_data.can_edit_station_data(who["role"]) and not locked

st.title("重点服务对象名册")
st.caption(ui.esc("姓名与电话在所有页面和导出中均脱敏显示（如 黄*昕、138****1234）。"))
if locked:
    st.info("评估已锁定，本页只读。", icon=":material/lock:")

clients = station_data.register_view(db, assessment_id)      # names and phones masked, 备注 scrubbed
summary = station_data.register_summary(db, assessment_id)

if ok := st.session_state.pop("register_import_ok", None):
    st.success(ui.esc(ok))

c = st.columns(4)
c[0].metric("户数", int(summary["households"]))
c[1].metric("人数", int(summary["persons"]))
c[2].metric("空挂户（人）", int(summary["vacant_household"]))
c[3].metric("人户分离（人）", int(summary["separated"]))

if not clients:
    st.info("尚未导入名册。请下载模板，按表头填写后导入（.xlsx 或 .csv）。")
else:
    left, right = st.columns(2)
    with left:
        st.markdown("**按社区**")
        ui.table(pd.DataFrame([{"社区": k, "户数": v["households"], "人数": v["persons"]}
                                   for k, v in summary["by_community"].items()]),
                     hide_index=True, width="stretch", key="register_by_community", placeholder="")
    with right:
        st.markdown("**按对象类别**")
        ui.table(pd.DataFrame([{"类别": k, "人数": v} for k, v in summary["by_category"].items()]),
                     hide_index=True, width="stretch", key="register_by_category", placeholder="")
        if summary["several_categories"]:
            st.caption(ui.esc(f"{summary['several_categories']} 人属于多个类别，在每个类别中各计一次。"))
    if summary["no_phone"]:
        st.caption(ui.esc(f"无电话 {summary['no_phone']} 人：保留在名册中，抽样抽到时计为无法接通。"))

    st.markdown("**名册（脱敏）**")
    communities = ["全部社区"] + list(summary["by_community"])
    f1, f2 = st.columns(2)
    comm = f1.selectbox("社区", communities, placeholder="请选择", key="register_filter_community")
    flag = f2.selectbox("标记", ["全部", "空挂户", "人户分离"], placeholder="请选择", key="register_filter_flag")
    shown = clients
    if comm != "全部社区":
        shown = [r for r in shown if r["community"] == comm]
    if flag == "空挂户":
        shown = [r for r in shown if r["vacant_household"]]
    elif flag == "人户分离":
        shown = [r for r in shown if r["separated"]]
    ui.table(pd.DataFrame([{"姓名": r["name"], "电话": r["phone"], "社区": r["community"], "类别": r["category"],
                                "户号": r["household"], "空挂户": "是" if r["vacant_household"] else "",
                                "人户分离": "是" if r["separated"] else "", "备注": r["note"]} for r in shown],
                              columns=["姓名", "电话", "社区", "类别", "户号", "空挂户", "人户分离", "备注"]),
                 hide_index=True, width="stretch", key="register_table", placeholder="")
    st.caption(f"显示 {len(shown)} 人")

def _import_state() -> dict:
    """The register import in progress: the uploaded file, the column mapping, the header row
    and the fixes typed in the preview ({row: {field: text, 'skip': True}}). `gen` renews the
    widget keys when another file is chosen."""
    return st.session_state.setdefault("register_import", {"gen": 0, "file": None, "mapping": {}, "edits": {},
                                                            "header_row": None})


def _on_file() -> None:
    state, up = _import_state(), st.session_state.get("client_upload")
    state.update(gen=state["gen"] + 1, mapping={}, edits={}, header_row=None,
                 file=(up.name, up.getvalue()) if up is not None else None)


def _on_mapping(field: str, key: str) -> None:
    v = st.session_state.get(key)
    _import_state()["mapping"][field] = None if v is None or v < 0 else int(v)


def _on_header(key: str) -> None:
    state = _import_state()
    state.update(header_row=int(st.session_state[key]), mapping={}, gen=state["gen"] + 1)


def _on_fix(row: int, field: str, key: str, offered: str) -> None:
    value = st.session_state.get(key)
    edits = _import_state()["edits"].setdefault(row, {})
    if field == "skip":
        if value:
            edits["skip"] = True
        else:
            edits.pop("skip", None)
    elif (value or "").strip() and value != offered:
        edits[field] = value
    else:
        edits.pop(field, None)


def _import_section() -> None:
    state = _import_state()
    refused = station_data.register_replace_refusal(db, assessment_id)
    if refused:
        st.warning(ui.esc(refused), icon=":material/block:")
        return
    st.file_uploader("选择名册文件（.xlsx 或 .csv；可直接用本站原有的名册，标题行、合计行会自动跳过）",
                     type=["xlsx", "csv"], key="client_upload", on_change=_on_file, max_upload_size=uploads.max_mb("table"))
    st.caption(ui.esc(uploads.limit_text("table")))
    if not state["file"]:
        return
    name, data = state["file"]
    try:
        view = station_data.register_preview_view(db, assessment_id, name, data, state["mapping"] or None,
                                                  state["edits"], state["header_row"])
    except DataError as e:
        st.error(ui.esc(str(e)))
        return
    st.markdown(f"**导入预览：{ui.esc(name)}**")
    _mapping_controls(view, state["gen"])
    _preview_summary(view)
    _fix_rows(view, state)
    _preview_table(view["rows"])
    _confirm_import(view, state, name, data)


def _mapping_controls(view: dict, gen: int) -> None:
    """The header row and one select per field: which column of the file holds it."""
    st.caption(ui.esc(f"表头在第 {view['header_row']} 行。请核对每一列对应的内容；列名不同时在下面改选。"
                      "以下显示的姓名和电话已脱敏。"))
    h1, _ = st.columns([1, 3])
    h1.number_input("表头所在行", min_value=1, value=int(view["header_row"]), step=1,
                    key=f"reg_header_{gen}", on_change=_on_header, args=(f"reg_header_{gen}",))
    columns = view["columns"]
    options = [-1] + list(range(len(columns)))
    label = lambda i: "（文件中没有此列）" if i < 0 else columns[i]  # noqa: E731
    grid = st.columns(3)
    for k, f in enumerate(imports.CLIENT_COLUMNS):
        need = "（必填）" if f in imports.CLIENT_REQUIRED else "（户号或户主，至少一项）" if f in imports.HOUSEHOLD_KEYS else ""
        cur = view["mapping"].get(f)
        key = f"reg_map_{f}_{gen}"
        grid[k % 3].selectbox(imports.CLIENT_COLUMNS[f][0] + need, options, index=options.index(cur if cur is not None else -1),
                              format_func=label, key=key, on_change=_on_mapping, args=(f, key))


def _preview_summary(view: dict) -> None:
    """Persons, households, the rows skipped (a person listed twice among them) and the errors."""
    rows = view["rows"]
    m = st.columns(4)
    m[0].metric("将导入人数", int(view["persons"]))
    m[1].metric("户数", int(view["households"]))
    m[2].metric("无电话（人）", int(view["no_phone"]))
    m[3].metric("有修改的行", sum(1 for r in rows if r["changes"]))
    if view["duplicates"]:
        st.warning(ui.esc(f"重复登记 {len(view['duplicates'])} 人（姓名、电话相同），只计一次："
                          + "、".join(f"第 {n} 行（同第 {first} 行）" for n, first in view["duplicates"])),
                   icon=":material/content_copy:")
    if view["skipped"]:
        with st.expander(ui.esc(f"已跳过 {len(view['skipped'])} 行（标题、合计、签名、空行、重复登记等）"), expanded=False):
            for n, why in view["skipped"]:
                st.markdown(ui.esc(f"第 {n} 行：{why}"))
    if view["errors"]:
        st.error(ui.esc(f"有 {len(view['errors'])} 处问题，改正后才能导入（可在下面直接改，或改好文件后重新选择）："))
        if not any(r["errors"] for r in rows):        # the file as a whole (columns, header): no row to fix
            for e in view["errors"]:
                st.markdown(ui.esc(e))


def _fix_rows(view: dict, state: dict) -> None:
    """A box per row with a problem (or fixed in the preview): a field to correct each, and 不导入."""
    gen = state["gen"]
    fixable = [r for r in view["rows"] if r["errors"] or state["edits"].get(r["row"])]
    for r in fixable[:100]:
        n = r["row"]
        edits = state["edits"].get(n, {})
        with st.container(border=True):
            fields = [(f, col, msg) for f, col, msg in r["errors"]]
            fields += [(f, imports.CLIENT_COLUMNS[f][0], "已修改") for f in edits
                       if f in imports.CLIENT_COLUMNS and f not in {x[0] for x in fields}]
            for f, col, msg in fields:
                key = f"reg_fix_{gen}_{n}_{f}"
                offered = r["fix"].get(f, "")
                ui.init_state(key, edits.get(f, offered))
                hint = r["hint"].get(f)
                st.text_input(ui.esc(f"第 {n} 行“{col}”：{msg}"),
                              placeholder=f"原为 {hint}，请输入正确内容" if hint else "请输入正确内容",
                              key=key, on_change=_on_fix, args=(n, f, key, offered))
            ui.init_state(f"reg_skip_{gen}_{n}", bool(edits.get("skip")))
            st.checkbox(ui.esc(f"第 {n} 行不导入"), key=f"reg_skip_{gen}_{n}",
                        on_change=_on_fix, args=(n, "skip", f"reg_skip_{gen}_{n}", ""))
    for n in sorted(k for k, e in state["edits"].items() if e.get("skip")):
        ui.init_state(f"reg_skip_{gen}_{n}", True)
        st.checkbox(ui.esc(f"第 {n} 行不导入"), key=f"reg_skip_{gen}_{n}",
                    on_change=_on_fix, args=(n, "skip", f"reg_skip_{gen}_{n}", ""))


def _preview_table(rows: list[dict]) -> None:
    table = pd.DataFrame([{
        "行号": r["row"], "姓名": r["stored"].get("name", ""), "电话": r["stored"].get("phone", ""),
        "第二电话": r["stored"].get("phone2", ""), "社区": r["stored"].get("community", ""),
        "类别": r["stored"].get("category", ""), "户号": r["stored"].get("household", ""),
        "空挂户": "是" if r["stored"].get("vacant_household") else "",
        "人户分离": "是" if r["stored"].get("separated") else "",
        "问题": "；".join(f"{col}：{msg}" for _, col, msg in r["errors"]),
        "修改": "；".join(r["changes"])} for r in rows],
        columns=["行号", "姓名", "电话", "第二电话", "社区", "类别", "户号", "空挂户", "人户分离", "问题", "修改"])
    ui.table(table, hide_index=True, width="stretch", key="register_preview_table", placeholder="")


def _confirm_import(view: dict, state: dict, name: str, data: bytes) -> None:
    if st.button(f"确认导入：替换名册（{view['persons']} 人，{view['households']} 户）", key="client_import",
                 type="primary", disabled=not view["ok"]):
        try:
            done = station_data.import_register(db, assessment_id, member_id, name, data, state["mapping"] or None,
                                                state["edits"], state["header_row"])
        except ImportRejected as e:
            st.error("导入失败，数据未作任何修改：\n\n" + "\n".join(f"- {ui.esc(x)}" for x in e.errors))
        except DataError as e:
            st.error(ui.esc(str(e)))
        else:
            st.session_state.pop("register_import", None)
            dup = f"重复登记 {len(done['duplicates'])} 人只计一次，" if done["duplicates"] else ""
            st.session_state["register_import_ok"] = (f"已导入 {done['persons']} 名重点服务对象（{done['households']} 户），"
                                                      f"{dup}跳过 {len(done['skipped'])} 行。")
            st.rerun()


st.subheader("导入名册")
with st.expander("下载模板", expanded=not clients):
    d1, d2 = st.columns(2)
    d1.download_button("下载 Excel 模板", imports.client_template("xlsx"), file_name="重点服务对象名册模板.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key="client_template_xlsx", on_click="ignore")
    d2.download_button("下载 CSV 模板", imports.client_template("csv"), file_name="重点服务对象名册模板.csv",
                       mime="text/csv", key="client_template_csv", on_click="ignore")
    st.caption("必填列：姓名、联系电话、所属社区、对象类别（17 类之一，几类用“、”分隔）、户号（“同上”= 与上一行同户，留空 = 单独一户；"
               "没有户号列时按户主分户：一位户主及其下写“同上”的各行为一户）；"
               "可选：空挂户、人户分离（是/√/空挂/人户分离）、备注。无电话的对象填“无”，仍保留在名册中。"
               "导入前显示每行将保存的内容和所作修改；导入将整份替换现有名册；有任何问题则不导入，原有名册不变。")
if can_edit:
    _import_section()
elif not locked:
    st.info("名册由组长或工作人员导入。")
