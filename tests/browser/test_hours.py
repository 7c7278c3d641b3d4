"""The contact card when the recommended channel is closed: when it opens, in the visitor's time."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
import yaml

from indexer import build_index
from tests.browser.widget import Tab
from tests.conftest import CONTENT
from tests.helpers.server import make_settings, serve

pytestmark = pytest.mark.browser

VISITOR_TZ = ZoneInfo("Europe/Paris")  # the browser context's time zone (see conftest's `tab`)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OFF_TOPIC = "how do I bake sourdough bread"


@pytest.fixture(scope="module")
def closed_kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """kb serving the shipped content with every channel open only tomorrow 09:00-17:00 UTC."""
    tmp = tmp_path_factory.mktemp("hours")
    content = tmp / "content"
    shutil.copytree(CONTENT, content)
    tomorrow = DAYS[(datetime.now(UTC) + timedelta(days=1)).weekday()]
    data = yaml.safe_load((content / "channels.yaml").read_text(encoding="utf-8"))
    for channel in data["channels"]:
        channel["hours"] = {"timezone": "UTC", "weekly": {tomorrow: ["09:00-17:00"]}}
    (content / "channels.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    build_index(content, tmp / "index")
    with serve(make_settings(tmp / "index", content)) as url:
        yield url


def local_opening(iso: str) -> str:
    """What the widget should say for an opening time, as an en-US visitor in VISITOR_TZ reads it."""
    opens = datetime.fromisoformat(iso).astimezone(VISITOR_TZ)
    time = f"{opens.hour % 12 or 12}:{opens.minute:02d} {'AM' if opens.hour < 12 else 'PM'}"
    if opens.date() == datetime.now(VISITOR_TZ).date():
        return f"Opens at {time}"
    return f"Opens at {time} on {opens:%A}"


def test_closed_channel_says_when_it_opens_in_local_time(tab: Tab, closed_kb: str) -> None:
    """With the recommended channel closed, the card says "Opens at <time>" in the visitor's time
    zone instead of "Open now"."""
    channel = httpx.get(f"{closed_kb}/search", params={"q": OFF_TOPIC}).json()["channel"]
    assert channel["open_now"] is False and channel["opens_at"]

    tab.page.goto(closed_kb + "/")
    w = tab.widget
    w.type(OFF_TOPIC)
    hours = w.contact.locator(".hours")
    text = re.sub(r"\s", " ", hours.inner_text())  # ICU may use a narrow no-break space before AM
    assert text == local_opening(channel["opens_at"])
    assert "closed" in (hours.get_attribute("class") or "")
    tab.screenshot("contact-card-closed")
    assert tab.errors == []
