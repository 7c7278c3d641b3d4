"""The index's format on the serving side's terms: the Whoosh schema of a section chunk and the
analyzer that cuts documents and queries into the same words.

The indexer writes with it and kb.engine reads with it, so a change to a chunk's stored shape is
made here once.
"""

from __future__ import annotations

import re
from typing import Any

from whoosh.analysis import StemmingAnalyzer
from whoosh.analysis.filters import STOP_WORDS
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.lang.porter import stem as porter_stem

# Words that carry no topic in a help-center question ("how do I …", "my …"). Whoosh's own list plus
# the question and pronoun words people type; removed from documents and queries alike, so that a
# query's coverage counts only the words that say what it is about.
# "where", "when" and "not" stay searchable: they carry intent ("where is my parcel" is about
# tracking, "not received" about a missing parcel).
STOPWORDS: frozenset[str] = (frozenset(STOP_WORDS) - {"when", "not"}) | frozenset(
    """
    i me my mine myself we our ours you your yours he she him her his they them their theirs it its
    how what why who whom which whose there here do does did doing done am is are was were
    be been being has have had having get gets got getting want wants wanted need needs would could
    should shall might must can cannot cant don dont didnt doesnt im ive id please hi hello hey thanks
    thank so but just about any some all very really also too than then into onto out up down off
    over again still yet s t re ve ll d m o y let lets one ones much many more most such own same
    pls plz thx thanx ty ur btw
    """.split()
) - {"where", "when"}

WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)

# Field weights: a word in a title or heading says more about a section than one in its body.
FIELD_BOOSTS: dict[str, float] = {
    "title": 3.0,
    "headings": 2.5,
    "questions": 3.0,
    "summary": 1.5,
    "body": 1.0,
}
TEXT_FIELDS: tuple[str, ...] = tuple(FIELD_BOOSTS)

# A live version of another schema version is never built on: the next build is a full one. Raise it
# when the stored shape of a chunk or of an article changes, or what reading a source file yields.
SCHEMA_VERSION = 8

# Words Porter's stemmer joins to words a help center keeps apart: it gives "customer" the stem of
# "custom" ("custom domain", "customize", and "customs" duties), so a question about customers
# matched every page about settings. Each maps its forms to a stem of its own.
STEM_OVERRIDES: dict[str, str] = {"customer": "customer", "customers": "customer"}


def stem_word(word: str) -> str:
    """The indexed stem of one lower-case word: Porter's, but for STEM_OVERRIDES."""
    return STEM_OVERRIDES.get(word) or porter_stem(word)


def analyzer() -> Any:
    """The English stemming analyzer used for every text field and for every query.

    Its tokens are the words `words()` finds in a query (letters and digits; dots, underscores and
    apostrophes split them): Whoosh's default pattern would index "robots.txt" or "hugo_build" as
    one token that no query word can match.
    """
    return StemmingAnalyzer(expression=r"[^\W_]+", stoplist=STOPWORDS, minsize=2, stemfn=stem_word)


def make_schema() -> Schema:
    """The Whoosh schema of one section chunk."""
    ana = analyzer()
    return Schema(
        chunk_id=ID(stored=True, unique=True),
        article=ID(stored=True),
        anchor=STORED(),
        position=STORED(),
        # Text is not stored in Whoosh: the service has every section in memory (the articles), and
        # loading a hit's stored fields is then a small unpickle instead of decompressing its body.
        title=TEXT(analyzer=ana, field_boost=FIELD_BOOSTS["title"]),
        headings=TEXT(analyzer=ana, field_boost=FIELD_BOOSTS["headings"]),
        questions=TEXT(analyzer=ana, field_boost=FIELD_BOOSTS["questions"]),
        summary=TEXT(analyzer=ana, field_boost=FIELD_BOOSTS["summary"]),
        body=TEXT(analyzer=ana, field_boost=FIELD_BOOSTS["body"]),
        topic=ID(),
        audience=ID(),
        # "field=value" for every scalar front-matter field, so an operator can filter on any of them.
        facets=KEYWORD(lowercase=True, commas=True),
    )


_CLITICS = ("'s", "'re", "'ll", "'ve", "'d", "'m")
# Negations typed without their apostrophe ("hasnt arrived", "doesnt work"), as people do on phones.
_BARE_NEGATIONS = frozenset(
    "isnt arent wasnt werent hasnt havent hadnt doesnt dont didnt cant couldnt wont wouldnt "
    "shouldnt mustnt neednt aint".split()
)


def plain_word(word: str) -> str:
    """'where's' → 'where', "hasn't" (or "hasnt") → 'not': contractions searched as their main word."""
    w = word.lower().replace("’", "'")
    if "'" not in w:
        return "not" if w in _BARE_NEGATIONS else w
    if w.endswith(_CLITICS):
        return w[: w.rindex("'")]
    if w.endswith("n't"):
        return "not"  # hasn't, don't, can't: the negation is what is left to search
    return w.replace("'", "")


def words(text: str) -> list[str]:
    """The lower-cased words of a text, in order (no stemming, no stop-word removal)."""
    return [plain_word(w) for w in WORD_RE.findall(text)]


def facet_terms(meta: dict[str, Any]) -> list[str]:
    """`field=value` terms for every scalar (or list of scalars) front-matter field."""
    terms: list[str] = []
    for key, value in meta.items():
        values = value if isinstance(value, list) else [value]
        for v in values:
            if isinstance(v, str | int | float | bool) and str(v).strip():
                terms.append(f"{key}={str(v).strip()}".lower().replace(",", " "))
    return terms
