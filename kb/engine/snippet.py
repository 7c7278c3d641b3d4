"""Snippets: the passage of a section that best shows why it matched, matched words in <mark>."""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape

from kb.engine.vocabulary import stem

SNIPPET_CHARS = 220


@lru_cache(maxsize=32768)  # room for the snippets a log's searches show again (docs/performance.md)
def snippet(text: str, stems: tuple[str, ...], width: int = SNIPPET_CHARS) -> str:
    """An HTML-escaped passage of about `width` characters with the most distinct matched words.

    Only `<mark>` is ever produced as markup; everything from the text is escaped. Cached: the same
    section comes up for the same words again and again (a misspelt query once corrected too). The
    stems come as a sorted tuple: a cache key of strings only, which the garbage collector stops
    tracking (a frozenset in it would keep thousands of keys tracked).
    """
    hits = _hits(text, stems)
    start, end = _best_window(text, hits, width)
    parts: list[str] = ["… " if start > 0 else ""]
    cursor = start
    for s, e, _ in hits:
        if s < start or e > end:
            continue
        parts.append(escape(text[cursor:s]))
        parts.append(f"<mark>{escape(text[s:e])}</mark>")
        cursor = e
    parts.append(escape(text[cursor:end]))
    parts.append(" …" if end < len(text) else "")
    return "".join(parts).strip()


_REST = re.compile(r"[^\W_]*(?:['’][^\W_]+)*")  # the rest of a word, as kb.schema.WORD_RE cuts it


def _hits(text: str, stems: tuple[str, ...]) -> list[tuple[int, int, str]]:
    """(start, end, stem) of every word of `text` whose stem is one of `stems`, in text order.

    A stem keeps its word's beginning (stemming changes endings), so only the words that start
    like a stem need stemming. They are found with str.find in the lower-cased text: much cheaper
    than a regular expression over the whole section, and a section is scanned per answer shown.
    """
    wanted = frozenset(stems)
    low = text.lower()
    if len(low) != len(text):  # a letter whose lower case is longer ("İ"): offsets would shift
        return _hits_by_pattern(text, stems)
    starts: dict[int, int] = {}  # word start -> length of the first prefix found there
    for prefix in _prefixes(stems):
        at = low.find(prefix)
        while at >= 0:
            if at not in starts and _starts_word(text, at):
                starts[at] = len(prefix)
            at = low.find(prefix, at + 1)
    hits = []
    cursor = 0
    for at in sorted(starts):
        if at < cursor:  # inside the word just taken
            continue
        rest = _REST.match(low, at + starts[at])
        assert rest is not None  # the rest of a word may be empty: the pattern always matches
        end = cursor = rest.end()
        st = stem(low[at:end])
        if st in wanted:
            hits.append((at, end, st))
    return hits


def _starts_word(text: str, at: int) -> bool:
    """No letter or digit before `at`, nor one followed by an apostrophe (the "t" of "don't")."""
    if at == 0:
        return True
    before = text[at - 1]
    if before.isalnum():
        return False
    return not (before in "'’" and at > 1 and text[at - 2].isalnum())


@lru_cache(maxsize=1024)
def _prefixes(stems: tuple[str, ...]) -> tuple[str, ...]:
    """The beginnings a word must have to stem to one of `stems`: up to 4 letters of each, fewer
    for short stems. Longest first, so of two found at the same place the longer one is taken."""
    return tuple(sorted({st[: max(2, min(len(st) - 1, 4))] for st in stems if st}, reverse=True))


def _hits_by_pattern(text: str, stems: tuple[str, ...]) -> list[tuple[int, int, str]]:
    """`_hits` for text whose lower-casing changes its length, by a case-insensitive pattern."""
    wanted = frozenset(stems)
    hits = []
    for m in _candidates(stems).finditer(text):
        st = stem(m.group().lower())
        if st in wanted:
            hits.append((m.start(), m.end(), st))
    return hits


@lru_cache(maxsize=256)
def _candidates(stems: tuple[str, ...]) -> re.Pattern[str]:
    """The words (as kb.schema.WORD_RE cuts them) that start like one of the stems."""
    prefixes = _prefixes(stems)
    if not prefixes:
        return re.compile(r"(?!)")
    alternatives = "|".join(re.escape(p) for p in prefixes)
    return re.compile(
        rf"(?<![^\W_])(?<![^\W_]['’])(?:{alternatives}){_REST.pattern}", re.IGNORECASE
    )


def _best_window(text: str, hits: list[tuple[int, int, str]], width: int) -> tuple[int, int]:
    """The window (on word boundaries) covering the most distinct matched stems, then the most hits."""
    if len(text) <= width:
        return 0, len(text)
    best = (0, 0, 0)  # (distinct, count, -start)
    best_start = 0
    for i, (s, _, _) in enumerate(hits):
        inside = [h for h in hits[i:] if h[1] <= s + width]
        score = (len({h[2] for h in inside}), len(inside), -s)
        if score > best:
            best, best_start = score, s
    # Start a little before the first match so it reads in context, on a word boundary.
    start = max(0, best_start - width // 5) if hits else 0
    if start > 0:
        space = text.rfind(" ", 0, start)
        start = space + 1 if space >= 0 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    return start, end
