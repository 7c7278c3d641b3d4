"""Splitting articles into sections: headings, paths, anchors, rendering and sanitizing."""

from __future__ import annotations

import html as html_module
import re

import markdown
import nh3
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.chunker import plain_text, render, sanitize, split_sections, strip_templates
from tests.conftest import CONTENT
from tests.helpers.budget import examples

NESTED = """# Returns and refunds

Intro paragraph.

## Start a return

Steps here.

### From the app

App steps.

#### Deep detail

Stays inside its parent.

## Refund status

Status text.
"""


def test_sections_follow_headings_with_paths() -> None:
    """Each heading of level ≤ 3 starts a section whose path holds its parent headings."""
    sections, title = split_sections(NESTED)
    assert title == "Returns and refunds"
    assert [s.anchor for s in sections] == [
        "returns-and-refunds",
        "start-a-return",
        "from-the-app",
        "refund-status",
    ]
    assert sections[2].path == ["Start a return", "From the app"]
    assert sections[3].path == ["Refund status"]
    assert "Stays inside its parent" in sections[2].text
    assert sections[0].text == "Intro paragraph."


def test_heading_inside_code_fence_is_not_a_section() -> None:
    """A `#` line inside a fenced code block is code, not a heading."""
    sections, _ = split_sections("# T\n\n## Real\n\n```bash\n# not a heading\nls\n```\n")
    assert [s.heading for s in sections] == ["T", "Real"]
    assert "<pre><code" in sections[1].html
    assert "# not a heading" in sections[1].text


def test_tables_render() -> None:
    """Markdown tables become HTML tables and their cells are indexed text."""
    sections, _ = split_sections("# T\n\n## Grid\n\n| a | b |\n|---|---|\n| one | two |\n")
    assert "<table>" in sections[1].html
    assert "one" in sections[1].text and "two" in sections[1].text


def test_html_in_markdown_is_sanitized() -> None:
    """Script, event handlers and javascript: URLs never survive rendering."""
    md = (
        "# T\n\n## Bad\n\n<script>alert(1)</script>\n\n"
        '<img src="x" onerror="alert(2)">\n\n[click](javascript:alert(3))\n\n'
        '<a href="https://example.org" onclick="steal()">ok</a>\n'
    )
    html = split_sections(md)[0][1].html
    lowered = html.lower()
    assert "<script" not in lowered
    assert "onerror" not in lowered and "onclick" not in lowered
    assert "javascript:" not in lowered
    assert "alert(1)" not in split_sections(md)[0][1].text
    # A note keeps its class, so that a page can show it as a box; no other class survives.
    boxed = sanitize('<div class="note evil" onclick="x()"><p>a</p></div><div class="grid">b</div>')
    assert boxed == '<div class="note"><p>a</p></div><div>b</div>'


def test_duplicate_headings_get_unique_anchors() -> None:
    """Two sections with the same heading get distinct, stable anchors."""
    sections, _ = split_sections("# T\n\n## Same\n\nA\n\n## Same\n\nB\n")
    assert [s.anchor for s in sections[1:]] == ["same", "same-2"]


def test_empty_section_has_no_text() -> None:
    """A heading with nothing under it yields a section with empty text (the loader drops it)."""
    sections, _ = split_sections("# T\n\n## Empty\n\n## Full\n\nWords.\n")
    assert sections[1].heading == "Empty" and sections[1].text == ""
    assert sections[2].text == "Words."


def test_non_ascii_headings_and_text() -> None:
    """Accented headings get ASCII anchors and keep their text."""
    sections, _ = split_sections("# Aide\n\n## Remboursement reçu\n\nDéjà payé — merci.\n")
    assert sections[1].anchor == "remboursement-recu"
    assert sections[1].heading == "Remboursement reçu"
    assert sections[1].text == "Déjà payé — merci."


def test_article_without_title_heading() -> None:
    """Text before any heading is an intro section; no `# ` line means no body title."""
    sections, title = split_sections("Just text.\n\n## Part\n\nMore.\n")
    assert title is None
    assert sections[0].text == "Just text." and sections[0].level == 0
    assert sections[1].path == ["Part"]


def test_setext_headings_split_too() -> None:
    """Underlined (setext) headings are headings; the underline is not body text."""
    sections, _ = split_sections("Title\n=====\n\nIntro.\n\nPart\n----\n\nBody.\n")
    assert [s.heading for s in sections] == ["Title", "Part"]
    assert "---" not in sections[1].text


