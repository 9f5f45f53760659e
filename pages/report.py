"""Placeholder until its issue lands."""
import streamlit as st

from pages import _shared as ui

ui.require_login()
st.info("此页面正在建设中。")
