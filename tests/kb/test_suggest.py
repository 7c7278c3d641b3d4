"""kb.engine.suggest: the prefix index ranks exactly as the plain definition of a suggestion does."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from indexer import layout
from kb.engine.snapshot import Snapshot
from kb.engine.suggest import Entry, Suggester
from tests.helpers.budget import examples


def reference(s: Suggester, prefix: str, limit: int, internal: bool) -> list[Entry]:
    """The definition: every entry with the earlier words and a word starting with the last one;
    those starting with the typed text first, then titles, then shorter; one per text."""
    from indexer.schema import words

    typed = words(prefix)
    if not typed:
        return []
    *head, last = typed
    joined = " ".join(typed)
    found = [
        e
        for e in s.entries
        if (internal or not e.internal)
        and any(w.startswith(last) for w in e.words)
        and all(h in e.words for h in head)
    ]
    found.sort(key=lambda e: (0 if e.joined.startswith(joined) else 1, *e.rank))
    out: list[Entry] = []
    for e in found:
        if e.joined not in {o.joined for o in out}:
            out.append(e)
    return out[:limit]


def _suggester(default_index: Path) -> Suggester:
    path = layout.current_version(default_index)
    assert path is not None
    return Suggester(Snapshot.open(path).articles)


def test_typical_prefixes(default_index: Path) -> None:
    s = _suggester(default_index)
    for prefix in ["ref", "how do i tr", "where is my pa", "c", "zzz", "cancel ord", "phone"]:
        for internal in (False, True):
            assert s.suggest(prefix, 8, internal) == reference(s, prefix, 8, internal), prefix
    assert [e.kind for e in s.suggest("track", 8)][:1] == ["title"]
    assert s.suggest("zzzz") == []


@settings(max_examples=examples(300), deadline=None)
@given(data=st.data())
def test_any_prefix_matches_the_definition(default_index: Path, data: st.DataObject) -> None:
    if "s" not in _suggester_cache:  # opened once: setdefault would open a snapshot per example
        _suggester_cache["s"] = _suggester(default_index)
    s = _suggester_cache["s"]
    entry = data.draw(st.sampled_from(s.entries))
    # A prefix of a real completion, cut anywhere, sometimes with a word dropped or a typo.
    cut = data.draw(st.integers(1, len(entry.text)))
    text = entry.text[:cut]
    if data.draw(st.booleans()):
        text = data.draw(st.sampled_from(["", "how ", "my ", "the "])) + text.split(" ", 1)[-1]
    if data.draw(st.booleans()):
        text += data.draw(st.text(alphabet="abcdeiou ", max_size=3))
    limit = data.draw(st.integers(1, 10))
    internal = data.draw(st.booleans())
    assert s.suggest(text, limit, internal) == reference(s, text, limit, internal), text


_suggester_cache: dict[str, Suggester] = {}
