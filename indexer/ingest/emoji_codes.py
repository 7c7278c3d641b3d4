"""Emoji written by name (`:bulb:`, `:heavy_check_mark:`, `:+1:`), shown as the emoji that GitHub,
Jekyll's jemoji, MkDocs' pymdownx.emoji and Hugo's `enableEmoji` show for them.

A name is markup, not the page's text: left as typed, "heavy", "check" and "mark" would be searched
in every table row that ticks a box. Names the `emoji` package does not know (GitHub's custom ones,
`:props:`), colons inside words or numbers (`10:30:00`, `a:b:c`), and code stay as written.
"""

from __future__ import annotations

import functools
import re

import emoji

from indexer.ingest.fences import outside_code, sub_in_prose

_NAME_RE = re.compile(r"(?<![\w:]):([a-z0-9_+-]+):(?![\w:])")
_COLON_RE = re.compile(":")


def emojize(text: str) -> str:
    """`text` with each known emoji name outside code replaced by its emoji."""
    if not _NAME_RE.search(text):
        return text
    return outside_code(text, lambda run: sub_in_prose(_NAME_RE, _emoji, run, _COLON_RE))


def _emoji(m: re.Match[str], run: str) -> str:
    return _by_name(run[m.start() : m.end()])


@functools.lru_cache(maxsize=1024)
def _by_name(code: str) -> str:
    return emoji.emojize(code, language="alias")
