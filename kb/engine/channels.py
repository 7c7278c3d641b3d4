"""Direct-contact channels and the choice of the right one for a question.

The choice, in order: an explicit request for a channel ("call customer support" → phone, "write
to customer service" → email, "chat with someone" → chat); urgent wording → the urgent channel
(phone); relaxed wording → the relaxed channel (email); the best-matching article's `channel`; its
topic's channel (billing → billing-support); the default (chat). A channel whose opening hours say
it is closed is not recommended when an open one fits; the response then says when the preferred
one opens.

A request counts only when it is not negated ("instead of calling", "rather than email") and names
one channel; an urgency word counts only when it is not part of a term the content itself uses
for something else ("emergency access" on a password manager's help center, see `ContentTerms`).

The wording lists and routes have English defaults here and can be replaced in channels.yaml under
`routing:` (the operator owns the words that mean "urgent" for their customers, and how they ask
for each channel).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from indexer.article import Article
from indexer.safe_yaml import load_yaml
from indexer.schema import words
from kb.engine.cache import LRU
from kb.engine.vocabulary import stem
from kb.errors import ContentError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

DEFAULT_URGENT = [
    r"urgent\w*",
    r"emergenc\w*",
    r"immediate(ly)?",
    r"asap",
    r"right (now|away)",
    r"at once",
    r"hack(ed|er|ers|ing)?",
    r"compromised",
    r"fraud\w*",
    r"scam\w*",
    r"fire",
    r"on fire",
    r"smok(e|ing)",
    r"burn(ing|t|ed)?",
    r"sparks?",
    r"explod\w*",
    r"injur\w*",
    r"danger\w*",
    r"unsafe",
    r"locked out",
    r"identity theft",
    r"stolen (card|identity|account)",
]
DEFAULT_RELAXED = [
    r"no rush",
    r"no hurry",
    r"not urgent",
    r"non[- ]?urgent",
    r"whenever",
    r"no urgency",
    r"when you (get|have) (a chance|time)",
    r"in (your|my) own time",
    r"low priority",
    r"just curious",
    r"just wondering",
    r"at your convenience",
    r"not in a hurry",
    r"no pressure",
    r"not time[- ]sensitive",
]

# Who a customer asks to reach: the company's people, by any of their names.
_WHO = (
    r"(?:(?:a|an|the|your|some|one\s+of\s+your)\s+)?(?:(?:real|live|actual|human)\s+)?"
    r"(?:customer\s+)?(?:you(?:\s+guys)?|us|them|support|service|care|team|help\s?desk|person|"
    r"human|agent|rep|representative|someone|somebody|anyone|staff|advisor|adviser|company|store|"
    r"shop|seller)(?:\s+(?:team|desk|department|line))?"
)
# How a question asks to do something itself: "can I …", "I'd like to …", "please …".
_ASK = (
    r"(?:(?:can|could|may|should|do|shall)\s+(?:i|we)|(?:i|we)(?:\s+would|'d|’d)?\s+"
    r"(?:like|need|want|prefer|have)\s+to|let\s+me|please)\s+"
)
# Who a request asks, standing alone ("could someone call me"): no subject of the question.
_WHO_ALONE = re.compile(rf"(?<![\w-]){_WHO}(?![\w-])", re.I)
# The ways of asking for a medium, by medium; a channel is given a medium's wording when its id or
# name names that medium (see _medium_of), or its own list under `routing: requests:`.
DEFAULT_REQUESTS: dict[str, list[str]] = {
    "phone": [
        rf"(?:call|ring|phone|telephone)(?:ing)?\s+{_WHO}",
        r"give\s+(?:you|us|them)\s+a\s+(?:call|ring)",
        r"(?:by|over|on)\s+(?:the\s+)?(?:tele)?phone",
        r"(?:tele)?phone\s+(?:number|line|support|agent)|(?:support|contact|service|care)\s+number",
        r"call\s*back|helpline|hotline",
        rf"(?:speak|talk)(?:ing)?\s+(?:to|with)\s+{_WHO}",
        # not "call off", nor naming or another party ("what should I call my site", "call my bank")
        rf"{_ASK}(?:call|phone|ring)(?!\s+(?:off|my|our|it|this|that|these|those)\b)",
        r"(?:call|ring|phone|telephone)\s+me(?:\s+back)?",
    ],
    "email": [
        rf"(?:e-?mail|write|writing|write\s+to|writing\s+to)\s+{_WHO}",
        rf"(?:send|sending)\s+(?:{_WHO}\s+)?an?\s+e-?mail|an?\s+e-?mail\s+to\s+{_WHO}",
        r"drop\s+(?:you|us|them)\s+a\s+(?:line|note)",
        r"(?:by|via|through|over)\s+e-?mail|in\s+writing",
        r"(?:support|contact|service|care|help\s?desk|your)\s+e-?mail(?:\s+address)?",
        rf"{_ASK}(?:e-?mail|write)",
        r"(?:e-?mail|write(?:\s+to)?)\s+me",
    ],
    "chat": [
        rf"(?:chat|chatting|type|typing)\s+(?:back\s+and\s+forth\s+)?(?:with|to)\s+{_WHO}",
        r"(?:live|online|web)\s+chat|chat\s+(?:support|agent|window|button|service)",
        r"(?:start|open|begin)\s+a\s+(?:live\s+)?chat|(?:by|via|over|through|in)\s+(?:live\s+)?chat",
        rf"(?:speak|talk)(?:ing)?\s+(?:to|with)\s+{_WHO}\s+(?:online|in\s+real\s+time|by\s+chat)",
        rf"{_ASK}chat",
        r"chat\s+with\s+me",
    ],
}
# Words a channel's id or name uses for each medium.
_MEDIA = {
    "phone": re.compile(r"phone|call|telephone|voice", re.I),
    "email": re.compile(r"e-?mail|mail|letter|writ", re.I),
    "chat": re.compile(r"chat|messag", re.I),
}
# A medium the customer turns down ("instead of calling", "rather than using the chat", "not by
# email"): the page about that medium is not what they ask about.
_REJECTED_MEDIUM = re.compile(
    r"(?<![\w-])(?:instead\s+of|rather\s+than|not\s+(?:by|via|over|through))\s+"
    r"(?:(?:using|the|a|an|by|via|over)\s+)*"
    r"(?:(?:tele)?phon(?:e|es|ing)|call(?:s|ing)?|ring(?:ing)?|e-?mail(?:s|ing)?|writ(?:e|ing)|"
    r"(?:live\s+)?chat(?:s|ting)?|messag(?:e|es|ing))(?:\s+(?:calls?|support|line))?(?![\w-])",
    re.I,
)
# A request just after one of these is one the customer does not want ("instead of calling").
_NEGATIONS = frozenset(
    "not no never without instead than cannot cant can't can’t don't dont don’t won't wont won’t "
    "unable avoid avoiding".split()
)
# "my phone number", "the email address on my account": the customer's own details, not a request.
_OWN = frozenset("my our his her their new old wrong mobile own another different".split())
_DETAIL_AFTER = re.compile(
    r"\s+(?:on|in|from|linked|associated|attached|tied|registered|saved|of\s+my|for\s+my)\b", re.I
)


@dataclass
class Hours:
    """Weekly opening hours in one time zone; `None` hours on a channel means always open."""

    tz: ZoneInfo
    weekly: dict[int, list[tuple[int, int]]]  # weekday → [(start_min, end_min)]

    def is_open(self, now: datetime) -> bool:
        local = now.astimezone(self.tz)
        minute = local.hour * 60 + local.minute
        return any(s <= minute < e for s, e in self.weekly.get(local.weekday(), []))

    def next_open(self, now: datetime) -> datetime | None:
        local = now.astimezone(self.tz)
        for offset in range(0, 8):
            day = (local + timedelta(days=offset)).date()
            for start, _end in sorted(self.weekly.get(day.weekday(), [])):
                opens = datetime(
                    day.year, day.month, day.day, start // 60, start % 60, tzinfo=self.tz
                )
                if opens > local:
                    return opens
        return None


@dataclass
class Channel:
    id: str
    name: str
    how: str
    best_for: str = ""
    description: str = ""
    hours: Hours | None = None

    def is_open(self, now: datetime) -> bool:
        return self.hours is None or self.hours.is_open(now)

    def opens_at(self, now: datetime) -> datetime | None:
        if self.hours is None or self.hours.is_open(now):
            return None
        return self.hours.next_open(now)


@dataclass
class ChannelChoice:
    channel: Channel
    reason: str
    open_now: bool
    opens_at: datetime | None
    preferred: Channel | None = None  # the channel that fit best, when it was closed

    def to_json(self) -> dict[str, Any]:
        c = self.channel
        data: dict[str, Any] = {
            "id": c.id,
            "name": c.name,
            "how": c.how,
            "best_for": c.best_for,
            "open_now": self.open_now,
            "opens_at": self.opens_at.isoformat() if self.opens_at else None,
            "reason": self.reason,
        }
        if self.preferred is not None:
            data["preferred"] = {
                "id": self.preferred.id,
                "name": self.preferred.name,
                "opens_at": _iso(self.preferred.opens_at(datetime.now().astimezone())),
            }
        return data


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@dataclass
class Routing:
    urgent: re.Pattern[str]
    relaxed: re.Pattern[str]
    urgent_channel: str = "phone"
    relaxed_channel: str = "email"
    topics: dict[str, str] = field(default_factory=dict)
    # Which channels may stand in for a closed one, in order of preference.
    alternatives: dict[str, list[str]] = field(default_factory=dict)
    # The wording that asks for each channel, by channel id.
    requests: dict[str, re.Pattern[str]] = field(default_factory=dict)


def _medium_of(channel: Channel) -> str | None:
    """The medium a channel's id or name names ("phone", "email", "chat"), if exactly one."""
    named = {m for m, words_re in _MEDIA.items() if words_re.search(f"{channel.id} {channel.name}")}
    return named.pop() if len(named) == 1 else None


