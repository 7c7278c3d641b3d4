"""Each generator's conventions, indexed for real: what is searchable and what the page shows."""
# ruff: noqa: E501 - fixtures are whole Markdown files written on one line each, as they read

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from indexer import build_index, live_articles
from indexer.article import Article
from tests.conftest import CONTENT


def index(
    tmp_path: Path, files: dict[str, str], **options: object
) -> tuple[dict[str, Article], object]:
    """Build a real index of these files; the articles and the build report."""
    content = tmp_path / "content"
    for rel, text in files.items():
        path = content / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    shutil.copyfile(CONTENT / "channels.yaml", content / "channels.yaml")
    report = build_index(content, tmp_path / "index", **options)  # type: ignore[arg-type]
    articles = live_articles(tmp_path / "index")
    assert articles is not None
    return articles, report


def text_of(article: Article) -> str:
    return " ".join(s.text for s in article.sections)


def test_liquid_comments_and_raw_markers_are_never_searched(tmp_path: Path) -> None:
    """Text inside {% comment %} is gone (even a commented-out fence); {% raw %} markers vanish."""
    arts, _ = index(
        tmp_path,
        {
            "a.md": "---\ntitle: A\nlayout: page\n---\nKept words.\n\n"
            "{% comment %}\n```\nrm -rf secretcommand\n```\n{% endcomment %}\n\n"
            "{% raw %}\n```\n{{ liquidexample }}\n```\n{% endraw %}\n"
        },
    )
    a = arts["a"]
    assert "secretcommand" not in a.html and "Kept words" in text_of(a)
    assert "{% raw" not in a.html and "{{ liquidexample }}" in a.html


def test_kramdown_attribute_lists_disappear_and_give_heading_anchors(tmp_path: Path) -> None:
    """{:target="_blank"} is never shown, nor the list a `{:toc}` replaces; `{: #id}` under a
    heading and `{#id}` become its anchor."""
    arts, _ = index(
        tmp_path,
        {
            "a.md": '---\ntitle: A\npermalink: /a/\n---\n* TOC\n{:toc}\n\nSee [docs](https://x.org){:target="_blank"}.\n\n'
            "## Setup\n{: #custom-setup}\n\nText.\n\n## Other {#other-id}\n\nMore.\n"
        },
    )
    a = arts["a"]
    assert "{:" not in a.html and "target" not in text_of(a)
    assert "TOC" not in text_of(a)  # the list `{:toc}` replaces with the page's contents
    assert [s.anchor for s in a.sections][1:] == ["custom-setup", "other-id"]
    assert a.sections[2].heading == "Other"


def test_markdown_inside_html_blocks_with_markdown_1_is_rendered(tmp_path: Path) -> None:
    """kramdown's markdown="1" tab panes render their headings, bold and links."""
    arts, _ = index(
        tmp_path,
        {
            "a.md": "---\ntitle: A\nlayout: page\n---\nIntro.\n\n"
            '<div class="tab-pane" id="mac" markdown="1">\n#### On a Mac\n\n'
            "Press **Cmd** and see [billing](billing.md).\n</div>\n",
            "billing.md": "---\ntitle: Billing\n---\nPay.\n",
        },
    )
    html = arts["a"].html
    assert "<h4>On a Mac</h4>" in html and "<strong>Cmd</strong>" in html
    assert '<a href="/articles/billing"' in html and "**" not in html


@pytest.mark.parametrize(
    ("markup", "label"),
    [
        (":::tip Using WordPress?\nInstall the **plugin**.\n:::\n", "Tip: Using WordPress?"),
        (":::tip[Not what you need?]\nInstall the **plugin**.\n:::\n", "Tip: Not what you need?"),
        ('!!! warning "Careful now"\n    Install the **plugin**.\n', "Warning: Careful now"),
        ("/// note | Heads up\nInstall the **plugin**.\n///\n", "Note: Heads up"),
        ("> [!NOTE]\n> Install the **plugin**.\n", "Note"),
        ("{% callout warning %}\nInstall the **plugin**.\n{% endcallout %}\n", "Warning"),
    ],
)
def test_admonitions_of_every_generator_become_labelled_notes(
    tmp_path: Path, markup: str, label: str
) -> None:
    """Docusaurus, MkDocs, PyMdown, GitHub and Liquid notes render as a bold label over their text."""
    arts, _ = index(tmp_path, {"a.md": f"---\ntitle: A\n---\nIntro.\n\n{markup}\nAfter.\n"})
    a = arts["a"]
    assert f"<strong>{label}</strong>" in a.html
    assert "<strong>plugin</strong>" in a.html
    assert f"{label} Install the plugin" in text_of(a)
    for leftover in (":::", "!!!", "///", "[!NOTE]", "{%"):
        assert leftover not in a.html


