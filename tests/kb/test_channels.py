"""Choosing the contact channel: explicit requests, urgency, relaxed wording, the article's channel,
topic, hours."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from indexer import build_index
from kb.config import Settings
from kb.engine import open_engine
from kb.engine.channels import ChannelBook
from kb.engine.search import SearchRequest
from kb.errors import ContentError
from kb.web.service import Service
from tests.conftest import CONTENT

# A Wednesday, 12:00 UTC, and the same day at 22:00 UTC.
NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
NIGHT = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)


def book_with_hours() -> ChannelBook:
    weekdays = {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
    return ChannelBook.from_data(
        {
            "default": "chat",
            "channels": [
                {
                    "id": "chat",
                    "name": "Chat",
                    "how": "Chat button",
                    "hours": {"timezone": "UTC", "weekly": {**weekdays, "sat": ["10:00-12:00"]}},
                },
                {
                    "id": "phone",
                    "name": "Phone",
                    "how": "Call us",
                    "hours": {"timezone": "UTC", "weekly": weekdays},
                },
                {"id": "email", "name": "Email", "how": "Write to us"},
                {
                    "id": "billing-support",
                    "name": "Billing",
                    "how": "Billing form",
                    "hours": {"timezone": "UTC", "weekly": weekdays},
                },
            ],
        }
    )


@pytest.fixture()
def book() -> ChannelBook:
    return ChannelBook.load(CONTENT / "channels.yaml")


@pytest.mark.parametrize(
    "text",
    [
        "URGENT: my account was hacked",
        "I need help immediately",
        "my charger is on fire",
        "emergency!!",
    ],
)
def test_urgent_wording_goes_to_phone(book: ChannelBook, text: str) -> None:
    """Urgent wording recommends the phone, whatever the content says."""
    assert book.choose(text, "chat", "delivery").channel.id == "phone"


@pytest.mark.parametrize(
    "text",
    [
        "no rush, a question about returns",
        "not urgent: gift wrap?",
        "non-urgent question",
        "whenever you can",
    ],
)
def test_relaxed_wording_goes_to_email(book: ChannelBook, text: str) -> None:
    """Relaxed wording (including 'non urgent', which contains 'urgent') recommends email."""
    assert book.choose(text, None, None).channel.id == "email"


def test_article_channel_then_topic_then_default(book: ChannelBook) -> None:
    """Without telling wording: the article's channel, else its topic's route, else the default."""
    assert (
        book.choose("charged twice", "billing-support", "billing").channel.id == "billing-support"
    )
    assert book.choose("a charge", None, "billing").channel.id == "billing-support"
    choice = book.choose("kindle screen frozen", None, None)
    assert choice.channel.id == "chat" and choice.reason == "default channel"


def test_open_channel_is_recommended_when_preferred_is_closed() -> None:
    """At night the closed phone line is replaced by an open channel, and the response says why."""
    choice = book_with_hours().choose("urgent: fire", None, None, now=NIGHT)
    assert choice.channel.id == "email" and choice.open_now
    assert choice.preferred is not None and choice.preferred.id == "phone"
    assert "closed" in choice.reason
    data = choice.to_json()
    assert data["preferred"]["id"] == "phone"


def test_open_preferred_channel_is_kept() -> None:
    """During opening hours the best-fitting channel is recommended as open."""
    choice = book_with_hours().choose("urgent: fire", None, None, now=NOON)
    assert choice.channel.id == "phone" and choice.open_now and choice.opens_at is None


def test_a_choice_is_reused_within_its_minute_and_made_again_after_it() -> None:
    """Choices are kept for the minute they were made in (hours are whole minutes): the same choice
    until the phone line closes at 17:00, then the open alternative, then the phone again when the
    next day's hours begin; wording, article channel and topic each keep their own."""
    book = book_with_hours()
    before_close = NOON.replace(hour=16, minute=59, second=0)
    choice = book.choose("urgent: fire", None, None, now=before_close)
    assert choice.channel.id == "phone" and choice.open_now
    assert book.choose("URGENT: fire!", None, None, now=before_close.replace(second=59)) is choice
    closed = book.choose("urgent: fire", None, None, now=before_close.replace(hour=17, minute=0))
    assert closed.channel.id == "email" and closed.preferred is not None
    assert closed.preferred.id == "phone"
    assert book.choose("a question", None, None, now=before_close).channel.id == "chat"
    assert (
        book.choose("a question", None, "billing", now=before_close).channel.id == "billing-support"
    )
    assert book.choose("a question", "phone", None, now=before_close).channel.id == "phone"
    morning = NOON.replace(day=26, hour=9, minute=0)  # Thursday 09:00: open again
    assert book.choose("urgent: fire", None, None, now=morning).channel.id == "phone"


