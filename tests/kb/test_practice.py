"""An index's own confidence model refined with labeled rows, whatever kb wrote the model."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from indexer import article_store, encoder, layout, vector_cache
from kb.engine import SearchRequest, practice
from kb.web.service import Service
from tests.conftest import CONTENT
from tests.helpers.server import make_settings
from tests.indexer.test_build import make_content

pytestmark = pytest.mark.skipif(not encoder.available(), reason="kb[semantic] is not installed")


def test_a_model_stored_without_look_alikes_is_refined_as_one_with_none(index_copy: Path) -> None:
    """A version's confidence.json from before look-alikes has no "lookalikes" key: refining it
    with labeled rows fits as if it had none, keeps its cosine scale and records the rows; one
    with look-alikes keeps them through the refit."""
    version = layout.current_version(index_copy)
    assert version is not None
    engine = Service(make_settings(index_copy, CONTENT)).searcher
    practice.fit_version(version, engine, lookalike_share=0.05)
    path = version / layout.CONFIDENCE
    fitted = json.loads(path.read_text(encoding="utf-8"))
    assert fitted["lookalikes"], "the fit found no look-alike with an answer"
    labeled = practice.load_prior()[:40]

    def refine(data: dict[str, object]) -> dict[str, object]:
        path.write_text(json.dumps(data), encoding="utf-8")
        practice.refine_version(version, labeled)
        refined: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
        return refined

    kept = refine(fitted)
    assert kept["lookalikes"] == fitted["lookalikes"] and kept["labeled_rows"] == len(labeled)
    older = refine({k: v for k, v in fitted.items() if k != "lookalikes"})
    none = refine({**fitted, "lookalikes": []})
    assert older["weights"] == none["weights"] and older["bias"] == none["bias"]
    assert older["weights"] != kept["weights"]
    assert older["cosine_scale"] == fitted["cosine_scale"] and older["labeled_rows"] == len(labeled)


def test_practice_questions_are_the_same_in_every_process(built_index: Path) -> None:
    """The practice questions, and so the fitted model, depend on the content alone: not on the
    hash seed of the process that builds (Python orders sets of words differently per process)."""
    version = layout.current_version(built_index)
    assert version is not None
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from indexer import article_store\n"
        "from kb.engine import practice\n"
        "articles = list(article_store.shared.read(Path(sys.argv[1])).values())\n"
        "print(json.dumps(practice.answerable(articles)))\n"
    )

    def asked(seed: str) -> list[list[str]]:
        done = subprocess.run(
            [sys.executable, "-c", code, str(version)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        found: list[list[str]] = json.loads(done.stdout)
        return found

    first = asked("1")
    assert len(first) > 50 and first == asked("2") == asked("3")


def test_a_build_from_nothing_fits_with_the_practice_vectors_an_earlier_build_stored(
    tmp_path: Path,
) -> None:
    """With KB_VECTOR_CACHE, a help center's first build stores its practice questions' vectors
    beside its sections'; the same content built into a new index folder adds nothing to the cache
    and gets the very same confidence model."""
    content = make_content(tmp_path / "c", 5)
    cache = tmp_path / "cache"
    models, rows = [], []
    for name in ("one", "two"):
        make_settings(tmp_path / name, content, vector_cache=cache).build_index()
        version = layout.current_version(tmp_path / name)
        assert version is not None
        models.append((version / layout.CONFIDENCE).read_bytes())
        with sqlite3.connect(cache / vector_cache.FILENAME) as db:
            rows.append(db.execute("SELECT count(*) FROM vectors").fetchone()[0])
    assert rows[0] > 5 * 4, "no practice question was stored"  # beyond cards and sections
    assert rows[1] == rows[0]
    assert models[0] == models[1]


def test_an_article_taken_away_leaves_the_others_practice_questions_as_they_were(
    built_index: Path,
) -> None:
    """Each practice question is drawn by its own text, not from one random stream: without one
    article, nearly all of the others' questions, look-alikes and negatives stay (with a stream,
    every later draw shifted: a quarter of the questions changed and no look-alike stayed, and
    one edit fitted a different confidence model for the whole help center)."""
    version = layout.current_version(built_index)
    assert version is not None
    articles = list(article_store.shared.read(version).values())

    def kept(before: list[object], after: list[object]) -> float:
        return len(set(before) & set(after)) / len(set(before))

    for gone in [a.id for a in articles][::5]:
        fewer = [a for a in articles if a.id != gone]
        before, after = practice.answerable(articles), practice.answerable(fewer)
        assert len(before) > 100
        assert kept([q for q in before if q[1] != gone], after) >= 0.95, gone
        looks = practice.lookalikes(before, 60), practice.lookalikes(after, 60)
        assert kept(*looks) >= 0.8, gone
        assert kept(practice.negatives(articles, 100), practice.negatives(fewer, 100)) >= 0.9, gone


NO_SUBJECT_CENTER = {
    "community-help": (
        "Get help from the community forum",
        "Ask other users for help in the community forum: post your question, add screenshots, "
        "and mark the reply that solved it. Staff answer questions that stay open for two days.",
    ),
    "reset-password": (
        "Reset your password",
        "Open the sign-in page, choose Forgot password and enter your email address. The reset "
        "link is valid for one hour; request a new one if it expired.",
    ),
    "export-data": (
        "Export your data",
        "Go to Settings, then Data, and choose Export. You get a CSV file of every project and "
        "task; large exports are emailed when ready.",
    ),
    "invite-members": (
        "Invite team members",
        "Admins invite colleagues from Settings, then Team. Each invitee gets an email and joins "
        "with the role you chose: viewer, editor or admin.",
    ),
    "billing-questions": (
        "Questions about your invoice",
        "Invoices are issued on the first of each month. To change the billing address or the VAT "
        "number, edit them under Billing before the next invoice is issued.",
    ),
    "two-factor": (
        "Turn on two-factor authentication",
        "Protect your account with a second step at sign-in: scan the QR code with an "
        "authenticator app and keep the recovery codes somewhere safe.",
    ),
    "delete-account": (
        "Delete your account",
        "Deleting your account removes every project after a 30-day grace period. Export your "
        "data first; the owner of a team must transfer ownership before leaving.",
    ),
    "troubleshoot-sync": (
        "Troubleshoot sync problems",
        "If changes do not appear on another device, check that both are online and signed in to "
        "the same workspace, then refresh. Clear the app cache if sync still fails.",
    ),
    "keyboard-shortcuts": (
        "Keyboard shortcuts",
        "Press ? to see every shortcut. N creates a task, / focuses search, and G then P opens "
        "your projects.",
    ),
    "api-tokens": (
        "Create an API token",
        "Personal API tokens are created under Settings, then Developer. Give each token a name "
        "and the scopes it needs; revoke it when a script no longer uses it.",
    ),
}


def test_a_message_naming_no_subject_is_handed_over_where_titles_have_its_words(
    tmp_path: Path,
) -> None:
    """On a help center whose titles say "help" and "questions", a message that only asks for
    help (none of these is in the shipped list the fit learns from) is no confident answer, while
    questions with a subject are answered: the fit holds such messages as wrong answers on every
    help center. Before, "help" was answered at 0.95 with the community forum, "question" at 0.94
    with the invoice questions; now they are near the threshold or under it."""
    content = tmp_path / "content"
    content.mkdir()
    shutil.copyfile(CONTENT / "channels.yaml", content / "channels.yaml")
    for slug, (title, body) in NO_SUBJECT_CENTER.items():
        details = f"{body.split('.')[0]}. Contact support if this does not help."
        text = f"---\ntitle: {title}\n---\n\n{body}\n\n## Details\n\n{details}\n"
        (content / f"{slug}.md").write_text(text, encoding="utf-8")
    settings = make_settings(tmp_path / "index", content, vector_cache=tmp_path / "cache")
    settings.build_index()
    engine = Service(settings).searcher
    vague = ["help", "hello, I need help", "question", "support please"]
    assert not set(vague) & {q.lower() for q in practice.no_subject()}
    for q in vague:
        body = engine.search(SearchRequest(q=q, limit=3))
        assert body["confidence"] < 0.6, (q, body["confidence"], body["answers"][:1])
    asked = {
        "how do I reset my password": "reset-password",
        "export data to csv": "export-data",
        "change the VAT number on my invoice": "billing-questions",
        "where do I ask the community a question": "community-help",
    }
    for q, article in asked.items():
        body = engine.search(SearchRequest(q=q, limit=3))
        assert not body["fallback"] and body["answers"][0]["article"] == article, (q, body)