def test_mdx_imports_head_blocks_and_components_are_not_text(tmp_path: Path) -> None:
    """MDX import lines, a <head> JSON-LD block and a self-closing <CtaBox> never reach the index;
    an import inside a code fence is content and stays."""
    arts, _ = index(
        tmp_path,
        {
            "a.md": "---\ntitle: A\nsidebar_label: Short name\n---\n"
            "import CtaBox from '@site/src/components/CtaBox';\n\n"
            '<head>\n  <script type="application/ld+json">{`{"name": "faqanswer"}`}</script>\n</head>\n\n'
            'Body words.\n\n<CtaBox\n  headline="Start free trial"\n  link="/x"\n/>\n\n'
            "```js\nimport x from 'y';\n```\n"
        },
    )
    a = arts["a"]
    assert "faqanswer" not in a.html and "CtaBox" not in a.html and "free trial" not in a.html
    assert "import CtaBox" not in a.html and "import x from" in a.html
    assert "Short name" in a.questions


def test_a_navigation_name_is_a_question_only_when_it_adds_words(tmp_path: Path) -> None:
    """A sidebar_label or linkTitle with words the title lacks is searched as a question; one made
    of the title's words (stemmed) is not, so a short menu name never outweighs the title."""
    arts, _ = index(
        tmp_path,
        {
            "visibility.md": "---\ntitle: Share your stats\nsidebar_label: Public dashboard\n---\nText.\n",
            "links.md": "---\ntitle: Link render hooks\nlinkTitle: Links\n---\nText.\n",
        },
    )
    assert arts["visibility"].questions == ["Public dashboard"]
    assert arts["links"].questions == [] and arts["links"].title == "Link render hooks"


def test_details_summary_tabs_and_images_show_their_text(tmp_path: Path) -> None:
    """<details> keeps its summary as the heading of its text, TabItems become labelled parts,
    images become their alt text (indented in a frame too)."""
    arts, _ = index(
        tmp_path,
        {
            "a.md": "---\ntitle: A\nsidebar_position: 2\n---\nIntro.\n\n<details>\n\n<summary>\n\n"
            "## Manual check\n\n</summary>\n\nOpen the **console**.\n\n</details>\n\n"
            '<Tabs>\n<TabItem value="npm" label="Using npm">\n\nRun npm.\n\n</TabItem>\n</Tabs>\n\n'
            '<div class="browser">\n<img alt="Goal settings page" src={useBaseUrl(\'img/x.png\')} />\n</div>\n\n'
            '<div class="browser">\n    <img alt="Indented shot" src="/y.png" />\n</div>\n'
        },
    )
    a = arts["a"]
    # MDX has no indented code: an indented screenshot's alt text is a paragraph, not a code block
    assert "<p>Indented shot</p>" in a.html and "<pre" not in a.html
    manual = next(s for s in a.sections if s.heading == "Manual check")
    assert "<strong>console</strong>" in manual.html and "<details" not in manual.html
    assert "Using npm Run npm" in manual.text and "Goal settings page" in manual.text
    assert "useBaseUrl" not in a.html and "<img" not in a.html


def test_collapsible_questions_of_any_generator_are_an_faq(tmp_path: Path) -> None:
    """In plain Markdown (as in MDX) a <details> block reads as its summary over its text: a page
    of such questions is searched question by question; one "show more" block stays a label."""
    faq = "".join(
        f"<details>\n<summary>{q}</summary>\n\n{a}\n</details>\n\n"
        for q, a in (
            ("Can I pay by invoice?", "Yes, on yearly plans."),
            ("Do you ship abroad?", "To 40 countries."),
        )
    )
    arts, _ = index(
        tmp_path,
        {
            "faq.md": f"# Billing FAQ\n\n{faq}",
            "config.md": "# Config\n\n<details>\n<summary>Show the whole file</summary>\n\nport: 80\n</details>\n",
        },
    )
    got = [(s.heading, s.text) for s in arts["faq"].sections[1:]]
    assert got == [
        ("Can I pay by invoice?", "Yes, on yearly plans."),
        ("Do you ship abroad?", "To 40 countries."),
    ]
    assert "<details" not in arts["faq"].html
    (config,) = arts["config"].sections
    assert config.text == "Show the whole file port: 80"
    assert "<strong>Show the whole file</strong>" in config.html