def test_when_nothing_is_open_the_response_says_when_it_opens() -> None:
    """With every channel closed, the preferred one is named with its next opening time."""
    data = {
        "channels": [
            {
                "id": "chat",
                "name": "Chat",
                "how": "x",
                "hours": {"timezone": "Europe/London", "weekly": {"mon": ["09:00-17:00"]}},
            },
        ]
    }
    choice = ChannelBook.from_data(data).choose("hello", None, None, now=NOON)
    assert not choice.open_now
    assert choice.opens_at is not None and choice.opens_at.weekday() == 0
    assert (choice.opens_at.hour, choice.opens_at.minute) == (9, 0)


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ({"weekly": {"mon": ["9-5"]}}, "must look like"),
        ({"weekly": {"funday": ["09:00-10:00"]}}, "unknown day"),
        ({"timezone": "Mars/Olympus", "weekly": {}}, "unknown time zone"),
        ({"weekly": {"mon": ["18:00-09:00"]}}, "not a valid range"),
        ("always", "needs a 'weekly' mapping"),
    ],
)
def test_bad_hours_are_content_errors(hours: object, message: str) -> None:
    """Malformed opening hours are refused with a reason, not guessed."""
    with pytest.raises(ContentError, match=message):
        ChannelBook.from_data({"channels": [{"id": "chat", "name": "Chat", "hours": hours}]})


def test_routing_words_are_operator_owned() -> None:
    """channels.yaml can replace the urgent words and the routes."""
    book = ChannelBook.from_data(
        {
            "channels": [{"id": "chat", "name": "C"}, {"id": "hotline", "name": "H"}],
            "routing": {"urgent_words": ["dringend"], "urgent_channel": "hotline"},
        }
    )
    assert book.choose("dringend bitte", None, None).channel.id == "hotline"
    assert book.choose("urgent please", None, None).channel.id == "chat"


@pytest.mark.parametrize(
    ("text", "channel"),
    [
        ("call customer support", "phone"),
        ("can I ring someone at the company", "phone"),
        ("what is your phone number", "phone"),
        ("talk to a person", "phone"),
        ("write to customer service", "email"),
        ("can I email you about this", "email"),
        ("send you an email with the photos", "email"),
        ("chat with someone", "chat"),
        ("talk to a real person online", "chat"),
        ("can you call me", "phone"),
        ("please ring me back tomorrow", "phone"),
        ("could someone email me the invoice", "email"),
        ("write to me when it ships", "email"),
        ("can an agent chat with me", "chat"),
    ],
)
def test_an_explicit_request_picks_its_channel(book: ChannelBook, text: str, channel: str) -> None:
    """Asking for a channel picks it over the article's channel and the topic's route."""
    choice = book.choose(text, "billing-support", "billing")
    assert choice.channel.id == channel and choice.reason == "asked for"


def test_a_request_outweighs_urgency(book: ChannelBook) -> None:
    """An explicit request is the strongest signal: urgent wording that asks for email gets email."""
    assert book.choose("urgent: please email me the label", None, None).channel.id == "email"
    assert book.choose("urgent: someone hacked my account", None, None).channel.id == "phone"


@pytest.mark.parametrize(
    ("text", "channel"),
    [
        ("I'd like to write to you instead of calling", "email"),
        ("I don't want to call anyone, just tell me", "chat"),
        ("how do I change my phone number", "chat"),
        ("the email address on my account is wrong", "chat"),
        ("a phishing email asking for my password", "chat"),
        ("I want to call off my order", "chat"),
        ("should I call you or email you", "chat"),
        ("please don't call me, email is fine", "chat"),
        ("what should I call my new site", "chat"),
        ("should I call my bank about the declined payment", "chat"),
    ],
)
def test_what_is_not_a_request_is_not_one(book: ChannelBook, text: str, channel: str) -> None:
    """A negated request, the customer's own contact details, a mention of a medium and a request
    for two channels at once choose nothing: the usual rules decide (here, the default)."""
    assert book.requested(text) == (None if channel == "chat" else channel)
    assert book.choose(text, None, None).channel.id == channel


