"""Direct-contact channels and the choice of the right one for a question.

The choice, in order: urgent wording → the urgent channel (phone); relaxed wording → the relaxed
channel (email); the best-matching article's `channel`; its topic's channel (billing →
billing-support); the default (chat). A channel whose opening hours say it is closed is not
recommended when an open one fits; the response then says when the preferred one opens.

The wording lists and routes have English defaults here and can be replaced in channels.yaml under
`routing:` (the operator owns the words that mean "urgent" for their customers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from indexer.safe_yaml import load_yaml
from kb.engine.cache import LRU
from kb.errors import ContentError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

DEFAULT_URGENT = [
    r"urgent\w*", r"emergenc\w*", r"immediate(ly)?", r"asap", r"right (now|away)", r"at once",
    r"hack(ed|er|ers|ing)?", r"compromised", r"fraud\w*", r"scam\w*", r"fire", r"on fire",
    r"smok(e|ing)", r"burn(ing|t|ed)?", r"sparks?", r"explod\w*", r"injur\w*", r"danger\w*",
    r"unsafe", r"locked out", r"identity theft", r"stolen (card|identity|account)",
]  # fmt: skip
DEFAULT_RELAXED = [
    r"no rush", r"no hurry", r"not urgent", r"non[- ]?urgent", r"whenever", r"no urgency",
    r"when you (get|have) (a chance|time)", r"in (your|my) own time", r"low priority",
    r"just curious", r"just wondering", r"at your convenience", r"not in a hurry",
    r"no pressure", r"not time[- ]sensitive",
]  # fmt: skip


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


def _words_pattern(items: list[str]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(?:" + "|".join(f"(?:{i})" for i in items) + r")(?![\w-])", re.I)


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
        # What a question's wording says, remembered by question: people ask the same questions
        # again, and reading the wording is three regular-expression passes. A map of its own (not
        # an lru_cache of a bound method, which would make the book a reference cycle).
        self._wordings: LRU[str, str] = LRU(4096)
        # Choices by (wording, article channel, topic, minute): every search asks for one, and the
        # hours are whole minutes (see _parse_range) in zones whose offsets have been whole minutes
        # since 1972, so a choice holds for the rest of its minute (with opening hours in three
        # zones, ≈ 5.0 → 1.5 µs a search).
        self._choices: LRU[tuple[str | None, str | None, str | None, int], ChannelChoice] = LRU(1024)

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
        )
        return cls(channels, str(data.get("default") or "chat"), routing)

    def without_relaxed_wording(self, text: str) -> str:
        """The question without its relaxed wording ("no rush, …", "non-urgent question about …"):
        it says which channel suits, never what the question is about."""
        return self.routing.relaxed.sub(" ", text)

    def wording(self, text: str) -> str | None:
        """'urgent', 'relaxed' or None: what the customer's wording says about urgency."""
        return self._wordings.get_or_make(text, self._read_wording) or None

    def _read_wording(self, text: str) -> str:
        relaxed = self.routing.relaxed.search(text)
        rest = self.routing.relaxed.sub(" ", text)
        if self.routing.urgent.search(rest):
            return "urgent"
        return "relaxed" if relaxed else ""

    def choose(
        self,
        text: str,
        article_channel: str | None,
        topic: str | None,
        now: datetime | None = None,
    ) -> ChannelChoice:
        """The channel to recommend for this wording and best-matching content, respecting hours."""
        now = now or datetime.now(UTC)  # each channel's hours are read in its own time zone
        wording = self.wording(text)
        key = (wording, article_channel, topic, int(now.timestamp() // 60))
        choice = self._choices.get(key)
        if choice is None:
            choice = self._choose(wording, article_channel, topic, now)
            self._choices.put(key, choice)
        return choice

    def _choose(
        self, wording: str | None, article_channel: str | None, topic: str | None, now: datetime
    ) -> ChannelChoice:
        """`choose` without the cache (`wording` as `wording` gives it)."""
        candidates: list[tuple[str, str]] = []
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