def test_template_tags_are_removed_outside_code() -> None:
    """Hugo shortcodes and Liquid/Jinja tags vanish from prose but stay in code examples."""
    md = "Use {{< ref page >}} and {% include x.html %} {{ .Title }}.\n\n```\n{{ .Title }}\n```\n"
    out = strip_templates(md)
    assert "{{<" not in out.split("```")[0] and "{%" not in out.split("```")[0]
    assert "{{ .Title }}" in out.split("```")[1]


def test_headings_read_as_their_rendered_text() -> None:
    """A heading's text is what Markdown renders it to, whether plain words or markup."""
    headings = [
        "Start a return",
        "Why was I charged twice?",
        "Où est mon colis",
        "Step 2 of 3",
        "1. Numbered",
        "Use **bold** and `code`",
        "Fees & taxes",
        "A [link](https://example.com) here",
    ]
    for heading in headings:
        sections, _ = split_sections(f"Intro.\n\n## {heading}\n\nBody.\n")
        assert sections[1].heading == plain_text(render(heading)), heading


def _python_markdown(md_text: str) -> str:
    """Python-Markdown's own rendering, with the extensions kb uses and none of kb's shortcuts."""
    return str(
        markdown.Markdown(extensions=["tables", "fenced_code", "sane_lists", "def_list"]).convert(
            md_text
        )
    )


# One inline construct each (a paragraph with two would go through the full pass for either).
INLINE_SAMPLES = [
    "plain words, numbers 3.5 and punctuation: (yes) 'quoted' \"double\" - dash / slash ? # ~ | $",
    "**bold**",
    "*em*",
    "_em_",
    "__strong__",
    "snake_case_name",
    "2 * 3 * 4",
    "a `code span`",
    "\\*escaped\\*",
    "a [link](https://example.com)",
    "![img](a.png)",
    "a [ref][r] and [r]\n\n[r]: https://example.com/r",
    "<https://example.com>",
    "<me@example.com>",
    "<b>html</b>",
    "&amp; &copy; &#169;",
    "AT&T",
    "line one  \nline two after a hard break",
    "    indented code with *stars*",
    "```\nfenced <b>&</b> *x*\n```",
    "- item *one*\n- item two\n\n1. first\n2. second with `code`",
    "| a | b |\n|---|---|\n| *x* | y |",
    "> quoted **text**\n\nplain after",
]


def test_the_inline_shortcut_renders_exactly_what_python_markdown_renders() -> None:
    """Skipping the inline pass for text without inline syntax changes no rendered byte: on
    samples of every inline construct and on every section of the shipped help center."""
    sections = [
        p.strip("\n")
        for path in sorted(CONTENT.rglob("*.md"))
        for p in re.split(r"(?m)^#{1,3} .*$", path.read_text(encoding="utf-8").split("---", 2)[-1])
    ]
    for md_text in INLINE_SAMPLES + sections:
        assert render(md_text) == _python_markdown(md_text), md_text


@given(
    st.lists(
        st.sampled_from(
            [
                "word",
                "Word",
                " ",
                "  ",
                "\n",
                "\n\n",
                "*",
                "**",
                "_",
                "`",
                "\\",
                "[",
                "]",
                "(",
                ")",
                "!",
                "<",
                ">",
                "&",
                ";",
                "#",
                "-",
                "1.",
                "|",
                "http://x.y",
                "@",
                "a_b",
                "    ",
            ]
        ),
        max_size=40,
    ).map("".join)
)
@settings(max_examples=examples(300), deadline=None, database=None)
def test_the_inline_shortcut_is_exact_on_any_text(md_text: str) -> None:
    """On any mix of words and Markdown's syntax characters, kb's rendering equals Python-Markdown's."""
    assert render(md_text) == _python_markdown(md_text)


HTML_SAMPLES = [
    "",
    "<p>plain</p>",
    '<h2 id="x">Head &amp; <em>more</em></h2>\n<p>a\u00a0b\tc\n\n d \u2003 e</p>',
    '<script>alert(1)</script><style>p{}</style><p onclick="x()">text</p>',
    '<a href="javascript:alert(3)">bad</a> <a href="https://example.org" rel="me">ok</a>',
    '<img src="x" onerror="alert(2)"><code class="language-py">x &lt; y</code>',
    '<table><tr><th style="text-align:left">h</th><td style="color:red">d</td></tr></table>',
    "<!-- comment --><p>&#169; &copy; &unknown; \x1c\x1f</p>",
    '<div class="note evil" onclick="x()"><p>a note</p></div><div class="grid">layout</div>',
    '<p class="x">Set class="" on a &lt;div class=""&gt; to clear it.</p>',
]


