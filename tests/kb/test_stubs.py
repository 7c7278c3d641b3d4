"""Near-empty and link-only pages are found, but never preferred to a real article with the same words."""

from __future__ import annotations

import shutil
from pathlib import Path

from indexer import build_index, live_articles
from kb.engine import SearchRequest, open_engine
from tests.conftest import CONTENT

FILES = {
    # a list page: its title says everything, its body is links
    "password/_index.md": "---\ntitle: Password reset and password help\n---\n"
    "- [Reset your password](/password/reset/)\n- [Choose a strong password](/password/strong/)\n"
    "- [Password reset email](/password/email/)\n",
    "password/reset.md": "---\ntitle: Reset your password\n---\n## Steps\n\nOpen the sign-in page and "
    "choose Forgot password. Enter the email address of your account, open the message we send and "
    "pick a new password of at least twelve characters.\n",
    "password/strong.md": "---\ntitle: Choose a strong password\n---\n## Tips\n\nA long passphrase of "
    "four unrelated words is stronger than a short password with symbols, and easier to remember.\n",
    "password/email.md": "---\ntitle: Password reset email\n---\nComing soon.\n",
}


def build(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    for rel, text in FILES.items():
        (content / rel).parent.mkdir(parents=True, exist_ok=True)
        (content / rel).write_text(text, encoding="utf-8")
    shutil.copyfile(CONTENT / "channels.yaml", content / "channels.yaml")
    build_index(content, tmp_path / "index")
    return tmp_path / "index"


def test_stubs_are_marked_when_indexed(tmp_path: Path) -> None:
    """A page of links and a page of two words are stubs; articles with their own text are not."""
    articles = live_articles(build(tmp_path))
    assert articles is not None
    assert {a.id for a in articles.values() if a.stub} == {"password", "password-email"}


def test_a_stub_never_ranks_above_an_article_with_the_same_words(tmp_path: Path) -> None:
    """The words "password reset" are in the list page's title and the stub's title, but the answer is the
    article that explains it; the stubs come after it, no more confident than it."""
    engine = open_engine(build(tmp_path), cache_size=0)
    try:
        result = engine.search(SearchRequest(q="password reset", limit=5))
        ids = [a.article for a in result.answers]
        assert ids[0] == "password-reset", ids
        assert ids.index("password") > ids.index("password-reset")
        confidences = [a.confidence for a in result.answers]
        assert confidences == sorted(confidences, reverse=True)
        alone = engine.search(SearchRequest(q="coming soon", limit=5))
        assert alone.answers and alone.answers[0].article == "password-email"
    finally:
        engine.close()
