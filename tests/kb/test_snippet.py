"""Snippets: the best passage, matched words marked, everything else escaped."""

from __future__ import annotations

from kb.snippet import snippet
from kb.vocabulary import stem


def test_marks_matched_words_by_stem() -> None:
    """Words whose stem was searched are wrapped in <mark>, inflections included."""
    out = snippet("Refunds are issued once the returned item arrives.", frozenset({stem("refund"), stem("return")}))
    assert out == "<mark>Refunds</mark> are issued once the <mark>returned</mark> item arrives."


def test_text_is_escaped_and_only_mark_is_markup() -> None:
    """Markup in the text comes out escaped; <mark> is the only tag produced."""
    out = snippet('<img src=x onerror="alert(1)"> refund & more', frozenset({stem("refund")}))
    assert "<img" not in out and "&lt;img" in out and "&amp;" in out
    assert out.count("<") == out.count("<mark>") + out.count("</mark>")


def test_long_text_is_cut_around_the_densest_matches() -> None:
    """In a long section the window lands where most distinct matched words are, with ellipses."""
    filler = "lorem ipsum dolor sit amet " * 30
    text = filler + "track the parcel status in your orders " + filler
    out = snippet(text, frozenset({stem("track"), stem("parcel"), stem("status")}), width=120)
    assert out.startswith("… ") and out.endswith(" …")
    assert "<mark>track</mark>" in out and "<mark>parcel</mark>" in out and "<mark>status</mark>" in out
    assert len(out) < 260


def test_no_match_gives_the_opening() -> None:
    """Without matched words the snippet is the start of the section."""
    assert snippet("First words here. More later.", frozenset({"zzz"})) == "First words here. More later."