def test_sanitizing_and_plain_text_equal_nh3_clean_called_each_time() -> None:
    """kb's reusable cleaners and whitespace folding give what nh3.clean with the same options and
    re.sub(r"\\s+", " ") give, on awkward HTML and every rendered section of the help center."""
    from indexer.chunker import _ALLOWED_ATTRIBUTES, sanitize

    rendered = [
        render(p)
        for path in sorted(CONTENT.rglob("*.md"))
        for p in re.split(r"(?m)^#{1,3} .*$", path.read_text(encoding="utf-8").split("---", 2)[-1])
    ]
    for html in HTML_SAMPLES + rendered:
        expected = nh3.clean(
            html,
            attributes=_ALLOWED_ATTRIBUTES,
            allowed_classes={"div": {"note"}},
            link_rel="noopener noreferrer",
        )
        assert sanitize(html) == expected.replace('<div class="">', "<div>"), html
        text = re.sub(r"\s+", " ", html_module.unescape(nh3.clean(html, tags=set()))).strip()
        assert plain_text(html) == text, html


PLAIN_SAMPLES = [
    "One paragraph of words.",
    "Two lines\nof one paragraph.\n\nA second paragraph, after a blank line.",
    "Blank lines\n\n\n\nmany of them\n\n",
    "\n\nLeading blank lines",
    "Unicode: Straße, İstanbul, 東京, naïve café — “quotes” ‘too’ and 2 + 2 = 4 % $ @ ~ ^ {x} (y)",
    "Dashes mid-line - like this -- and this --- stay text\nEquals = too",
    "Ends with a no-break space\u00a0x",
    "a",
    "A list:\n\n- first item\n- second - item\n- third\n\nThen a paragraph.",
    "- Only a list\n- of two",
    "- A list\n\nA paragraph\n\n- another list",
    "Paragraph\n\n\n- after two blank lines\n\n\n\nParagraph",
]


def test_plain_paragraphs_and_lists_render_exactly_what_python_markdown_renders() -> None:
    """Blocks of plain lines (a letter first, no block or inline syntax) or of "- " items of plain
    lines are rendered as paragraphs and lists without Python-Markdown, byte for byte as
    Python-Markdown renders them; two lists in a row (one loose list) are left to it."""
    from indexer.chunker import _plain_blocks

    for md_text in PLAIN_SAMPLES:
        assert _plain_blocks(md_text) is not None, md_text  # the shortcut is taken
        assert render(md_text) == _python_markdown(md_text), md_text
    for md_text in ["- a\n\n- b", "- a\n\n\n- b", "- a\nlazy line", "Text\n- not a list"]:
        assert _plain_blocks(md_text) is None, md_text
        assert render(md_text) == _python_markdown(md_text), md_text


@given(
    st.lists(
        st.sampled_from(
            [
                "word",
                "Wörd",
                "東京",
                "- ",
                "\n- ",
                "\n\n- ",
                "1",
                "2.",
                " ",
                "  ",
                "\u00a0",
                "\u2003",
                "\n",
                "\n\n",
                "\n\n\n",
                ".",
                ",",
                ":",
                "!",
                "?",
                "'",
                '"',
                "(",
                ")",
                "-",
                "---",
                "=",
                "===",
                "+",
                "~~~",
                "/",
                "#",
                ">",
                "|",
                "<",
                "*",
                "_",
                "\t",
                "\r",
                "\x0c",
            ]
        ),
        max_size=40,
    ).map("".join)
)
@settings(max_examples=examples(500), deadline=None, database=None)
def test_rendering_is_exact_on_text_that_is_nearly_plain(md_text: str) -> None:
    """On words, white space, newlines, list markers and punctuation with a little block syntax
    among them, kb's rendering (paragraphs and lists shortcut included) equals Python-Markdown's."""
    assert render(md_text) == _python_markdown(md_text)


def _markdown_it_headings(body: str) -> list[tuple[int, int, str]]:
    """The (line, level, text) of each heading of level ≤ 3 in markdown-it's block parse."""
    from indexer.chunker import _md_it

    tokens = _md_it.parse(body)
    return [
        (tok.map[0], int(tok.tag[1]), tokens[i + 1].content)
        for i, tok in enumerate(tokens)
        if tok.type == "heading_open" and tok.map is not None and int(tok.tag[1]) <= 3
    ]