def _default_requests(channels: list[Channel]) -> dict[str, list[str]]:
    """Each medium's request wording, for the first channel that names that medium."""
    found: dict[str, list[str]] = {}
    for c in channels:
        medium = _medium_of(c)
        if medium and not any(_medium_of(o) == medium for o in channels[: channels.index(c)]):
            found[c.id] = DEFAULT_REQUESTS[medium]
    return found


def _key(phrase: str) -> str:
    """How an urgency match and a content term are compared: the stems of their words."""
    return " ".join(stem(w) or w for w in words(phrase))


def _neighbours(text: str, start: int, end: int) -> tuple[str, str]:
    """The stems of the words just before and just after text[start:end] ("" when a stop word,
    punctuation or nothing is there): a term's words are written side by side."""
    before = re.search(r"([^\W_]+)[ \t-]+$", text[max(0, start - 40) : start])
    after = re.match(r"[ \t-]+([^\W_]+)", text[end : end + 40])
    return (
        stem(before.group(1)) if before else "",
        stem(after.group(1)) if after else "",
    )


class ContentTerms:
    """The terms of a help center that contain an urgency word without meaning urgency.

    "Emergency access" on a password manager's help center names a feature: a customer asking how
    to set it up is not in an emergency. Such a term is an urgency word and the word beside it,
    written side by side in the content at least twice, in at least two thirds of the content's
    uses of that urgency word (a term is a fixed phrase: content that talks about urgency uses the
    word in many phrases). Uses in articles the content routes to the urgent channel are urgency
    itself ("a compromised account", routed to phone), never a term.

    Read from the articles once, when a question first has an urgency word in it; only the texts
    that contain one of the content's words that are urgency words by themselves are read (the
    urgency patterns have no literal prefix to scan for, and most texts have none of them).
    """

    MIN_USES = 2
    MIN_SHARE = 2 / 3

    def __init__(
        self,
        articles: Iterable[Article],
        vocabulary: Iterable[str],
        urgent: re.Pattern[str],
        urgent_channel: str,
    ):
        uses: Counter[str] = Counter()
        beside: Counter[tuple[str, str, str]] = Counter()  # (match, side, neighbour) → uses
        urgent_words = [w for w in vocabulary if urgent.fullmatch(w)]
        for article in articles if urgent_words else ():
            texts = [article.title, article.summary, *article.questions]
            for section in article.sections:
                texts += [section.heading, section.text]
            neutral = article.channel != urgent_channel
            for text in texts:
                lowered = text.lower()
                if not any(w in lowered for w in urgent_words):
                    continue
                for m in urgent.finditer(text):
                    key = _key(m.group())
                    uses[key] += 1
                    if neutral:
                        before, after = _neighbours(text, m.start(), m.end())
                        if before:
                            beside[key, "before", before] += 1
                        if after:
                            beside[key, "after", after] += 1
        self.terms = {
            found
            for found, n in beside.items()
            if n >= self.MIN_USES and n >= self.MIN_SHARE * uses[found[0]]
        }

    def contains(self, text: str, match: re.Match[str]) -> bool:
        """Whether an urgency match in a question is part of one of the content's terms."""
        key = _key(match.group())
        before, after = _neighbours(text, match.start(), match.end())
        return (key, "before", before) in self.terms or (key, "after", after) in self.terms


