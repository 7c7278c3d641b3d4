"""The blend's features: pages written to one pattern, when the question names none of them."""

from __future__ import annotations

from kb.engine.blend import siblings
from kb.engine.search import title_stems


def test_a_family_of_pages_is_marked_unless_the_question_names_the_member() -> None:
    """Titles that differ from two or more others in one word form a family; a member whose own
    word the question asks is not marked, nor is a page outside the family or a copy's twin alone."""
    titles = [
        title_stems(t)
        for t in (
            "Host on Netlify",
            "Host on Render",
            "Host on GitHub Pages",  # one word longer: not of the family
            "Host on Firebase",
            "Deploy your site",
            "Deploy your site",  # a copy is no sibling
        )
    ]
    assert titles[0] == ("host", "netlifi")
    assert siblings(titles, asked={"host", "site"}) == [1.0, 1.0, 0.0, 1.0, 0.0, 0.0]
    assert siblings(titles, asked={"host", "render"}) == [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]


def test_two_pages_are_no_family_and_one_word_titles_are_never_marked() -> None:
    """A family needs three members (two siblings each); a one-word title has no pattern."""
    assert siblings([("host", "netlifi"), ("host", "render")], asked=set()) == [0.0, 0.0]
    assert siblings([("billing",), ("account",), ("orders",)], asked=set()) == [0.0, 0.0, 0.0]