HEADING_LINES = [
    "",
    "Words of a paragraph.",
    "Text with # and | and <b> and `code` and a tab\there",
    "- A bullet",
    "- another bullet with # inside",
    "# Title",
    "## Section",
    "### Sub section",
    "#### Deep heading",
    "## Closed heading ##",
    "## Trailing space ",
    "##  Two spaces",
    "##\tTab",
    "#NoSpace",
    "####### Seven",
    "   ## Indented a little",
    "    ## Indented as code",
    "```",
    "~~~",
    "> ## Quoted heading",
    "- ## Heading in a list",
    "1. ## Heading in an ordered list",
    "1. Numbered",
    "===",
    "---",
    "- - -",
    "| a | b |",
    "|---|---|",
    "<div>",
    "  ",
    "\u00a0## Not at the start",
    "## Ends with no-break space\u00a0",
    "Carriage\rreturn",
    "Vertical\x0btab and\u2028separator",
]


def test_simple_bodies_find_the_headings_markdown_it_finds() -> None:
    """A body of paragraph lines, bullets and ATX headings has its headings read without
    markdown-it, the same lines, levels and texts as markdown-it's: on samples and every article
    of the help center (others are parsed)."""
    from indexer.chunker import _SIMPLE_BODY_RE, _headings

    simple = "\n".join(["# Title", "Intro.", "", "## One", "Text", "- item", "### Two", "x"])
    assert _SIMPLE_BODY_RE.fullmatch(simple)  # the shortcut is taken
    assert (
        _headings(simple)
        == _markdown_it_headings(simple)
        == [
            (0, 1, "Title"),
            (3, 2, "One"),
            (6, 3, "Two"),
        ]
    )
    for path in sorted(CONTENT.rglob("*.md")):
        body = strip_templates(path.read_text(encoding="utf-8").split("---", 2)[-1])
        assert _headings(body) == _markdown_it_headings(body), path


@given(st.lists(st.sampled_from(HEADING_LINES), max_size=12).map("\n".join))
@settings(max_examples=examples(500), deadline=None, database=None)
def test_headings_are_markdown_its_on_any_mix_of_lines(body: str) -> None:
    """On any sequence of paragraph, list, heading, code, quote, table and HTML lines, the headings
    found are markdown-it's."""
    from indexer.chunker import _headings

    assert _headings(body) == _markdown_it_headings(body)


FAQ = """# Frequently asked questions

Answers to what customers ask most.

**Can I change my username?**

Yes. Open Settings, then Profile, and type a new username.

**How do I export my data?** Go to Settings, then Privacy, and choose Download my data.
We email you a ZIP archive within a day.

## Billing

Q: Why was my card declined?
A: Your bank may block online payments abroad.

**Q: Is there a student discount?**

**A:** Students get half off the annual plan.
"""


def test_faq_questions_become_sections_with_their_answers() -> None:
    """Questions written as bold or "Q:" paragraphs, two or more under one heading, each start a
    section one level below that heading: its own anchor, path and answer ("A:" dropped)."""
    sections, title = split_sections(FAQ)
    assert title == "Frequently asked questions"
    got = [(s.level, s.anchor, s.path, s.text) for s in sections]
    assert got == [
        (0, "frequently-asked-questions", [], "Answers to what customers ask most."),
        (
            2,
            "can-i-change-my-username",
            ["Can I change my username?"],
            "Yes. Open Settings, then Profile, and type a new username.",
        ),
        (
            2,
            "how-do-i-export-my-data",
            ["How do I export my data?"],
            "Go to Settings, then Privacy, and choose Download my data. "
            "We email you a ZIP archive within a day.",
        ),
        (2, "billing", ["Billing"], ""),
        (
            3,
            "why-was-my-card-declined",
            ["Billing", "Why was my card declined?"],
            "Your bank may block online payments abroad.",
        ),
        (
            3,
            "is-there-a-student-discount",
            ["Billing", "Is there a student discount?"],
            "Students get half off the annual plan.",
        ),
    ]
    assert sections[4].html.startswith('<h3 id="why-was-my-card-declined">')


