"""Small Playwright helpers for driving Streamlit widgets by their `key=`.

Streamlit puts `st-key-<key>` on each keyed widget's container, which is steadier
than labels or generated ids. All waits are Playwright's auto-waiting / expect.
"""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def widget(page: Page, key: str):
    return page.locator(f".st-key-{key}")


def fill(page: Page, key: str, text: str) -> None:
    box = widget(page, key).locator("input, textarea").first
    box.fill(text)


def _pick(page: Page, key: str, option: str) -> None:
    # Typing filters the list (a bare click does not always open it).
    box = widget(page, key).get_by_role("combobox")
    box.click()
    box.press_sequentially(option)
    page.get_by_role("option", name=option, exact=True).click()


def choose(page: Page, key: str, option: str) -> None:
    """Pick `option` in a st.selectbox."""
    _pick(page, key, option)
    expect(widget(page, key).get_by_role("combobox")).to_have_value(option)


def add_choice(page: Page, key: str, option: str) -> None:
    """Add `option` to a st.multiselect."""
    _pick(page, key, option)
    page.keyboard.press("Escape")
    expect(widget(page, key)).to_contain_text(option)


def open_expander(page: Page, label: str) -> None:
    """Open a st.expander (whether it starts open or closed)."""
    details = page.get_by_test_id("stExpander").filter(has_text=label).locator("details")
    expect(details).to_have_count(1)
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    expect(details).to_have_attribute("open", "")


def click(page: Page, name: str | re.Pattern) -> None:
    # A click that lands while a script run is still in flight can be dropped by the
    # frontend (seen with form submits on a loaded machine): wait for the app to be idle.
    wait_idle(page)
    page.get_by_role("button", name=name, exact=isinstance(name, str)).click()


def main(page: Page):
    return page.get_by_test_id("stMain")


def wait_idle(page: Page) -> None:
    """Wait until Streamlit has finished the current script run."""
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)


def login(page: Page, url: str, assessment_id: int, name: str, pin: str) -> None:
    """Log in through the home page form and wait for the greeting."""
    page.goto(f"{url}/?a={assessment_id}")
    choose(page, "login_name", name)
    fill(page, "login_pin", pin)
    click(page, "登录")
    expect(main(page).get_by_text(f"您好，{name}")).to_be_visible()


def go(page: Page, title: str) -> None:
    """Open a page from the sidebar navigation by its title."""
    menu(page).get_by_role("link", name=re.compile(title)).click()


def menu(page: Page):
    """The app's menu in the sidebar (st.page_link entries; Streamlit's own page list is off)."""
    return page.get_by_test_id("stSidebar").get_by_test_id("stPageLink")
