"""The language's common words: a word people commonly write is never "corrected" into a content word.

Typo correction looks for the nearest word of the index's vocabulary. Without this check, a real
word the content happens not to use is bent into one it does ("read" → "ready", "driving" →
"diving", "shop" → "show"): the answer is then about something else, and `did_you_mean` proposes
nonsense. A word the language uses at least `MIN_PER_MILLION` times per million words is taken as
meant; the content simply does not cover it. Rare words ("costumer") are still corrected.

The same counts say how much a word the content never uses tells about the question: "ago" or
"weeks" in a long message say little (`specificity` near 0), "battery" or "licence" name a topic
the content does not cover (near 1).

The word counts come from pyspellchecker's frequency lists (built from OpenSubtitles), one per
language; the operator picks the language of the content (`KB_TYPO_LANGUAGE`).
"""

from __future__ import annotations

import math
from functools import lru_cache

from spellchecker import SpellChecker

from kb.errors import ConfigError

DEFAULT_LANGUAGE = "en"
MIN_PER_MILLION = 0.5
GENERIC_PER_MILLION = 300.0  # as common as "actually", "read", "since": specificity 0
LANGUAGES = ("ar", "de", "en", "es", "eu", "fa", "fr", "it", "lv", "nl", "pt", "ru")


class Lexicon:
    """The common words of one language, with their frequency per million words (empty: every
    unknown word may be corrected, and every one is fully specific)."""

    def __init__(self, per_million: dict[str, float]) -> None:
        self.per_million = per_million

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and word.lower() in self.per_million

    def __len__(self) -> int:
        return len(self.per_million)

    def specificity(self, word: str) -> float:
        """0 for a word as common as "since", 1 for one rarer than once per million words; 0 for a
        number or code ("112-3456789", "2pm"): an order number says nothing about the topic."""
        if any(ch.isdigit() for ch in word):
            return 0.0
        pm = self.per_million.get(word.lower())
        if pm is None or pm <= 1.0:
            return 1.0
        return max(0.0, math.log(GENERIC_PER_MILLION / pm) / math.log(GENERIC_PER_MILLION))

    @classmethod
    def none(cls) -> Lexicon:
        return cls({})

    @classmethod
    def load(cls, language: str) -> Lexicon:
        """The common words of `language` ("none" for no lexicon); a ConfigError for an unknown one."""
        if language == "none":
            return cls.none()
        if language not in LANGUAGES:
            raise ConfigError(
                f"typo language {language!r} is not one of: {', '.join(LANGUAGES)}, none"
            )
        return _load(language)


@lru_cache(maxsize=4)
def _load(language: str) -> Lexicon:
    # Only the common words are kept: a few tens of thousands of words per process, not the
    # checker's full list.
    counts = SpellChecker(language=language, distance=1).word_frequency
    scale = 1e6 / counts.total_words
    return Lexicon(
        {
            w: n * scale
            for w, n in counts.dictionary.items()
            if n * scale >= MIN_PER_MILLION and w.isalpha()
        }
    )