def test_hugo_details_shortcodes_keep_their_summary(tmp_path: Path) -> None:
    """Hugo's details shortcode shows its summary over its text (it was dropped with the tag): a
    page of them is an FAQ; without a summary the label is Hugo's own, "Details"."""
    arts, _ = index(
        tmp_path,
        {
            "faq.md": "---\ntitle: FAQ\nlinkTitle: FAQ\n---\n"
            '{{< details summary="Can I pay by invoice?" >}}\nYes, on yearly plans.\n{{< /details >}}\n\n'
            "{{< details open=true summary='Do you ship abroad?' >}}\nTo 40 countries.\n{{< /details >}}\n",
            "more.md": "---\ntitle: More\nlinkTitle: More\n---\n{{% details %}}\nThe rest.\n{{% /details %}}\n",
        },
    )
    got = [(s.heading, s.text) for s in arts["faq"].sections[1:]]
    assert got == [
        ("Can I pay by invoice?", "Yes, on yearly plans."),
        ("Do you ship abroad?", "To 40 countries."),
    ]
    assert text_of(arts["more"]) == "Details The rest."


def test_collapsible_notes_titled_by_questions_are_an_faq(tmp_path: Path) -> None:
    """MkDocs `???` and PyMdown `/// details` blocks titled by a question read opened, the question
    over its answer, so a page of them is searched question by question; other notes keep their
    labelled box."""
    arts, _ = index(
        tmp_path,
        {
            "faq.md": "# FAQ\n\n/// details | Can I use a custom domain?\nYes, on every plan.\n///\n\n"
            '??? question "Is there an API?"\n\n    Yes: the Stats API.\n\n'
            '!!! tip "Keep it short"\n\n    Short answers are read.\n',
        },
        content_format="mkdocs",
    )
    got = [(s.heading, s.text) for s in arts["faq"].sections[1:]]
    assert got == [
        ("Can I use a custom domain?", "Yes, on every plan."),
        ("Is there an API?", "Yes: the Stats API. Tip: Keep it short Short answers are read."),
    ]
    assert '<div class="note">\n<p><strong>Tip: Keep it short</strong></p>' in (
        arts["faq"].sections[2].html
    )
    assert "<div></div>" not in arts["faq"].html


def test_questions_without_an_answer_between_and_questions_in_a_note_stay_text(
    tmp_path: Path,
) -> None:
    """Two FAQ questions with nothing between them share the answer below them: one section, the
    second question in its text (not an empty section dropped with its words). Questions inside a
    note do not split it: the note stays one box, whole, in the section it stands in (a Docusaurus
    note keeps its box too)."""
    arts, _ = index(
        tmp_path,
        {
            "faq.md": "# FAQ\n\n**Can I pay by card?**\n\n**Can I pay by invoice?**\n\n"
            "Yes, both.\n\n**Can I get a refund?**\n\nWithin 30 days.\n\n:::note Tax\n"
            "**Is VAT included?**\n\nYes.\n\n**Do you bill yearly?**\n\nYes.\n:::\n\n"
            "**Can I cancel?**\n\nAny time.\n",
        },
        content_format="docusaurus",
    )
    sections = arts["faq"].sections
    assert [(s.heading, s.text) for s in sections[1:]] == [
        ("Can I pay by card?", "Can I pay by invoice? Yes, both."),
        (
            "Can I get a refund?",
            "Within 30 days. Note: Tax Is VAT included? Yes. Do you bill yearly? Yes.",
        ),
        ("Can I cancel?", "Any time."),
    ]
    assert sections[2].html.count('<div class="note">') == sections[2].html.count("</div>") == 1


