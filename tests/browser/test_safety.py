"""Nothing typed into the widget or sent by the server runs as script in the embedding page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.widget import Tab

pytestmark = pytest.mark.browser

PAYLOAD = (
    "<img src=x onerror=alert(1)><script>alert(2)</script>"
    '"><svg/onload=alert(3)><iframe src="javascript:alert(4)">'
    "<img src=y onerror=window.__pwned=1>{{constructor.constructor('alert(5)')()}}"
)
HOSTILE_SNIPPET = (
    'Refund <mark>policy</mark><img src=x onerror="window.__pwned=1;alert(6)">'
    '<script>alert(7)</script><a href="javascript:alert(8)">click</a>'
    '<mark onclick="alert(9)" style="display:none">x<mark>y</mark></mark><b>bold</b> &lt;i&gt;'
)
SETTLE_MS = 500  # long enough for a failed image load to fire its onerror


def test_xss_payloads_in_the_query_render_as_text(tab: Tab, server_url: str) -> None:
    """A query full of HTML and script payloads opens no dialog, creates no element and is shown
    back as literal text."""
    tab.page.goto(server_url + "/")
    w = tab.widget
    w.input.fill(PAYLOAD)  # one input event: the payload is long and typing it adds nothing here
    w.settled(PAYLOAD)
    expect(w.status).not_to_have_text("")
    expect(w.contact).to_be_visible()
    # With no answer at all the card quotes the query back; with a weak one it offers a person.
    # Which of the two depends on the content's words, so ask the API what it answered.
    api = tab.page.request.get(server_url + "/search", params={"q": PAYLOAD}).json()
    lead = w.contact.locator(".lead")
    if api["answers"]:
        expect(lead).to_contain_text("Talk to a person")
    else:
        expect(lead).to_contain_text(f"“{PAYLOAD}”")
    tab.page.wait_for_timeout(SETTLE_MS)

    assert w.input.input_value() == PAYLOAD
    assert tab.dialogs == []
    assert tab.page.evaluate("window.__pwned") is None
    assert w.shadow_count("img, script, iframe, [onload], [onerror]") == 0
    assert tab.page.evaluate("document.querySelectorAll('img, iframe, [onerror]').length") == 0
    tab.screenshot("xss-query-as-text")
    assert tab.errors == []


def test_snippet_markup_keeps_only_text_and_mark_elements(tab: Tab, server_url: str) -> None:
    """The widget's snippet builder turns any markup into text plus bare <mark> elements, without
    running or loading anything from it."""
    tab.page.goto(server_url + "/")
    expect(tab.widget.input).to_be_visible()
    html = tab.page.evaluate(
        """s => {
            const out = document.createElement('p');
            out.appendChild(customElements.get('kb-search').snippetFragment(s));
            document.body.appendChild(out);
            return out.innerHTML;
        }""",
        HOSTILE_SNIPPET,
    )
    assert html == "Refund <mark>policy</mark>click<mark>xy</mark>bold &lt;i&gt;"
    tab.page.wait_for_timeout(SETTLE_MS)
    assert tab.dialogs == []
    assert tab.page.evaluate("window.__pwned") is None
    assert tab.errors == []
