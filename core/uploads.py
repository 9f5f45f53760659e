"""What the app accepts from each upload box: the one place for upload limits.

Every st.file_uploader passes `max_upload_size=max_mb(kind)` (Streamlit refuses a larger file
before it reaches the app), shows `limit_text(kind)` beside the box in Chinese, and the use case
refuses a larger file with `too_large(...)` (the command line and tests reach it without the
browser). .streamlit/config.toml's server.maxUploadSize is the largest of these
(tests/test_uploads.py checks all three agree).
"""
from __future__ import annotations

MB = 1024 * 1024

# kind -> (limit in MB, accepted file types)
LIMITS = {
    "table": (5, (".xlsx", ".csv")),       # 重点服务对象名册, 协议指标
    "framework": (5, (".xlsx",)),          # 指标体系 Excel
    # JSON 迁移文件: a whole assessment with its audit log and its evidence files (base64)
    "transfer": (100, (".json",)),
    # 证据附件: a photo or PDF scan; the box has no type filter, so a file of another kind reaches
    # core.station.evidence.prepare and is refused there in Chinese
    "evidence": (10, (".jpg", ".png", ".webp", ".pdf")),
}


def max_mb(kind: str) -> int:
    return LIMITS[kind][0]


def max_bytes(kind: str) -> int:
    return LIMITS[kind][0] * MB


def largest_mb() -> int:
    """The largest limit: .streamlit/config.toml's server.maxUploadSize."""
    return max(mb for mb, _ in LIMITS.values())


def limit_text(kind: str) -> str:
    """'文件格式 .xlsx 或 .csv，大小不超过 5 MB（超过的文件不会被接收）' — shown beside the upload box."""
    mb, types = LIMITS[kind]
    return f"文件格式 {' 或 '.join(types)}，大小不超过 {mb} MB（超过的文件不会被接收）"


def too_large(kind: str, name: str, size: int) -> str | None:
    """The Chinese refusal of a file over the limit, or None when it fits."""
    if size <= max_bytes(kind):
        return None
    return f"文件“{name or '（无名）'}”过大（{size / MB:.1f} MB），上限为 {max_mb(kind)} MB：请确认选择了正确的文件"