def test_publishing_flags_decide_what_is_indexed_and_are_reported(tmp_path: Path) -> None:
    """Drafts, unpublished, never-rendered and redirect pages are left out and counted by reason;
    unlisted pages are indexed unless the build leaves them out."""
    files = {
        "ok.md": "---\ntitle: Ok\n---\nText.\n",
        "draft.md": "---\ntitle: D\ndraft: true\n---\nText.\n",
        "unpub.md": "---\ntitle: U\npublished: false\n---\nText.\n",
        "never.md": "---\ntitle: N\nbuild:\n  render: never\n---\nText.\n",
        "old.md": "---\ntitle: Old\nredirect_to: /ok/\n---\n",
        "hidden.md": "---\ntitle: H\nhidden: true\n---\nProvider guide.\n",
    }
    arts, report = index(tmp_path / "one", files)
    assert set(arts) == {"ok", "hidden"}
    assert report.by_reason() == {"never published": 3, "redirect": 1}  # type: ignore[attr-defined]
    assert report.skipped == []  # type: ignore[attr-defined]
    arts, report = index(tmp_path / "two", files, include_unlisted=False)
    assert set(arts) == {"ok"} and report.by_reason()["unlisted, left out"] == 1  # type: ignore[attr-defined]


def test_hugo_cascade_aliases_link_title_and_ref(tmp_path: Path) -> None:
    """A folder's cascaded build.render: never leaves its pages out; aliases and relref resolve to
    the article; a linkTitle of the title's own words adds no question; a description is the
    summary."""
    arts, report = index(
        tmp_path,
        {
            "_common/_index.md": "---\ncascade:\n  build:\n    render: never\n---\n",
            "_common/snippet.md": "---\n---\nShared snippet words.\n",
            "guide.md": "---\ntitle: The Guide\nlinkTitle: Guide\ndescription: All about it.\naliases: [/old/guide/]\n---\n"
            'Text.\n\n{{% include "_common/snippet.md" %}}\n',
            "other.md": '---\ntitle: Other\nweight: 3\n---\nSee [the guide]({{< relref "guide.md#x" >}}) and '
            "[old](/old/guide/) and [gone](/nowhere/).\n",
        },
    )
    assert set(arts) == {"guide", "other"}
    assert arts["guide"].summary == "All about it." and arts["guide"].questions == []
    assert "Shared snippet words" in text_of(arts["guide"])
    html = arts["other"].html
    assert 'href="/articles/guide#x"' in html and 'href="/articles/guide"' in html
    assert any(w.startswith("other.md:5: dead link to /nowhere/") for w in report.warnings)  # type: ignore[attr-defined]


def test_relative_and_base_path_links_resolve_and_dead_ones_are_warned(tmp_path: Path) -> None:
    """../x.md, /docs/x, {{ site.baseurl }}/x and a top-level page named from a subfolder all point
    at /articles/<id>; a link to nothing keeps its target and is reported with path:line."""
    arts, report = index(
        tmp_path,
        {
            "billing.md": "---\ntitle: Billing\nsidebar_label: Bills\n---\n## VAT\n\nText.\n",
            "proxy/guides/nginx.md": "---\ntitle: Nginx\n---\nSee [vat](../../billing.md#vat), [b](/docs/billing),\n"
            "[c]({{ site.baseurl }}/billing/), [d](billing.md) and [e](missing.md).\n",
        },
    )
    html = arts["proxy-guides-nginx"].html
    assert html.count('href="/articles/billing') == 4 and 'href="/articles/billing#vat"' in html
    assert "proxy/guides/nginx.md:5: dead link to missing.md (no such article)" in report.warnings  # type: ignore[attr-defined]


def test_includes_outside_the_content_folder_are_dropped_with_a_warning(tmp_path: Path) -> None:
    """A --8<-- snippet inside the folder is inlined; one outside it is dropped and reported."""
    (tmp_path / "secret.md").write_text("outside secret words\n", encoding="utf-8")
    arts, report = index(
        tmp_path,
        {
            "snippets/step.md": "Inlined step words.\n",
            "a.md": '---\ntitle: A\nhide: [toc]\n---\nIntro.\n\n--8<-- "snippets/step.md"\n\n--8<-- "../secret.md"\n',
        },
    )
    assert "Inlined step words" in text_of(arts["a"]) and "outside secret" not in text_of(arts["a"])
    assert any(w.startswith("a.md:9: include ../secret.md dropped") for w in report.warnings)  # type: ignore[attr-defined]


