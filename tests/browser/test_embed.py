"""The widget embedded in another site: CORS allow-list, strict host CSP, theming, hostile CSS."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Request, expect

from tests.browser.site import HostSite, host_site
from tests.browser.widget import Tab
from tests.conftest import CONTENT
from tests.helpers.server import free_port, make_settings, serve

pytestmark = pytest.mark.browser

QUESTION = "my package has not arrived"
UNREACHABLE = "The help center can't be reached right now. Please try again in a moment."

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Acme support</title>
<link rel="icon" href="data:,">
{links}
<script src="{kb}/widget.js" defer></script>
</head>
<body>
<h1>Acme support</h1>
<p>Our own page, on our own origin.</p>
<kb-search {attrs}placeholder="Ask Acme"></kb-search>
</body>
</html>
"""

# Everything a careless or hostile host stylesheet can throw at an embedded widget. Light-DOM rules
# cannot reach inside the shadow root; inherited properties would, and the widget resets them.
HOSTILE_CSS = """
html { font-size: 3px !important; }
* {
  color: red !important; background: black !important; font: italic 5px/0.4 cursive !important;
  letter-spacing: 9px !important; text-transform: uppercase !important; visibility: hidden !important;
  text-align: right !important; white-space: pre !important; box-sizing: content-box !important;
}
*:not(html):not(body):not(kb-search) { display: none !important; }
input, a, div, span, mark, button, p, ul, li, svg, label {
  display: none !important; border: 9px solid red !important; padding: 40px !important;
  width: 2px !important; height: 2px !important; opacity: 0 !important; position: fixed !important;
}
mark { background: black !important; }
:focus { outline: none !important; }
"""

THEME_CSS = "kb-search { --kb-accent: #c00078; --kb-radius: 2px; max-width: 640px; }"


@dataclass
class Embedding:
    site: HostSite
    allowed: str  # a kb whose KB_CORS_ORIGINS lists the site
    refused: str  # a kb whose KB_CORS_ORIGINS lists another origin only
    dead: str  # nothing listens here


@pytest.fixture(scope="module")
def embedding(default_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Embedding]:
    """A host site on its own origin, a kb that allow-lists it and a kb that does not."""
    tmp = tmp_path_factory.mktemp("embed")
    (tmp / "site").mkdir()
    with host_site(tmp / "site") as site:
        allowed = make_settings(
            default_index, CONTENT, cors_origins=[site.origin], database_url=f"sqlite:///{tmp}/a.db"
        )
        refused = make_settings(
            default_index,
            CONTENT,
            cors_origins=["https://help.example.com"],
            database_url=f"sqlite:///{tmp}/b.db",
        )
        with serve(allowed) as allowed_url, serve(refused) as refused_url:
            dead = f"http://127.0.0.1:{free_port()}"
            kbs = f"{allowed_url} {refused_url} {dead}"
            # As strict as a careful help desk: no inline script or style, only kb may be called.
            site.csp = (
                f"default-src 'none'; script-src {kbs}; connect-src {kbs}; style-src 'self'; "
                "img-src 'self' data:; base-uri 'none'; form-action 'none'"
            )
            site.page("hostile.css", HOSTILE_CSS)
            site.page("theme.css", THEME_CSS)
            yield Embedding(site, allowed_url, refused_url, dead)


def page(e: Embedding, name: str, kb: str, *, attrs: str = "", css: tuple[str, ...] = ()) -> str:
    links = "\n".join(f'<link rel="stylesheet" href="{c}">' for c in css)
    return e.site.page(name, PAGE.format(kb=kb, attrs=attrs, links=links))


def test_allow_listed_origin_gets_answers_from_the_script_origin(
    tab: Tab, embedding: Embedding
) -> None:
    """On an allow-listed origin with a strict CSP, the widget calls the kb it was loaded from (no
    `api` attribute), links answers to that kb, and takes the host's --kb-* theme."""
    url = page(embedding, "allowed.html", embedding.allowed, css=("theme.css",))
    tab.page.goto(url)
    expected = httpx.get(f"{embedding.allowed}/search", params={"q": QUESTION}).json()["answers"]
    assert expected
    w = tab.widget
    w.type(QUESTION)
    expect(w.answers).to_have_count(len(expected))
    hrefs = [w.answers.nth(i).get_attribute("href") for i in range(w.answers.count())]
    assert hrefs == [embedding.allowed + a["url"] for a in expected]
    title = w.answers.first.locator(".title")
    assert title.evaluate("e => getComputedStyle(e).color") == "rgb(192, 0, 120)"
    assert w.input.evaluate("e => getComputedStyle(e).borderTopLeftRadius") == "2px"
    tab.screenshot("embed-allowed-themed")
    assert tab.errors == [] and tab.dialogs == []