def test_requests_follow_the_channels_names_and_can_be_replaced() -> None:
    """A channel is asked for by the medium its id or name names; `routing: requests:` replaces a
    channel's wording."""
    book = ChannelBook.from_data(
        {
            "default": "help-form",
            "channels": [
                {"id": "help-form", "name": "Help form"},
                {"id": "call-us", "name": "Call us"},
                {"id": "inbox", "name": "Write an e-mail"},
                {"id": "live", "name": "Live chat"},
            ],
            "routing": {"requests": {"help-form": ["fill in (a|the) form"]}},
        }
    )
    assert book.choose("call customer support", None, None).channel.id == "call-us"
    assert book.choose("write to customer service", None, None).channel.id == "inbox"
    assert book.choose("chat with someone", None, None).channel.id == "live"
    assert book.choose("can I fill in a form", "live", None).channel.id == "help-form"


def test_shipped_content_answers_explicit_requests_with_their_channel(
    default_settings: Settings,
) -> None:
    """Over the shipped help center, "call customer support" is phone and "write to customer
    service" email, whatever article answers them."""
    engine = Service(default_settings).searcher
    for q, channel in (("call customer support", "phone"), ("write to customer service", "email")):
        assert engine.search(SearchRequest(q=q))["channel"]["id"] == channel, q


DOCS = {
    "shortcodes.md": "---\ntitle: Shortcodes\n---\n## Calling a shortcode\n\nCall a shortcode from "
    "any page with its name in double braces; call it again to repeat it.\n",
    "templates.md": "---\ntitle: Templates\n---\n## Partial templates\n\nA partial template is "
    "called from a layout and can call other partials.\n",
}


def test_a_request_for_a_channel_alone_is_answered_by_the_channel(tmp_path: Path) -> None:
    """ "Can you call me" on documentation with no contact page is not answered by "Calling a
    shortcode": a request for a channel and nothing else hands over to that channel. With words
    beyond the request, they are searched as usual."""
    content = tmp_path / "content"
    content.mkdir()
    for name, text in DOCS.items():
        (content / name).write_text(text, encoding="utf-8")
    shutil.copyfile(CONTENT / "channels.yaml", content / "channels.yaml")
    build_index(content, tmp_path / "index")
    engine = open_engine(tmp_path / "index", cache_size=0)
    try:
        for q, channel in (
            ("can you call me", "phone"),
            ("please email me", "email"),
            ("could someone call me", "phone"),  # who is asked is no subject
        ):
            body = engine.respond(SearchRequest(q=q))
            assert body["answers"] == [] and body["fallback"], (q, body["answers"])
            assert body["confidence"] == 0.0 and body["channel"]["id"] == channel
        body = engine.respond(SearchRequest(q="can you call me about calling a shortcode"))
        assert body["answers"][0]["article"] == "shortcodes"
        assert body["channel"]["id"] == "phone"
        assert engine.respond(SearchRequest(q="calling a shortcode"))["answers"][0]["article"] == (
            "shortcodes"
        )
    finally:
        engine.close()


def test_a_request_for_a_channel_alone_gets_that_channels_page(default_settings: Settings) -> None:
    """Over the shipped help center the pages that hand over to the channel asked for answer such a
    request, and no other page does, however few answers are asked for."""
    service = Service(default_settings)
    engine, articles = service.searcher, service.holder.get().articles
    for q, channel, page, limit in (
        ("can you call me", "phone", "contact-phone", 5),
        ("email support", "email", "contact-email", 5),
        ("chat with me", "chat", "contact-chat", 5),
        ("I want to chat with an agent", "chat", "contact-chat", 5),  # two requests overlap
        # the phone page ranks below others among these words: a short list still gets it
        ("how do i speak to a human", "phone", "contact-phone", 1),
    ):
        body = engine.search(SearchRequest(q=q, limit=limit))
        assert body["answers"][0]["article"] == page and not body["fallback"], (q, body["answers"])
        assert body["channel"]["id"] == channel
        assert {articles[a["article"]].channel for a in body["answers"]} == {channel}, q


def test_a_medium_turned_down_is_not_what_the_question_is_about(
    book: ChannelBook, default_settings: Settings
) -> None:
    """ "Rather than phoning", "instead of a phone call": the page about the medium turned down is
    not the answer. Words after "instead of" that name no medium are searched as usual."""
    assert "phon" not in book.without_relaxed_wording("can I email you rather than phoning")
    kept = "I received a phone case instead of the headphones I ordered"
    assert book.without_relaxed_wording(kept) == kept
    engine = Service(default_settings).searcher
    for q, page in (
        ("can I email you rather than phoning", "contact-email"),
        ("I'd prefer a chat instead of a phone call", "contact-chat"),
    ):
        assert engine.search(SearchRequest(q=q))["answers"][0]["article"] == page, q
