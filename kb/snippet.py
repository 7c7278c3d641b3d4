"""Snippets: the passage of a section that best shows why it matched, matched words in <mark>."""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape

from kb.vocabulary import stem

SNIPPET_CHARS = 220


@lru_cache(maxsize=8192)
def snippet(text: str, stems: frozenset[str], width: int = SNIPPET_CHARS) -> str:
    """An HTML-escaped passage of about `width` characters with the most distinct matched words.

    Only `<mark>` is ever produced as markup; everything from the text is escaped. Cached: the same
    section comes up for the same words again and again (a misspelt query once corrected too).
    """
    hits = []
    for m in _candidates(frozenset(stems)).finditer(text):
        st = stem(m.group().lower())
        if st in stems:
            hits.append((m.start(), m.end(), st))
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


@lru_cache(maxsize=1024)
def _candidates(stems: frozenset[str]) -> re.Pattern[str]:
    """The words (as kb.schema.WORD_RE cuts them) that start like one of the stems.

    A stem keeps its word's beginning (stemming changes endings), so only these words need stemming:
    the regex engine skips the rest of the text.
    """
    prefixes = sorted({st[: max(2, min(len(st) - 1, 4))] for st in stems if st}, reverse=True)
    if not prefixes:
        return re.compile(r"(?!)")
    alternatives = "|".join(re.escape(p) for p in prefixes)
    return re.compile(
        rf"(?<![^\W_])(?<![^\W_]['’])(?:{alternatives})[^\W_]*(?:['’][^\W_]+)*", re.IGNORECASE
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