def _words_pattern(items: list[str]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(?:" + "|".join(f"(?:{i})" for i in items) + r")(?![\w-])", re.I)


def _asked(text: str, match: re.Match[str]) -> bool:
    """Whether a request match is one: not negated ("instead of calling") and not the customer's
    own details ("my phone number", "the email address on my account")."""
    before = text[max(0, match.start() - 40) : match.start()].lower().split()[-3:]
    if any(w.strip(",.;:!?") in _NEGATIONS or w.endswith(("n't", "n’t")) for w in before):
        return False
    if re.search(r"(?:number|address|line)$", match.group(), re.I):
        own = before[-1].strip(",.;:!?") in _OWN if before else False
        return not own and not _DETAIL_AFTER.match(text, match.end())
    return True


def _parse_range(text: str, where: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", str(text))
    if not m:
        raise ContentError(f"{where}: opening hours must look like '09:00-17:00', not {text!r}")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if not (0 <= start < end <= 24 * 60):
        raise ContentError(f"{where}: {text!r} is not a valid range within one day")
    return start, end


def _parse_hours(raw: Any, default_tz: str, where: str) -> Hours | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("weekly"), dict):
        raise ContentError(f"{where}: 'hours' needs a 'weekly' mapping of mon..sun to ranges")
    tz_name = str(raw.get("timezone") or default_tz)
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ContentError(f"{where}: unknown time zone {tz_name!r}") from None
    weekly: dict[int, list[tuple[int, int]]] = {}
    for day, ranges in raw["weekly"].items():
        key = str(day).lower()[:3]
        if key not in DAYS:
            raise ContentError(f"{where}: unknown day {day!r}")
        items = ranges if isinstance(ranges, list) else [ranges]
        weekly[DAYS.index(key)] = [_parse_range(r, where) for r in items if r]
    return Hours(tz=tz, weekly=weekly)


class ChannelBook:
    """The channels of one index version, and the rules that pick one."""

    def __init__(self, channels: list[Channel], default: str, routing: Routing) -> None:
        if not channels:
            raise ContentError("channels.yaml defines no channels")
        self.channels = {c.id: c for c in channels}
        self.default = default if default in self.channels else channels[0].id
        self.routing = routing
        # What a question's wording says (a requested channel, urgency), remembered by question:
        # people ask the same questions again, and reading the wording is a few regular-expression
        # passes. A map of its own (not an lru_cache of a bound method, which would make the book
        # a reference cycle).
        self._wordings: LRU[str, tuple[str, str]] = LRU(4096)
        # The content this book's version serves, read for its terms when first needed.
        self._articles: Mapping[str, Article] = {}
        self._vocabulary: Iterable[str] = ()
        self._terms: ContentTerms | None = None
        # Choices by (wording, article channel, topic, minute): every search asks for one, and the
        # hours are whole minutes (see _parse_range) in zones whose offsets have been whole minutes
        # since 1972, so a choice holds for the rest of its minute: each channel's hours are read
        # in its zone once a minute, not once a search.
        self._choices: LRU[
            tuple[str | None, str | None, str | None, str | None, int], ChannelChoice
        ] = LRU(1024)

    def read_terms_from(self, articles: Mapping[str, Article], vocabulary: Iterable[str]) -> None:
        """Let the urgency wording know the content this book is served with and its words (see
        ContentTerms)."""
        self._articles = articles
        self._vocabulary = vocabulary
        self._terms = None
        self._wordings.clear()
        self._choices.clear()

    @property
    def terms(self) -> ContentTerms:
        if self._terms is None:
            self._terms = ContentTerms(
                self._articles.values(),
                self._vocabulary,
                self.routing.urgent,
                self.routing.urgent_channel,
            )
        return self._terms

    @classmethod
    def load(cls, path: Path, default_tz: str = "UTC") -> ChannelBook:
        try:
            data = load_yaml(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ContentError(f"{path}: {exc}") from None
        return cls.from_data(data, default_tz, str(path))

    @classmethod
    def from_data(cls, data: Any, default_tz: str = "UTC", where: str = "channels") -> ChannelBook:
        if not isinstance(data, dict) or not isinstance(data.get("channels"), list):
            raise ContentError(f"{where}: needs a 'channels' list")
        channels = []
        for raw in data["channels"]:
            if not isinstance(raw, dict) or not raw.get("id") or not raw.get("name"):
                raise ContentError(f"{where}: every channel needs an 'id' and a 'name'")
            cid = str(raw["id"])
            channels.append(
                Channel(
                    id=cid,
                    name=str(raw["name"]),
                    how=str(raw.get("how") or ""),
                    best_for=str(raw.get("best_for") or ""),
                    description=str(raw.get("description") or ""),
                    hours=_parse_hours(raw.get("hours"), default_tz, f"{where}: {cid}"),
                )
            )
        r = data.get("routing") or {}
        ids = {c.id for c in channels}
        requests = _default_requests(channels)
        for cid, wording in (r.get("requests") or {}).items():
            requests[str(cid)] = [str(w) for w in wording]
        topics = dict(r.get("topics") or {})
        if "billing-support" in ids:
            topics.setdefault("billing", "billing-support")
        routing = Routing(
            urgent=_words_pattern(list(r.get("urgent_words") or DEFAULT_URGENT)),
            relaxed=_words_pattern(list(r.get("relaxed_words") or DEFAULT_RELAXED)),
            urgent_channel=str(r.get("urgent_channel") or "phone"),
            relaxed_channel=str(r.get("relaxed_channel") or "email"),
            topics={str(k): str(v) for k, v in topics.items()},
            alternatives={
                str(k): [str(x) for x in v] for k, v in (r.get("alternatives") or {}).items()
            },
            requests={cid: _words_pattern(w) for cid, w in requests.items() if cid in ids and w},
        )
        return cls(channels, str(data.get("default") or "chat"), routing)

    def without_relaxed_wording(self, text: str) -> str:
        """The question without its relaxed wording ("no rush, …", "non-urgent question about …")
        and the media it turns down ("instead of calling", "rather than the chat"): they say which
        channel suits, never what the question is about."""
        return _REJECTED_MEDIUM.sub(" ", self.routing.relaxed.sub(" ", text))

    def without_requests(self, text: str) -> str:
        """The question without its requests for a channel ("can you call me", "email support"):
        what is left is what it asks about, if anything: not who it asks ("can an agent chat with
        me"). Requests may overlap ("I want to chat" and "chat with an agent"), so each word is
        tried as the start of one."""
        asked = bytearray(len(text))
        for pattern in self.routing.requests.values():
            for word in re.finditer(r"[\w-]+", text):
                m = pattern.match(text, word.start())
                if m and _asked(text, m):
                    asked[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
        rest = "".join(" " if flag else ch for ch, flag in zip(text, asked, strict=True))
        return _WHO_ALONE.sub(" ", rest)

    def wording(self, text: str) -> str | None:
        """'urgent', 'relaxed' or None: what the customer's wording says about urgency."""
        return self._wordings.get_or_make(text, self._read_wording)[1] or None

    def requested(self, text: str) -> str | None:
        """The id of the channel the customer explicitly asks for, or None (none, or several)."""
        return self._wordings.get_or_make(text, self._read_wording)[0] or None

    def _read_wording(self, text: str) -> tuple[str, str]:
        """(requested channel id, urgency), "" for none."""
        relaxed = self.routing.relaxed.search(text)
        rest = self.routing.relaxed.sub(" ", text)
        urgency = "relaxed" if relaxed else ""
        for m in self.routing.urgent.finditer(rest):
            if not self._articles or not self.terms.contains(rest, m):
                urgency = "urgent"
                break
        return self._read_request(text), urgency

    def _read_request(self, text: str) -> str:
        """The one channel the text asks for ("" for none or several): where requests for two
        channels overlap, the longer one says more ("talk to someone online" is chat)."""
        spans = [
            (m.start(), m.end(), cid)
            for cid, pattern in self.routing.requests.items()
            for m in pattern.finditer(text)
            if _asked(text, m)
        ]
        kept = {
            cid
            for start, end, cid in spans
            if not any(s <= start and end <= e and e - s > end - start for s, e, _ in spans)
        }
        return kept.pop() if len(kept) == 1 else ""

    def choose(
        self,
        text: str,
        article_channel: str | None,
        topic: str | None,
        now: datetime | None = None,
    ) -> ChannelChoice:
        """The channel to recommend for this wording and best-matching content, respecting hours."""
        now = now or datetime.now(UTC)  # each channel's hours are read in its own time zone
        requested, wording = self.requested(text), self.wording(text)
        key = (requested, wording, article_channel, topic, int(now.timestamp() // 60))
        choice = self._choices.get(key)
        if choice is None:
            choice = self._choose(requested, wording, article_channel, topic, now)
            self._choices.put(key, choice)
        return choice

    def _choose(
        self,
        requested: str | None,
        wording: str | None,
        article_channel: str | None,
        topic: str | None,
        now: datetime,
    ) -> ChannelChoice:
        """`choose` without the cache (`requested` and `wording` as their methods give them)."""
        candidates: list[tuple[str, str]] = []
        if requested:
            candidates.append((requested, "asked for"))
        if wording == "urgent":
            candidates.append((self.routing.urgent_channel, "urgent wording"))
        if wording == "relaxed":
            candidates.append((self.routing.relaxed_channel, "non-urgent wording"))
        if article_channel:
            candidates.append((article_channel, "the matching article's channel"))
        if topic and topic in self.routing.topics:
            candidates.append((self.routing.topics[topic], f"topic '{topic}'"))
        candidates.append((self.default, "default channel"))
        candidates = [(cid, why) for cid, why in candidates if cid in self.channels]
        cid, reason = candidates[0]
        preferred = self.channels[cid]
        if preferred.is_open(now):
            return ChannelChoice(preferred, reason, True, None)
        for alt_id in self._alternatives(cid, [c for c, _ in candidates]):
            alt = self.channels[alt_id]
            if alt.is_open(now):
                return ChannelChoice(
                    alt, f"{reason}; {preferred.name} is closed", True, None, preferred=preferred
                )
        return ChannelChoice(preferred, reason + "; closed now", False, preferred.opens_at(now))

    def _alternatives(self, cid: str, candidates: list[str]) -> list[str]:
        order = self.routing.alternatives.get(cid) or [
            *candidates,
            self.default,
            *(c for c in self.channels if c != self.routing.relaxed_channel),
            self.routing.relaxed_channel,
        ]
        seen: list[str] = []
        for c in order:
            if c in self.channels and c != cid and c not in seen:
                seen.append(c)
        return seen

    def to_json(self, now: datetime | None = None) -> list[dict[str, Any]]:
        now = now or datetime.now().astimezone()
        return [
            {
                "id": c.id,
                "name": c.name,
                "how": c.how,
                "best_for": c.best_for,
                "description": c.description,
                "open_now": c.is_open(now),
                "opens_at": _iso(c.opens_at(now)),
                "has_hours": c.hours is not None,
            }
            for c in self.channels.values()
        ]
