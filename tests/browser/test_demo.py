"""The demo help page served by kb: answers as you type, the contact card, one-click examples."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.widget import Tab

pytestmark = pytest.mark.browser

QUESTION = "how do I return an item"
OFF_TOPIC = "how do I bake sourdough bread"


def test_demo_page_shows_highlighted_answers_linking_to_sections(
    tab: Tab, server_url: str, http: httpx.Client
) -> None:
    """Typing a question on the demo page lists the API's answers, in its order, with <mark>ed
    snippets and links to each section resolved against the kb origin."""
    response = tab.page.goto(server_url + "/")
    assert response is not None and response.ok
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expected = http.get("/search", params={"q": QUESTION, "limit": 5}).json()
    assert expected["answers"] and not expected["fallback"]

    w = tab.widget
    w.type(QUESTION)
    expect(w.answers).to_have_count(len(expected["answers"]))
    expect(w.input).to_have_attribute("aria-expanded", "true")

    hrefs = [w.answers.nth(i).get_attribute("href") for i in range(w.answers.count())]
    assert hrefs == [server_url + a["url"] for a in expected["answers"]]
    first = w.answers.first
    expect(first.locator(".title")).to_have_text(expected["answers"][0]["title"])
    title, heading = expected["answers"][0]["title"], expected["answers"][0]["heading"]
    if heading == title:
        expect(first.locator(".path")).to_have_count(0)
    else:
        expect(first.locator(".path")).to_have_text(heading.removeprefix(f"{title} › "))
    marks = first.locator("mark").all_inner_texts()
    assert marks == re.findall(r"<mark>(.*?)</mark>", expected["answers"][0]["snippet"])
    count = len(expected["answers"])
    expect(w.status).to_have_text(re.compile(rf"^{count} answers?\b"))
    expect(w.contact).to_have_count(0)
    expect(w.feedback).to_be_visible()
    tab.screenshot("demo-answers")
    assert tab.errors == [] and tab.dialogs == []


def test_off_topic_question_shows_the_recommended_contact_channel(
    tab: Tab, server_url: str, http: httpx.Client
) -> None:
    """A question the content does not answer shows a contact card for the API's recommended
    channel (name, how to reach it, open now) and announces it."""
    expected = http.get("/search", params={"q": OFF_TOPIC}).json()
    assert expected["fallback"] and not expected["answers"]
    channel = expected["channel"]

    tab.page.goto(server_url + "/")
    w = tab.widget
    w.type(OFF_TOPIC)
    expect(w.contact).to_be_visible()
    expect(w.contact.locator(".name")).to_have_text(channel["name"])
    expect(w.contact.locator(".how")).to_have_text(channel["how"])
    expect(w.contact.locator(".lead")).to_contain_text(f"No answer found for “{OFF_TOPIC}”")
    expect(w.contact.locator(".hours")).to_have_text(
        "Open now" if channel["open_now"] else re.compile("^Opens at")
    )
    expect(w.answers).to_have_count(0)
    expect(w.feedback).to_be_hidden()
    expect(w.status).to_have_text(f"No answer found — contact {channel['name']}.")
    tab.screenshot("demo-contact-card")
    assert tab.errors == [] and tab.dialogs == []


def test_example_question_buttons_search_in_one_click(tab: Tab, server_url: str) -> None:
    """Clicking a popular-question button on the demo page asks it in the widget and shows answers."""
    tab.page.goto(server_url + "/")
    button = tab.page.locator("button[data-kb-ask]").first
    question = button.get_attribute("data-kb-ask")
    assert question
    button.click()
    w = tab.widget
    expect(w.input).to_have_value(question)
    w.settled(question)
    expect(w.answers.first).to_be_visible()
    expect(w.answers.first.locator("mark").first).to_be_visible()
    assert w.input_focused()
    assert tab.errors == []


def test_choosing_a_suggestion_with_the_mouse_searches_it(
    tab: Tab, server_url: str, http: httpx.Client
) -> None:
    """Typing a prefix lists /suggest's completions; clicking one puts it in the box and shows its
    answers."""
    expected = http.get("/suggest", params={"q": "ret", "limit": 5}).json()["suggestions"]
    assert expected
    tab.page.goto(server_url + "/")
    w = tab.widget
    w.type("ret")
    expect(w.suggestions).to_have_count(len(expected))
    expect(w.suggestions.first).to_contain_text(expected[0]["text"])
    w.suggestions.first.click()
    expect(w.input).to_have_value(expected[0]["text"])
    w.settled(expected[0]["text"])
    expect(w.answers.first).to_be_visible()
    assert tab.errors == []


def test_topic_cards_are_built_from_the_browse_api(
    tab: Tab, server_url: str, http: httpx.Client
) -> None:
    """The demo page's topic cards are GET /topics (title, count) with each topic's first articles
    from GET /articles?topic=, linking to their pages."""
    topics = http.get("/topics").json()
    assert topics
    response = tab.page.goto(server_url + "/")
    assert response is not None and response.ok
    cards = tab.page.locator("kb-topics section.kb-topic")
    expect(tab.page.locator("kb-topics")).to_have_attribute("aria-busy", "false")
    expect(cards).to_have_count(len(topics))
    for i, topic in enumerate(topics):
        card = cards.nth(i)
        expect(card.locator("h3")).to_have_text(topic["title"])
        expect(card.locator(".kb-topic-count")).to_contain_text(str(topic["articles"]))
        listed = http.get("/articles", params={"topic": topic["topic"], "limit": 4}).json()[
            "articles"
        ]
        links = card.locator("a")
        expect(links).to_have_count(len(listed))
        assert [links.nth(j).inner_text() for j in range(len(listed))] == [
            a["title"] for a in listed
        ]
    first = cards.first.locator("a").first
    href = first.get_attribute("href")
    assert href is not None and href.startswith(server_url + "/articles/")
    first.click()
    expect(tab.page.locator("h1")).to_be_visible()
    tab.screenshot("demo-topics")
    assert tab.errors == [] and tab.dialogs == []