def test_a_liquid_include_shows_the_text_its_directive_passes(tmp_path: Path) -> None:
    """`{% include note.html content="…" %}` (a Jekyll documentation theme's notes) shows its
    `{{ include.content }}`: a quoted text, or a `{% capture %}` of the page, which is not shown
    where it stands (a quoted text may hold a "%"); a parameter the directive does not pass is
    empty."""
    arts, _ = index(
        tmp_path,
        {
            "_includes/note.html": '<div class="alert"><b>Note:</b> {{include.content}}'
            "{{ include.title | upcase }}</div>\n",
            "a.md": "---\ntitle: A\n---\n{% capture keys %}\nKeep two recovery keys.\n"
            '{% endcapture %}\nIntro.\n\n{% include note.html content="Use a strong password." %}'
            "\n\n{%- include note.html content=keys -%}\n\n"
            "{% include note.html content='Annual plans save 20%.' %}\n",
        },
        content_format="jekyll",
    )
    text = text_of(arts["a"])
    assert text == (
        "Intro. Note: Use a strong password. Note: Keep two recovery keys. "
        "Note: Annual plans save 20%."
    )


def test_footnotes_abbreviations_toc_markers_and_icons_read_as_the_site_shows_them(
    tmp_path: Path,
) -> None:
    """A footnote's marker is a superscript and its note a paragraph where it is defined (no "dead
    link" warning; a "[^x]" the page does not define stays); an abbreviation's definition is no
    text; `[TOC]` and Material's icon shortcodes are not words."""
    arts, report = index(
        tmp_path,
        {
            "a.md": "---\ntitle: A\n---\n[TOC]\n\nBilled monthly.[^1] Cancel any time :material-check:.\n"
            "Code `x[^1]` and an undefined [^abc] stay.\n\n*[VAT]: Value Added Tax\n\nPrices exclude VAT.\n\n"
            "[^1]: Annual plans are billed\n    once a year.\n"
        },
        content_format="mkdocs",
    )
    a = arts["a"]
    assert text_of(a) == (
        "Billed monthly.1 Cancel any time . Code x[^1] and an undefined [^abc] stay. Prices exclude VAT. "
        "1 Annual plans are billed once a year."
    )
    assert "monthly.<sup>1</sup>" in a.html and '<abbr title="Value Added Tax">VAT</abbr>' in a.html
    assert not report.warnings  # type: ignore[attr-defined]


def test_mdx_pages_are_indexed_and_their_partials_shown_where_they_are_used(tmp_path: Path) -> None:
    """A Docusaurus site's .mdx files are pages (as are .mkdown and Markdown's other names); a file
    whose name starts with "_" is a partial the site makes no page of, left out and counted, and
    its text is shown where a page imports and uses it (`import Note from './_note.mdx'` …
    `<Note />`)."""
    arts, report = index(
        tmp_path,
        {
            "docs/_billing-note.mdx": "Invoices are emailed on the first of the month.\n",
            "guide.mkdown": "---\ntitle: Guide\n---\nAn older page, named as Jekyll allows.\n",
            "docs/billing.mdx": "---\ntitle: Billing\n---\nimport BillingNote from './_billing-note.mdx';\n"
            "import Tabs from '@theme/Tabs';\nimport Gone from './_gone.mdx';\n\nIntro.\n\n"
            "<BillingNote />\n\n<Gone />\n\n## Pay\n\nBy card.\n",
        },
    )
    assert set(arts) == {"docs-billing", "guide"}
    # a partial whose file is missing is dropped and reported where the page uses it
    assert report.warnings == [  # type: ignore[attr-defined]
        "docs/billing.mdx:12: include ./_gone.mdx dropped (not found inside the content folder)"
    ]
    assert (
        text_of(arts["docs-billing"])
        == "Intro. Invoices are emailed on the first of the month. By card."
    )
    assert [e.path for e in report.excluded] == ["docs/_billing-note.mdx"]  # type: ignore[attr-defined]
    # In a Jekyll site, folders named with "_" hold pages, whatever marks one of them shows.
    jekyll, _ = index(
        tmp_path / "jekyll",
        {
            "index.md": "---\ntitle: Home\nlayout: home\n---\nWelcome to {{ site.title }}.\n",
            "_docs/other.md": "---\ntitle: Other\nlayout: doc\n---\nMore {% raw %}text{% endraw %}.\n",
            "_docs/setup.md": '---\ntitle: Setup\n---\n<Youtube id="x" />\n\nSet it up.\n',
        },
    )
    assert set(jekyll) == {"index", "docs-other", "docs-setup"}