def test_a_lone_bold_question_or_one_in_a_list_or_code_stays_text() -> None:
    """A bold question alone under its heading is emphasis, not an FAQ; nor are questions in list
    items, quotes or code, which do not open a paragraph of their own."""
    body = (
        "# Guide\n\n## Import\n\n**Do you need to import at all?**\n\nMost sites do not.\n\n"
        "## Tips\n\n- **Is it fast?**\n- **Is it safe?**\n\n> **Why?**\n>\n> **How?**\n\n"
        "```\n**Can I?**\n**May I?**\n```\n"
    )
    sections, _ = split_sections(body)
    assert [s.anchor for s in sections] == ["guide", "import", "tips"]
    assert "Do you need to import at all?" in sections[1].text
    assert "Is it fast?" in sections[2].text and "May I?" in sections[2].text


def test_a_definition_list_renders_and_one_of_questions_is_an_faq() -> None:
    """A term over ": " lines is a definition list, as Goldmark, kramdown and MkDocs show it; when
    its terms are questions, each starts a section whose text is its definition, marker dropped and
    continuation lines moved back."""
    params = (
        "# Shortcode\n\n## Arguments\n\n`id`\n: (`string`) The video id.\n\n`start`\n: Seconds.\n"
    )
    sections, _ = split_sections(params)
    assert [s.anchor for s in sections] == ["shortcode", "arguments"]
    assert "<dl>\n<dt><code>id</code></dt>\n<dd>(<code>string</code>) The video id.</dd>" in (
        sections[1].html
    )
    faq = (
        "# FAQ\n\nWhy is a page not published?\n: Check its front matter:\n\n  - Is `draft` true?\n"
        "  - Is the date in the future?\n\nCan I use environment variables?\n: Yes.\n"
    )
    sections, _ = split_sections(faq)
    assert [(s.level, s.heading, s.text) for s in sections[1:]] == [
        (
            2,
            "Why is a page not published?",
            "Check its front matter: Is draft true? Is the date in the future?",
        ),
        (2, "Can I use environment variables?", "Yes."),
    ]
    assert "<li>Is <code>draft</code> true?</li>" in sections[1].html


def test_questions_in_headings_too_deep_to_split_are_an_faq() -> None:
    """Headings below ### stay inside their section, unless two or more under one heading ask
    questions: then each starts a section, at its own level."""
    body = (
        "# FAQ\n\n## Billing\n\n#### Can I pay by invoice?\n\nYes, on yearly plans.\n\n"
        "#### Do you ship abroad? ####\n\nTo 40 countries.\n\n#### A note\n\nStays inside.\n\n"
        "## Other\n\n#### Only one question?\n\nStays too.\n"
    )
    sections, _ = split_sections(body)
    assert [(s.level, s.path, s.text) for s in sections[1:]] == [
        (2, ["Billing"], ""),
        (4, ["Billing", "Can I pay by invoice?"], "Yes, on yearly plans."),
        (4, ["Billing", "Do you ship abroad?"], "To 40 countries. A note Stays inside."),
        (2, ["Other"], "Only one question? Stays too."),
    ]
    assert sections[2].html.startswith('<h4 id="can-i-pay-by-invoice">Can I pay by invoice?</h4>')


def test_questions_sharing_one_answer_stay_one_section_and_code_is_no_box() -> None:
    """Three questions with no answer between them are one section over the answer they share;
    a `<div>` named in a question's code is text, not a box that would hide the questions after
    it."""
    body = (
        "# FAQ\n\n## Markup\n\n**Can I use `<div>` tags?**\n\nYes.\n\n**Q one?**\n\n**Q two?**\n\n"
        "**Q three?**\n\nOne answer for three.\n\n**Last?**\n\nYes.\n"
    )
    sections, _ = split_sections(body)
    assert [(s.heading, s.text) for s in sections[2:]] == [
        ("Can I use <div> tags?", "Yes."),
        ("Q one?", "Q two? Q three? One answer for three."),
        ("Last?", "Yes."),
    ]


def test_attribute_lists_give_deep_headings_their_ids_and_are_no_text() -> None:
    """`{#id}` after a heading too deep to start a section is its id, as the generators make it
    (an in-page link to it lands there); a `{.class}` line after a block is no text either."""
    body = (
        "# API\n\n## Query\n\n#### Time dimensions {#time-dimensions}\n\nGroup by time.\n{.lead}\n"
    )
    section = split_sections(body)[0][1]
    assert '<h4 id="time-dimensions">Time dimensions</h4>' in section.html
    assert section.text == "Time dimensions Group by time."
