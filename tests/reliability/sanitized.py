"""What "no executable script" means for a piece of HTML kb serves, checked with a real HTML parser."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

# Elements that run script, load active content or change how the page around them behaves.
ACTIVE_TAGS = frozenset(
    "script iframe frame frameset object embed applet style link meta base form svg math template "
    "noscript portal".split()
)
URL_ATTRIBUTES = frozenset(
    "href src action formaction xlink:href data poster background srcset".split()
)
UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ACTIVE_TAGS:
            self.problems.append(f"<{tag}> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> event handler")
            if name in URL_ATTRIBUTES and value is not None:
                url = _INVISIBLE.sub("", html.unescape(value)).lower()
                if url.startswith(UNSAFE_SCHEMES):
                    self.problems.append(f"<{tag} {name}={value!r}> unsafe URL")
            if name == "style" and value and re.search(r"url\s*\(|expression\s*\(", value, re.I):
                self.problems.append(f"<{tag} style={value!r}> style that loads or runs")

    handle_startendtag = handle_starttag


def script_problems(fragment: str) -> list[str]:
    """Every way `fragment` could run script or load active content when put into a page."""
    collector = _Collector()
    collector.feed(fragment)
    collector.close()
    problems = collector.problems
    if re.search(r"<\s*script", fragment, re.I):
        problems.append("literal <script")
    return problems