def test_task_list_items_show_their_checkbox_not_brackets(tmp_path: Path) -> None:
    """ "- [ ] item" and "- [x] item" are a checkbox on every generator's page; in code they stay."""
    arts, _ = index(
        tmp_path,
        {
            "a.md": "---\ntitle: A\n---\n- [ ] Export your data\n- [x] Cancel the plan\n\n"
            "```\n- [ ] in code\n```\n"
        },
    )
    assert text_of(arts["a"]) == "☐ Export your data ☑ Cancel the plan - [ ] in code"


def test_an_mdx_import_inside_a_code_example_imports_nothing(tmp_path: Path) -> None:
    """A page that shows how to import a partial, in a code example, keeps the example as written,
    and a `<Note />` line outside code is not given the partial's text."""
    arts, _ = index(
        tmp_path,
        {
            "docs/_note.mdx": "Partial text.\n",
            "docs/howto.mdx": "---\ntitle: How to\n---\nWrite:\n\n```mdx\n"
            "import Note from './_note.mdx';\n\n<Note />\n```\n\n<Note />\n\nDone.\n",
        },
    )
    text = text_of(arts["docs-howto"])
    assert "Partial text" not in text
    assert text == "Write: import Note from './_note.mdx'; <Note /> Done.", text


def test_emoji_names_show_as_emoji_and_are_not_searched(tmp_path: Path) -> None:
    """`:heavy_check_mark:` is the emoji on the page and no words in the index; an unknown name,
    colons inside numbers or words, and code keep what is written."""
    arts, _ = index(
        tmp_path,
        {
            "a.md": "---\ntitle: A\n---\n"
            "Easy to install?|:heavy_check_mark:|:x:\n---|---|---\nLinux|:+1:|no\n\n"
            ":bulb: Opens at 10:30:00; ratio 1:100:1, a:wave:b and :props: stay, `:bulb:` too.\n\n"
            "```\n:smile:\n```\n"
        },
    )
    text = text_of(arts["a"])
    assert "heavy" not in text and "check" not in text and "+1" not in text
    assert text.startswith("Easy to install? ✔️ ❌ Linux 👍 no 💡 Opens at 10:30:00;"), text
    assert "ratio 1:100:1, a:wave:b and :props: stay, :bulb: too. :smile:" in text
    html = arts["a"].sections[0].html
    assert "<th>✔️</th>" in html and "<td>👍</td>" in html and "<code>:bulb:</code>" in html


def test_html_comments_are_never_searched(tmp_path: Path) -> None:
    """An HTML comment, even one spanning lines, is not in the page or the index."""
    arts, _ = index(
        tmp_path, {"a.md": "---\ntitle: A\n---\nShown.\n\n<!-- TODO\nhiddenword\n-->\n"}
    )
    assert "hiddenword" not in arts["a"].html and "TODO" not in text_of(arts["a"])


def test_content_format_forces_the_generator(tmp_path: Path) -> None:
    """With content_format="jekyll", an MDX import line is text as Jekyll would show it."""
    files = {"a.md": "---\ntitle: A\n---\nimport Thing from 'thing';\n\nText.\n"}
    forced, _ = index(tmp_path / "one", files, content_format="jekyll")
    found, _ = index(tmp_path / "two", files)
    assert "import Thing" in forced["a"].html and "import Thing" not in found["a"].html


