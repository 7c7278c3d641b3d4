"""Words the content itself uses: its terms are not urgency, and names are not misspelt words."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from indexer import build_index
from kb.engine.query import correction
from kb.engine.search import SearchEngine, SearchRequest
from kb.web.service import Service
from tests.conftest import CONTENT
from tests.helpers.server import make_settings

# A password manager's help center: "emergency access" names a feature, and the content's words
# "cloud", "blocker" and "core" are one or two edits from "icloud", "bitlocker" and "corp".
ARTICLES = {
    "emergency-access": """---
title: Emergency access
summary: Let a trusted contact reach your vault.
topic: sharing
---

## Set up emergency access

Emergency access lets a trusted contact ask to open your vault. Open Settings and choose
Emergency access, then add the contact.

## How emergency access works

When your contact asks for emergency access, you have a waiting period to refuse the request.
""",
    "backups": """---
title: Backing up your vault
summary: Where your vault is stored and how to restore it.
topic: backup
---

## Cloud backup

Your vault is stored in the cloud and synced to every device. A pop-up blocker can stop the sync
page from opening: allow pop-ups for the vault.

## Restoring from the core server

The core server keeps older copies of your vault for thirty days.
""",
    "hacked-account": """---
title: A hacked account
summary: What to do when someone else is in your account.
topic: security
channel: phone
---

## If your account was hacked

Call us urgently: a hacked account needs a person at once. Change your master password first.
""",
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> SearchEngine:
    root = tmp_path_factory.mktemp("vault")
    content = root / "content"
    content.mkdir()
    shutil.copy(CONTENT / "channels.yaml", content / "channels.yaml")
    for name, text in ARTICLES.items():
        (content / f"{name}.md").write_text(text, encoding="utf-8")
    build_index(content, root / "index")
    engine = Service(make_settings(root / "index", content)).searcher
    engine.cache.size = 0
    return engine


def channel(engine: SearchEngine, q: str) -> str:
    return str(engine.search(SearchRequest(q=q))["channel"]["id"])


def test_an_urgency_word_inside_a_term_of_the_content_is_not_urgency(engine: SearchEngine) -> None:
    """Asking about "emergency access", a feature of this help center, is not urgent."""
    for q in ("how do I set up emergency access", "Emergency access request pending"):
        assert engine.holder.get().channels.wording(q) is None, q
        assert channel(engine, q) == "chat", q


def test_urgency_outside_the_content_terms_still_counts(engine: SearchEngine) -> None:
    """The same word outside the term, or another urgency word beside it, is urgent: phone."""
    assert channel(engine, "this is an emergency, please help") == "phone"
    assert channel(engine, "emergency access is on and my vault was hacked") == "phone"


def test_a_term_the_content_routes_to_the_urgent_channel_stays_urgent(engine: SearchEngine) -> None:
    """A term written in an article routed to phone ("a hacked account") stays urgent."""
    snap = engine.holder.get()
    assert snap.channels.wording("I have a hacked account") == "urgent"


@pytest.mark.parametrize(
    ("q", "word", "nearest"),
    [
        ("icloud backup failed", "icloud", "cloud"),
        ("restore my iCloud backup", "icloud", "cloud"),
        ("bitlocker blocks the sync page", "bitlocker", "blocker"),
        ("move my vault from old-corp", "corp", "core"),
    ],
)
def test_names_are_not_corrected_into_dictionary_words(
    engine: SearchEngine, q: str, word: str, nearest: str
) -> None:
    """A product or proper name (a compound of two words, mixed case, hyphenated) is left as
    typed, although a content word is within typo distance of it."""
    snap = engine.holder.get()
    assert snap.vocabulary.correct(word) == nearest  # what a plain typo correction would do
    assert engine.search(SearchRequest(q=q))["did_you_mean"] is None


def test_misspellings_beside_names_are_still_corrected(engine: SearchEngine) -> None:
    """A real typo is corrected ("clowd" → "cloud", "vualt" → "vault"), a name beside it is not."""
    body = engine.search(SearchRequest(q="my iCloud vualt is not in the clowd"))
    assert body["did_you_mean"] == "my iCloud vault is not in the cloud"


def test_a_name_is_corrected_into_a_name_of_the_content(tmp_path: Path) -> None:
    """A capitalised word near a word the language lacks (a name of the content) is a typo of it."""
    content = tmp_path / "content"
    content.mkdir()
    (content / "sync.md").write_text(
        "---\ntitle: Syncing with Dropbax\n---\n\n## Dropbax folders\n\nPick a Dropbax folder.\n"
    )
    build_index(content, tmp_path / "index")
    engine = Service(make_settings(tmp_path / "index", content)).searcher
    snap = engine.holder.get()
    assert correction("dropbux", snap.vocabulary, engine.lexicon, name=True) == "dropbax"
