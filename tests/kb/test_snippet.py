"""Snippets: the best passage, matched words marked, everything else escaped."""

from __future__ import annotations

import random

from indexer.schema import WORD_RE
from kb.engine.snippet import _hits, _hits_by_pattern, snippet
from kb.engine.vocabulary import stem


def test_marks_matched_words_by_stem() -> None:
    """Words whose stem was searched are wrapped in <mark>, inflections included."""
    out = snippet(
        "Refunds are issued once the returned item arrives.", (stem("refund"), stem("return"))
    )
    assert out == "<mark>Refunds</mark> are issued once the <mark>returned</mark> item arrives."


def test_text_is_escaped_and_only_mark_is_markup() -> None:
    """Markup in the text comes out escaped; <mark> is the only tag produced."""
    out = snippet('<img src=x onerror="alert(1)"> refund & more', (stem("refund"),))
    assert "<img" not in out and "&lt;img" in out and "&amp;" in out
    assert out.count("<") == out.count("<mark>") + out.count("</mark>")


def test_long_text_is_cut_around_the_densest_matches() -> None:
    """In a long section the window lands where most distinct matched words are, with ellipses."""
    filler = "lorem ipsum dolor sit amet " * 30
    text = filler + "track the parcel status in your orders " + filler
    out = snippet(text, (stem("track"), stem("parcel"), stem("status")), width=120)
    assert out.startswith("… ") and out.endswith(" …")
    assert (
        "<mark>track</mark>" in out
        and "<mark>parcel</mark>" in out
        and "<mark>status</mark>" in out
    )
    assert len(out) < 260


def test_no_match_gives_the_opening() -> None:
    """Without matched words the snippet is the start of the section."""
    assert snippet("First words here. More later.", ("zzz",)) == "First words here. More later."


WORDS = [
    "refund",
    "Refunds",
    "don't",
    "REFUNDED",
    "l'état",
    "naïve",
    "Straße",
    "café",
    "O’Neil",
    "x_y",
    "return",
    "returning",
    "ÉCOLE",
    "ecole",
    "2fa",
    "a1b2",
    "it's",
    "dogs'",
    "'quoted'",
    "ﬁle",
    "file",
    "résumé",
    "Ωmega",
    "ωmega",
    "ship",
    "shipping",
    "un-shipped",
    "re-turn",
    "ſtate",
]
SEPARATORS = [" ", "  ", ", ", ". ", "'", "’", "-", "_", "\n", "(", ")", "/", "", "&", "<b>"]


def test_words_found_by_find_are_the_case_insensitive_patterns_words() -> None:
    """The matched words are found with str.find in the lower-cased text; on 3,000 random texts
    of mixed case, accents, apostrophes and joiners they are exactly the words a case-insensitive
    regular expression finds (the way used when lower-casing changes a text's length)."""
    rng = random.Random(7)
    differing = []
    for _ in range(3000):
        text = "".join(
            rng.choice(WORDS) + rng.choice(SEPARATORS) for _ in range(rng.randint(1, 30))
        )
        picked = rng.sample(WORDS, rng.randint(1, 4))
        stems = tuple(sorted({s for s in (stem(w.lower()) for w in picked) if s}))
        if _hits(text, stems) != _hits_by_pattern(text, stems):
            differing.append((text, stems))
    assert differing == []


def test_every_matching_word_of_plain_text_is_found() -> None:
    """In plain words (no elisions, which stemming removes from a word's front), the matched words
    are every word kb.schema.WORD_RE cuts whose stem was searched, at its place in the text."""
    rng = random.Random(11)
    plain = [w for w in WORDS if w.isascii() and "'" not in w]
    joiners = [s for s in SEPARATORS if "'" not in s and "’" not in s]
    for _ in range(500):
        text = "".join(rng.choice(plain) + rng.choice(joiners) for _ in range(rng.randint(1, 30)))
        stems = tuple(sorted({stem(w.lower()) for w in rng.sample(plain, 3)} - {""}))
        expected = [
            (m.start(), m.end(), stem(m.group().lower()))
            for m in WORD_RE.finditer(text)
            if stem(m.group().lower()) in stems
        ]
        assert _hits(text, stems) == expected


def test_a_text_whose_lower_case_is_longer_keeps_its_offsets() -> None:
    """ "İ" lower-cases to two characters; such a text is matched by pattern, marks in place."""
    out = snippet("İstanbul office: refunds take 5 days.", (stem("refund"),))
    assert out == "İstanbul office: <mark>refunds</mark> take 5 days."