def test_hugo_code_shortcodes_render_as_code_whatever_surrounds_them(tmp_path: Path) -> None:
    """A code-toggle after a self-closing one, a code-toggle on a page whose fenced examples hold
    JavaScript imports, and an inline highlight all show as code, never as `{{<` or stray text."""
    arts, _ = index(
        tmp_path,
        {
            "config.md": "---\ntitle: Config\nlinkTitle: Config\n---\nDefaults:\n\n{{< code-toggle file=hugo config=deployment />}}\n\n"
            "## Example\n\n{{< code-toggle file=hugo >}}\n[deployment]\n  order = ['.jpg$']\n{{< /code-toggle >}}\n",
            "sanity.md": "---\ntitle: Sanity\n---\n```ts {file=\"a.ts\"}\nimport {a} from 'b'\nimport {c} from 'd'\n```\n\n"
            "Set it e.g:\n\n{{< code-toggle file=hugo >}}\n[polls]\n  includes = ['https://*.*.sanity.io/**']\n{{< /code-toggle >}}\n",
            "hl.md": '---\ntitle: Hl\n---\nThis is some {{< highlight go "hl_inline=true" >}}fmt.Println("x"){{< /highlight >}} code.\n\n'
            "Then {{< new-in 0.1.0 />}} more.\n",
        },
    )
    for article in arts.values():
        assert "{{" not in article.html and "<em>" not in article.html
    assert "<pre><code" in arts["config"].sections[-1].html and "order = " in arts["config"].html
    assert "includes = ['https://*.*.sanity.io/**']" in arts["sanity"].html
    assert '<code>fmt.Println("x")</code> code.' in arts["hl"].html.replace("&quot;", '"')


def test_a_fence_closes_as_commonmark_closes_it(tmp_path: Path) -> None:
    """A fence opened with four backticks and never closed runs to the end of the page as code; a
    shorter run inside it is code too."""
    arts, _ = index(
        tmp_path,
        {
            "a.md": "---\ntitle: A\n---\nIntro.\n\n````go-html-template\n{{ $t := now }}\n\n{{ $t.IsZero }} → false\n```\n",
        },
    )
    html = arts["a"].html
    assert html.count("<pre>") == 1 and "{{ $t.IsZero }} → false\n```" in html
    assert "<p>{{" not in html


def test_markdown_on_text_lines_inside_an_html_table_is_rendered(tmp_path: Path) -> None:
    """MDX renders links, bold and code on a text line inside a <td>: the page shows them as such."""
    arts, _ = index(
        tmp_path,
        {
            "a.md": "---\ntitle: A\nsidebar_label: Tables\n---\nimport x from 'y';\n\n<table>\n  <tr>\n    <td>\n"
            "      Uses `plausible.init` and the **official** [GTM template](https://example.org/gtm).\n"
            "    </td>\n  </tr>\n</table>\n",
        },
    )
    html = arts["a"].html
    assert ">GTM template</a>" in html and "https://example.org/gtm" in html
    assert "<strong>official</strong>" in html and "<code>plausible.init</code>" in html
    assert "](" not in html and "**" not in html


def test_reference_links_defined_at_the_foot_render_in_every_section(tmp_path: Path) -> None:
    """`[text][label]`, `[label][]` and `[label]` in any section link to the definition at the
    page's foot, which is itself never shown; a bracket with no definition stays as written."""
    arts, _ = index(
        tmp_path,
        {
            "a.md": "---\ntitle: A\nlinkTitle: A\n---\nSee [details][hugo deploy] and `m[0][1]`.\n\n## Storage\n\n"
            "- [Ceph][]\n- [MinIO]\n- [not a link]\n\n## Example\n\nText.\n\n"
            "[Ceph]: https://ceph.com/\n[minio]: https://min.io/\n[hugo deploy]: b.md\n",
            "b.md": "---\ntitle: B\n---\nText.\n",
        },
    )
    html = arts["a"].html
    assert 'href="/articles/b"' in html and ">details</a>" in html and "m[0][1]" in html
    assert ">Ceph</a>" in html and ">MinIO</a>" in html and "[not a link]" in html
    assert "https://ceph.com/" in html and "]:" not in html


def test_every_definition_of_a_block_and_links_holding_code_resolve(tmp_path: Path) -> None:
    """Each line of a block of definitions points at its article (not every other one); a link
    whose text is code (`[`safe`][]`, before a colon too) resolves; "[text][]" defined nowhere on
    the page (by a template on the site) reads as its words; code that looks like a link stays
    code."""
    arts, _ = index(
        tmp_path,
        {
            "a.md": "---\ntitle: A\n---\nUse [`safe`][] or [b][], [c][] and [d][]; see [source][].\n"
            "Write `[b][]` for a link.\n\n- [`safe`][]: the safe functions.\n\n"
            "[`safe`]: /s/\n[b]: /b/\n[c]: /c/\n[d]: /d/\n",
            **{f"{n}.md": f"---\ntitle: {n.upper()}\n---\nText.\n" for n in ("s", "b", "c", "d")},
        },
    )
    html = arts["a"].html
    for article in ("s", "b", "c", "d"):
        assert f'href="/articles/{article}"' in html
    assert html.count('href="/articles/s"') == 2 and "<code>[b][]</code>" in html
    assert "see source." in arts["a"].sections[0].text


