"""The evidence panel (证据附件) shared by 现场记录 (site records, interview notes) and 专家评分 (findings):
thumbnails of what is attached, each marked whether it shows personal data, and an upload form
(file or camera) with the cap stated in Chinese beside it. Reads and writes through core.station.attachments.
"""
from __future__ import annotations

import streamlit as st

from core import uploads
from core.station import attachments
from core.station.evidence import CAP_TEXT, PERSONAL_HELP, size_text
from pages import _shared as ui

THUMB_PX = 160


def thumbnails(items: list[dict], key: str, db=None, assessment_id: int | None = None,
               member_id: int | None = None, can_edit: bool = False, columns: int = 4) -> None:
    """The attachments as thumbnails (a PDF as its name), with a download button each; with
    `can_edit`, a 含个人信息 checkbox and a delete button under each."""
    if not items:
        return
    cols = st.columns(columns)
    for n, a in enumerate(items):
        with cols[n % columns]:
            label = a["caption"] or a["filename"]
            if a.get("thumb"):
                st.image(a["thumb"], caption=label, width=THUMB_PX)
            else:
                st.markdown(f":material/picture_as_pdf: {ui.esc(a['filename'])}")
                if a["caption"]:
                    st.caption(ui.esc(a["caption"]))
            st.caption(f"{ui.esc(a.get('member_name') or '')} · {ui.esc(size_text(a['size']))}"
                       + (" · :red[含个人信息，不进入报告和 Excel]" if a["personal"] else ""))
            if db is None:
                continue
            if st.button("下载原图" if a.get("thumb") else "下载文件", key=f"{key}_get_{a['id']}"):
                f = attachments.file_of(db, assessment_id, a["id"])
                st.session_state[f"{key}_file_{a['id']}"] = f
            f = st.session_state.get(f"{key}_file_{a['id']}")
            if f:
                st.download_button("保存到本机", f["data"], file_name=f["filename"], mime=f["mime"],
                                   key=f"{key}_dl_{a['id']}", on_click="ignore")
            if can_edit:
                st.checkbox("含个人信息", value=a["personal"], key=f"{key}_personal_{a['id']}", help=PERSONAL_HELP,
                            on_change=lambda aid_=a["id"]: ui.saver(
                                f"{key}_err", attachments.set_personal, db, assessment_id, member_id, aid_,
                                bool(st.session_state.get(f"{key}_personal_{aid_}"))))
                st.button("删除附件", key=f"{key}_del_{a['id']}",
                          on_click=lambda aid_=a["id"]: ui.saver(f"{key}_err", attachments.delete, db, assessment_id,
                                                                 member_id, aid_))


def upload_form(db, assessment_id: int, member_id: int, owner_kind: str, owner_id: int, key: str) -> None:
    """Attach photos (file or camera) or PDF scans; each refused file gets its Chinese reason."""
    st.caption(ui.esc(CAP_TEXT))
    use_camera = st.toggle("用摄像头拍照", key=f"{key}_camera_on")
    with st.form(f"{key}_form", clear_on_submit=True, border=False):
        # No type= filter: a file of another kind reaches core.station.evidence, which refuses it in Chinese.
        files = st.file_uploader(f"选择照片或 PDF 扫描件（每个不超过 {uploads.max_mb('evidence')} MB）",
                                 accept_multiple_files=True, max_upload_size=uploads.max_mb("evidence"),
                                 key=f"{key}_files")
        shot = st.camera_input("拍照", key=f"{key}_shot") if use_camera else None
        caption = st.text_input("说明（可选，如“消防通道堆放杂物”）", key=f"{key}_caption")
        personal = st.checkbox("含个人信息（服务对象的面部、姓名、证件、电话或住址）", key=f"{key}_personal",
                               help=PERSONAL_HELP)
        submitted = st.form_submit_button("保存附件", key=f"{key}_submit")
    if not submitted:
        return
    chosen = list(files or []) + ([shot] if shot is not None else [])
    if not chosen:
        st.warning("请先选择文件或拍照。")
        return
    saved = 0
    for f in chosen:
        name = f.name if f is not shot else "现场拍照.jpg"
        if ui.run(lambda f=f, name=name: attachments.add(db, assessment_id, member_id, owner_kind, owner_id, name,
                                                         f.getvalue(), personal=personal, caption=caption)):
            saved += 1
    if saved:
        st.toast(f"已保存 {int(saved)} 个附件")
        st.rerun()


def panel(db, assessment_id: int, member_id: int, owner_kind: str, owner_id: int, key: str, can_edit: bool,
          items: list[dict] | None = None, on_request: bool = False) -> None:
    """Thumbnails of one record's / finding's evidence, and (when editable) the upload form. `on_request`: the
    form shows once 「添加照片或扫描件」 is switched on — a page with one panel per record (现场记录) would
    otherwise draw a file uploader for every record on every rerun (three quarters of its run)."""
    items = attachments.list_for(db, assessment_id, owner_kind, owner_id) if items is None else items
    ui.show_saved_error(f"{key}_err")
    thumbnails(items, key, db, assessment_id, member_id, can_edit)
    if can_edit and (not on_request or st.toggle("添加照片或扫描件", key=f"{key}_add")):
        upload_form(db, assessment_id, member_id, owner_kind, owner_id, key)
    elif not items:
        st.caption("暂无证据附件。")


if __name__ == "__main__":   # this file opened as a page before app.py ran once: the PIN form
    ui.through_app()
