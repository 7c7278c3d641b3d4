"""axe-core finds no accessibility violations on the demo page (answers, contact card) or article pages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from indexer import live_articles
from tests.browser.widget import Tab

pytestmark = pytest.mark.browser

AXE = (
    Path(__file__).resolve().parents[2]
    / ".deps"
    / "npm"
    / "node_modules"
    / "axe-core"
    / "axe.min.js"
)
QUESTION = "how do I return an item"
OFF_TOPIC = "how do I bake sourdough bread"


@pytest.fixture()
def audited(tab: Tab) -> Tab:
    """A tab whose every document gets axe-core before its own scripts run."""
    if not AXE.is_file():
        pytest.fail(
            f"{AXE} is missing: run `bash scripts/deps-axe.sh` (`make test` runs it first)",
            pytrace=False,
        )
    # An init script is injected by the browser, not the page, so the pages' CSP (script-src 'self')
    # stays as served and is not what lets axe in.
    tab.page.add_init_script(path=str(AXE))
    return tab


def violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's default rules (WCAG 2 A and AA, best practices) run on the whole document, open
    shadow roots included; only the violations are returned."""
    result = page.evaluate("() => axe.run(document, { resultTypes: ['violations'] })")
    found: list[dict[str, Any]] = result["violations"]
    return found


def report(found: list[dict[str, Any]]) -> str:
    """One line per violated rule (id, impact, node count, help), then each node's target and why."""
    lines = []
    for v in found:
        lines.append(
            f"{v['id']} [{v['impact']}] {len(v['nodes'])} node(s): {v['help']} ({v['helpUrl']})"
        )
        for node in v["nodes"]:
            summary = " ".join(str(node.get("failureSummary", "")).split())
            lines.append(f"    {node['target']}: {summary}")
    return "\n".join(lines)


def assert_no_violations(page: Page) -> None:
    found = violations(page)
    assert not found, f"axe-core violations on {page.url}:\n{report(found)}"


def test_demo_page_with_answers_open_has_no_violations(
    audited: Tab, server_url: str, http: httpx.Client
) -> None:
    """The demo page with the widget's answers on show has no axe-core violations, and each answer
    is named by its visible text, title first."""
    expected = http.get("/search", params={"q": QUESTION, "limit": 5}).json()["answers"]
    assert expected
    audited.page.goto(server_url + "/")
    w = audited.widget
    w.type(QUESTION)
    expect(w.answers).to_have_count(len(expected))
    expect(w.feedback).to_be_visible()
    assert_no_violations(audited.page)
    for i, answer in enumerate(expected):
        expect(w.answers.nth(i)).to_have_accessible_name(
            re.compile(rf"^{re.escape(answer['title'])} ")
        )
    assert audited.errors == []


def test_demo_page_with_the_contact_card_open_has_no_violations(
    audited: Tab, server_url: str, http: httpx.Client
) -> None:
    """The demo page showing the contact card for an off-topic question has no axe-core violations,
    and the card is named by its visible text: the lead, then the channel and how to reach it."""
    channel = http.get("/search", params={"q": OFF_TOPIC}).json()["channel"]
    audited.page.goto(server_url + "/")
    w = audited.widget
    w.type(OFF_TOPIC)
    expect(w.contact).to_be_visible()
    assert_no_violations(audited.page)
    name = re.escape(f"{channel['name']} {channel['how']}")
    expect(w.contact).to_have_accessible_name(re.compile(rf"^No answer found for .*: {name} "))
    assert audited.errors == []


def test_every_article_page_has_no_violations(
    audited: Tab, server_url: str, default_index: Path
) -> None:
    """Every public article of the shipped help center, opened as a page, has no axe-core violations."""
    articles = live_articles(default_index)
    assert articles, "the default index has no articles"
    public = sorted(a.id for a in articles.values() if a.audience != "internal")
    failures = []
    for article_id in public:
        response = audited.page.goto(f"{server_url}/articles/{article_id}")
        assert response is not None and response.ok, article_id
        assert response.headers["content-type"].startswith("text/html"), article_id
        found = violations(audited.page)
        if found:
            failures.append(f"/articles/{article_id}:\n{report(found)}")
    assert not failures, "axe-core violations on article pages:\n" + "\n".join(failures)
    assert audited.errors == []