MDX_PLAN = {
    "funnels.md": "---\ntitle: Funnels\n---\nimport PlanFeatureNote from '@site/src/components/PlanFeatureNote';\n\n"
    '<PlanFeatureNote feature="Funnels" plan="business" />\n\n## Set up a funnel\n\nPick the goals in order.\n'
}


def test_a_component_can_be_written_as_text(tmp_path: Path) -> None:
    """A self-closing MDX component named in `component_text` becomes its template's text, filled
    from the tag's attributes, and is searchable; without a template it is left out."""
    arts, _ = index(tmp_path / "plain", MDX_PLAN)
    assert (
        "business" not in text_of(arts["funnels"])
        and "<PlanFeatureNote" not in arts["funnels"].html
    )
    template = {"PlanFeatureNote": "{feature} is available on the {plan} plan."}
    arts, _ = index(tmp_path / "mapped", MDX_PLAN, component_text=template)
    assert "Funnels is available on the business plan." in text_of(arts["funnels"])
    assert "<PlanFeatureNote" not in arts["funnels"].html


def test_changed_reading_options_build_in_full(tmp_path: Path) -> None:
    """A build with other reading options than the live version's re-reads every file instead of
    reusing the parsed articles of unchanged ones."""
    arts, _ = index(tmp_path, MDX_PLAN)
    assert "business" not in text_of(arts["funnels"])
    template = {"PlanFeatureNote": "Available on the {plan} plan."}
    report = build_index(
        tmp_path / "content", tmp_path / "index", incremental=True, component_text=template
    )
    assert not report.incremental
    articles = live_articles(tmp_path / "index")
    assert articles is not None and "business plan" in text_of(articles["funnels"])
    again = build_index(
        tmp_path / "content", tmp_path / "index", incremental=True, component_text=template
    )
    assert again.incremental and again.changed == 0


def test_a_file_looked_at_again_gets_the_same_generator_and_a_change_is_seen() -> None:
    """detect remembers files by what it reads, so a process that rebuilds on each edit does not
    match every unchanged file again: the same body and field names give the same answer, and a
    field name or a mark added is seen."""
    from indexer.ingest.detect import _SEEN, detect

    body = "Some text.\n\n```js\nimport x from 'y'\n```\n"
    assert detect("a.md", {"title": "A"}, body) == "plain"
    assert detect("b.md", {"title": "B"}, body) == "plain"
    assert detect("a.md", {"title": "A", "linkTitle": "A"}, body) == "hugo"
    assert detect("a.md", {"title": "A"}, body + '\n!!! note "N"\n    n\n') == "mkdocs"
    assert detect("a.mdx", {"title": "A"}, body) == "docusaurus"
    seen = len(_SEEN)
    assert detect("c.md", {"title": "C"}, body) == "plain" and len(_SEEN) == seen


def test_front_matter_read_again_gives_the_same_routes_and_an_edit_is_seen() -> None:
    """scan remembers parsed front matter by its text, so a process that rebuilds on each edit
    does not parse every unchanged file's YAML again: the same file gives the same routes without
    a parse, and an edited slug is seen."""
    from indexer.ingest.site import _PARSED, scan
    from indexer.loader import article_id

    page = b"---\ntitle: Pricing\nslug: plans\n---\nText.\n"
    first = scan(None, [("docs/pricing.md", page)], article_id)
    parsed = len(_PARSED)
    again = scan(None, [("docs/pricing.md", page)], article_id)
    assert again.routes == first.routes and again.titles == first.titles
    assert len(_PARSED) == parsed
    edited = scan(None, [("docs/pricing.md", page.replace(b"plans", b"prices"))], article_id)
    assert edited.routes == {"docs/pricing": "docs-prices", "docs/prices": "docs-prices"}
