"""The widget used with the keyboard alone, following the ARIA 1.2 combobox pattern."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Request, expect

from tests.browser.widget import Tab, Widget

pytestmark = pytest.mark.browser

MAX_TABS = 20


def tab_into_search(tab: Tab) -> Widget:
    """Press Tab from the top of the page until the search box has focus (bounded)."""
    w = tab.widget
    for _ in range(MAX_TABS):
        tab.page.keyboard.press("Tab")
        if w.input_focused():
            return w
    raise AssertionError(f"the search box was not reached within {MAX_TABS} Tab presses")


def test_keyboard_only_search_and_open_an_answer(tab: Tab, server_url: str) -> None:
    """Tab reaches the box with a visible focus ring, typing opens the listbox, ArrowDown moves the
    active option (aria-activedescendant, aria-selected) and Enter opens the active answer."""
    tab.page.goto(server_url + "/")
    w = tab_into_search(tab)
    ring = w.input.evaluate(
        "async e => { await Promise.all(e.getAnimations().map(a => a.finished));"
        " return getComputedStyle(e).boxShadow; }"
    )
    assert "0px 0px 0px 3px" in ring, f"no focus ring on the search box: {ring}"
    expect(w.input).to_have_attribute("role", "combobox")
    expect(w.input).to_have_attribute("aria-expanded", "false")
    listbox_id = w.listbox.get_attribute("id")
    expect(w.input).to_have_attribute("aria-controls", listbox_id or "missing")

    tab.page.keyboard.type("refund for a damaged item", delay=15)
    w.settled("refund for a damaged item")
    expect(w.answers.first).to_be_visible()
    expect(w.input).to_have_attribute("aria-expanded", "true")
    assert w.active_option_id() is None

    tab.page.keyboard.press("ArrowDown")
    first = w.options.first
    expect(first).to_have_attribute("aria-selected", "true")
    assert w.active_option_id() == first.get_attribute("id")
    assert w.input_focused(), "focus must stay in the box while options are browsed"

    # Walk down to the first answer (suggestions come first), never further than the options go.
    for _ in range(w.options.count()):
        active = w.host.locator(f"[id='{w.active_option_id()}']")
        if active.evaluate("e => e.matches('a[role=option]')"):
            break
        tab.page.keyboard.press("ArrowDown")
    active = w.host.locator(f"[id='{w.active_option_id()}']")
    expect(active).to_have_attribute("aria-selected", "true")
    expect(w.host.locator("[aria-selected=true]")).to_have_count(1)
    href = active.get_attribute("href")
    assert href and href.startswith(server_url + "/articles/")
    tab.screenshot("keyboard-active-answer")

    article = href.split("/articles/")[1].split("#")[0]

    def is_click(r: Request) -> bool:
        return r.method == "POST" and r.url == server_url + "/events"

    with tab.page.expect_request(is_click) as sent, tab.page.expect_navigation():
        tab.page.keyboard.press("Enter")
    assert tab.page.url == href
    body = sent.value.post_data_json
    assert body["type"] == "answer_click" and body["article"] == article
    assert re.fullmatch(r"[0-9a-f]{32}", body["search_id"])
    assert tab.errors == []


def test_arrow_keys_wrap_and_escape_closes_then_clears(tab: Tab, server_url: str) -> None:
    """ArrowUp from the top wraps to the last option, Escape closes the listbox keeping the text,
    a second Escape clears the box."""
    tab.page.goto(server_url + "/")
    w = tab_into_search(tab)
    tab.page.keyboard.type("track my order", delay=15)
    w.settled("track my order")
    expect(w.answers.first).to_be_visible()
    total = w.options.count()
    tab.page.keyboard.press("ArrowUp")
    assert w.active_option_id() == w.options.nth(total - 1).get_attribute("id")
    tab.page.keyboard.press("ArrowDown")
    assert w.active_option_id() == w.options.first.get_attribute("id")

    tab.page.keyboard.press("Escape")
    expect(w.input).to_have_attribute("aria-expanded", "false")
    expect(w.listbox).to_be_hidden()
    assert w.active_option_id() is None
    expect(w.input).to_have_value("track my order")

    tab.page.keyboard.press("ArrowDown")
    expect(w.input).to_have_attribute("aria-expanded", "true")
    tab.page.keyboard.press("Escape")
    tab.page.keyboard.press("Escape")
    expect(w.input).to_have_value("")
    expect(w.input).to_have_attribute("aria-expanded", "false")
    assert tab.errors == []


def test_enter_on_a_suggestion_completes_and_tab_reaches_feedback(
    tab: Tab, server_url: str
) -> None:
    """Enter on a suggestion puts it in the box and searches it; Tab then moves into the
    "Was this helpful?" buttons and Enter on one thanks the visitor."""
    tab.page.goto(server_url + "/")
    w = tab_into_search(tab)
    tab.page.keyboard.type("ret", delay=15)
    w.settled("ret")
    expect(w.suggestions.first).to_be_visible()
    text = w.suggestions.first.inner_text()
    tab.page.keyboard.press("ArrowDown")
    tab.page.keyboard.press("Enter")
    expect(w.input).to_have_value(text.replace("Article", "").strip())
    expect(w.answers.first).to_be_visible()
    expect(w.feedback).to_be_visible()

    tab.page.keyboard.press("Tab")
    focused = w.host.evaluate(
        "h => h.shadowRoot.activeElement && h.shadowRoot.activeElement.textContent"
    )
    assert focused == "Yes"
    expect(w.input).to_have_attribute("aria-expanded", "true")
    top = (w.answers.first.get_attribute("href") or "").split("/articles/")[1].split("#")[0]
    with tab.page.expect_request(lambda r: r.url == server_url + "/feedback") as sent:
        tab.page.keyboard.press("Enter")
    assert sent.value.method == "POST"
    body = sent.value.post_data_json
    assert body["helpful"] is True and body["article"] == top
    assert re.fullmatch(r"[0-9a-f]{32}", body["search_id"])
    expect(w.feedback).to_contain_text("Thanks for your feedback")
    expect(w.status).to_have_text("Thanks for your feedback.")
    assert tab.errors == []


def test_tab_out_of_the_widget_closes_the_listbox(tab: Tab, server_url: str) -> None:
    """Moving focus past the widget with Tab closes its listbox."""
    tab.page.goto(server_url + "/")
    w = tab_into_search(tab)
    tab.page.keyboard.type("bake sourdough bread", delay=15)
    w.settled("bake sourdough bread")
    expect(w.contact).to_be_visible()
    tab.page.keyboard.press("Tab")
    assert not w.input_focused()
    expect(w.input).to_have_attribute("aria-expanded", "false")
    expect(w.listbox).to_be_hidden()
    assert tab.errors == []