def test_contact_card_click_reports_to_the_host_and_to_kb(tab: Tab, embedding: Embedding) -> None:
    """Choosing the contact card fires a `kb-contact` event the host page can act on and posts a
    channel_click event to kb's /events."""
    tab.page.goto(page(embedding, "contact.html", embedding.allowed))
    tab.page.evaluate(
        "window.__contacts = [];"
        "document.addEventListener('kb-contact', e => window.__contacts.push(e.detail.channel.id))"
    )
    w = tab.widget
    w.type("how do I bake sourdough bread")
    expect(w.contact).to_be_visible()
    channel = w.contact.get_attribute("data-channel")
    assert channel

    def is_event(r: Request) -> bool:
        return r.method == "POST" and r.url == f"{embedding.allowed}/events"

    with tab.page.expect_request(is_event) as sent:
        w.contact.click()
    body = sent.value.post_data_json
    assert body["type"] == "channel_click" and body["channel"] == channel
    assert re.fullmatch(r"[0-9a-f]{32}", body["search_id"])
    assert tab.page.evaluate("window.__contacts") == [channel]
    assert tab.errors == []


def test_origin_not_allow_listed_is_refused_with_a_message(tab: Tab, embedding: Embedding) -> None:
    """A kb that does not allow-list the embedding origin sends no CORS grant; the widget shows a
    message instead of answers and raises nothing."""
    grant = httpx.get(
        f"{embedding.refused}/search",
        params={"q": QUESTION},
        headers={"Origin": embedding.site.origin},
    )
    assert grant.status_code == 200 and "access-control-allow-origin" not in grant.headers

    tab.page.goto(page(embedding, "refused.html", embedding.refused))
    w = tab.widget
    w.type(QUESTION)
    expect(w.message).to_have_text(UNREACHABLE)
    expect(w.message).to_be_visible()
    expect(w.status).to_have_text(UNREACHABLE)
    expect(w.answers).to_have_count(0)
    tab.screenshot("embed-refused")
    assert tab.errors == [] and tab.dialogs == []


def test_unreachable_api_degrades_to_a_message(tab: Tab, embedding: Embedding) -> None:
    """With `api` pointing at a port nothing listens on, the widget says it cannot reach the help
    center and keeps working as a text box."""
    tab.page.goto(page(embedding, "dead.html", embedding.allowed, attrs=f'api="{embedding.dead}" '))
    w = tab.widget
    w.type("refund")
    expect(w.message).to_have_text(UNREACHABLE)
    expect(w.input).to_have_value("refund")
    assert tab.errors == []


def test_hostile_host_css_does_not_break_the_widget(tab: Tab, embedding: Embedding) -> None:
    """A host stylesheet hiding, shrinking, recolouring and un-spacing every element leaves the
    widget readable and usable: its insides keep their own layout, colours and type."""
    tab.page.goto(page(embedding, "hostile.html", embedding.allowed, css=("hostile.css",)))
    expect(tab.page.locator("h1")).to_be_hidden()  # the hostile sheet is in force
    w = tab.widget
    expect(w.input).to_be_visible()
    box = w.input.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 30, box
    w.type(QUESTION)
    expect(w.answers.first).to_be_visible()
    expect(w.answers.first.locator("mark").first).to_be_visible()

    def style(locator_css: str, prop: str) -> str:
        return str(w.host.locator(locator_css).first.evaluate(f"e => getComputedStyle(e).{prop}"))

    assert style("input", "fontSize") == "16.05px"
    assert style("input", "letterSpacing") == "normal"
    assert style("input", "textTransform") == "none"
    assert style("a[role=option] .title", "color") == "rgb(36, 87, 214)"
    assert style("a[role=option] .snippet", "color") == "rgb(27, 33, 48)"
    assert style("mark", "backgroundColor") == "rgb(255, 241, 184)"
    answer = w.answers.first.bounding_box()
    assert answer is not None and answer["width"] > 300 and answer["height"] > 40, answer
    tab.screenshot("embed-hostile-css")
    assert tab.errors == [] and tab.dialogs == []
